/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "apply.h"
#include "capture.h"
#include "cli.h"
#include "confirm.h"
#include "ctl.h"
#include "rundir.h"

int confirm_socket_path(const char *table, char *buf, size_t size)
{
	return rundir_table_file("confirm", table, ".sock", buf, size);
}

int confirm_can_start(const char *table, char *why, size_t size)
{
	char path[512];
	int r = rundir_ensure(why, size);

	if (r == 0)
		r = confirm_socket_path(table, path, sizeof(path));
	if (r == 0 && strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		r = -ENAMETOOLONG;
	if (r == -ENAMETOOLONG)
		snprintf(why, size, "the confirm timer's socket %s would be longer than a UNIX "
			 "socket's %zu bytes (a shorter NATGW_RUN_DIR or gateway.table)", path,
			 sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
	else if (r < 0 && !why[0])
		snprintf(why, size, "%s", strerror(-r));
	return r;
}

bool confirm_pending(const char *table)
{
	char path[512];

	return confirm_socket_path(table, path, sizeof(path)) == 0 && ctl_served(path);
}

static void reply(int fd, const char *text, int status)
{
	uint32_t st = (uint32_t)status;

	ctl_send_frame(fd, status ? CTL_ERR : CTL_OUT, text, strlen(text));
	ctl_send_frame(fd, CTL_EXIT, &st, sizeof(st));
}

/* One client: true when it confirmed. */
static bool serve(int listen_fd, const char *table)
{
	struct timeval tv = { 2, 0 };
	struct ctl_header h;
	bool confirmed = false;
	int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return false;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	char what[96];
	if (ctl_peer_check(fd, true, what, sizeof(what)) < 0) {
		char text[160];
		snprintf(text, sizeof(text), "natgw: refused %s\n", what);
		reply(fd, text, EXIT_SYSTEM);
		close(fd);
		return false;
	}
	if (ctl_read_all(fd, &h, sizeof(h)) == 0 && ctl_check_request_header(&h) == 0 &&
	    h.type == CTL_CONFIRM && h.length == sizeof(struct ctl_wire_opts)) {
		struct ctl_wire_opts o;
		struct ctl_request req;
		if (ctl_read_all(fd, &o, sizeof(o)) == 0 && ctl_parse_request(&h, &o, &req) == 0) {
			char text[128];
			snprintf(text, sizeof(text), "natgw: confirmed; table inet %s keeps the "
				 "ruleset just applied\n", table);
			reply(fd, text, EXIT_OK);
			confirmed = true;
		}
	}
	if (!confirmed)
		reply(fd, "natgw: this socket serves natgw confirm only\n", EXIT_USAGE);
	close(fd);
	return confirmed;
}

/* Logs each line of text (what the apply printed) to syslog. */
static void log_lines(int prio, char *text)
{
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
		syslog(prio, "%s", line);
}

static void roll_back(const char *table, const struct ngw_ruleset *previous, unsigned seconds)
{
	struct capture c;
	char *out = NULL, *err = NULL;
	size_t out_len, err_len;
	char summary[256];
	int status;

	bool captured = capture_begin(&c) == 0;
	if (previous) {
		struct apply_opts o = { .rollback = true };
		struct apply_run a;
		status = apply_ruleset(previous, previous->file, &o, &a);
		apply_summary(&a, summary, sizeof(summary));
		apply_run_free(&a);
	} else {
		bool removed;
		status = apply_remove_table(table, &removed);
		snprintf(summary, sizeof(summary), "removed table inet %s", table);
	}
	if (captured && capture_end(&c, &out, &out_len, &err, &err_len) == 0)
		log_lines(LOG_ERR, err);
	if (status == EXIT_OK)
		syslog(LOG_WARNING, "no natgw confirm within %u s: rolled back table inet %s "
		       "to the previous ruleset: %s", seconds, table, summary);
	else
		syslog(LOG_ERR, "no natgw confirm within %u s, and rolling back table inet %s "
		       "failed; the unconfirmed ruleset is still in the kernel", seconds, table);
	free(out);
	free(err);
}

/* The timer process: waits, serves confirm, or rolls back. Never returns. */
static void timer_main(int listen_fd, const char *path, const char *table,
		       struct ngw_ruleset *previous, unsigned seconds)
{
	struct timespec now, end;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += seconds;
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		long long left = (long long)(end.tv_sec - now.tv_sec) * 1000 +
				 (end.tv_nsec - now.tv_nsec) / 1000000;
		if (left <= 0)
			break;
		struct pollfd p = { listen_fd, POLLIN, 0 };
		int r = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (r > 0 && serve(listen_fd, table)) {
			syslog(LOG_INFO, "natgw confirm: table inet %s keeps the ruleset applied",
			       table);
			unlink(path);
			ruleset_free(previous);
			_exit(EXIT_OK);
		}
	}
	/* From here on `natgw confirm` finds nobody and says it is too late. */
	close(listen_fd);
	unlink(path);
	roll_back(table, previous, seconds);
	ruleset_free(previous);
	_exit(EXIT_OK);
}

int confirm_start(const char *table, struct ngw_ruleset *previous, unsigned seconds)
{
	char path[512], why[600];
	int r = rundir_ensure(why, sizeof(why));

	if (r == 0)
		r = confirm_socket_path(table, path, sizeof(path));
	if (r < 0)
		return r;
	/* listening before apply returns: `natgw confirm` may follow at once */
	int listen_fd = ctl_listen(path);
	if (listen_fd < 0)
		return listen_fd;
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		r = -errno;
		close(listen_fd);
		unlink(path);
		return r;
	}
	if (pid == 0) {
		/* a new session without a terminal: the operator's hangup does
		 * not reach it; the second fork makes sure it never gets one */
		setsid();
		if (fork() != 0)
			_exit(0);
		signal(SIGHUP, SIG_IGN);
		signal(SIGINT, SIG_IGN);
		signal(SIGPIPE, SIG_IGN);
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
			close(null);
		}
		/* nothing else of the parent's: not its netlink sockets, not
		 * the daemon's log or control socket when the daemon hands over */
		if (listen_fd > 3)
			close_range(3, (unsigned)listen_fd - 1, 0);
		close_range((unsigned)listen_fd + 1, ~0u, 0);
		if (chdir("/") < 0) {
			/* nothing to do: every path it uses is absolute */
		}
		prctl(PR_SET_NAME, "natgw-confirm", 0, 0, 0);
		openlog("natgw", LOG_PID, LOG_DAEMON);
		/* the child's copy of the memory: previous is its own to free */
		timer_main(listen_fd, path, table, previous, seconds);
	}
	close(listen_fd);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return 0;
}
