/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/trace.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "nl.h"
#include "trace_watch.h"
#include "natgw/xalloc.h"

struct trace_watch {
	struct mnl_socket *sock;
	char buf[256 << 10];	/* a netlink datagram of events at most */
};

int trace_watch_open(struct trace_watch **out)
{
	static const unsigned groups[] = { NFNLGRP_NFTRACE };
	struct trace_watch *w = xcalloc(1, sizeof(*w));

	/* a burst of traced packets is many events each */
	w->sock = nl_subscribe(NETLINK_NETFILTER, groups, 1, 4 << 20);
	if (!w->sock) {
		int e = -errno;
		free(w);
		return e;
	}
	*out = w;
	return 0;
}

void trace_watch_close(struct trace_watch *w)
{
	if (!w)
		return;
	if (w->sock)
		mnl_socket_close(w->sock);
	free(w);
}

int trace_watch_fd(const struct trace_watch *w)
{
	return mnl_socket_get_fd(w->sock);
}

static void copy_str(char *dst, size_t size, const struct nftnl_trace *t, uint16_t attr)
{
	const char *s = nftnl_trace_is_set(t, attr) ? nftnl_trace_get_str(t, attr) : NULL;
	snprintf(dst, size, "%s", s ? s : "");
}

static uint8_t copy_data(uint8_t *dst, size_t size, const struct nftnl_trace *t, uint16_t attr)
{
	uint32_t len = 0;
	const void *d = nftnl_trace_is_set(t, attr) ? nftnl_trace_get_data(t, attr, &len) : NULL;
	if (!d)
		return 0;
	if (len > size)
		len = (uint32_t)size;
	memcpy(dst, d, len);
	return (uint8_t)len;
}

static void ifname(char dst[16], const struct nftnl_trace *t, uint16_t attr)
{
	char name[IF_NAMESIZE] = "";
	dst[0] = 0;
	if (nftnl_trace_is_set(t, attr) && if_indextoname(nftnl_trace_get_u32(t, attr), name))
		snprintf(dst, 16, "%s", name);
}

struct reading {
	void (*cb)(const struct trace_event *e, void *arg);
	void *arg;
};

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	struct reading *rd = data;

	if (NFNL_MSG_TYPE(nlh->nlmsg_type) != NFT_MSG_TRACE)
		return MNL_CB_OK;
	struct nftnl_trace *t = xalloc_check(nftnl_trace_alloc());
	if (nftnl_trace_nlmsg_parse(nlh, t) == 0) {
		struct trace_event *e = xcalloc(1, sizeof(*e));
		e->id = nftnl_trace_get_u32(t, NFTNL_TRACE_ID);
		e->family = nftnl_trace_get_u32(t, NFTNL_TRACE_FAMILY);
		if (nftnl_trace_is_set(t, NFTNL_TRACE_NFPROTO))
			e->nfproto = nftnl_trace_get_u32(t, NFTNL_TRACE_NFPROTO);
		copy_str(e->table, sizeof(e->table), t, NFTNL_TRACE_TABLE);
		copy_str(e->chain, sizeof(e->chain), t, NFTNL_TRACE_CHAIN);
		copy_str(e->jump, sizeof(e->jump), t, NFTNL_TRACE_JUMP_TARGET);
		e->type = nftnl_trace_get_u32(t, NFTNL_TRACE_TYPE);
		if (nftnl_trace_is_set(t, NFTNL_TRACE_RULE_HANDLE))
			e->handle = nftnl_trace_get_u64(t, NFTNL_TRACE_RULE_HANDLE);
		if (nftnl_trace_is_set(t, NFTNL_TRACE_VERDICT))
			e->verdict = (int32_t)nftnl_trace_get_u32(t, NFTNL_TRACE_VERDICT);
		else if (nftnl_trace_is_set(t, NFTNL_TRACE_POLICY))
			e->verdict = (int32_t)nftnl_trace_get_u32(t, NFTNL_TRACE_POLICY);
		ifname(e->iif, t, NFTNL_TRACE_IIF);
		ifname(e->oif, t, NFTNL_TRACE_OIF);
		e->net_len = copy_data(e->net, sizeof(e->net), t, NFTNL_TRACE_NETWORK_HEADER);
		e->th_len = copy_data(e->th, sizeof(e->th), t, NFTNL_TRACE_TRANSPORT_HEADER);
		rd->cb(e, rd->arg);
		free(e);
	}
	nftnl_trace_free(t);
	return MNL_CB_OK;
}

int trace_watch_read(struct trace_watch *w, void (*cb)(const struct trace_event *e, void *arg),
		     void *arg)
{
	struct reading rd = { cb, arg };
	int lost = 0;

	for (;;) {
		ssize_t n = recv(mnl_socket_get_fd(w->sock), w->buf, sizeof(w->buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return lost;
			if (errno == ENOBUFS) {
				lost = -ENOBUFS;	/* read on: the rest is whole */
				continue;
			}
			if (errno == EINTR)
				continue;
			return -errno;
		}
		mnl_cb_run(w->buf, (size_t)n, 0, 0, event_cb, &rd);
	}
}
