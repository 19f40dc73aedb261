/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Stage 2: the YAML tree to the rule model, one section per file
 * (load.c: top level and gateway; load_forward.c; load_snat.c). */
#ifndef NATGW_LOAD_H
#define NATGW_LOAD_H

#include "schema.h"

struct load_result {
	struct ngw_ruleset *rs;
	bool *forward_ok;	/* per rule: loaded without error */
	bool *snat_ok;
};

/* root may be NULL (an empty document). Errors go to d; the model holds
 * every rule, failed ones included, so validation can still name them. */
void model_load(const struct ynode *root, struct ngw_diags *d, struct load_result *out);
void load_result_free(struct load_result *r);

bool load_forward(struct loader *L, const struct ynode *item, size_t index,
		  struct ngw_forward *f);
bool load_snat(struct loader *L, const struct ynode *item, size_t index,
	       struct ngw_snat *s);

/* Starts loading one rule item: the message context ('forward "web"', or
 * 'forward #3' without a usable name), a placeholder name "#3" until the
 * real one is read, the shape check, its keys, the required ones. False
 * when the item is not a mapping. */
bool rule_open(struct loader *L, const char *kind, const struct ynode *item, size_t index,
	       struct keys *k, const int *required, size_t n_required, char *name);

void ifaces_copy(struct ngw_ifaces *dst, const struct ngw_ifaces *src);

#endif
