/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <string.h>

#include "ct_watch.h"

static uint64_t grew(uint64_t now, uint64_t before)
{
	return now > before ? now - before : 0;	/* a CPU gone offline takes its counts */
}

/* "; and refused N new connections that clashed ..." after a full table's
 * line, or the line itself. */
static void clash_text(char *buf, size_t size, uint64_t n, bool alone)
{
	snprintf(buf, size, "%s %llu new connection%s that clashed with an existing entry (same "
		 "addresses and ports)", alone ? "conntrack refused" : "; and refused",
		 (unsigned long long)n, n == 1 ? "" : "s");
}

/* Drops that are not a full table: clashes (insert_failed: two connections
 * given one tuple at once) and the rest, once per CT_WATCH_REPEAT_MS. */
static const char *other_causes(struct ct_watch *w, const struct ct_stats *now, double now_ms,
				char *buf, size_t size)
{
	if (!w->clashed && !w->other)
		return NULL;
	if (now_ms < w->next_other_line)
		return NULL;
	double secs = (now_ms - w->other_since) / 1000.0;
	size_t len = 0;
	buf[0] = 0;
	if (w->clashed) {
		clash_text(buf, size, w->clashed, true);
		len = strlen(buf);
		len += (size_t)snprintf(buf + len, size - len, " in the last %.0f s; the table has "
					"room: %u of %u entries", secs, now->entries, now->max);
	}
	if (w->other && len < size)
		snprintf(buf + len, size - len, "%sthe kernel dropped %llu packets opening new "
			 "connections in the last %.0f s, not for a full conntrack table (%u of %u "
			 "entries) nor a clash", len ? "; " : "", (unsigned long long)w->other, secs,
			 now->entries, now->max);
	w->clashed = w->other = 0;
	w->other_since = now_ms;
	w->next_other_line = now_ms + CT_WATCH_REPEAT_MS;
	return buf;
}

const char *ct_watch_step(struct ct_watch *w, const struct ct_stats *now, double now_ms,
			  char *buf, size_t size)
{
	uint64_t dropped = grew(now->drop, w->last.drop);
	uint64_t evicted = grew(now->early_drop, w->last.early_drop);
	uint64_t clashed = grew(now->insert_failed, w->last.insert_failed);
	bool first = !w->have_last;
	double since = w->last_ms;

	if (clashed > dropped)
		clashed = dropped;	/* a clash resolved is counted, not dropped */
	dropped -= clashed;
	w->last = *now;
	w->last_ms = now_ms;
	w->have_last = true;
	if (first)
		return NULL;
	/* full: it evicted to make room, or it is at its limit now */
	bool full = evicted || (now->max && now->entries >= now->max);
	if (full && (dropped || evicted)) {
		w->dropped += dropped;
		w->evicted += evicted;
		w->dropped_total += dropped;
		w->full_clashed += clashed;
		if (w->full && now_ms < w->next_line)
			return NULL;
		int len = snprintf(buf, size, "conntrack table %s: %u of %u entries; the kernel "
				   "dropped %llu packets opening new connections and evicted %llu "
				   "unanswered connections in the last %.0f s (raise "
				   "net.netfilter.nf_conntrack_max)", w->full ? "still full" : "full",
				   now->entries, now->max, (unsigned long long)w->dropped,
				   (unsigned long long)w->evicted,
				   w->full ? CT_WATCH_REPEAT_MS / 1000.0 : CT_WATCH_INTERVAL_MS / 1000.0);
		if (w->full_clashed && len > 0 && (size_t)len < size)
			clash_text(buf + len, size - (size_t)len, w->full_clashed, false);
		w->full = true;
		w->next_line = now_ms + CT_WATCH_REPEAT_MS;
		w->dropped = w->evicted = w->full_clashed = 0;
		return buf;
	}
	if (clashed || dropped) {
		if (!w->clashed && !w->other)
			w->other_since = since;
		w->clashed += clashed;
		w->other += dropped;
		return other_causes(w, now, now_ms, buf, size);
	}
	/* quiet is not room: with nobody connecting, a full table drops nothing */
	if (!w->full || (now->max && now->entries >= now->max))
		return other_causes(w, now, now_ms, buf, size);
	snprintf(buf, size, "conntrack table has room again: %u of %u entries; %llu packets "
		 "opening new connections were dropped while it was full", now->entries, now->max,
		 (unsigned long long)w->dropped_total);
	w->full = false;
	w->dropped = w->evicted = w->dropped_total = 0;
	return buf;
}
