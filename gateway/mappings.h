/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Printing mappings, the same whether `natgw mappings` read conntrack itself
 * or the daemon answers from its translation table. */
#ifndef NATGW_MAPPINGS_H
#define NATGW_MAPPINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rule_index.h"
#include "xlat.h"

struct mappings_filter {
	const struct rule_index *ri;	/* names the rules */
	const struct rule_entry *rule;	/* NULL: every rule */
	uint8_t l4;			/* 0: both */
	uint32_t scope;			/* mark_scope() of the table: its mappings only */
};

bool mappings_wanted(const struct mappings_filter *f, const struct xlat_mapping *m);

/* Sorts v (by rule, protocol, remote) and prints it to stdout: an aligned
 * table, or with json one JSON array with SPEC section 4's keys. */
void mappings_print(bool json, const struct mappings_filter *f, struct xlat_mapping *v,
		    size_t n);

/* With count: only how many, as "N mappings" or {"count":N}. */
void mappings_print_count(bool json, size_t n);

#endif
