/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture.h"

int capture_begin(struct capture *c)
{
	fflush(stdout);
	fflush(stderr);
	c->out = memfd_create("natgw-out", MFD_CLOEXEC);
	c->err = memfd_create("natgw-err", MFD_CLOEXEC);
	c->saved_out = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	c->saved_err = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	if (c->out < 0 || c->err < 0 || c->saved_out < 0 || c->saved_err < 0 ||
	    dup2(c->out, STDOUT_FILENO) < 0 || dup2(c->err, STDERR_FILENO) < 0) {
		int e = errno;
		if (c->saved_out >= 0)
			dup2(c->saved_out, STDOUT_FILENO);
		if (c->saved_err >= 0)
			dup2(c->saved_err, STDERR_FILENO);
		int fds[] = { c->saved_out, c->saved_err, c->out, c->err };
		for (size_t i = 0; i < sizeof(fds) / sizeof(*fds); i++)
			if (fds[i] >= 0)
				close(fds[i]);
		return -e;
	}
	return 0;
}

static int slurp(int fd, char **buf, size_t *len)
{
	struct stat st;

	*buf = NULL;
	*len = 0;
	if (fstat(fd, &st) < 0)
		return -errno;
	*buf = malloc((size_t)st.st_size + 1);
	if (!*buf)
		abort();
	ssize_t n = pread(fd, *buf, (size_t)st.st_size, 0);
	if (n < 0)
		return -errno;
	*len = (size_t)n;
	return 0;
}

int capture_end(struct capture *c, char **out, size_t *out_len, char **err, size_t *err_len)
{
	fflush(stdout);
	fflush(stderr);
	dup2(c->saved_out, STDOUT_FILENO);
	dup2(c->saved_err, STDERR_FILENO);
	close(c->saved_out);
	close(c->saved_err);
	int r = slurp(c->out, out, out_len);
	int r2 = slurp(c->err, err, err_len);
	close(c->out);
	close(c->err);
	return r < 0 ? r : r2;
}
