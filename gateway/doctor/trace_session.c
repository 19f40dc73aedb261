/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel/kstate_read.h"
#include "trace_session.h"

/* A process's start time (clock ticks after boot, /proc/PID/stat field
 * 22): with its pid, it names the process even after the pid is reused.
 * 0 when there is no such process. */
static unsigned long long started(const char *proc, long pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "%s/%ld/stat", proc, pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	const char *p = strrchr(buf, ')');	/* the name may hold spaces */
	unsigned long long t = 0;
	for (int field = 2; p && *p && field < 22; p++)
		if (*p == ' ')
			field++;
	if (p && sscanf(p, "%llu", &t) != 1)
		t = 0;
	return t;
}

bool trace_owner_alive(const char *comment, const char *proc, int *pid)
{
	long p = 0;
	unsigned long long t = 0;
	const char *at = strstr(comment, "pid ");

	*pid = 0;
	if (!at || sscanf(at, "pid %ld start %llu", &p, &t) != 2 || p <= 0)
		return false;	/* not one we can tell: treat as a leftover */
	*pid = (int)p;
	return started(proc, p) == t;
}

/* Is forward rule in the table, as natgw applied it? */
static int check_applied(struct trace_session *s, const char *rule, char *why, size_t size)
{
	struct kstate st = { 0 };
	/* the table with its rules' counters: every applied rule has one */
	int r = kstate_read(&s->nl, s->table, 0, &st);

	if (r == 0 && !st.exists) {
		snprintf(why, size, "there is no table inet %s: the configuration is not applied "
			 "(natgw apply)", s->table);
		r = -ENOENT;
	} else if (r == 0 && !st.ours) {
		snprintf(why, size, "table inet %s was not made by natgw", s->table);
		r = -ENOENT;
	} else if (r == 0) {
		bool found = false;
		for (size_t i = 0; i < st.n_counters && !found; i++)
			found = !strcmp(st.counters[i].name, rule) && !st.counters[i].snat;
		if (!found) {
			snprintf(why, size, "forward \"%s\" is not in table inet %s: apply the "
				 "configuration first (natgw apply)", rule, s->table);
			r = -ENOENT;
		}
	} else if (r < 0) {
		snprintf(why, size, "reading table inet %s: %s", s->table, strerror(-r));
	}
	kstate_free(&st);
	return r;
}

static int add_chains(struct trace_session *s, const struct trace_match *m, const char *proc,
		      char *why, size_t size)
{
	int r = -ERESTART;

	/* -ERESTART: another commit came between the read and ours; look again */
	for (int attempt = 0; attempt < 8 && r == -ERESTART; attempt++) {
		struct trace_owner o;
		uint32_t genid;
		int pid;
		r = trace_chains_read(&s->nl, s->table, &o, &genid);
		if (r < 0)
			break;
		if (o.chains && trace_owner_alive(o.comment, proc, &pid)) {
			snprintf(why, size, "another natgw doctor --trace is tracing in table inet "
				 "%s (pid %d); one at a time", s->table, pid);
			return -EBUSY;
		}
		s->leftover_pid = o.chains ? (pid ? pid : -1) : 0;
		r = trace_chains_add(&s->nl, s->table, m, s->comment, &o, genid);
	}
	switch (r) {
	case 0:
		s->added = true;
		return 0;
	case -EEXIST:
		snprintf(why, size, "another natgw doctor --trace is tracing in table inet %s; "
			 "one at a time", s->table);
		return -EBUSY;
	case -EOPNOTSUPP:
	case -EINVAL:
		snprintf(why, size, "this kernel cannot trace packets (meta nftrace): %s",
			 strerror(-r));
		return -EOPNOTSUPP;
	default:
		snprintf(why, size, "adding the trace chains to table inet %s: %s", s->table,
			 strerror(-r));
		return r;
	}
}

int trace_session_start(struct trace_session *s, const char *table, const char *rule,
			const struct trace_match *m, const char *proc, char *why, size_t size)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->table, sizeof(s->table), "%s", table);
	snprintf(s->comment, sizeof(s->comment), "natgw doctor --trace %s, pid %ld start %llu",
		 rule, (long)getpid(), started(proc, (long)getpid()));
	int r = nl_open(&s->nl);
	if (r == 0)
		r = check_applied(s, rule, why, size);
	else
		snprintf(why, size, "nftables: %s", strerror(-r));
	if (r == -EPERM)
		snprintf(why, size, "tracing needs root (CAP_NET_ADMIN): %s", strerror(EPERM));
	if (r < 0)
		goto fail;
	/* listening before the first packet can be marked */
	r = trace_watch_open(&s->watch);
	if (r < 0) {
		snprintf(why, size, r == -EPERM ? "tracing needs root (CAP_NET_ADMIN): %s" :
			 "this kernel does not report nftables traces (NFNLGRP_NFTRACE): %s",
			 strerror(-r));
		if (r != -EPERM)
			r = -EOPNOTSUPP;
		goto fail;
	}
	r = add_chains(s, m, proc, why, size);
	if (r == 0)
		return 0;
fail:
	trace_watch_close(s->watch);
	s->watch = NULL;
	nl_close(&s->nl);
	return r;
}

int trace_session_fd(const struct trace_session *s)
{
	return trace_watch_fd(s->watch);
}

static void add_event(const struct trace_event *e, void *arg)
{
	trace_run_event(arg, e);
}

int trace_session_read(struct trace_session *s, struct trace_run *t)
{
	int r = trace_watch_read(s->watch, add_event, t);
	if (r == -ENOBUFS)
		t->lost = true;
	return r;
}

int trace_session_stop(struct trace_session *s)
{
	int r = 0;

	if (s->added) {
		struct trace_owner o;
		uint32_t genid;
		r = trace_chains_read(&s->nl, s->table, &o, &genid);
		/* only ours: after a rebuild the chains may be another trace's */
		if (r == 0 && (!o.chains || strcmp(o.comment, s->comment)))
			r = -ENOENT;
		else if (r == 0)
			r = trace_chains_del(&s->nl, s->table, &o, genid);
		s->added = false;
	}
	trace_watch_close(s->watch);
	s->watch = NULL;
	nl_close(&s->nl);
	return r;
}

int trace_leftovers_remove(const char *table, const char *proc, int *pid)
{
	struct nl nl;
	int r = nl_open(&nl), found = 0;

	*pid = 0;
	if (r < 0)
		return r;
	/* -ERESTART: something committed between the read and the delete
	 * (perhaps a trace replacing them): look again */
	r = -ERESTART;
	for (int attempt = 0; attempt < 8 && r == -ERESTART; attempt++) {
		struct trace_owner o;
		uint32_t genid;
		r = trace_chains_read(&nl, table, &o, &genid);
		if (r < 0 || !o.chains || trace_owner_alive(o.comment, proc, pid))
			break;
		r = trace_chains_del(&nl, table, &o, genid);
		found = r == 0;
	}
	nl_close(&nl);
	if (!found)
		*pid = 0;
	else if (!*pid)
		*pid = -1;
	return r == -ENOENT ? 0 : r < 0 ? r : found;
}
