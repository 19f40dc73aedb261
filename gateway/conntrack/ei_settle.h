/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The endpoint-independent maps after an apply:
 *  - a mapping on a port a forward now takes gives way to the forward (its
 *    connections keep going; new remotes reach the forward);
 *  - after a rebuild, which starts with empty ei_ sets, the mappings the
 *    table held just before come back as they were, and every other live
 *    UDP flow's external socket (from conntrack) is kept off new mappings
 *    again, so no live flow's port can be handed out in between. After a
 *    table put back (another program deleted it, and its maps with it)
 *    only the latter: which flows had mappings is not known. */
#ifndef NATGW_EI_SETTLE_H
#define NATGW_EI_SETTLE_H

#include <stddef.h>

#include "natgw/rules.h"
#include "kernel/nl.h"
#include "xlat.h"

/* Deletes the mappings whose external socket an enabled UDP forward of rs
 * takes. 0 or -errno; *yielded how many went. */
int ei_yield_to_forwards(struct nl *nl, const char *table, const struct ngw_ruleset *rs,
			 size_t *yielded);

struct ei_restored {
	size_t mappings;		/* written back to the ei_ maps */
	size_t busy;			/* external sockets of other flows, in ei_busy */
};

/* Writes back the mappings before (read just before the rebuild; sorted
 * here) and the external sockets of table's other UDP flows in conntrack.
 * 0 or -errno. */
int ei_restore(struct nl *nl, const char *table, const struct ngw_ruleset *rs,
	       struct xlat_mapping *before, size_t n_before, struct ei_restored *out);

#endif
