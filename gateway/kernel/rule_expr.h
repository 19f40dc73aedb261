/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One rule's expressions, as libnftnl reads them, into the model of
 * ruleset_read.h: what it matches, what it decides. */
#ifndef NATGW_RULE_EXPR_H
#define NATGW_RULE_EXPR_H

#include "ruleset_read.h"

struct nftnl_rule;

/* Fills k's matches and verdict from r, a rule of table t (whose chains
 * and sets are read already: jumps and lookups are resolved by name). */
void rule_expr_translate(struct nftnl_rule *r, const struct fw_table *t, struct fw_rule *k);

#endif
