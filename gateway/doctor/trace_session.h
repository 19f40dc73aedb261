/* SPDX-License-Identifier: GPL-2.0-or-later */
/* natgw doctor --trace, the kernel side: checks the forward is applied,
 * puts the trace chains in natgw's table (removing a killed trace's
 * leftovers, never a live trace's), reads the events, and takes the
 * chains out again. The caller owns the clock and the signals. */
#ifndef NATGW_TRACE_SESSION_H
#define NATGW_TRACE_SESSION_H

#include "kernel/nl.h"
#include "trace.h"

struct trace_session {
	struct nl nl;
	struct trace_watch *watch;
	char table[NGW_TABLE_MAX + 1];
	char comment[128];		/* on our chains: who made them */
	bool added;
	int leftover_pid;		/* a dead trace's chains were removed; 0: none */
};

/* Starts tracing forward rule (matched by m) in table. 0, or -errno with
 * why in the operator's words: -EPERM (not root), -ENOENT (no table, or
 * the forward is not in it), -EBUSY (another trace runs on the table),
 * -EOPNOTSUPP (the kernel cannot trace), others. proc is /proc. */
int trace_session_start(struct trace_session *s, const char *table, const char *rule,
			const struct trace_match *m, const char *proc, char *why, size_t size);

/* The events' descriptor, to poll. */
int trace_session_fd(const struct trace_session *s);

/* Reads the queued events into t. 0 or -errno (-ENOBUFS: some were lost,
 * t->lost is set). */
int trace_session_read(struct trace_session *s, struct trace_run *t);

/* Removes our chains (when they are still ours) and closes. 0; -ENOENT
 * when they were gone already (the table was rebuilt or deleted while
 * tracing); other -errno when they could not be removed. Always closes. */
int trace_session_stop(struct trace_session *s);

/* Removes the trace chains of a trace that did not end (SIGKILLed) from
 * table: an apply and the daemon call it, so none stays for good. 1 when
 * there were some (*pid: their trace's, -1 when it cannot be told), 0 when
 * there were none or their trace still runs, or -errno. */
int trace_leftovers_remove(const char *table, const char *proc, int *pid);

/* What is said when they were removed, by the next trace, an apply or the
 * daemon. */
#define TRACE_LEFTOVERS_SAID \
	"removed the trace chains of an earlier trace that did not end (killed)"

/* Whether the process that wrote comment (one of ours) still runs. */
bool trace_owner_alive(const char *comment, const char *proc, int *pid);

#endif
