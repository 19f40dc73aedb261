/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The router's own listening sockets: TCP in LISTEN, UDP unconnected, from
 * the kernel's socket tables of this network namespace (/proc/net/tcp,
 * tcp6, udp, udp6), and the process that holds each when it can be found
 * (/proc/PID/fd). */
#ifndef NATGW_LISTENERS_H
#define NATGW_LISTENERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct listener {
	uint8_t l4;			/* IPPROTO_TCP or IPPROTO_UDP */
	uint8_t family;			/* 4 or 6 */
	uint16_t port;
	uint8_t addr[16];		/* bound to; network order; all 0: any */
	unsigned long inode;		/* the socket's, to find its process */
	bool v6only;			/* IPv6 only: on [::], it takes no IPv4 */
	char process[64];		/* "sshd (pid 812)", or "" when not found */
};

/* Adds the listeners of one table (f in the format of /proc/net/tcp and
 * the others) to *v. 0, or -EINVAL for a line it cannot read. */
int listeners_parse(FILE *f, uint8_t l4, uint8_t family, struct listener **v, size_t *n,
		    size_t *cap);

/* All four tables under proc, with the processes found. 0 or -errno. */
int listeners_read(const char *proc, struct listener **v, size_t *n);

#endif
