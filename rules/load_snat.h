/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Stage 2, one item of `snat:` (load_snat.c). Called by load.c; builds on
 * load_rule.h only, so nothing here reaches back up. */
#ifndef NATGW_LOAD_SNAT_H
#define NATGW_LOAD_SNAT_H

#include "load_rule.h"

/* Fills s from item (the index-th snat rule), defaults from L->rs->gateway.
 * False after an error; s is filled as far as it could be either way. */
bool load_snat(struct loader *L, const struct ynode *item, size_t index,
	       struct ngw_snat *s);

#endif
