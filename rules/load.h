/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Stage 2: the YAML tree to the rule model. load.c reads the top level and
 * gateway and hands each rule to its section's loader (load_forward.h,
 * load_snat.h), which share load_rule.h. Calls go down only: ruleset.c ->
 * load.c -> load_forward.c / load_snat.c -> load_rule.c -> schema.c. */
#ifndef NATGW_LOAD_H
#define NATGW_LOAD_H

#include <stdbool.h>

#include "natgw/rules.h"
#include "yaml_tree.h"

struct load_result {
	struct ngw_ruleset *rs;
	bool *forward_ok;	/* per rule: loaded without error */
	bool *snat_ok;
};

/* root may be NULL (no rules at all). Errors go to d; the model holds
 * every rule, failed ones included, so validation can still name them. */
void model_load(const struct ynode *root, struct ngw_diags *d, struct load_result *out);
void load_result_free(struct load_result *r);

#endif
