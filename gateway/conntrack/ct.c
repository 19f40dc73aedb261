/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_conntrack_tcp.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "ct.h"
#include "natgw/xalloc.h"

#define BUF_SIZE 65536	/* one read of events or dump answers */

struct ct_sock {
	struct mnl_socket *nl;
	uint32_t portid, seq;
	char *buf;
};

struct ct_sock *ct_open(bool events)
{
	struct ct_sock *s = xcalloc(1, sizeof(*s));
	unsigned groups = events ? (1u << (NFNLGRP_CONNTRACK_NEW - 1)) |
				   (1u << (NFNLGRP_CONNTRACK_UPDATE - 1)) |
				   (1u << (NFNLGRP_CONNTRACK_DESTROY - 1)) : 0;

	s->buf = xcalloc(1, BUF_SIZE);
	s->nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!s->nl || mnl_socket_bind(s->nl, groups, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;
		ct_close(s);
		errno = e;
		return NULL;
	}
	if (events) {	/* room for bursts; a loss still shows as ENOBUFS */
		const char *env = getenv("NATGW_EVENT_BUFFER");
		long size = env ? strtol(env, NULL, 10) : 8L << 20;
		int bytes = size >= 4096 && size <= (1L << 30) ? (int)size : 8 << 20;
		setsockopt(mnl_socket_get_fd(s->nl), SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes));
	}
	s->portid = mnl_socket_get_portid(s->nl);
	s->seq = (uint32_t)time(NULL);
	return s;
}

void ct_close(struct ct_sock *s)
{
	if (!s)
		return;
	if (s->nl)
		mnl_socket_close(s->nl);
	free(s->buf);
	free(s);
}

int ct_fd(const struct ct_sock *s)
{
	return mnl_socket_get_fd(s->nl);
}

/* ---- parsing ----------------------------------------------------------- */

/* The attributes of a nest, by type; an attribute of a known type and the
 * wrong size is left out, as if absent. */
struct attrs {
	const struct nlattr *a[CTA_MAX + 1 > 32 ? CTA_MAX + 1 : 32];
	unsigned max;
};

static int attr_cb(const struct nlattr *attr, void *data)
{
	struct attrs *t = data;
	unsigned type = mnl_attr_get_type(attr);

	if (type > t->max)
		return MNL_CB_OK;	/* unknown: skipped */
	t->a[type] = attr;
	return MNL_CB_OK;
}

static bool nest(const struct nlattr *n, unsigned max, struct attrs *t)
{
	memset(t, 0, sizeof(*t));
	t->max = max;
	return n && mnl_attr_validate(n, MNL_TYPE_NESTED) == 0 &&
	       mnl_attr_parse_nested(n, attr_cb, t) >= 0;
}

static bool get_u8(const struct nlattr *a, uint8_t *v)
{
	if (!a || mnl_attr_validate(a, MNL_TYPE_U8) < 0)
		return false;
	*v = mnl_attr_get_u8(a);
	return true;
}

static bool get_be16(const struct nlattr *a, uint16_t *v)
{
	if (!a || mnl_attr_validate(a, MNL_TYPE_U16) < 0)
		return false;
	*v = ntohs(mnl_attr_get_u16(a));
	return true;
}

static bool get_be32(const struct nlattr *a, uint32_t *v)
{
	if (!a || mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return false;
	*v = ntohl(mnl_attr_get_u32(a));
	return true;
}

static bool get_be64(const struct nlattr *a, uint64_t *v)
{
	if (!a || mnl_attr_validate(a, MNL_TYPE_U64) < 0)
		return false;
	uint64_t raw;
	memcpy(&raw, mnl_attr_get_payload(a), 8);	/* may be unaligned */
	*v = be64toh(raw);
	return true;
}

static bool get_addr(const struct nlattr *a, uint8_t family, struct ngw_addr *out)
{
	unsigned len = family == NGW_FAMILY_IPV4 ? 4 : 16;
	if (!a || mnl_attr_get_payload_len(a) != len)
		return false;
	out->family = family;
	memcpy(out->b, mnl_attr_get_payload(a), len);
	return true;
}

static bool parse_tuple(const struct nlattr *n, struct ct_tuple *t)
{
	struct attrs top, ip, proto;

	memset(t, 0, sizeof(*t));
	if (!nest(n, CTA_TUPLE_MAX, &top) || !nest(top.a[CTA_TUPLE_IP], CTA_IP_MAX, &ip) ||
	    !nest(top.a[CTA_TUPLE_PROTO], CTA_PROTO_MAX, &proto))
		return false;
	bool v4 = get_addr(ip.a[CTA_IP_V4_SRC], NGW_FAMILY_IPV4, &t->src) &&
		  get_addr(ip.a[CTA_IP_V4_DST], NGW_FAMILY_IPV4, &t->dst);
	bool v6 = !v4 && get_addr(ip.a[CTA_IP_V6_SRC], NGW_FAMILY_IPV6, &t->src) &&
		  get_addr(ip.a[CTA_IP_V6_DST], NGW_FAMILY_IPV6, &t->dst);
	if ((!v4 && !v6) || !get_u8(proto.a[CTA_PROTO_NUM], &t->l4))
		return false;
	switch (t->l4) {
	case IPPROTO_ICMP:
		get_be16(proto.a[CTA_PROTO_ICMP_ID], &t->icmp_id);
		get_u8(proto.a[CTA_PROTO_ICMP_TYPE], &t->icmp_type);
		get_u8(proto.a[CTA_PROTO_ICMP_CODE], &t->icmp_code);
		break;
	case IPPROTO_ICMPV6:
		get_be16(proto.a[CTA_PROTO_ICMPV6_ID], &t->icmp_id);
		get_u8(proto.a[CTA_PROTO_ICMPV6_TYPE], &t->icmp_type);
		get_u8(proto.a[CTA_PROTO_ICMPV6_CODE], &t->icmp_code);
		break;
	default:	/* absent for protocols without ports */
		get_be16(proto.a[CTA_PROTO_SRC_PORT], &t->sport);
		get_be16(proto.a[CTA_PROTO_DST_PORT], &t->dport);
	}
	return true;
}

static void add_counters(const struct nlattr *n, struct ct_entry *e)
{
	struct attrs c;
	uint64_t v;

	if (!nest(n, CTA_COUNTERS_MAX, &c))
		return;
	if (get_be64(c.a[CTA_COUNTERS_PACKETS], &v))
		e->packets += v;
	if (get_be64(c.a[CTA_COUNTERS_BYTES], &v))
		e->bytes += v;
}

bool ct_parse(const void *msg, size_t len, struct ct_entry *e)
{
	const struct nlmsghdr *nlh = msg;
	struct attrs t = { .max = CTA_MAX };

	memset(e, 0, sizeof(*e));
	/* libmnl walks attributes up to the aligned end of the message: a
	 * length that is not a multiple of 4 must not let it read past len */
	if (len < sizeof(*nlh) || MNL_ALIGN(nlh->nlmsg_len) > len ||
	    nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(struct nfgenmsg))
		return false;
	if (mnl_attr_parse(nlh, sizeof(struct nfgenmsg), attr_cb, &t) < 0)
		return false;
	e->has_orig = parse_tuple(t.a[CTA_TUPLE_ORIG], &e->orig);
	e->has_reply = parse_tuple(t.a[CTA_TUPLE_REPLY], &e->reply);
	if (!e->has_orig)
		return false;
	get_be32(t.a[CTA_ID], &e->id);
	get_be32(t.a[CTA_MARK], &e->mark);
	get_be16(t.a[CTA_ZONE], &e->zone);
	get_be32(t.a[CTA_STATUS], &e->status);
	get_be32(t.a[CTA_TIMEOUT], &e->timeout);
	add_counters(t.a[CTA_COUNTERS_ORIG], e);
	add_counters(t.a[CTA_COUNTERS_REPLY], e);
	struct attrs pi, tcp;
	if (e->orig.l4 == IPPROTO_TCP && nest(t.a[CTA_PROTOINFO], CTA_PROTOINFO_MAX, &pi) &&
	    nest(pi.a[CTA_PROTOINFO_TCP], CTA_PROTOINFO_TCP_MAX, &tcp))
		get_u8(tcp.a[CTA_PROTOINFO_TCP_STATE], &e->tcp_state);
	return true;
}

const char *ct_state_name(const struct ct_entry *e)
{
	static const char *const tcp[] = {
		[TCP_CONNTRACK_NONE] = "NONE", [TCP_CONNTRACK_SYN_SENT] = "SYN_SENT",
		[TCP_CONNTRACK_SYN_RECV] = "SYN_RECV", [TCP_CONNTRACK_ESTABLISHED] = "ESTABLISHED",
		[TCP_CONNTRACK_FIN_WAIT] = "FIN_WAIT", [TCP_CONNTRACK_CLOSE_WAIT] = "CLOSE_WAIT",
		[TCP_CONNTRACK_LAST_ACK] = "LAST_ACK", [TCP_CONNTRACK_TIME_WAIT] = "TIME_WAIT",
		[TCP_CONNTRACK_CLOSE] = "CLOSE", [TCP_CONNTRACK_SYN_SENT2] = "SYN_SENT2",
	};
	if (e->orig.l4 == IPPROTO_TCP)
		return e->tcp_state < sizeof(tcp) / sizeof(*tcp) && tcp[e->tcp_state] ?
		       tcp[e->tcp_state] : "UNKNOWN";
	if (!(e->status & IPS_SEEN_REPLY))
		return "UNREPLIED";
	return e->status & IPS_ASSURED ? "ASSURED" : "REPLIED";
}

/* ---- requests ---------------------------------------------------------- */

static struct nlmsghdr *request_seq(void *buf, uint32_t seq, uint16_t type, uint16_t flags,
				    uint8_t family)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	struct nfgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = family;
	g->version = NFNETLINK_V0;
	g->res_id = 0;
	return nlh;
}

static struct nlmsghdr *request(struct ct_sock *s, void *buf, uint16_t type, uint16_t flags,
				uint8_t family)
{
	return request_seq(buf, ++s->seq, type, flags, family);
}

struct dump_ctx {
	void (*cb)(const struct ct_entry *e, void *arg);
	void *arg;
};

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *d = data;
	struct ct_entry e;

	if (ct_parse(nlh, nlh->nlmsg_len, &e))
		d->cb(&e, d->arg);
	return MNL_CB_OK;
}

int ct_dump(struct ct_sock *s, uint32_t mark, uint32_t mask,
	    void (*cb)(const struct ct_entry *e, void *arg), void *arg)
{
	char req[256] = { 0 };
	struct nlmsghdr *nlh = request(s, req, IPCTNL_MSG_CT_GET, NLM_F_DUMP, AF_UNSPEC);
	struct dump_ctx d = { cb, arg };
	int r;

	/* the kernel keeps what mark & mask == mark & mask, and sends only that */
	mnl_attr_put_u32(nlh, CTA_MARK, htonl(mark));
	mnl_attr_put_u32(nlh, CTA_MARK_MASK, htonl(mask));
	if (mnl_socket_sendto(s->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(s->nl, s->buf, BUF_SIZE);
		if (n < 0)
			return -errno;
		r = mnl_cb_run(s->buf, (size_t)n, nlh->nlmsg_seq, s->portid, dump_cb, &d);
		if (r <= 0)
			return r < 0 ? -errno : 0;
	}
}

static void put_tuple(struct nlmsghdr *nlh, const struct ct_tuple *t)
{
	struct nlattr *tuple = mnl_attr_nest_start(nlh, CTA_TUPLE_ORIG);
	struct nlattr *ip = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
	bool v4 = t->src.family == NGW_FAMILY_IPV4;
	mnl_attr_put(nlh, v4 ? CTA_IP_V4_SRC : CTA_IP_V6_SRC, v4 ? 4 : 16, t->src.b);
	mnl_attr_put(nlh, v4 ? CTA_IP_V4_DST : CTA_IP_V6_DST, v4 ? 4 : 16, t->dst.b);
	mnl_attr_nest_end(nlh, ip);
	/* what the kernel's nlattr_to_tuple of the protocol requires, all of
	 * it, or it refuses with EINVAL; a protocol it knows by number only
	 * takes nothing more */
	struct nlattr *proto = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
	mnl_attr_put_u8(nlh, CTA_PROTO_NUM, t->l4);
	switch (t->l4) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_SCTP:
	case IPPROTO_DCCP:
	case IPPROTO_GRE:	/* its keys, where ports go */
		mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, htons(t->sport));
		mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, htons(t->dport));
		break;
	case IPPROTO_ICMP:
		mnl_attr_put_u16(nlh, CTA_PROTO_ICMP_ID, htons(t->icmp_id));
		mnl_attr_put_u8(nlh, CTA_PROTO_ICMP_TYPE, t->icmp_type);
		mnl_attr_put_u8(nlh, CTA_PROTO_ICMP_CODE, t->icmp_code);
		break;
	case IPPROTO_ICMPV6:
		mnl_attr_put_u16(nlh, CTA_PROTO_ICMPV6_ID, htons(t->icmp_id));
		mnl_attr_put_u8(nlh, CTA_PROTO_ICMPV6_TYPE, t->icmp_type);
		mnl_attr_put_u8(nlh, CTA_PROTO_ICMPV6_CODE, t->icmp_code);
		break;
	default:
		break;
	}
	mnl_attr_nest_end(nlh, proto);
	mnl_attr_nest_end(nlh, tuple);
}

/* One entry, named by its original tuple and id: deleted, or (without
 * NLM_F_CREATE, so never made) given a new mark. The message, in buf
 * (CT_DELETE_MAX bytes); its length. */
static size_t entry_message(void *buf, uint32_t seq, const struct ct_entry *e, uint16_t type,
			    const uint32_t *mark)
{
	uint8_t family = e->orig.src.family == NGW_FAMILY_IPV4 ? AF_INET : AF_INET6;
	struct nlmsghdr *nlh;

	memset(buf, 0, CT_DELETE_MAX);
	nlh = request_seq(buf, seq, type, NLM_F_ACK, family);
	put_tuple(nlh, &e->orig);
	if (e->zone)	/* a tuple names an entry within its zone only */
		mnl_attr_put_u16(nlh, CTA_ZONE, htons(e->zone));
	if (e->id)	/* only this entry, not a newer one with the same tuple */
		mnl_attr_put_u32(nlh, CTA_ID, htonl(e->id));
	if (mark)
		mnl_attr_put_u32(nlh, CTA_MARK, htonl(*mark));
	return nlh->nlmsg_len;
}

size_t ct_delete_request(void *buf, uint32_t seq, const struct ct_entry *e)
{
	return entry_message(buf, seq, e, IPCTNL_MSG_CT_DELETE, NULL);
}

static int entry_request(struct ct_sock *s, const struct ct_entry *e, uint16_t type,
			 const uint32_t *mark)
{
	_Alignas(struct nlmsghdr) char req[CT_DELETE_MAX];
	struct nlmsghdr *nlh = (struct nlmsghdr *)req;
	size_t len = entry_message(req, ++s->seq, e, type, mark);

	if (mnl_socket_sendto(s->nl, nlh, len) < 0)
		return -errno;
	ssize_t n = mnl_socket_recvfrom(s->nl, s->buf, BUF_SIZE);
	if (n < 0)
		return -errno;
	int r = mnl_cb_run(s->buf, (size_t)n, nlh->nlmsg_seq, s->portid, NULL, NULL);
	return r < 0 ? -errno : 0;
}

int ct_delete(struct ct_sock *s, const struct ct_entry *e)
{
	return entry_request(s, e, IPCTNL_MSG_CT_DELETE, NULL);
}

int ct_set_mark(struct ct_sock *s, const struct ct_entry *e, uint32_t mark)
{
	return entry_request(s, e, IPCTNL_MSG_CT_NEW, &mark);
}

/* ---- statistics -------------------------------------------------------- */

static int cpu_stats_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ct_stats *st = data;
	struct attrs t = { .max = CTA_STATS_MAX };
	uint32_t v;

	if (mnl_attr_parse(nlh, sizeof(struct nfgenmsg), attr_cb, &t) < 0)
		return MNL_CB_OK;
	if (get_be32(t.a[CTA_STATS_DROP], &v))
		st->drop += v;
	if (get_be32(t.a[CTA_STATS_EARLY_DROP], &v))
		st->early_drop += v;
	if (get_be32(t.a[CTA_STATS_INSERT_FAILED], &v))
		st->insert_failed += v;
	return MNL_CB_OK;
}

static int global_stats_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ct_stats *st = data;
	struct attrs t = { .max = CTA_STATS_GLOBAL_MAX };

	if (mnl_attr_parse(nlh, sizeof(struct nfgenmsg), attr_cb, &t) < 0)
		return MNL_CB_OK;
	get_be32(t.a[CTA_STATS_GLOBAL_ENTRIES], &st->entries);
	get_be32(t.a[CTA_STATS_GLOBAL_MAX_ENTRIES], &st->max);
	return MNL_CB_OK;
}

/* One request, every answer to cb. */
static int stats_request(struct ct_sock *s, uint16_t type, uint16_t flags, mnl_cb_t cb,
			 struct ct_stats *st)
{
	char req[64] = { 0 };
	struct nlmsghdr *nlh = request(s, req, type, flags, AF_UNSPEC);

	if (mnl_socket_sendto(s->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(s->nl, s->buf, BUF_SIZE);
		if (n < 0)
			return -errno;
		int r = mnl_cb_run(s->buf, (size_t)n, nlh->nlmsg_seq, s->portid, cb, st);
		if (r <= 0)
			return r < 0 ? -errno : 0;
	}
}

int ct_stats_read(struct ct_sock *s, struct ct_stats *st)
{
	memset(st, 0, sizeof(*st));
	int r = stats_request(s, IPCTNL_MSG_CT_GET_STATS_CPU, NLM_F_DUMP, cpu_stats_cb, st);
	if (r == 0)
		r = stats_request(s, IPCTNL_MSG_CT_GET_STATS, NLM_F_ACK, global_stats_cb, st);
	return r;
}

/* ---- events ------------------------------------------------------------ */

int ct_events_read(struct ct_sock *s, bool wait,
		   void (*cb)(enum ct_event ev, const struct ct_entry *e, void *arg), void *arg)
{
	int fd = mnl_socket_get_fd(s->nl);

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int ready = poll(&p, 1, wait ? -1 : 0);
		if (ready < 0)
			return errno == EINTR ? 0 : -errno;
		if (ready == 0)
			return 0;
		wait = false;	/* once something came, take what is there and return */
		ssize_t n = recv(fd, s->buf, BUF_SIZE, MSG_DONTWAIT);
		if (n < 0)
			return errno == EAGAIN ? 0 : -errno;	/* ENOBUFS: events were lost */
		const struct nlmsghdr *nlh = (const void *)s->buf;
		int left = (int)n;
		for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
			struct ct_entry e;
			uint8_t type = nlh->nlmsg_type & 0xff;
			if ((nlh->nlmsg_type >> 8) != NFNL_SUBSYS_CTNETLINK ||
			    !ct_parse(nlh, nlh->nlmsg_len, &e))
				continue;
			if (type == IPCTNL_MSG_CT_DELETE)
				cb(CT_EVENT_DESTROY, &e, arg);
			else if (type == IPCTNL_MSG_CT_NEW)
				cb(nlh->nlmsg_flags & (NLM_F_CREATE | NLM_F_EXCL) ? CT_EVENT_NEW :
				   CT_EVENT_UPDATE, &e, arg);
		}
	}
}
