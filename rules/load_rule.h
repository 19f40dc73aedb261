/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Stage 2, what every rule loader shares (load_rule.c): opening one rule
 * item and inheriting the gateway's interfaces. It sits below the section
 * loaders (load_forward.c, load_snat.c) and calls only schema.c, so the
 * loaders depend on it and never the other way round. */
#ifndef NATGW_LOAD_RULE_H
#define NATGW_LOAD_RULE_H

#include "schema.h"

/* Starts loading one rule item: the message context ('forward "web"', or
 * 'forward #3' without a usable name), a placeholder name "#3" until the
 * real one is read, the shape check, its keys, the required ones. False
 * when the item is not a mapping. */
bool rule_open(struct loader *L, const char *kind, const struct ynode *item, size_t index,
	       struct keys *k, const int *required, size_t n_required, char *name);

void ifaces_copy(struct ngw_ifaces *dst, const struct ngw_ifaces *src);

#endif
