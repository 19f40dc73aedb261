/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which mappings a request wants (one table's, one rule's, one protocol's),
 * and the list they are collected in: the same whether `natgw mappings`
 * reads conntrack itself or the daemon answers from its translation
 * table. */
#ifndef NATGW_MAPPINGS_H
#define NATGW_MAPPINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ct.h"
#include "rule_index.h"
#include "xlat.h"

struct mappings_filter {
	const struct rule_index *ri;	/* names the rules */
	const struct rule_entry *rule;	/* NULL: every rule */
	uint8_t l4;			/* 0: both */
	uint32_t scope;			/* mark_scope() of the table: its mappings only */
};

bool mappings_wanted(const struct mappings_filter *f, const struct xlat_mapping *m);

struct mappings {
	const struct mappings_filter *f;
	bool count_only;		/* count them, keep none */
	struct xlat_mapping *v;
	size_t n, cap;
};

/* Callbacks adding one mapping, or one conntrack entry's mapping, to the
 * list (arg) when the filter wants it. */
void mappings_add(const struct xlat_mapping *m, void *arg);
void mappings_add_entry(const struct ct_entry *e, void *arg);
void mappings_free(struct mappings *l);

#endif
