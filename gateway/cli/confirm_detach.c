/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `natgw apply --confirm` without the daemon: the confirm timer
 * (apply/confirm_timer.h) in a process of its own, detached from the
 * terminal so it outlives the operator's shell or SSH connection. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "cli.h"
#include "apply/confirm_timer.h"

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
		confirm_timer_run(listen_fd, path, table, previous, seconds);
		_exit(EXIT_OK);
	}
	close(listen_fd);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return 0;
}
