/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Following conntrack: the translation table of one natgw table's
 * mappings, kept from events, and from a dump whenever the kernel dropped
 * some. Subscribed before the first dump, so no mapping falls between.
 * `natgw run` keeps one for its life; `natgw mappings --watch` one for as
 * long as it prints. */
#ifndef NATGW_CT_FOLLOW_H
#define NATGW_CT_FOLLOW_H

#include <stdbool.h>

#include "ct.h"
#include "xlat.h"

struct ct_follow_ops {
	/* An event about this table's connections (any DESTROY: its mark may
	 * be gone), after the table took it: added is the mapping it made, or
	 * NULL. */
	void (*event)(enum ct_event ev, const struct ct_entry *e,
		      const struct xlat_mapping *added, void *arg);
	/* A mapping that ended: a DESTROY, or one a resync no longer found. */
	void (*ended)(const struct xlat_mapping *m, void *arg);
	/* One a resync found that no event had brought (not on the first). */
	void (*appeared)(const struct xlat_mapping *m, void *arg);
	/* The kernel dropped events: a resync follows at once. */
	void (*lost)(void *arg);
};

struct ct_follow {
	struct ct_sock *events, *dump;
	struct xlat *x;
	uint32_t scope;			/* mark_scope() of the table */
	struct ct_follow_ops ops;	/* each may be NULL */
	void *arg;
	bool synced;			/* the first dump was read */
	unsigned lost;			/* resyncs after the kernel dropped events */
};

/* Subscribes and opens the dump socket; the table starts empty (kind names
 * a mark's rule kind, as xlat_new()). 0 or -errno. */
int ct_follow_open(struct ct_follow *f, uint32_t scope, xlat_kind_fn kind, void *kind_arg,
		   const struct ct_follow_ops *ops, void *arg);
void ct_follow_close(struct ct_follow *f);

/* The table again from a dump, after what is queued (so the dump is the
 * newest word): seen (unless NULL) gets each of its mappings with its
 * counters. 0 or -errno. */
int ct_follow_resync(struct ct_follow *f, void (*seen)(const struct xlat_mapping *m, void *arg),
		     void *arg);

/* Reads the events there are (with wait, at least one). When the kernel
 * dropped some, empties the queue and resyncs: returns 1 then. 0, 1 or
 * -errno. */
int ct_follow_read(struct ct_follow *f, bool wait);

#endif
