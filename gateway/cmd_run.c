/* SPDX-License-Identifier: GPL-2.0-or-later */
/* natgw run [-c FILE]: the daemon. Applies the config (adopting a table left
 * by an earlier run without disturbing its connections), then in one loop:
 * reloads on SIGHUP and when the file changes, keeps the translation table
 * from conntrack events, restores the table when another program deletes or
 * changes it, serves the CLI on the control socket, and times a pending
 * apply --confirm. On SIGTERM it leaves the ruleset in the kernel. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "caps.h"
#include "config.h"
#include "confirm.h"
#include "ctl.h"
#include "daemon.h"
#include "layout.h"
#include "rundir.h"

#define RELOAD_DEBOUNCE_MS 200	/* editors write, rename, chmod: one reload */

static void run_help(void)
{
	printf("Usage: natgw run [-c FILE] [-v]\n"
	       "\n"
	       "The router daemon. Applies the configuration, then:\n"
	       "  - reloads it on SIGHUP and when the file changes (a bad file is logged\n"
	       "    with its diagnostics and the running ruleset stays);\n"
	       "  - keeps the translation table of live mappings from conntrack events;\n"
	       "  - puts its table back within a second if another program deletes or\n"
	       "    changes it;\n"
	       "  - serves natgw show, mappings, apply, reload and confirm on\n"
	       "    %s/%s-<network namespace inode>.sock;\n"
	       "  - keeps only CAP_NET_ADMIN once its sockets are open.\n"
	       "SIGTERM stops it and leaves the ruleset in the kernel, so traffic flows on\n"
	       "across a restart. It logs one line per event to stderr.\n"
	       "\n"
	       "  -c, --config FILE  the configuration (default %s)\n"
	       "  -v, --verbose      log also what changed nothing\n"
	       "\n"
	       "Exit status: 0 stopped by a signal, 1 invalid configuration at start,\n"
	       "2 usage error, 3 system or kernel error.\n",
	       rundir(), CTL_SOCKET_STEM, NATGW_DEFAULT_CONFIG);
}

/* ---- conntrack ----------------------------------------------------------- */

static void guard_log(void *arg, const char *line)
{
	daemon_log(arg, "%s", line);
}

static void on_ct_event(enum ct_event ev, const struct ct_entry *e, void *arg)
{
	struct daemon *d = arg;
	bool added;

	if (ev == CT_EVENT_DESTROY)
		xlat_remove(d->x, e, NULL);
	else if ((e->mark & MARK_SCOPE_MASK) == d->scope)	/* this table's */
		xlat_upsert(d->x, e, &added);
	if (ev == CT_EVENT_NEW && (e->mark & MARK_SCOPE_MASK) == d->scope)
		ei_guard_entry(d->guard, e);
}

struct resync {
	struct daemon *d;
	void (*seen)(const struct xlat_mapping *m, void *arg);
	void *arg;
};

static void resync_entry(const struct ct_entry *e, void *arg)
{
	struct resync *rs = arg;
	const struct xlat_mapping *m = xlat_resync_entry(rs->d->x, e, NULL, NULL);
	if (m && rs->seen)
		rs->seen(m, rs->arg);
}

int daemon_resync(struct daemon *d, void (*seen)(const struct xlat_mapping *m, void *arg),
		  void *arg)
{
	struct resync rs = { d, seen, arg };
	/* what is queued first, so the dump is the newest word */
	int r;
	do
		r = ct_events_read(d->ct_events, false, on_ct_event, d);
	while (r == -ENOBUFS);
	if (r < 0)
		return r;
	xlat_resync_begin(d->x);
	r = ct_dump(d->ct_dump, d->scope, MARK_SCOPE_MASK, resync_entry, &rs);
	xlat_resync_end(d->x, NULL, NULL);
	return r;
}

/* With -v: the heap in use, as the allocator counts it (bench B6). */
static void log_heap(struct daemon *d, const char *when)
{
	if (d->cli->verbosity <= 0)
		return;
	struct mallinfo2 mi = mallinfo2();
	daemon_log(d, "heap in use %s: %zu KiB (%zu mappings)", when,
		   (mi.uordblks + mi.hblkhd) / 1024, xlat_count(d->x));
}

static void ct_readable(struct daemon *d)
{
	int r = ct_events_read(d->ct_events, false, on_ct_event, d);

	if (r == -ENOBUFS) {
		double start = session_now_ms();
		r = daemon_resync(d, NULL, NULL);
		if (r == 0)
			daemon_log(d, "the kernel dropped conntrack events (queue full); "
				   "resynchronised from a dump in %.0f ms: %zu mappings",
				   session_now_ms() - start, xlat_count(d->x));
		ei_guard_resynced(d->guard);	/* mappings it did not hear of */
		if (r == 0)
			log_heap(d, "after the resync");
	}
	if (r < 0)
		daemon_log(d, "conntrack events: %s", strerror(-r));
}

/* ---- the file and the kernel's table ------------------------------------- */

static int watch_config(struct daemon *d)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", d->config);
	d->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (d->ino_fd < 0)
		return -errno;
	/* the directory, not the file: editors save by writing a new file and
	 * renaming it over the old one, which a watch on the file would lose */
	if (inotify_add_watch(d->ino_fd, dirname(dir), IN_CLOSE_WRITE | IN_MOVED_TO |
			      IN_MOVED_FROM | IN_DELETE | IN_ATTRIB) < 0)
		return -errno;
	return 0;
}

static void ino_readable(struct daemon *d)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	char base[PATH_MAX];
	ssize_t n;

	snprintf(base, sizeof(base), "%s", d->config);
	const char *name = basename(base);
	while ((n = read(d->ino_fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			if (ev->len && !strcmp(ev->name, name) && !d->reload_due) {
				d->reload_due = session_now_ms() + RELOAD_DEBOUNCE_MS;
				d->reload_why = "reload (the file changed)";
			}
			p += sizeof(*ev) + ev->len;
		}
	}
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

/* ---- the loop -------------------------------------------------------------- */

static int timeout_ms(const struct daemon *d)
{
	double due[] = { d->reload_due, d->verify_due,
			 d->confirm_pending ? d->confirm_due : 0, d->ct_watch_due,
			 ei_guard_due(d->guard) };
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
	int r = ct_stats_read(d->ct_dump, &st);
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

	if (d->confirm_pending && d->confirm_due <= now)
		daemon_roll_back(d);
	if (d->reload_due && d->reload_due <= now) {
		d->reload_due = 0;
		daemon_reload(d, d->reload_why, NULL);
	}
	if (d->verify_due && d->verify_due <= now)
		daemon_restore(d);
	if (d->ct_watch_due <= now)
		watch_conntrack(d, now);
	ei_guard_run(d->guard, now);
}

static void loop(struct daemon *d)
{
	enum { SIG, CTL, INO, NFT, CT, N };
	struct pollfd p[N] = {
		[SIG] = { d->sig_fd, POLLIN, 0 },
		[CTL] = { d->ctl_fd, POLLIN, 0 },
		[INO] = { d->ino_fd, POLLIN, 0 },
		[NFT] = { nftev_fd(d->nft), POLLIN, 0 },
		[CT] = { ct_fd(d->ct_events), POLLIN, 0 },
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
		timers(d);
	}
}

/* ---- start and stop --------------------------------------------------------- */

static int open_everything(struct daemon *d, char *sock, size_t size)
{
	char why[600];
	int r = rundir_ensure(why, sizeof(why));

	if (r < 0) {
		fprintf(stderr, "natgw: %s\n", why);
		return EXIT_SYSTEM;
	}
	r = ctl_socket_path(sock, size);
	if (r < 0) {
		fprintf(stderr, "natgw: %s: %s\n", rundir(), strerror(-r));
		return EXIT_SYSTEM;
	}
	d->ctl_fd = ctl_listen(sock);
	if (d->ctl_fd == -EADDRINUSE) {
		fprintf(stderr, "natgw: another natgw run already serves %s\n", sock);
		return EXIT_SYSTEM;
	}
	if (d->ctl_fd == -EPERM) {
		fprintf(stderr, "natgw: %s is served by a process that is not a natgw of root in "
			"this network namespace; stop it, or remove the socket\n", sock);
		return EXIT_SYSTEM;
	}
	if (d->ctl_fd < 0) {
		fprintf(stderr, "natgw: control socket %s: %s\n", sock, strerror(-d->ctl_fd));
		return EXIT_SYSTEM;
	}
	d->sig_fd = signals_open();
	r = d->sig_fd < 0 ? d->sig_fd : watch_config(d);
	if (r < 0) {
		fprintf(stderr, "natgw: watching %s: %s\n", d->config, strerror(-r));
		return EXIT_SYSTEM;
	}
	/* events first, then the first apply and dump: nothing falls between */
	d->nft = nftev_open();
	if (d->nft)
		nftev_own_port_always(d->nft, ei_guard_portid(d->guard));
	d->ct_events = d->nft ? ct_open(true) : NULL;
	d->ct_dump = d->ct_events ? ct_open(false) : NULL;
	if (!d->ct_dump) {
		fprintf(stderr, "natgw: netlink: %s%s\n", strerror(errno),
			errno == EPERM ? ": natgw run needs root (CAP_NET_ADMIN)" : "");
		return EXIT_SYSTEM;
	}
	r = caps_keep_net_admin();
	if (r < 0) {
		fprintf(stderr, "natgw: dropping capabilities other than CAP_NET_ADMIN: %s\n",
			strerror(-r));
		return EXIT_SYSTEM;
	}
	return EXIT_OK;
}

static void close_sockets(struct daemon *d, const char *sock)
{
	if (d->ctl_fd >= 0) {
		close(d->ctl_fd);
		unlink(sock);
	}
	if (d->sig_fd >= 0)
		close(d->sig_fd);
	if (d->ino_fd >= 0)
		close(d->ino_fd);
	nftev_close(d->nft);
	ct_close(d->ct_events);
	ct_close(d->ct_dump);
	d->ctl_fd = d->sig_fd = d->ino_fd = -1;
	d->nft = NULL;
	d->ct_events = d->ct_dump = NULL;
}

static void free_state(struct daemon *d)
{
	ei_guard_free(d->guard);
	xlat_free(d->x);
	rule_index_free(&d->ri);
	ruleset_free(d->desired);
	ruleset_free(d->confirm_previous);
	if (d->log)
		fclose(d->log);
}

/* Stopping with an apply --confirm pending: nobody would be left to time
 * it (systemd stops every process of the service), so the unconfirmed
 * ruleset goes now, as it would have without a confirm. */
static void settle_confirm(struct daemon *d)
{
	if (!d->confirm_pending)
		return;
	daemon_log(d, "stopping with an apply --confirm not confirmed: rolling it back first");
	daemon_roll_back(d);
}

static int parse(struct cli *cli, int argc, char **argv)
{
	int status = cli_parse_plain(cli, argc, argv, "run", run_help);

	if (status >= 0)
		return status;
	if (optind < argc)
		return cli_usage_error("run", "unexpected argument '%s' (the file goes "
				       "after -c)", argv[optind]);
	if (cli->json)
		return cli_usage_error("run", "--json: the daemon logs text lines");
	return -1;
}

int cmd_run(struct cli *cli, int argc, char **argv)
{
	int status = parse(cli, argc, argv);
	if (status >= 0)
		return status;

	struct daemon d = { .cli = cli, .ctl_fd = -1, .sig_fd = -1, .ino_fd = -1 };
	char sock[512] = "";
	struct ngw_ruleset *rs = NULL;
	d.config = cli->config ? cli->config : NATGW_DEFAULT_CONFIG;
	if (!strcmp(d.config, "-"))
		return cli_usage_error("run", "the daemon reads a file it can watch, not "
				       "standard input");
	status = config_load(d.config, &rs);
	if (status != EXIT_OK)
		return status;
	config_warn_unsupported(rs, d.config, true);
	snprintf(d.table, sizeof(d.table), "%s", rs->gateway.table);
	d.scope = mark_scope(d.table);
	if (confirm_pending(d.table)) {
		fprintf(stderr, "natgw: an apply --confirm of table inet %s is waiting for "
			"`natgw confirm`; confirm it or let it roll back, then start natgw run\n",
			d.table);
		ruleset_free(rs);
		return EXIT_SYSTEM;
	}
	int log_fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	d.log = log_fd >= 0 ? fdopen(log_fd, "w") : NULL;
	if (!d.log) {
		perror("natgw: stderr");
		ruleset_free(rs);
		return EXIT_SYSTEM;
	}
	d.x = xlat_new(rule_index_kind, &d.ri);
	d.guard = ei_guard_new(guard_log, &d);
	status = open_everything(&d, sock, sizeof(sock));
	if (status == EXIT_OK) {
		status = daemon_apply(&d, rs, "start", false, 0, NULL);
		rs = NULL;
		if (d.desired)	/* applied; mappings it could not flush are logged */
			status = EXIT_OK;
	}
	if (status == EXIT_OK) {
		int r = daemon_resync(&d, NULL, NULL);
		if (r < 0)
			daemon_log(&d, "reading conntrack: %s", strerror(-r));
		log_heap(&d, "at start");
		daemon_log(&d, "running: table inet %s, %zu rules, %zu mappings; serving %s",
			   d.table, d.ri.n, xlat_count(d.x), sock);
		d.ct_watch_due = session_now_ms();	/* the first look, then every second */
		loop(&d);
		settle_confirm(&d);
	}
	close_sockets(&d, sock);
	ruleset_free(rs);
	free_state(&d);
	return status;
}
