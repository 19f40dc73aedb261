/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Stage 2 helpers: reading typed values out of the YAML tree, with the
 * error for every wrong shape. Shared by the loaders of each section. */
#ifndef NATGW_SCHEMA_H
#define NATGW_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include "natgw/rules.h"
#include "yaml_tree.h"

struct loader {
	struct ngw_diags *d;
	struct ngw_ruleset *rs;
	char ctx[NGW_NAME_MAX + 32];	/* 'forward "web"', prefixed to messages */
	bool rule_failed;		/* an error in the rule being loaded */
};

/* The keys of one mapping, in the order the loader wants to read them. */
struct keys {
	const char *const *names;
	size_t n;
	const struct ynode **value;	/* out: value node per key, NULL if absent */
	struct ngw_pos *at;		/* out: position of each key */
};

/* An error in the current context ('forward "web": ...'); marks the rule failed. */
__attribute__((format(printf, 3, 4)))
void lerr(struct loader *L, struct ngw_pos pos, const char *fmt, ...);
__attribute__((format(printf, 3, 4)))
void lwarn(struct loader *L, struct ngw_pos pos, const char *fmt, ...);

/* Fills k->value/k->at from map; unknown, duplicate and empty keys are
 * errors, with a "did you mean" where a known key is close. */
void keys_collect(struct loader *L, const struct ynode *map, struct keys *k);

/* Checks node is a mapping; "what" names it in the error ("gateway"). */
bool expect_map(struct loader *L, const struct ynode *node, const char *what);

/* A non-empty scalar. NULL (after an error) for a list, mapping, null or a
 * text with a NUL in it. */
const char *value_string(struct loader *L, const char *key, const struct ynode *v);

bool value_bool(struct loader *L, const char *key, const struct ynode *v, bool *out);

/* A plain decimal number within lo..hi (an error names the range). */
bool value_uint(struct loader *L, const char *key, const struct ynode *v, unsigned lo,
		unsigned hi, unsigned *out);

/* Index of v among names, or -1 after an error with a "did you mean". */
int value_enum(struct loader *L, const char *key, const struct ynode *v,
	       const char *const *names, size_t n);

/* A string or a list of strings: calls each() for every item. An empty
 * list is an error that says what leaving the key out means (hint), or
 * is allowed when hint is NULL. */
bool value_list(struct loader *L, const char *key, const struct ynode *v, const char *hint,
		bool (*each)(struct loader *L, const char *key, const struct ynode *item, void *arg),
		void *arg);

/* Interface names as the kernel accepts them (dev_valid_name). An empty
 * list means "none" where empty_ok, and is an error elsewhere. */
bool value_ifaces(struct loader *L, const char *key, const struct ynode *v,
		  bool empty_ok, struct ngw_ifaces *out);

/* Source prefixes; an address alone means /32 or /128. */
bool value_prefixes(struct loader *L, const char *key, const struct ynode *v,
		    struct ngw_prefixes *out);

/* A rule name, checked against [a-z0-9][a-z0-9_-]{0,31}. */
bool value_name(struct loader *L, const struct ynode *v, char *out);

/* Where a key's value is, or where its rule starts when the key is absent. */
static inline struct ngw_pos value_pos(const struct ynode *v, const struct ynode *rule)
{
	return v ? v->pos : rule->pos;
}

/* Reports every name in required[] whose value is absent. */
void keys_require(struct loader *L, const struct ynode *map, const struct keys *k,
		  const int *required, size_t n);

#define KEYS(arr, vals, pos) \
	((struct keys){ .names = (arr), .n = sizeof(arr) / sizeof((arr)[0]), \
			.value = (vals), .at = (pos) })

#endif
