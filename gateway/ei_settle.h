/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The endpoint-independent maps after an apply:
 *  - a mapping on a port a forward now takes gives way to the forward (its
 *    connections keep going; new remotes reach the forward);
 *  - after a rebuild (or a table put back), which starts with empty ei_
 *    sets, the mappings come back from their internal sockets' live
 *    conntrack entries, and every other UDP flow's external socket is kept
 *    off new mappings again, so no live flow's port can be handed out in
 *    between. */
#ifndef NATGW_EI_SETTLE_H
#define NATGW_EI_SETTLE_H

#include <stddef.h>

#include "kmodel.h"
#include "nl.h"

/* Deletes the mappings whose external socket an enabled UDP forward of rs
 * takes. 0 or -errno; *yielded how many went. */
int ei_yield_to_forwards(struct nl *nl, const char *table, const struct ngw_ruleset *rs,
			 size_t *yielded);

struct ei_restored {
	size_t mappings;		/* written back to the ei_ maps */
	size_t busy;			/* external sockets of other flows, in ei_busy */
};

/* Writes the ei_ sets of table from its connections in conntrack. 0 or
 * -errno. */
int ei_restore(struct nl *nl, const char *table, const struct ngw_ruleset *rs,
	       const struct kmodel *m, struct ei_restored *out);

#endif
