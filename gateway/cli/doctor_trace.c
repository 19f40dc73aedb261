/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The trace's clock and signals: Ctrl-C, SIGTERM and SIGHUP end it like its
 * time does, and the trace chains come out on every way out but SIGKILL
 * (whose leftovers the next trace, apply or daemon's look removes). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "apply/session.h"
#include "doctor/trace_session.h"
#include "doctor_trace.h"
#include "out/trace_print.h"

#define TRACE_REPLY_GRACE_MS 1000	/* replies of the last packets, once all came */

static int signals_block(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	signal(SIGPIPE, SIG_IGN);	/* a closed stdout must not skip the clean-up */
	if (sigprocmask(SIG_BLOCK, &set, old) < 0)
		return -errno;
	int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int fail(const struct cli *cli, int status, const char *why)
{
	fprintf(stderr, "natgw: doctor --trace: %s\n", why);
	if (cli->json)
		diag_print_json_message(stdout, why);
	return status;
}

/* Reads events until the time is up, the packets are all in (and a moment
 * for their replies), or a signal; the signal's number, or 0. */
static int follow(struct trace_session *s, struct trace_run *t, int sig_fd, unsigned seconds,
		  double *elapsed_ms)
{
	double start = session_now_ms(), end = start + seconds * 1000.0, grace = 0;
	int signo = 0;

	for (;;) {
		double now = session_now_ms(), until = grace && grace < end ? grace : end;
		if (now >= until)
			break;
		struct pollfd p[2] = { { trace_session_fd(s), POLLIN, 0 }, { sig_fd, POLLIN, 0 } };
		int n = poll(p, 2, (int)(until - now) + 1);
		if (n < 0 && errno != EINTR)
			break;
		if (p[0].revents)
			trace_session_read(s, t);
		if (p[1].revents) {
			struct signalfd_siginfo si;
			if (read(sig_fd, &si, sizeof(si)) == sizeof(si)) {
				signo = (int)si.ssi_signo;
				break;
			}
		}
		if (!grace && trace_run_done(t))
			grace = session_now_ms() + TRACE_REPLY_GRACE_MS;
	}
	trace_session_read(s, t);	/* what came with the last moment */
	*elapsed_ms = session_now_ms() - start;
	return signo;
}

int doctor_trace(const struct cli *cli, const struct ngw_ruleset *rs, const char *rule,
		 const struct ngw_addr *from, unsigned seconds)
{
	char why[512];
	const struct ngw_forward *fw;
	struct trace_match m;
	int r = trace_target(rs, rule, from, &fw, &m, why, sizeof(why));

	if (r < 0)
		return fail(cli, r == -EINVAL ? EXIT_USAGE : EXIT_SYSTEM, why);
	sigset_t old;
	int sig_fd = signals_block(&old);
	if (sig_fd < 0) {
		snprintf(why, sizeof(why), "signals: %s", strerror(-sig_fd));
		return fail(cli, EXIT_SYSTEM, why);
	}
	struct trace_session s;
	r = trace_session_start(&s, rs->gateway.table, rule, &m, "/proc", why, sizeof(why));
	if (r < 0) {
		close(sig_fd);
		sigprocmask(SIG_SETMASK, &old, NULL);
		return fail(cli, EXIT_SYSTEM, why);
	}
	if (s.leftover_pid && cli->verbosity >= 0)
		fprintf(stderr, "natgw: %s\n", TRACE_LEFTOVERS_SAID);
	if (cli->verbosity >= 0)
		fprintf(stderr, "natgw: tracing forward \"%s\" for %u s, at most %u packets; send "
			"traffic now (Ctrl-C stops)\n", rule, seconds, TRACE_PACKETS_MAX);
	struct trace_run t;
	double elapsed;
	trace_run_init(&t, rs->gateway.table, TRACE_PACKETS_MAX);
	int signo = follow(&s, &t, sig_fd, seconds, &elapsed);
	int stopped = trace_session_stop(&s);
	close(sig_fd);
	trace_run_finish(&t);

	unsigned waited = (unsigned)((elapsed + 500) / 1000);
	if (!waited)
		waited = 1;
	if (cli->json)
		trace_print_json(stdout, &t, waited);
	else
		trace_print_text(stdout, &t, waited);
	fflush(stdout);
	if (signo)
		fprintf(stderr, "natgw: trace stopped (%s) after %.1f s\n", strsignal(signo),
			elapsed / 1000);
	if (t.lost)
		fprintf(stderr, "natgw: the kernel dropped trace events: some paths above are "
			"incomplete\n");
	if (stopped == -ENOENT)
		fprintf(stderr, "natgw: the trace chains were gone before the trace ended (table "
			"inet %s was rebuilt or deleted meanwhile): later packets were not traced\n",
			rs->gateway.table);
	else if (stopped < 0)
		fprintf(stderr, "natgw: removing the trace chains from table inet %s: %s\n",
			rs->gateway.table, strerror(-stopped));
	int status = trace_run_answered(&t) ? EXIT_OK : EXIT_INVALID;
	if (!t.originals && cli->verbosity >= 0)
		fprintf(stderr, "natgw: no packet of forward \"%s\" arrived in %u s\n", rule,
			waited);
	trace_run_free(&t);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (stopped < 0 && stopped != -ENOENT)
		return EXIT_SYSTEM;
	return status;
}
