/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which IPv6 sockets are IPv6-only (IPV6_V6ONLY, or net.ipv6.bindv6only when
 * they were made), from the kernel's socket diagnostics (sock_diag): the
 * /proc/net tables do not say, and a socket on [::] takes IPv4 too unless
 * it is IPv6-only. */
#ifndef NATGW_SOCK_V6ONLY_H
#define NATGW_SOCK_V6ONLY_H

#include <stddef.h>
#include <stdint.h>

/* The inodes of this network namespace's IPv6-only listening sockets of
 * l4 (IPPROTO_TCP: in LISTEN; IPPROTO_UDP: every one), into *v (the
 * caller frees it). 0, or -errno (-ENOENT: no sock_diag for l4 here). */
int sock_v6only_read(uint8_t l4, unsigned long **v, size_t *n);

#endif
