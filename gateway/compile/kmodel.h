/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gateway/compile/: the compiler, from a validated ruleset to the nftables
 * table natgw keeps, and the plan from the table the kernel holds to that
 * one. Pure: no netlink, no system calls; `plan --nft`, the golden tests
 * and the fuzzer use it without a kernel. Uses rules/ only.
 *
 * Stage 4: the validated ruleset compiled into what natgw's table must
 * hold — set elements in netlink layout (a counted one per rule), chain
 * rules as krule ops. Both the apply (libnftnl) and `plan --nft` (text) are
 * rendered from this, and an apply diffs it against what the kernel has. */
#ifndef NATGW_KMODEL_H
#define NATGW_KMODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "krule.h"
#include "layout.h"
#include "natgw/rules.h"

#define KELEM_KEY_MAX	40
#define KELEM_DATA_MAX	20
#define KDESC_MAX	200		/* it goes with the rule's name and digest in
					 * an element's 256 bytes of userdata */

struct kelem {
	uint8_t set;			/* enum kset */
	uint8_t key_len;
	uint8_t data_len;
	uint8_t key[KELEM_KEY_MAX];	/* a range: its first key, then its last */
	uint8_t data[KELEM_DATA_MAX];	/* marks and targets */
	uint32_t rule;			/* index into kmodel.rules, or KRULE_NO_OWNER */
};

/* One natgw rule as the kernel holds it. */
struct kmodel_rule {
	char name[NGW_NAME_MAX + 1];
	bool snat;
	uint32_t mark;
	char desc[KDESC_MAX + 1];	/* what the rule does, kept with its counter */
	struct ngw_pos pos;		/* where it is in the YAML, for error messages */
	uint64_t digest;		/* of every set element it owns: stored with its
					 * counter, so an apply can trust a record of the
					 * elements instead of dumping 100,000 of them */
};

struct kmodel {
	char table[NGW_TABLE_MAX + 1];
	struct kmodel_rule *rules;	/* enabled forwards, then snat rules */
	size_t n_rules;
	struct kelem *elems;
	size_t n_elems, cap_elems;
	struct krule *chain_rules;	/* every chain's rules, each chain in order */
	size_t n_chain_rules, cap_chain_rules;
};

/* A rule name and the mark the kernel gives it now. */
struct kmark {
	const char *name;
	uint32_t mark;
};

/* Compiles rs; each rule's mark is mark_assign()'s. Returns 0, or -ENOSPC
 * when there are more rules than mark ids. */
int kmodel_compile(const struct ngw_ruleset *rs, struct kmodel *m);
void kmodel_free(struct kmodel *m);

/* How many of the model's elements each set holds. */
void kmodel_set_counts(const struct kmodel *m, size_t counts[KSET_COUNT]);

/* Text of an element for nft: `"eth0" . ipv4 . tcp . 443 : 0x4e000001`. */
void kelem_key_text(const struct kelem *e, FILE *out);
void kelem_data_text(const struct kelem *e, FILE *out);

#endif
