/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "route_lookup.h"
#include "natgw/xalloc.h"

/* Requests in flight at once: the kernel answers each within the send,
 * and every answer (an RTM_NEWROUTE of about 100 bytes, but a buffer of a
 * page or so, or an error) must fit the socket's receive buffer, or the
 * ones past it are lost (ENOBUFS). */
#define WINDOW_MAX 256
#define ANSWER_COST 8192	/* receive buffer one answer takes, at most */
#define REQ_MAX 128		/* bytes of one request, at most (76 used) */
#define RCVBUF (4 << 20)
#define ANSWER_TIMEOUT_MS 5000	/* the kernel answers at once */

#ifndef RTM_F_FIB_MATCH		/* linux/rtnetlink.h before 4.13 */
#define RTM_F_FIB_MATCH 0x2000
#endif

/* ip route get [fibmatch] DST [from SRC] [iif IIF]: one request, built at
 * buf; returns its length. */
static size_t build_query(char *buf, const struct route_query *q, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	size_t len = q->family == 4 ? 4 : 16;
	static const uint8_t zero[16];

	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = q->family == 4 ? AF_INET : AF_INET6;
	rtm->rtm_dst_len = (unsigned char)(len * 8);
	rtm->rtm_flags = q->fib_match ? RTM_F_FIB_MATCH : 0;
	mnl_attr_put(nlh, RTA_DST, len, q->dst);
	if (memcmp(q->src, zero, len)) {
		rtm->rtm_src_len = (unsigned char)(len * 8);
		mnl_attr_put(nlh, RTA_SRC, len, q->src);
	}
	if (q->iif)
		mnl_attr_put_u32(nlh, RTA_IIF, q->iif);
	return nlh->nlmsg_len;
}

/* The first next hop of a multipath entry (fib_match answers carry them
 * all; a route, the one chosen). */
static void first_hop(const struct nlattr *mp, struct route_answer *a, size_t alen)
{
	const struct rtnexthop *nh = mnl_attr_get_payload(mp);
	uint16_t left = mnl_attr_get_payload_len(mp);

	if (left < sizeof(*nh) || nh->rtnh_len < sizeof(*nh) || nh->rtnh_len > left)
		return;
	a->oif = (unsigned)nh->rtnh_ifindex;
	const struct nlattr *at = (const struct nlattr *)((const char *)nh + RTNH_ALIGN(sizeof(*nh)));
	int inner = (int)nh->rtnh_len - (int)RTNH_ALIGN(sizeof(*nh));
	for (; mnl_attr_ok(at, inner); at = mnl_attr_next(at))
		if (mnl_attr_get_type(at) == RTA_GATEWAY && mnl_attr_get_payload_len(at) == alen) {
			memcpy(a->gateway, mnl_attr_get_payload(at), alen);
			a->has_gateway = true;
		}
}

static void parse_route(const struct nlmsghdr *nlh, struct route_answer *a)
{
	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(struct rtmsg)) {
		a->err = -EBADMSG;
		return;
	}
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	size_t alen = rtm->rtm_family == AF_INET ? 4 : 16;
	const struct nlattr *at;

	a->type = rtm->rtm_type;
	a->dst_len = rtm->rtm_dst_len;
	mnl_attr_for_each(at, nlh, sizeof(*rtm)) {
		switch (mnl_attr_get_type(at)) {
		case RTA_OIF:
			if (mnl_attr_validate(at, MNL_TYPE_U32) == 0)
				a->oif = mnl_attr_get_u32(at);
			break;
		case RTA_GATEWAY:
			if (mnl_attr_get_payload_len(at) == alen) {
				memcpy(a->gateway, mnl_attr_get_payload(at), alen);
				a->has_gateway = true;
			}
			break;
		case RTA_MULTIPATH:
			if (!a->oif)
				first_hop(at, a, alen);
			break;
		}
	}
}

/* Reads the answers to queries first..first+n-1 (sequence numbers seq0 +
 * index) into a. 0, or -errno. */
static int read_answers(struct mnl_socket *sock, uint32_t seq0, size_t first, size_t n,
			struct route_answer *a, char *buf)
{
	size_t got = 0;

	while (got < n) {
		struct pollfd p = { .fd = mnl_socket_get_fd(sock), .events = POLLIN };
		int ready = poll(&p, 1, ANSWER_TIMEOUT_MS);
		if (ready <= 0)
			return ready == 0 ? -ETIMEDOUT : -errno;
		ssize_t len = mnl_socket_recvfrom(sock, buf, MNL_SOCKET_BUFFER_SIZE);
		if (len < 0)
			return -errno;
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		int left = (int)len;
		for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
			size_t i = (size_t)(nlh->nlmsg_seq - seq0);
			if (i < first || i >= first + n || a[i].err != -EINPROGRESS)
				continue;	/* not one of ours, or said already */
			a[i].err = 0;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
				if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*e))
					a[i].err = -EBADMSG;
				else
					a[i].err = e->error < 0 ? e->error : -EBADMSG;
			} else if (nlh->nlmsg_type == RTM_NEWROUTE) {
				parse_route(nlh, &a[i]);
			} else {
				a[i].err = -EBADMSG;
			}
			got++;
		}
	}
	return 0;
}

int route_lookup(const struct route_query *q, struct route_answer *a, size_t n)
{
	struct mnl_socket *sock = mnl_socket_open(NETLINK_ROUTE);
	int size = RCVBUF, e = 0;

	if (!sock)
		return -errno;
	if (mnl_socket_bind(sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		e = -errno;
		mnl_socket_close(sock);
		return e;
	}
	/* as much room as root may take; else what net.core.rmem_max allows */
	int fd = mnl_socket_get_fd(sock);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	socklen_t len = sizeof(size);
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, &len) < 0)
		size = 0;
	size_t window = (size_t)size / ANSWER_COST;
	window = window < 1 ? 1 : window > WINDOW_MAX ? WINDOW_MAX : window;
	char *out = xcalloc(window, REQ_MAX);
	char *in = xmalloc(MNL_SOCKET_BUFFER_SIZE);
	uint32_t seq0 = (uint32_t)time(NULL);

	for (size_t i = 0; i < n; i++)
		a[i] = (struct route_answer){ .err = -EINPROGRESS };
	for (size_t first = 0; first < n && !e; first += window) {
		size_t count = n - first < window ? n - first : window, bytes = 0;
		for (size_t i = first; i < first + count; i++)
			bytes += build_query(out + bytes, &q[i], seq0 + (uint32_t)i);
		/* rtnetlink takes each message of the send in turn and queues
		 * one answer for each */
		if (mnl_socket_sendto(sock, out, bytes) < 0)
			e = -errno;
		else
			e = read_answers(sock, seq0, first, count, a, in);
	}
	free(out);
	free(in);
	mnl_socket_close(sock);
	return e;
}
