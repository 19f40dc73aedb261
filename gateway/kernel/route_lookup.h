/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kernel's own routing decision for an address (rtnetlink
 * RTM_GETROUTE, what `ip route get` asks): for a packet the router sends
 * itself, or for one that came in on an interface and is forwarded, with
 * every routing rule, table and reverse-path check the kernel applies to
 * it. Many lookups go over one socket, many requests per send, so 100,000
 * addresses cost no 100,000 round trips. */
#ifndef NATGW_ROUTE_LOOKUP_H
#define NATGW_ROUTE_LOOKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct route_query {
	uint8_t family;		/* 4 or 6 */
	uint8_t dst[16];	/* network order; IPv4 in dst[0..3] */
	uint8_t src[16];	/* the packet's source; all zero: none */
	unsigned iif;		/* the interface it came in on (ifindex);
				 * 0: a packet of the router itself */
	bool fib_match;		/* the table entry that matched (its prefix
				 * length), not the route made of it */
};

struct route_answer {
	int err;		/* 0, or the kernel's -errno for this packet:
				 * -ENETUNREACH no route, -EHOSTUNREACH an
				 * unreachable route, -EACCES prohibit,
				 * -EINVAL blackhole or a source the kernel
				 * refuses (martian, reverse path) */
	uint8_t type;		/* RTN_UNICAST, RTN_LOCAL, ... */
	uint8_t dst_len;	/* of the matching entry, with fib_match */
	unsigned oif;		/* the interface it leaves by; 0: none */
	bool has_gateway;
	uint8_t gateway[16];	/* the next hop, in the query's family */
};

/* Asks the kernel each of the n queries, answers in a[i]. 0, or -errno
 * when the rtnetlink socket itself fails (then no answer is to be used). */
int route_lookup(const struct route_query *q, struct route_answer *a, size_t n);

#endif
