/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kernel's trace events (NFNLGRP_NFTRACE): for a packet with nftrace
 * set, one per rule that decided something, per chain end (policy) and per
 * return, in every table of every family. Read as plain data for
 * doctor/trace.c, which makes them a path. */
#ifndef NATGW_TRACE_WATCH_H
#define NATGW_TRACE_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#define TRACE_NAME_MAX 256	/* NFT_NAME_MAXLEN */

struct trace_event {
	uint32_t id;			/* the packet's (per skb, may be reused later) */
	uint32_t family;		/* the table's: NFPROTO_INET, _IPV4, _BRIDGE ... */
	uint32_t nfproto;		/* the packet's: NFPROTO_IPV4 or _IPV6 */
	char table[TRACE_NAME_MAX], chain[TRACE_NAME_MAX];
	uint32_t type;			/* NFT_TRACETYPE_RULE, _RETURN, _POLICY */
	uint64_t handle;		/* the rule's (RULE); 0 otherwise */
	int32_t verdict;		/* NF_DROP, NF_ACCEPT, NFT_JUMP ... */
	char jump[TRACE_NAME_MAX];	/* JUMP, GOTO: the target chain */
	char iif[16], oif[16];		/* names, "" when not known */
	uint8_t net[40], th[20];	/* the start of the network and
					 * transport headers */
	uint8_t net_len, th_len;
};

struct trace_watch;

/* Subscribed to NFNLGRP_NFTRACE. 0 with *w, or -errno (-EPERM without
 * CAP_NET_ADMIN, -ENOENT or -EOPNOTSUPP: this kernel reports no traces). */
int trace_watch_open(struct trace_watch **w);
void trace_watch_close(struct trace_watch *w);
int trace_watch_fd(const struct trace_watch *w);

/* Reads what is queued without waiting, calling cb per event. 0, or
 * -ENOBUFS when the kernel dropped events (some paths are incomplete), or
 * another -errno. */
int trace_watch_read(struct trace_watch *w, void (*cb)(const struct trace_event *e, void *arg),
		     void *arg);

#endif
