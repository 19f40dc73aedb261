/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Moving live connections to a rule's new mark. A rule's mark is a
 * function of the rule names (mark.h), so it moves only when an apply adds
 * or removes a rule whose hash collides with it (or the table was written
 * by a natgw that numbered rules in apply order). Right after that apply's
 * transaction, the rule's conntrack entries and endpoint-independent
 * mappings are given the new mark, so they stay counted, listed and
 * flushed as that rule's. */
#ifndef NATGW_REMARK_H
#define NATGW_REMARK_H

#include <stddef.h>
#include <stdint.h>

#include "compile/kplan.h"
#include "kernel/nl.h"

struct remark_result {
	size_t entries;			/* conntrack entries re-marked */
	size_t entries_failed;		/* ... that the kernel refused */
	size_t mappings;		/* endpoint-independent mappings re-marked */
	int err;			/* the first error (-errno), or 0 */
};

/* Re-marks the entries and mappings of every rule the plan says moved
 * (kept or changed rules with remark set). Every entry is tried, whatever
 * failed before it. */
void remark_rules(struct nl *nl, const char *table, const struct kplan *p,
		  struct remark_result *res);

#endif
