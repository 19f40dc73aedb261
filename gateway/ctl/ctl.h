/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gateway/ctl/: the control socket between the command and the daemon
 * (wire format, peer checks) and the runtime directory both use. Depends
 * on no other folder of gateway/.
 *
 * The control protocol between the natgw command and `natgw run`, over the
 * UNIX stream socket /run/natgw/natgw-<netns inode>.sock (mode 0600, root
 * only; one per network namespace).
 *
 * Every message is a 12-byte header (magic, version, type, payload length,
 * host byte order: both ends are on this machine) and its payload. The
 * client sends one request; the daemon answers with CTL_ERR and CTL_OUT
 * frames (what the command would have printed to stderr and stdout) and one
 * CTL_EXIT (its exit status), then closes. Anything that does not parse
 * exactly is refused, and the length is checked before anything is read. */
#ifndef NATGW_CTL_H
#define NATGW_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "natgw/rules.h"

#define CTL_MAGIC 0x4e475743u		/* "NGWC" */
#define CTL_VERSION 1
#define CTL_SOCKET_STEM "natgw"		/* natgw-<netns inode>.sock */
#define CTL_MAX_REQUEST (NGW_FILE_MAX + 4096u)
#define CTL_MAX_FRAME (64u << 10)	/* of a reply frame's payload */
#define CTL_CONFIRM_MAX 86400u		/* seconds */

enum ctl_type {
	/* requests */
	CTL_SHOW = 1,
	CTL_MAPPINGS = 2,
	CTL_RELOAD = 3,
	CTL_APPLY = 4,
	CTL_CONFIRM = 5,
	/* replies */
	CTL_OUT = 64,
	CTL_ERR = 65,
	CTL_EXIT = 66,
};

struct ctl_header {
	uint32_t magic;
	uint16_t version;
	uint16_t type;
	uint32_t length;		/* of the payload that follows */
};

/* The payload of every request starts with this; CTL_APPLY adds name_len
 * bytes of file name (for diagnostics) and then the file's content. */
struct ctl_wire_opts {
	uint8_t json;			/* 0 or 1 */
	int8_t verbosity;		/* -1 .. 3 */
	uint8_t l4;			/* mappings: 0, IPPROTO_TCP or IPPROTO_UDP */
	uint8_t flags;			/* CTL_F_*, 0 for other requests */
	uint32_t confirm;		/* apply: seconds, 0: no confirm */
	uint32_t name_len;		/* apply: bytes of file name */
	char rule[NGW_NAME_MAX + 8];	/* mappings: NUL-terminated, "" for all */
};

#define CTL_F_CACHED 0x01	/* mappings: the daemon's table as it is, no dump */
#define CTL_F_COUNT 0x02	/* mappings: how many, not the list */

struct ctl_request {
	enum ctl_type type;
	bool json;
	int verbosity;
	uint8_t l4;
	bool cached;			/* mappings: CTL_F_CACHED */
	bool count;			/* mappings: CTL_F_COUNT */
	uint32_t confirm;
	char rule[NGW_NAME_MAX + 1];
	char name[256];			/* apply: the file's name as the client gave it */
	const char *content;		/* apply: points into the payload */
	size_t content_len;
};

/* Validates a header a client sent: 0, or -EPROTO (not natgw's, or another
 * version), -EMSGSIZE (too long), -EBADMSG (not a request). */
int ctl_check_request_header(const struct ctl_header *h);

/* Decodes a request whose header passed the check. 0 or -EBADMSG. req
 * points into payload, which must outlive it. */
int ctl_parse_request(const struct ctl_header *h, const void *payload, struct ctl_request *req);

/* Builds a request (header and payload) in a new buffer. 0 or -errno. */
int ctl_build_request(const struct ctl_request *req, void **buf, size_t *len);

/* Writes all of buf to fd (EINTR and short writes handled). 0 or -errno. */
int ctl_write_all(int fd, const void *buf, size_t len);

/* Reads exactly len bytes. 0, -errno, or -ECONNRESET at end of stream. */
int ctl_read_all(int fd, void *buf, size_t len);

/* Sends one reply frame; data of any size is split into CTL_MAX_FRAME pieces. */
int ctl_send_frame(int fd, enum ctl_type type, const void *data, size_t len);

/* Who is at the other end of fd: root, and (server true: fd was accepted)
 * a client of this network namespace. 0, or -EPERM with what set. */
int ctl_peer_check(int fd, bool server, char *what, size_t size);

/* The daemon's socket path: /run/natgw/natgw-<netns inode>.sock, one per
 * network namespace. */
int ctl_socket_path(char *buf, size_t size);

/* The same, for messages. */
const char *ctl_socket_display(void);

/* Connects to the socket at path: the fd, or -errno (-ENOENT or
 * -ECONNREFUSED: nobody is serving it; -EPERM: somebody who is not a
 * natgw of root in this namespace, see ctl_peer_check()). */
int ctl_connect(const char *path);

/* Binds and listens at path with mode 0600. Whatever is at path and not
 * served is replaced; a socket served by a natgw of root in this namespace
 * gives -EADDRINUSE, one served by anybody else -EPERM. The fd or -errno. */
int ctl_listen(const char *path);

/* Whether someone serves the socket at path. */
bool ctl_served(const char *path);

/* Whether a daemon serves the socket. */
bool ctl_daemon_running(void);

#endif
