/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's loop: applies the config (adopting a table left by an
 * earlier run without disturbing its connections), then reloads on SIGHUP
 * and when the file has changed and settled (config_watch.c), keeps the
 * translation table from conntrack events, restores the table when another
 * program deletes or changes it, serves the CLI on the control socket, and
 * times a pending apply --confirm. On SIGTERM it leaves the ruleset in the
 * kernel. */
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "caps.h"
#include "config_watch.h"
#include "ctl/ctl.h"
#include "daemon.h"
#include "compile/layout.h"
#include "ctl/rundir.h"
#include "doctor/trace_session.h"

/* ---- conntrack ----------------------------------------------------------- */

static void guard_log(void *arg, const char *line)
{
	daemon_log(arg, "%s", line);
}

/* The translation table took the event; the full-cone guard counts new
 * connections of this table. */
static void on_ct_event(enum ct_event ev, const struct ct_entry *e,
			const struct xlat_mapping *added, void *arg)
{
	(void)added;
	if (ev == CT_EVENT_NEW)
		ei_guard_entry(((struct daemon *)arg)->guard, e);
}

/* With -v: the heap in use, as the allocator counts it (bench B6). */
static void log_heap(struct daemon *d, const char *when)
{
	if (d->verbosity <= 0)
		return;
	struct mallinfo2 mi = mallinfo2();
	daemon_log(d, "heap in use %s: %zu KiB (%zu mappings)", when,
		   (mi.uordblks + mi.hblkhd) / 1024, xlat_count(d->ct.x));
}

static void ct_readable(struct daemon *d)
{
	double start = session_now_ms();
	unsigned lost = d->ct.lost;
	int r = ct_follow_read(&d->ct, false);

	if (d->ct.lost != lost) {	/* resynced from a dump, or tried to */
		if (r == 1)
			daemon_log(d, "the kernel dropped conntrack events (queue full); "
				   "resynchronised from a dump in %.0f ms: %zu mappings",
				   session_now_ms() - start, xlat_count(d->ct.x));
		ei_guard_resynced(d->guard);	/* mappings it did not hear of */
		if (r == 1)
			log_heap(d, "after the resync");
	}
	if (r < 0)
		daemon_log(d, "conntrack events: %s", strerror(-r));
}

/* ---- the file and the kernel's table ------------------------------------- */

static void ino_readable(struct daemon *d)
{
	int before = d->watch.error;
	bool overflowed;

	config_watch_read(&d->watch, session_now_ms(), &overflowed);
	if (overflowed)
		daemon_log(d, "inotify dropped events (its queue was full); watching %s again",
			   d->config);
	daemon_watch_said(d, before);
}

/* The file's changes have settled, or it is gone. */
static void file_settled(struct daemon *d, double now)
{
	switch (config_watch_step(&d->watch, now)) {
	case CONFIG_WATCH_WAIT:
		return;
	case CONFIG_WATCH_GONE:
		daemon_log(d, "%s is gone; the running ruleset stays; watching for it to come "
			   "back", d->config);
		return;
	case CONFIG_WATCH_BACK:
		daemon_log(d, "%s is back", d->config);
		daemon_reload(d, "reload (the file is back)", NULL);
		return;
	case CONFIG_WATCH_OPEN:
		daemon_log(d, "%s is still open for writing after %d s; the running ruleset "
			   "stays until its writer closes it (or SIGHUP)", d->config,
			   CONFIG_WATCH_HOLD_MS / 1000);
		return;
	case CONFIG_WATCH_RELOAD_BUSY:
		daemon_log(d, "%s kept changing for %d s; reloading it as it is", d->config,
			   CONFIG_WATCH_HOLD_MS / 1000);
		break;
	case CONFIG_WATCH_RELOAD:
		break;
	}
	daemon_reload(d, "reload (the file changed)", NULL);
}

static void nft_readable(struct daemon *d)
{
	struct nftev_seen seen = { 0 };
	int r = nftev_read(d->nft, d->table, &seen);

	if (r < 0)
		daemon_log(d, "nftables events: %s", strerror(-r));
	if (seen.lost)
		daemon_log(d, "the kernel dropped nftables events; checking table inet %s in "
			   "full", d->table);
	if (seen.other || seen.lost)	/* a firewall's table: would it stop a forward? */
		doctor_watch_soon(&d->doctor, session_now_ms());
	if (!seen.table && !seen.lost)
		return;
	d->verify_full |= seen.elements || seen.lost;
	d->verify_lost |= seen.lost;
	if (!d->verify_due)
		d->verify_due = session_now_ms() + DAEMON_VERIFY_DELAY_MS;
}

/* ---- signals -------------------------------------------------------------- */

static int signals_open(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* True when it is time to stop. */
static bool sig_readable(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->sig_fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			d->reload_due = session_now_ms();
			d->reload_why = "reload (SIGHUP)";
		} else {
			daemon_log(d, "stopping on %s; table inet %s stays in the kernel",
				   strsignal((int)si.ssi_signo), d->table);
			return true;
		}
	}
	return false;
}

/* ---- what would stop a forward ------------------------------------------ */

static void rt_readable(struct daemon *d)
{
	if (rtev_read(d->doctor.rt))
		doctor_watch_soon(&d->doctor, session_now_ms());
}

/* natgw doctor's look, by the daemon: logs what appeared and what went;
 * and a SIGKILLed trace's chains go, so none stays for good. */
static void look_again(struct daemon *d, double now)
{
	struct doctor_report r = { 0 };
	int e = d->desired ? doctor_examine(d->desired, &DOCTOR_SYSTEM, &r) : 0;
	int pid;

	doctor_watch_update(&d->doctor, &r, e, d->log,
			    d->desired ? d->desired->file : d->config, now);
	doctor_report_free(&r);
	if (trace_leftovers_remove(d->table, "/proc", &pid) > 0)
		daemon_log(d, "%s", TRACE_LEFTOVERS_SAID);
}

/* ---- the loop -------------------------------------------------------------- */

static int timeout_ms(const struct daemon *d)
{
	double due[] = { d->reload_due, d->verify_due, config_watch_due(&d->watch),
			 d->confirm.pending ? d->confirm.due : 0, d->ct_watch_due,
			 ei_guard_due(d->guard), d->doctor.due };
	double now = session_now_ms(), next = 0;

	for (size_t i = 0; i < sizeof(due) / sizeof(*due); i++)
		if (due[i] && (!next || due[i] < next))
			next = due[i];
	if (!next)
		return -1;
	return next <= now ? 0 : (int)(next - now) + 1;
}

/* Every second: is the conntrack table full, and dropping connections? */
static void watch_conntrack(struct daemon *d, double now)
{
	struct ct_stats st;
	char line[320];

	d->ct_watch_due = now + CT_WATCH_INTERVAL_MS;
	int r = ct_stats_read(d->ct.dump, &st);
	if (r < 0) {
		if (!d->ct_watch.unreadable)
			daemon_log(d, "reading conntrack's statistics: %s", strerror(-r));
		d->ct_watch.unreadable = true;
		return;
	}
	d->ct_watch.unreadable = false;
	const char *say = ct_watch_step(&d->ct_watch, &st, now, line, sizeof(line));
	if (say)
		daemon_log(d, "%s", say);
}

static void timers(struct daemon *d)
{
	double now = session_now_ms();

	if (confirm_expired(&d->confirm, now))
		daemon_roll_back(d);
	if (d->reload_due && d->reload_due <= now) {
		d->reload_due = 0;
		daemon_reload(d, d->reload_why, NULL);
	}
	double settled = config_watch_due(&d->watch);
	if (settled && settled <= now)
		file_settled(d, now);
	if (d->verify_due && d->verify_due <= now)
		daemon_restore(d);
	if (d->ct_watch_due <= now)
		watch_conntrack(d, now);
	if (d->doctor.due && d->doctor.due <= now)
		look_again(d, now);
	ei_guard_run(d->guard, now);
}

static void loop(struct daemon *d)
{
	enum { SIG, CTL, INO, NFT, CT, RT, N };
	struct pollfd p[N] = {
		[SIG] = { d->sig_fd, POLLIN, 0 },
		[CTL] = { d->ctl_fd, POLLIN, 0 },
		[INO] = { d->watch.fd, POLLIN, 0 },
		[NFT] = { nftev_fd(d->nft), POLLIN, 0 },
		[CT] = { ct_fd(d->ct.events), POLLIN, 0 },
		[RT] = { d->doctor.rt ? rtev_fd(d->doctor.rt) : -1, POLLIN, 0 },
	};

	for (;;) {
		int n = poll(p, N, timeout_ms(d));
		if (n < 0 && errno != EINTR) {
			daemon_log(d, "poll: %s", strerror(errno));
			return;
		}
		if (n > 0 && (p[SIG].revents & POLLIN) && sig_readable(d))
			return;
		if (n > 0 && (p[CT].revents & POLLIN))
			ct_readable(d);
		if (n > 0 && (p[NFT].revents & POLLIN))
			nft_readable(d);
		if (n > 0 && (p[INO].revents & POLLIN))
			ino_readable(d);
		if (n > 0 && (p[CTL].revents & POLLIN))
			daemon_ctl_serve(d);
		if (n > 0 && (p[RT].revents & POLLIN))
			rt_readable(d);
		timers(d);
	}
}

/* ---- start and stop --------------------------------------------------------- */

static int open_everything(struct daemon *d, char *sock, size_t size)
{
	char why[600];
	int r = rundir_ensure(why, sizeof(why));

	if (r < 0) {
		daemon_log(d, "%s", why);
		return NGW_FAILED;
	}
	r = ctl_socket_path(sock, size);
	if (r < 0) {
		daemon_log(d, "%s: %s", rundir(), strerror(-r));
		return NGW_FAILED;
	}
	d->ctl_fd = ctl_listen(sock);
	if (d->ctl_fd == -EADDRINUSE) {
		daemon_log(d, "another natgw run already serves %s", sock);
		return NGW_FAILED;
	}
	if (d->ctl_fd == -EPERM) {
		daemon_log(d, "%s is served by a process that is not a natgw of root in "
			"this network namespace; stop it, or remove the socket", sock);
		return NGW_FAILED;
	}
	if (d->ctl_fd < 0) {
		daemon_log(d, "control socket %s: %s", sock, strerror(-d->ctl_fd));
		return NGW_FAILED;
	}
	d->sig_fd = signals_open();
	r = d->sig_fd < 0 ? d->sig_fd : config_watch_open(&d->watch, d->config);
	if (r < 0) {
		daemon_log(d, "watching %s: %s", d->config, strerror(-r));
		return NGW_FAILED;
	}
	daemon_watch_said(d, 0);	/* a directory it may not watch: SIGHUP still reloads */
	/* events first, then the first apply and dump: nothing falls between */
	d->nft = nftev_open();
	if (d->nft)
		nftev_own_port_always(d->nft, ei_guard_portid(d->guard));
	r = doctor_watch_open(&d->doctor);
	if (r < 0)	/* then it looks every minute only */
		daemon_log(d, "interface and route events: %s; what would stop a forward is "
			   "looked at every %d s", strerror(-r), DOCTOR_WATCH_INTERVAL_MS / 1000);
	static const struct ct_follow_ops ops = { .event = on_ct_event };
	r = d->nft ? ct_follow_open(&d->ct, d->scope, rule_index_kind, &d->ri, &ops, d) : -errno;
	if (r < 0) {
		daemon_log(d, "netlink: %s%s", strerror(-r),
			   r == -EPERM ? ": natgw run needs root (CAP_NET_ADMIN)" : "");
		return NGW_FAILED;
	}
	r = caps_keep_net_admin();
	if (r < 0) {
		daemon_log(d, "dropping capabilities other than CAP_NET_ADMIN: %s",
			strerror(-r));
		return NGW_FAILED;
	}
	return NGW_OK;
}

static void close_sockets(struct daemon *d, const char *sock)
{
	if (d->ctl_fd >= 0) {
		close(d->ctl_fd);
		unlink(sock);
	}
	if (d->sig_fd >= 0)
		close(d->sig_fd);
	config_watch_close(&d->watch);
	nftev_close(d->nft);
	doctor_watch_close(&d->doctor);
	ct_follow_close(&d->ct);
	d->ctl_fd = d->sig_fd = -1;
	d->nft = NULL;
}

static void free_state(struct daemon *d)
{
	ei_guard_free(d->guard);
	rule_index_free(&d->ri);
	ruleset_free(d->desired);
	confirm_free(&d->confirm);
}

/* Stopping with an apply --confirm pending: nobody would be left to time
 * it (systemd stops every process of the service), so the unconfirmed
 * ruleset goes now, as it would have without a confirm. */
static void settle_confirm(struct daemon *d)
{
	if (!d->confirm.pending)
		return;
	daemon_log(d, "stopping with an apply --confirm not confirmed: rolling it back first");
	daemon_roll_back(d);
}

int daemon_run(const char *config, struct ngw_ruleset *rs, int verbosity, FILE *log)
{
	struct daemon d = { .verbosity = verbosity, .config = config, .log = log,
			    .ctl_fd = -1, .sig_fd = -1, .watch = { .fd = -1 } };
	char sock[512] = "";

	snprintf(d.table, sizeof(d.table), "%s", rs->gateway.table);
	snprintf(d.confirm.table, sizeof(d.confirm.table), "%s", d.table);
	d.scope = mark_scope(d.table);
	d.guard = ei_guard_new(&d.ri, guard_log, &d);
	int status = open_everything(&d, sock, sizeof(sock));
	if (status == NGW_OK) {
		status = daemon_apply(&d, rs, "start", false, 0, NULL);
		rs = NULL;
		if (d.desired)	/* applied; mappings it could not flush are logged */
			status = NGW_OK;
	}
	if (status == NGW_OK) {
		int r = ct_follow_resync(&d.ct, NULL, NULL);
		if (r < 0)
			daemon_log(&d, "reading conntrack: %s", strerror(-r));
		log_heap(&d, "at start");
		daemon_log(&d, "running: table inet %s, %zu rules, %zu mappings; serving %s",
			   d.table, d.ri.n, xlat_count(d.ct.x), sock);
		d.ct_watch_due = session_now_ms();	/* the first look, then every second */
		loop(&d);
		settle_confirm(&d);
	}
	close_sockets(&d, sock);
	ruleset_free(rs);
	free_state(&d);
	return status;
}
