/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The UDP ports the router itself takes datagrams on (a VPN, DNS, DHCP):
 * unconnected UDP sockets of this network namespace, from /proc/net/udp and
 * /proc/net/udp6. No endpoint-independent mapping may be given one. */
#ifndef NATGW_LOCAL_PORTS_H
#define NATGW_LOCAL_PORTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Adds the local ports of the unconnected sockets listed in f (the format
 * of /proc/net/udp or udp6) to *v (n used, cap allocated). 0 or -EINVAL
 * for a line it cannot read. */
int local_ports_parse(FILE *f, uint16_t **v, size_t *n, size_t *cap);

/* Both files, sorted and without repeats. 0 or -errno. */
int local_udp_ports(uint16_t **v, size_t *n);

#endif
