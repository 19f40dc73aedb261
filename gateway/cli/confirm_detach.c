/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `natgw apply --confirm` without the daemon: the confirm timer
 * (apply/confirm_timer.h) in a process of its own, detached from the
 * terminal so it outlives the operator's shell or SSH connection. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "cli.h"
#include "apply/confirm_timer.h"
#include "out/diag_print.h"

struct syslog_sink {
	const char *file;		/* where a kernel refusal points */
};

/* A rollback's message, as the terminal would have shown it, one line of
 * syslog: an operator reading the log after a rollback learns which rule
 * the kernel refused, at file:line:col. */
static void syslog_line(const struct ngw_diag *g, void *arg)
{
	const struct syslog_sink *s = arg;
	char line[1024];
	FILE *f = fmemopen(line, sizeof(line), "w");

	if (!f)
		return;
	diag_print_one(f, s->file, g);
	fputc('\0', f);
	fclose(f);
	line[sizeof(line) - 1] = '\0';
	line[strcspn(line, "\n")] = '\0';
	syslog(LOG_ERR, "%s", line);
}

int confirm_detach(const char *table, struct ngw_ruleset *previous, unsigned seconds)
{
	char path[512];
	int r, listen_fd = confirm_timer_listen(table, path, sizeof(path));

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
		/* the child's copy of the memory: previous is its own */
		struct ngw_diags msgs;
		struct syslog_sink sink = { previous ? previous->file : "" };
		diags_init(&msgs);
		msgs.added = syslog_line;
		msgs.added_arg = &sink;
		confirm_timer_run(listen_fd, path, table, previous, seconds, &msgs);
		diags_free(&msgs);
		_exit(EXIT_OK);
	}
	close(listen_fd);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return 0;
}
