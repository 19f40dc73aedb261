/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "confirm.h"
#include "confirm_timer.h"
#include "ctl/ctl.h"
#include "ctl/rundir.h"

int confirm_timer_socket_path(const char *table, char *buf, size_t size)
{
	return rundir_table_file("confirm", table, ".sock", buf, size);
}

int confirm_timer_can_start(const char *table, char *why, size_t size)
{
	char path[512];
	int r = rundir_ensure(why, size);

	if (r == 0)
		r = confirm_timer_socket_path(table, path, sizeof(path));
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

bool confirm_timer_pending(const char *table)
{
	char path[512];

	return confirm_timer_socket_path(table, path, sizeof(path)) == 0 && ctl_served(path);
}

static void reply(int fd, const char *text, int status)
{
	uint32_t st = (uint32_t)status;

	ctl_send_frame(fd, status ? CTL_ERR : CTL_OUT, text, strlen(text));
	ctl_send_frame(fd, CTL_EXIT, &st, sizeof(st));
}

/* One client: true when it confirmed. */
static bool serve(int listen_fd, struct confirm *c)
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
		reply(fd, text, NGW_FAILED);
		close(fd);
		return false;
	}
	if (ctl_read_all(fd, &h, sizeof(h)) == 0 && ctl_check_request_header(&h) == 0 &&
	    h.type == CTL_CONFIRM && h.length == sizeof(struct ctl_wire_opts)) {
		struct ctl_wire_opts o;
		struct ctl_request req;
		if (ctl_read_all(fd, &o, sizeof(o)) == 0 && ctl_parse_request(&h, &o, &req) == 0) {
			char answer[160], text[180];
			int status = confirm_accept(c, answer, sizeof(answer));
			snprintf(text, sizeof(text), "natgw: %s\n", answer);
			reply(fd, text, status);
			confirmed = status == NGW_OK;
		}
	}
	if (!confirmed)
		reply(fd, "natgw: this socket serves natgw confirm only\n", NGW_USAGE);
	close(fd);
	return confirmed;
}

static void roll_back(struct confirm *c, struct ngw_diags *msgs)
{
	struct apply_run a;
	struct ngw_ruleset *restored;
	char summary[512];
	unsigned seconds = c->seconds;

	int status = confirm_expire(c, msgs, &a, &restored, summary, sizeof(summary));
	if (status == NGW_OK)
		syslog(LOG_WARNING, "no natgw confirm within %u s: rolled back table inet %s "
		       "to the previous ruleset: %s", seconds, c->table, summary);
	else
		syslog(LOG_ERR, "no natgw confirm within %u s, and rolling back table inet %s "
		       "failed; the unconfirmed ruleset is still in the kernel", seconds, c->table);
	apply_run_free(&a);
	ruleset_free(restored);
}

void confirm_timer_run(int listen_fd, const char *path, const char *table,
		       struct ngw_ruleset *previous, unsigned seconds, struct ngw_diags *msgs)
{
	struct confirm c = { 0 };

	confirm_arm(&c, table, previous, seconds);
	for (;;) {
		double left = c.due - session_now_ms();
		if (confirm_expired(&c, session_now_ms()))
			break;
		struct pollfd p = { listen_fd, POLLIN, 0 };
		int r = poll(&p, 1, left > 60000 ? 60000 : (int)left + 1);
		if (r > 0 && serve(listen_fd, &c)) {
			syslog(LOG_INFO, "natgw confirm: table inet %s keeps the ruleset applied",
			       table);
			unlink(path);
			return;
		}
	}
	/* From here on `natgw confirm` finds nobody and says it is too late. */
	close(listen_fd);
	unlink(path);
	roll_back(&c, msgs);
	confirm_free(&c);
}

int confirm_timer_listen(const char *table, char *path, size_t size)
{
	char why[600];
	int r = rundir_ensure(why, sizeof(why));

	if (r == 0)
		r = confirm_timer_socket_path(table, path, size);
	return r < 0 ? r : ctl_listen(path);
}
