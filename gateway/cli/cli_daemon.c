/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A command the daemon answers: the request goes over the control socket
 * and the answer's frames come back to this terminal's stdout and stderr,
 * with the daemon's exit status. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ctl/ctl.h"
#include "ctl/rundir.h"
#include "natgw/xalloc.h"
#include "out/diag_print.h"

/* Why the exchange with the daemon failed, on stderr, and with --json as
 * the error document on stdout (when the daemon's answer had not begun
 * one there). */
__attribute__((format(printf, 3, 4)))
static int fail(const struct ctl_request *req, bool json_said, const char *fmt, ...)
{
	char why[700];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	fprintf(stderr, "natgw: %s\n", why);
	if (req->json && !json_said)
		diag_print_json_message(stdout, why);
	return EXIT_SYSTEM;
}

/* Relays reply frames until CTL_EXIT. */
static int relay(int fd, const struct ctl_request *req)
{
	char *buf = xmalloc(CTL_MAX_FRAME);
	bool out_said = false;

	for (;;) {
		struct ctl_header h;
		int r = ctl_read_all(fd, &h, sizeof(h));
		if (r == 0 && (h.magic != CTL_MAGIC || h.version != CTL_VERSION ||
			       h.length > CTL_MAX_FRAME))
			r = -EPROTO;
		if (r == 0)
			r = ctl_read_all(fd, buf, h.length);
		if (r == 0 && h.type == CTL_EXIT) {
			uint32_t status;
			if (h.length != sizeof(status)) {
				r = -EPROTO;
			} else {
				memcpy(&status, buf, sizeof(status));
				free(buf);
				return status <= EXIT_SYSTEM ? (int)status : EXIT_SYSTEM;
			}
		}
		if (r == 0 && (h.type == CTL_OUT || h.type == CTL_ERR)) {
			FILE *out = h.type == CTL_OUT ? stdout : stderr;
			fwrite(buf, 1, h.length, out);
			fflush(out);
			out_said |= h.type == CTL_OUT;
			continue;
		}
		if (r == 0)
			r = -EPROTO;
		free(buf);
		return fail(req, out_said, "the daemon's answer broke off: %s", strerror(-r));
	}
}

int cli_daemon_exchange(int fd, const struct ctl_request *req)
{
	void *msg;
	size_t len;
	int r = ctl_build_request(req, &msg, &len);

	if (r == 0) {
		r = ctl_write_all(fd, msg, len);
		free(msg);
	}
	if (r < 0)
		return fail(req, false, "sending the request to the daemon: %s", strerror(-r));
	return relay(fd, req);
}

bool cli_daemon_request(const struct ctl_request *req, int *status)
{
	char path[512], why[600];
	int r = rundir_check(why, sizeof(why));

	if (r == -EPERM) {
		*status = fail(req, false, "%s", why);
		return true;
	}
	if (r < 0 || ctl_socket_path(path, sizeof(path)) < 0)
		return false;	/* no runtime directory: no daemon */
	int fd = ctl_connect(path);
	if (fd == -EPERM) {
		*status = fail(req, false, "%s is not served by a natgw of root in this network "
			       "namespace; not talking to it", path);
		return true;
	}
	if (fd < 0)
		return false;	/* no daemon (or not root: the direct way says so) */
	*status = cli_daemon_exchange(fd, req);
	close(fd);
	return true;
}

