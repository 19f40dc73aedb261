/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Stage 2, one item of `forwards:` (load_forward.c). Called by load.c;
 * builds on load_rule.h only, so nothing here reaches back up. */
#ifndef NATGW_LOAD_FORWARD_H
#define NATGW_LOAD_FORWARD_H

#include "load_rule.h"

/* Fills f from item (the index-th forward), defaults from L->rs->gateway.
 * False after an error; f is filled as far as it could be either way. */
bool load_forward(struct loader *L, const struct ynode *item, size_t index,
		  struct ngw_forward *f);

#endif
