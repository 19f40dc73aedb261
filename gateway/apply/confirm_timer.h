/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Commit-confirm without the daemon: after `natgw apply --confirm SECONDS`,
 * a detached process (its own session, no terminal, so it outlives the
 * operator's shell or SSH connection) waits on
 * /run/natgw/confirm-<table>-<netns>.sock for `natgw confirm`. If none
 * comes in time it puts the previous ruleset back (or removes the table if
 * there was none) and logs the outcome to syslog. With the daemon running,
 * the daemon keeps the time instead. Both drive the same state machine
 * (confirm.h). */
#ifndef NATGW_CONFIRM_TIMER_H
#define NATGW_CONFIRM_TIMER_H

#include <stdbool.h>
#include <stddef.h>

#include "natgw/rules.h"

/* The timer's socket for table. 0 or -errno. */
int confirm_timer_socket_path(const char *table, char *buf, size_t size);

/* Whether a timer for table could serve its socket: the runtime directory
 * is usable and the socket's path fits a UNIX socket address. Checked
 * before an apply --confirm changes anything. 0, or -errno with why. */
int confirm_timer_can_start(const char *table, char *why, size_t size);

/* Whether a timer is waiting for table. */
bool confirm_timer_pending(const char *table);

/* The timer's socket, listening (path gets its name): before apply
 * returns, so `natgw confirm` may follow at once. The fd or -errno. */
int confirm_timer_listen(const char *table, char *path, size_t size);

/* The timer, in the process that keeps it (the command detaches one):
 * serves `natgw confirm` on listen_fd until the time runs out, then puts
 * previous back (NULL: removes the table). Logs its outcome to syslog,
 * the rollback's messages to msgs; previous is its own; returns when
 * confirmed or rolled back. */
void confirm_timer_run(int listen_fd, const char *path, const char *table,
		       struct ngw_ruleset *previous, unsigned seconds, struct ngw_diags *msgs);

#endif
