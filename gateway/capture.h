/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What a command prints, caught for a control-socket client: the daemon runs
 * the very code the command runs directly, with stdout and stderr pointed
 * at memory files for the time of one request (the daemon is one thread, so
 * nothing else writes meanwhile), and sends the text on. */
#ifndef NATGW_CAPTURE_H
#define NATGW_CAPTURE_H

#include <stddef.h>

struct capture {
	int saved_out, saved_err;
	int out, err;			/* memfds */
};

/* 0 or -errno (then nothing was redirected). */
int capture_begin(struct capture *c);

/* Restores stdout and stderr and reads what was written: *out and *err are
 * malloc'd (free them). 0 or -errno. */
int capture_end(struct capture *c, char **out, size_t *out_len, char **err, size_t *err_len);

#endif
