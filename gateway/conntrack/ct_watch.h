/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Watching the conntrack table fill up. When it is full the kernel drops
 * the first packet of every new connection (and evicts unanswered entries
 * to make room): forwards and snat rules then fail for new clients while
 * natgw's rules are fine. The daemon looks every second and says so. A
 * drop is only called a full table when the table evicted or is at its
 * limit; clashes (two connections given one tuple at once) and other drops
 * are named as such. */
#ifndef NATGW_CT_WATCH_H
#define NATGW_CT_WATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "ct.h"

#define CT_WATCH_INTERVAL_MS 1000
#define CT_WATCH_REPEAT_MS 10000	/* while it stays full, a line this often */

struct ct_watch {
	struct ct_stats last;
	bool have_last;
	bool full;			/* drops or evictions seen in the last look */
	double next_line;		/* while full: when to say so again */
	uint64_t dropped, evicted;	/* since the last line */
	uint64_t dropped_total;		/* since it filled up */
	uint64_t full_clashed;		/* clashes while full, since the last line */
	uint64_t clashed, other;	/* not full: clashes, other drops, not said yet */
	double other_since, next_other_line;
	double last_ms;			/* the last look */
	bool unreadable;		/* the last read failed (said once) */
};

/* Takes this look's figures (at now_ms); returns the line to log, in buf,
 * or NULL when there is nothing new to say. */
const char *ct_watch_step(struct ct_watch *w, const struct ct_stats *now, double now_ms,
			  char *buf, size_t size);

#endif
