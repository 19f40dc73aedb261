/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A command the daemon answers: the request goes over the control socket
 * and the answer's frames come back to this terminal's stdout and stderr,
 * with the daemon's exit status. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ctl/ctl.h"
#include "ctl/rundir.h"
#include "natgw/xalloc.h"

/* Relays reply frames until CTL_EXIT. */
static int relay(int fd)
{
	char *buf = xmalloc(CTL_MAX_FRAME);

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
			continue;
		}
		if (r == 0)
			r = -EPROTO;
		free(buf);
		fprintf(stderr, "natgw: the daemon's answer broke off: %s\n", strerror(-r));
		return EXIT_SYSTEM;
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
	if (r < 0) {
		fprintf(stderr, "natgw: sending the request to the daemon: %s\n", strerror(-r));
		return EXIT_SYSTEM;
	}
	return relay(fd);
}

bool cli_daemon_request(const struct ctl_request *req, int *status)
{
	char path[512], why[600];
	int r = rundir_check(why, sizeof(why));

	if (r == -EPERM) {
		fprintf(stderr, "natgw: %s\n", why);
		*status = EXIT_SYSTEM;
		return true;
	}
	if (r < 0 || ctl_socket_path(path, sizeof(path)) < 0)
		return false;	/* no runtime directory: no daemon */
	int fd = ctl_connect(path);
	if (fd == -EPERM) {
		fprintf(stderr, "natgw: %s is not served by a natgw of root in this network "
			"namespace; not talking to it\n", path);
		*status = EXIT_SYSTEM;
		return true;
	}
	if (fd < 0)
		return false;	/* no daemon (or not root: the direct way says so) */
	*status = cli_daemon_exchange(fd, req);
	close(fd);
	return true;
}

