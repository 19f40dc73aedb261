/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Stage 5: what must change to turn the kernel's table into the model's.
 * The same plan drives `natgw plan` (printed) and `natgw apply` (sent by
 * kplan_emit(), kernel/). Pure: no netlink. */
#ifndef NATGW_KPLAN_H
#define NATGW_KPLAN_H

#include "kmodel.h"
#include "kstate.h"

enum kchange {
	KCHANGE_NONE,
	KCHANGE_ADD,
	KCHANGE_REMOVE,
	KCHANGE_MODIFY,
};

/* One natgw rule's fate, for the operator. */
struct kplan_rule {
	char name[NGW_NAME_MAX + 1];
	bool snat;
	enum kchange change;
	char old_desc[KDESC_MAX + 1];	/* what it did (removed or changed) */
	const char *new_desc;		/* what it will do (added or changed) */
	uint32_t old_mark;		/* its ct mark in the kernel now, 0 if none */
	uint32_t new_mark;		/* its ct mark after the plan, 0 if removed */
	bool remark;			/* kept (maybe changed), but its mark moved
					 * (mark.h): its live conntrack entries and
					 * full-cone mappings are re-marked */
};

struct idx_list {
	size_t *v;
	size_t n, cap;
};

struct kplan {
	bool create;			/* no table yet */
	bool rebuild;			/* natgw's table, but not as this natgw builds it */
	char rebuild_reason[160];	/* with rebuild, why, for the operator: "set
					 * rule_counters takes 1024 elements, 1100
					 * are needed" */
	struct idx_list elem_del;	/* kstate elems */
	struct idx_list elem_add;	/* kmodel elems */
	struct idx_list rule_del;	/* kstate rules (postrouting snat rules) */
	struct idx_list rule_add;	/* kmodel chain rules */
	struct kplan_rule *rules;	/* model rules in order, then removed ones */
	size_t n_rules;
	size_t n_add, n_remove, n_modify;
	size_t n_remark;		/* rules whose mark moved */
};

/* exact_sizes: every set natgw fills must have the size a new table would
 * give it (kset_capacity), else the table is rebuilt: a rollback puts back
 * the table as it was, not one whose sets an apply in between grew. */
void kplan_compute(const struct kstate *st, const struct kmodel *m, bool exact_sizes,
		   struct kplan *p);
void kplan_free(struct kplan *p);

/* Whether the plan sends anything at all. */
bool kplan_empty(const struct kplan *p);

#endif
