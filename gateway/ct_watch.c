/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>

#include "ct_watch.h"

static uint64_t grew(uint64_t now, uint64_t before)
{
	return now > before ? now - before : 0;	/* a CPU gone offline takes its counts */
}

const char *ct_watch_step(struct ct_watch *w, const struct ct_stats *now, double now_ms,
			  char *buf, size_t size)
{
	uint64_t dropped = grew(now->drop, w->last.drop);
	uint64_t evicted = grew(now->early_drop, w->last.early_drop);
	bool first = !w->have_last;

	w->last = *now;
	w->have_last = true;
	if (first)
		return NULL;
	if (dropped || evicted) {
		w->dropped += dropped;
		w->evicted += evicted;
		w->dropped_total += dropped;
		if (w->full && now_ms < w->next_line)
			return NULL;
		snprintf(buf, size, "conntrack table %s: %u of %u entries; the kernel dropped %llu "
			 "packets opening new connections and evicted %llu unanswered "
			 "connections in the last %.0f s (raise net.netfilter.nf_conntrack_max)",
			 w->full ? "still full" : "full", now->entries, now->max,
			 (unsigned long long)w->dropped, (unsigned long long)w->evicted,
			 w->full ? CT_WATCH_REPEAT_MS / 1000.0 : CT_WATCH_INTERVAL_MS / 1000.0);
		w->full = true;
		w->next_line = now_ms + CT_WATCH_REPEAT_MS;
		w->dropped = w->evicted = 0;
		return buf;
	}
	/* quiet is not room: with nobody connecting, a full table drops nothing */
	if (!w->full || (now->max && now->entries >= now->max))
		return NULL;
	snprintf(buf, size, "conntrack table has room again: %u of %u entries; %llu packets "
		 "opening new connections were dropped while it was full", now->entries, now->max,
		 (unsigned long long)w->dropped_total);
	w->full = false;
	w->dropped = w->evicted = w->dropped_total = 0;
	return buf;
}
