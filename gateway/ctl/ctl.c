/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl.h"
#include "rundir.h"
#include "natgw/xalloc.h"

int ctl_check_request_header(const struct ctl_header *h)
{
	if (h->magic != CTL_MAGIC || h->version != CTL_VERSION)
		return -EPROTO;
	if (h->length > CTL_MAX_REQUEST)
		return -EMSGSIZE;
	if (h->type < CTL_SHOW || h->type > CTL_CONFIRM)
		return -EBADMSG;
	if (h->length < sizeof(struct ctl_wire_opts))
		return -EBADMSG;
	return 0;
}

int ctl_parse_request(const struct ctl_header *h, const void *payload, struct ctl_request *req)
{
	struct ctl_wire_opts o;

	if (ctl_check_request_header(h) < 0)
		return -EBADMSG;
	memcpy(&o, payload, sizeof(o));
	size_t rest = h->length - sizeof(o);
	const char *p = (const char *)payload + sizeof(o);
	size_t rule_len = strnlen(o.rule, sizeof(o.rule));

	if (o.json > 1 || o.verbosity < -1 || o.verbosity > 3 || (o.flags & ~(CTL_F_CACHED | CTL_F_COUNT)) ||
	    (o.flags && h->type != CTL_MAPPINGS))
		return -EBADMSG;
	if (o.l4 && o.l4 != IPPROTO_TCP && o.l4 != IPPROTO_UDP)
		return -EBADMSG;
	if (rule_len > NGW_NAME_MAX || o.confirm > CTL_CONFIRM_MAX)
		return -EBADMSG;
	memset(req, 0, sizeof(*req));
	req->type = (enum ctl_type)h->type;
	req->json = o.json;
	req->verbosity = o.verbosity;
	req->l4 = o.l4;
	req->cached = o.flags & CTL_F_CACHED;
	req->count = o.flags & CTL_F_COUNT;
	req->confirm = o.confirm;
	memcpy(req->rule, o.rule, rule_len);
	if (req->type != CTL_APPLY)
		return o.name_len || rest || o.confirm ? -EBADMSG : 0;
	if (o.name_len == 0 || o.name_len >= sizeof(req->name) || o.name_len > rest ||
	    memchr(p, 0, o.name_len))
		return -EBADMSG;
	memcpy(req->name, p, o.name_len);
	req->content = p + o.name_len;
	req->content_len = rest - o.name_len;
	return 0;
}

int ctl_build_request(const struct ctl_request *req, void **buf, size_t *len)
{
	size_t name_len = req->type == CTL_APPLY ? strlen(req->name) : 0;
	size_t content_len = req->type == CTL_APPLY ? req->content_len : 0;
	struct ctl_wire_opts o = {
		.json = req->json,
		.verbosity = (int8_t)req->verbosity,
		.l4 = req->l4,
		.flags = (uint8_t)((req->cached ? CTL_F_CACHED : 0) | (req->count ? CTL_F_COUNT : 0)),
		.confirm = req->confirm,
		.name_len = (uint32_t)name_len,
	};
	size_t payload = sizeof(o) + name_len + content_len;

	if (payload > CTL_MAX_REQUEST || name_len >= sizeof(req->name))
		return -EMSGSIZE;
	snprintf(o.rule, sizeof(o.rule), "%s", req->rule);
	struct ctl_header h = { CTL_MAGIC, CTL_VERSION, (uint16_t)req->type, (uint32_t)payload };
	char *b = malloc(sizeof(h) + payload);
	if (!b)
		return -ENOMEM;
	memcpy(b, &h, sizeof(h));
	memcpy(b + sizeof(h), &o, sizeof(o));
	memcpy(b + sizeof(h) + sizeof(o), req->name, name_len);
	if (content_len)
		memcpy(b + sizeof(h) + sizeof(o) + name_len, req->content, content_len);
	*buf = b;
	*len = sizeof(h) + payload;
	return 0;
}

int ctl_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int ctl_read_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		if (n == 0)
			return -ECONNRESET;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int ctl_send_frame(int fd, enum ctl_type type, const void *data, size_t len)
{
	const char *p = data;

	do {
		size_t n = len > CTL_MAX_FRAME ? CTL_MAX_FRAME : len;
		struct ctl_header h = { CTL_MAGIC, CTL_VERSION, (uint16_t)type, (uint32_t)n };
		int r = ctl_write_all(fd, &h, sizeof(h));
		if (r == 0 && n)
			r = ctl_write_all(fd, p, n);
		if (r < 0)
			return r;
		p += n;
		len -= n;
	} while (len);
	return 0;
}

int ctl_socket_path(char *buf, size_t size)
{
	/* one per network namespace, so a daemon runs in each and a command
	 * reaches its own (whatever PID namespace either is in) */
	return rundir_netns_file(CTL_SOCKET_STEM, ".sock", buf, size);
}

/* Whether the client at the other end of an accepted socket is in this
 * network namespace: the accepted socket belongs to the client's namespace
 * (its cookie, Linux 5.14), else the client's /proc entry says (a client's
 * process ID is its own, taken when it connected). */
static bool client_in_netns(int fd, pid_t pid)
{
	uint64_t cookie = 0, own = rundir_netns_cookie();
	socklen_t len = sizeof(cookie);

	if (own && getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len) == 0)
		return cookie == own;
	char path[64];
	struct stat self, peer;
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	return pid > 0 && stat(path, &peer) == 0 && stat("/proc/self/ns/net", &self) == 0 &&
	       peer.st_ino == self.st_ino && peer.st_dev == self.st_dev;
}

int ctl_peer_check(int fd, bool server, char *what, size_t size)
{
	struct ucred cred = { 0 };
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.uid != 0) {
		snprintf(what, size, "%s running as uid %u (root only)",
			 server ? "a client" : "its server", (unsigned)cred.uid);
		return -EPERM;
	}
	/* A server's process ID is the one that listened, which may have
	 * exited (commit-confirm's timer is forked after) and been reused:
	 * the server's namespace is its socket's path, named after it; the
	 * server, for its part, refuses clients of any other. */
	if (server && !client_in_netns(fd, cred.pid)) {
		snprintf(what, size, "a client in another network namespace");
		return -EPERM;
	}
	return 0;
}

const char *ctl_socket_display(void)
{
	static char path[512];
	if (ctl_socket_path(path, sizeof(path)) < 0)
		snprintf(path, sizeof(path), "%s/%s-<netns>.sock", rundir(), CTL_SOCKET_STEM);
	return path;
}

static int sockaddr_for(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	memcpy(sa->sun_path, path, strlen(path));
	return 0;
}

int ctl_connect(const char *path)
{
	struct sockaddr_un sa;
	int r = sockaddr_for(path, &sa);

	if (r < 0)
		return r;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	char what[96];
	if (ctl_peer_check(fd, false, what, sizeof(what)) < 0) {
		close(fd);
		return -EPERM;
	}
	return fd;
}

int ctl_listen(const char *path)
{
	struct sockaddr_un sa;
	int r = sockaddr_for(path, &sa);

	if (r < 0)
		return r;
	struct stat st;
	int fd = ctl_connect(path);
	if (fd >= 0) {
		close(fd);
		return -EADDRINUSE;
	}
	/* a socket left by a process that died, or anything else that is in
	 * the way (a link, a file): the directory is root's, so is this */
	if (lstat(path, &st) == 0 && (fd != -EPERM || !S_ISSOCK(st.st_mode)))
		unlink(path);
	else if (fd == -EPERM)
		return -EPERM;		/* served, but not by a natgw of root here */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* created 0600 from the start: no moment when others may connect */
	mode_t old = umask(0177);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -errno : 0;
	umask(old);
	if (r == 0 && listen(fd, 16) < 0)
		r = -errno;
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

bool ctl_served(const char *path)
{
	int fd = ctl_connect(path);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

bool ctl_daemon_running(void)
{
	char path[512];

	return ctl_socket_path(path, sizeof(path)) == 0 && ctl_served(path);
}
