/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ctnetlink parser against well-formed and malformed messages, and the
 * translation table: both lookups, update, remove, resync, and which way
 * each connection went (inbound through a full-cone mapping, outbound,
 * hairpin). No kernel. */
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "conntrack/ct.h"
#include "conntrack/ct_watch.h"
#include "conntrack/xlat.h"

struct spec {
	uint32_t src, dst, rsrc, rdst;	/* network order */
	uint16_t sport, dport, rsport, rdport;
	uint8_t l4;
	uint32_t mark, status, timeout, id;
	bool bad_port_size;		/* a 4-byte port attribute */
	bool unknown_attr;		/* an attribute type the parser does not know */
	bool no_reply;
};

static void tuple(struct nlmsghdr *nlh, int type, uint32_t s, uint32_t d, uint16_t sp, uint16_t dp,
		  uint8_t l4, bool bad_port)
{
	struct nlattr *t = mnl_attr_nest_start(nlh, type);
	struct nlattr *ip = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
	mnl_attr_put_u32(nlh, CTA_IP_V4_SRC, s);
	mnl_attr_put_u32(nlh, CTA_IP_V4_DST, d);
	mnl_attr_nest_end(nlh, ip);
	struct nlattr *p = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
	mnl_attr_put_u8(nlh, CTA_PROTO_NUM, l4);
	if (bad_port)
		mnl_attr_put_u32(nlh, CTA_PROTO_SRC_PORT, htonl(sp));
	else
		mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, htons(sp));
	mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, htons(dp));
	mnl_attr_nest_end(nlh, p);
	mnl_attr_nest_end(nlh, t);
}

static struct nlmsghdr *build(char *buf, const struct spec *s)
{
	memset(buf, 0, 4096);
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW;
	struct nfgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = AF_INET;
	tuple(nlh, CTA_TUPLE_ORIG, s->src, s->dst, s->sport, s->dport, s->l4, s->bad_port_size);
	if (!s->no_reply)
		tuple(nlh, CTA_TUPLE_REPLY, s->rsrc, s->rdst, s->rsport, s->rdport, s->l4, false);
	if (s->unknown_attr)
		mnl_attr_put_u32(nlh, 200, 0xdeadbeef);
	mnl_attr_put_u32(nlh, CTA_MARK, htonl(s->mark));
	mnl_attr_put_u32(nlh, CTA_STATUS, htonl(s->status));
	mnl_attr_put_u32(nlh, CTA_TIMEOUT, htonl(s->timeout));
	mnl_attr_put_u32(nlh, CTA_ID, htonl(s->id));
	return nlh;
}

static uint32_t ip(const char *s)
{
	return inet_addr(s);
}

static const struct spec forward = {
	.src = 0, .l4 = IPPROTO_UDP, .sport = 40000, .dport = 53, .rsport = 5353, .rdport = 40000,
	.mark = 0x4e000002, .status = IPS_DST_NAT | IPS_SEEN_REPLY, .timeout = 29, .id = 7,
};

static struct spec forward_spec(void)
{
	struct spec s = forward;
	s.src = ip("203.0.113.100");
	s.dst = ip("203.0.113.5");
	s.rsrc = ip("192.0.2.10");
	s.rdst = ip("203.0.113.100");
	return s;
}

static void test_parse(void)
{
	char buf[4096];
	struct ct_entry e;
	char a[NGW_ADDRSTRLEN];
	struct spec s = forward_spec();
	struct nlmsghdr *nlh = build(buf, &s);

	CHECK(ct_parse(nlh, nlh->nlmsg_len, &e), "a well-formed entry parses");
	CHECK(!strcmp(addr_format(&e.orig.src, a), "203.0.113.100"), "orig src %s", a);
	CHECK(e.orig.sport == 40000 && e.orig.dport == 53, "orig ports %u %u", e.orig.sport,
	      e.orig.dport);
	CHECK(!strcmp(addr_format(&e.reply.src, a), "192.0.2.10"), "reply src %s", a);
	CHECK(e.reply.sport == 5353, "reply sport %u", e.reply.sport);
	CHECK(e.mark == 0x4e000002 && e.timeout == 29 && e.id == 7, "mark %x timeout %u id %u",
	      e.mark, e.timeout, e.id);
	CHECK(!strcmp(ct_state_name(&e), "REPLIED"), "state %s", ct_state_name(&e));

	s.unknown_attr = true;
	nlh = build(buf, &s);
	CHECK(ct_parse(nlh, nlh->nlmsg_len, &e) && e.mark == 0x4e000002,
	      "an unknown attribute is skipped, the rest is read");

	s = forward_spec();
	s.bad_port_size = true;
	nlh = build(buf, &s);
	CHECK(ct_parse(nlh, nlh->nlmsg_len, &e) && e.orig.sport == 0 && e.orig.dport == 53,
	      "a port attribute of the wrong size is not trusted (sport %u)", e.orig.sport);

	s = forward_spec();
	nlh = build(buf, &s);
	CHECK(!ct_parse(nlh, nlh->nlmsg_len - 8, &e), "a message cut short is refused");
	CHECK(!ct_parse(nlh, 10, &e), "a buffer shorter than a header is refused");
	uint32_t real = nlh->nlmsg_len;
	nlh->nlmsg_len = 4000;
	CHECK(!ct_parse(nlh, real, &e), "a length beyond the buffer is refused");
	nlh->nlmsg_len = real;
	/* corrupt the first attribute's length so it runs past the message */
	struct nlattr *first = (struct nlattr *)((char *)nlh + NLMSG_HDRLEN +
						 MNL_ALIGN(sizeof(struct nfgenmsg)));
	first->nla_len = 0xfff0;
	CHECK(!ct_parse(nlh, nlh->nlmsg_len, &e), "an attribute longer than the message is refused");

	/* a length that is not a multiple of 4: libmnl walks attributes up to
	 * the aligned end, 2 bytes past this message (found by fuzz_ct) */
	s = forward_spec();
	nlh = build(buf, &s);
	size_t odd = nlh->nlmsg_len - 2;
	unsigned char *exact = malloc(odd);
	CHECK(exact != NULL, "malloc");
	if (exact) {
		memcpy(exact, nlh, odd);
		((struct nlmsghdr *)exact)->nlmsg_len = (uint32_t)odd;
		CHECK(!ct_parse(exact, odd, &e), "a length that is not a multiple of 4 is refused");
		free(exact);
	}

	s = forward_spec();
	s.no_reply = true;
	nlh = build(buf, &s);
	CHECK(ct_parse(nlh, nlh->nlmsg_len, &e) && !e.has_reply, "an entry without reply tuple");
	struct xlat_mapping m;
	CHECK(!xlat_from_entry(&e, false, &m), "... is not a translation");
}

static void entry(struct ct_entry *e, const char *remote, uint16_t rport, uint32_t mark)
{
	char buf[4096];
	struct spec s = forward_spec();
	s.src = ip(remote);
	s.rdst = ip(remote);
	s.sport = rport;
	s.rdport = rport;
	s.mark = mark;
	struct nlmsghdr *nlh = build(buf, &s);
	ct_parse(nlh, nlh->nlmsg_len, e);
}

static bool kind_fn(uint32_t mark, bool *snat, void *arg)
{
	(void)arg;
	*snat = false;
	return mark == 0x4e000002;
}

static size_t appeared_n, ended_n;
static void appeared(const struct xlat_mapping *m, void *arg)
{
	(void)m;
	(void)arg;
	appeared_n++;
}
static void ended(const struct xlat_mapping *m, void *arg)
{
	(void)m;
	(void)arg;
	ended_n++;
}

static void test_xlat(void)
{
	struct xlat *x = xlat_new(kind_fn, NULL);
	struct ct_entry e;
	bool added;
	char a[NGW_ADDRSTRLEN];

	/* 5000 flows through one forward: they share its external and internal
	 * socket (more than one slab of the table's, and its buckets grow) */
	for (unsigned i = 0; i < 5000; i++) {
		entry(&e, "203.0.113.100", (uint16_t)(10000 + i), 0x4e000002);
		xlat_upsert(x, &e, &added);
		CHECK(added, "flow %u is new", i);
	}
	CHECK(xlat_count(x) == 5000, "5000 mappings, not %zu", xlat_count(x));
	entry(&e, "203.0.113.100", 10005, 0x4e000002);
	e.timeout = 5;
	const struct xlat_mapping *m = xlat_upsert(x, &e, &added);
	CHECK(!added && m && m->timeout == 5, "an update updates");

	struct xlat_socket ext = { .port = 53 }, in = { .port = 5353 };
	ext.addr.family = in.addr.family = NGW_FAMILY_IPV4;
	uint32_t v = ip("203.0.113.5");
	memcpy(ext.addr.b, &v, 4);
	v = ip("192.0.2.10");
	memcpy(in.addr.b, &v, 4);
	size_t n = 0;
	for (m = xlat_lookup_external(x, IPPROTO_UDP, &ext); m; m = xlat_next_external(x, m))
		n++;
	CHECK(n == 5000, "by external socket: %zu of 5000", n);
	n = 0;
	for (m = xlat_lookup_internal(x, IPPROTO_UDP, &in); m; m = xlat_next_internal(x, m))
		n++;
	CHECK(n == 5000, "by internal socket: %zu of 5000", n);
	m = xlat_lookup_external(x, IPPROTO_UDP, &ext);
	CHECK(m && !m->snat && !strcmp(addr_format(&m->remote.addr, a), "203.0.113.100"),
	      "forward: remote is the original source");
	CHECK(m && !strcmp(addr_format(&m->external.addr, a), "203.0.113.5") &&
	      m->external.port == 53 && !strcmp(addr_format(&m->internal.addr, a), "192.0.2.10") &&
	      m->internal.port == 5353 && m->key.dport == 53 && m->mark == 0x4e000002,
	      "forward: external and internal socket, tuple and mark kept");
	CHECK(!xlat_lookup_external(x, IPPROTO_TCP, &ext), "the protocol is part of the socket");

	struct xlat_mapping gone;
	entry(&e, "203.0.113.100", 10000, 0x4e000002);
	CHECK(xlat_remove(x, &e, &gone) && gone.remote.port == 10000, "remove");
	CHECK(!xlat_remove(x, &e, NULL), "remove twice");
	CHECK(xlat_count(x) == 4999, "4999 left");
	CHECK(xlat_upsert(x, &e, &added) && added && xlat_count(x) == 5000,
	      "a removed mapping's place is taken again");
	CHECK(xlat_remove(x, &e, NULL), "and it goes again");

	/* resync: a dump that sees only flows 10001..10100 plus one new one */
	xlat_resync_begin(x);
	for (unsigned i = 1; i <= 100; i++) {
		entry(&e, "203.0.113.100", (uint16_t)(10000 + i), 0x4e000002);
		xlat_resync_entry(x, &e, appeared, NULL);
	}
	entry(&e, "198.51.100.9", 777, 0x4e000002);
	xlat_resync_entry(x, &e, appeared, NULL);
	xlat_resync_end(x, ended, NULL);
	CHECK(appeared_n == 1, "resync: %zu appeared, expected 1", appeared_n);
	CHECK(ended_n == 4899, "resync: %zu ended, expected 4899", ended_n);
	CHECK(xlat_count(x) == 101, "resync leaves 101, not %zu", xlat_count(x));
	/* the chains of the shared sockets hold exactly those left */
	n = 0;
	for (m = xlat_lookup_external(x, IPPROTO_UDP, &ext); m; m = xlat_next_external(x, m))
		n++;
	CHECK(n == 101, "after removals, by external socket: %zu of 101", n);
	n = 0;
	for (m = xlat_lookup_internal(x, IPPROTO_UDP, &in); m; m = xlat_next_internal(x, m))
		n++;
	CHECK(n == 101, "after removals, by internal socket: %zu of 101", n);
	xlat_free(x);
}

/* ---- which way a connection went -------------------------------------------
 * A connection's remote, external and internal socket follow from what the
 * kernel did to it (its NAT status), not from its rule's kind: a remote
 * that reaches a full-cone snat mapping is inbound, listed with its own
 * socket as remote, the router's as external and the LAN host's as
 * internal, and its kind stays snat. Each case is a ctnetlink message as
 * the kernel sends it, and what a user expects `natgw mappings` to say. */

#define CONSOLE 0x4e000003u	/* an endpoint-independent snat rule's mark */
#define WEB 0x4e000002u		/* a forward's */

static bool kind_of_rule(uint32_t mark, bool *snat, void *arg)
{
	(void)arg;
	mark &= 0xff7fffffu;	/* without the hairpin bit */
	*snat = mark == CONSOLE;
	return mark == CONSOLE || mark == WEB;
}

struct flow {
	const char *what;
	const char *src, *dst, *rsrc, *rdst;	/* IPv4 or IPv6, as text */
	uint16_t sport, dport, rsport, rdport;
	uint32_t mark, status;
	/* expected */
	bool snat, inbound;
	const char *remote, *external, *internal;
};

static void put_addr(struct nlmsghdr *nlh, int type4, int type6, const char *a)
{
	unsigned char b[16];
	bool v6 = strchr(a, ':');
	inet_pton(v6 ? AF_INET6 : AF_INET, a, b);
	mnl_attr_put(nlh, v6 ? type6 : type4, v6 ? 16 : 4, b);
}

static void flow_tuple(struct nlmsghdr *nlh, int type, const char *s, const char *d, uint16_t sp,
		       uint16_t dp)
{
	struct nlattr *t = mnl_attr_nest_start(nlh, type);
	struct nlattr *ip = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
	put_addr(nlh, CTA_IP_V4_SRC, CTA_IP_V6_SRC, s);
	put_addr(nlh, CTA_IP_V4_DST, CTA_IP_V6_DST, d);
	mnl_attr_nest_end(nlh, ip);
	struct nlattr *p = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
	mnl_attr_put_u8(nlh, CTA_PROTO_NUM, IPPROTO_UDP);
	mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, htons(sp));
	mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, htons(dp));
	mnl_attr_nest_end(nlh, p);
	mnl_attr_nest_end(nlh, t);
}

static bool flow_entry(const struct flow *f, struct ct_entry *e)
{
	char buf[4096] = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW;
	struct nfgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = strchr(f->src, ':') ? AF_INET6 : AF_INET;
	flow_tuple(nlh, CTA_TUPLE_ORIG, f->src, f->dst, f->sport, f->dport);
	flow_tuple(nlh, CTA_TUPLE_REPLY, f->rsrc, f->rdst, f->rsport, f->rdport);
	mnl_attr_put_u32(nlh, CTA_MARK, htonl(f->mark));
	mnl_attr_put_u32(nlh, CTA_STATUS, htonl(f->status));
	mnl_attr_put_u32(nlh, CTA_TIMEOUT, htonl(30));
	mnl_attr_put_u32(nlh, CTA_ID, htonl(f->sport));
	return ct_parse(nlh, nlh->nlmsg_len, e);
}

/* m is what f should be listed as */
static void flow_check(const struct flow *f, const struct xlat_mapping *m, const char *how)
{
	char r[NGW_ADDRSTRLEN], x[NGW_ADDRSTRLEN], i[NGW_ADDRSTRLEN];

	CHECK(m != NULL, "%s (%s): listed", f->what, how);
	if (!m)
		return;
	xlat_socket_format(&m->remote, r);
	xlat_socket_format(&m->external, x);
	xlat_socket_format(&m->internal, i);
	CHECK(!strcmp(r, f->remote) && !strcmp(x, f->external) && !strcmp(i, f->internal),
	      "%s (%s): remote %s external %s internal %s, expected %s %s %s", f->what, how, r, x,
	      i, f->remote, f->external, f->internal);
	CHECK(m->snat == f->snat && m->inbound == f->inbound,
	      "%s (%s): kind %s, %s; expected %s, %s", f->what, how, m->snat ? "snat" : "forward",
	      m->inbound ? "inbound" : "outbound", f->snat ? "snat" : "forward",
	      f->inbound ? "inbound" : "outbound");
	CHECK(m->mark == f->mark && m->l4 == IPPROTO_UDP, "%s (%s): mark %#x", f->what, how,
	      m->mark);
}

static const struct flow flows[] = {
	/* X = 192.0.2.10:40000 talks to R1 = 203.0.113.100:7000 and so gets
	 * the full-cone mapping E = 203.0.113.5:40000 */
	{ "X's own flow to R1", "192.0.2.10", "203.0.113.100", "203.0.113.100", "203.0.113.5",
	  40000, 7000, 7000, 40000, CONSOLE, IPS_SRC_NAT | IPS_SEEN_REPLY,
	  true, false, "203.0.113.100:7000", "203.0.113.5:40000", "192.0.2.10:40000" },
	/* R3 = 198.51.100.7, which X never contacted, sends to E: the ei_dnat
	 * map rewrites the destination to X, ei_mark gives the rule's mark */
	{ "R3 through the full-cone mapping", "198.51.100.7", "203.0.113.5", "192.0.2.10",
	  "198.51.100.7", 50007, 40000, 40000, 50007, CONSOLE, IPS_DST_NAT | IPS_SEEN_REPLY,
	  true, true, "198.51.100.7:50007", "203.0.113.5:40000", "192.0.2.10:40000" },
	{ "R3 through the full-cone mapping, unanswered", "198.51.100.7", "203.0.113.5",
	  "192.0.2.10", "198.51.100.7", 50008, 40000, 40000, 50008, CONSOLE, IPS_DST_NAT,
	  true, true, "198.51.100.7:50008", "203.0.113.5:40000", "192.0.2.10:40000" },
	/* a LAN host sends to E: both rewritten (hairpin bit in the mark); it
	 * is listed as an inbound one, from the host that sent */
	{ "a LAN host reaching X through E (hairpin)", "192.0.2.20", "203.0.113.5", "192.0.2.10",
	  "192.0.2.1", 50020, 40000, 40000, 50020, CONSOLE | 0x00800000u,
	  IPS_SRC_NAT | IPS_DST_NAT | IPS_SEEN_REPLY,
	  true, true, "192.0.2.20:50020", "203.0.113.5:40000", "192.0.2.10:40000" },
	/* the same over IPv6 */
	{ "IPv6: X's own flow", "2001:db8:1::10", "2001:db8:ff::100", "2001:db8:ff::100",
	  "2001:db8:ff::5", 40006, 7000, 7000, 40006, CONSOLE, IPS_SRC_NAT | IPS_SEEN_REPLY,
	  true, false, "[2001:db8:ff::100]:7000", "[2001:db8:ff::5]:40006",
	  "[2001:db8:1::10]:40006" },
	{ "IPv6: R3 through the full-cone mapping", "2001:db8:ff::103", "2001:db8:ff::5",
	  "2001:db8:1::10", "2001:db8:ff::103", 50007, 40006, 40006, 50007, CONSOLE,
	  IPS_DST_NAT | IPS_SEEN_REPLY,
	  true, true, "[2001:db8:ff::103]:50007", "[2001:db8:ff::5]:40006",
	  "[2001:db8:1::10]:40006" },
	/* a forward: inbound, as ever */
	{ "a forward", "203.0.113.100", "203.0.113.5", "192.0.2.10", "203.0.113.100", 41000,
	  443, 8443, 41000, WEB, IPS_DST_NAT | IPS_SEEN_REPLY,
	  false, true, "203.0.113.100:41000", "203.0.113.5:443", "192.0.2.10:8443" },
	/* neither bit (the kernel had nothing to rewrite): the rule's kind
	 * says which way */
	{ "snat, nothing rewritten", "192.0.2.10", "203.0.113.100", "203.0.113.100",
	  "192.0.2.10", 42000, 7000, 7000, 42000, CONSOLE, IPS_SEEN_REPLY,
	  true, false, "203.0.113.100:7000", "192.0.2.10:42000", "192.0.2.10:42000" },
	{ "a forward, nothing rewritten", "203.0.113.100", "203.0.113.5", "203.0.113.5",
	  "203.0.113.100", 42001, 8080, 8080, 42001, WEB, IPS_SEEN_REPLY,
	  false, true, "203.0.113.100:42001", "203.0.113.5:8080", "203.0.113.5:8080" },
};
#define N_FLOWS (sizeof(flows) / sizeof(*flows))

static struct xlat_socket sock_of(const char *a, uint16_t port)
{
	struct xlat_socket s = { .port = port };
	bool v6 = strchr(a, ':');
	s.addr.family = v6 ? NGW_FAMILY_IPV6 : NGW_FAMILY_IPV4;
	inet_pton(v6 ? AF_INET6 : AF_INET, a, s.addr.b);
	return s;
}

/* How many mappings the table has with this internal (external) socket,
 * and whether the one of flow f is among them. */
static size_t by_socket(struct xlat *x, bool internal, const char *a, uint16_t port,
			const struct flow *f, bool *found)
{
	struct xlat_socket s = sock_of(a, port);
	const struct xlat_mapping *m;
	size_t n = 0;
	char r[NGW_ADDRSTRLEN];

	*found = false;
	for (m = internal ? xlat_lookup_internal(x, IPPROTO_UDP, &s)
			  : xlat_lookup_external(x, IPPROTO_UDP, &s);
	     m; m = internal ? xlat_next_internal(x, m) : xlat_next_external(x, m)) {
		n++;
		if (f && !strcmp(xlat_socket_format(&m->remote, r), f->remote))
			*found = true;
	}
	return n;
}

static void test_directions(void)
{
	struct xlat *x = xlat_new(kind_of_rule, NULL);
	struct ct_entry e;
	struct xlat_mapping m;
	bool added, found;

	for (size_t k = 0; k < N_FLOWS; k++) {
		const struct flow *f = &flows[k];
		CHECK(flow_entry(f, &e), "%s: parses", f->what);
		bool snat = xlat_entry_is_snat(&e, kind_of_rule, NULL);
		CHECK(snat == f->snat, "%s: the kind is the rule's", f->what);
		CHECK(xlat_from_entry(&e, snat, &m), "%s: a translation", f->what);
		flow_check(f, &m, "from the entry, as natgw mappings without a daemon");
		flow_check(f, xlat_upsert(x, &e, &added), "added to the table");
		CHECK(added, "%s: new", f->what);
		flow_check(f, xlat_upsert(x, &e, &added), "updated in the table");
		CHECK(!added, "%s: not new the second time", f->what);
	}

	/* the table gives back what it was given: each mapping from its slot */
	for (size_t k = 0; k < N_FLOWS; k++) {
		flow_entry(&flows[k], &e);
		struct xlat_mapping gone;
		CHECK(xlat_remove(x, &e, &gone), "%s: removed", flows[k].what);
		flow_check(&flows[k], &gone, "as it leaves the table");
		xlat_upsert(x, &e, &added);
	}

	/* X's internal socket: its own flow, R3's two, the hairpin */
	CHECK(by_socket(x, true, "192.0.2.10", 40000, &flows[1], &found) == 4 && found,
	      "by internal socket 192.0.2.10:40000: X's flow, R3's two and the hairpin");
	CHECK(by_socket(x, false, "203.0.113.5", 40000, &flows[1], &found) == 4 && found,
	      "by external socket 203.0.113.5:40000: the same four");
	CHECK(by_socket(x, true, "198.51.100.7", 50007, NULL, &found) == 0,
	      "a remote's socket is no internal socket");
	CHECK(by_socket(x, false, "198.51.100.7", 50007, NULL, &found) == 0,
	      "nor an external one");
	CHECK(by_socket(x, true, "192.0.2.20", 50020, NULL, &found) == 0,
	      "the hairpin's sender is its remote, not an internal socket");
	CHECK(by_socket(x, false, "192.0.2.1", 50020, NULL, &found) == 0,
	      "nor is the router's LAN side its external socket");
	CHECK(by_socket(x, true, "2001:db8:1::10", 40006, &flows[5], &found) == 2 && found,
	      "IPv6: by internal socket, X's flow and R3's");
	CHECK(by_socket(x, false, "2001:db8:ff::5", 40006, &flows[5], &found) == 2 && found,
	      "IPv6: by external socket, the same two");
	CHECK(by_socket(x, true, "192.0.2.10", 8443, &flows[6], &found) == 1 && found,
	      "a forward by internal socket");
	CHECK(by_socket(x, false, "203.0.113.5", 443, &flows[6], &found) == 1 && found,
	      "a forward by external socket");

	/* a resync that sees only R3's connection: the others end, R3's stays
	 * as it was, and the chains hold exactly it */
	ended_n = 0;
	xlat_resync_begin(x);
	flow_entry(&flows[1], &e);
	flow_check(&flows[1], xlat_resync_entry(x, &e, NULL, NULL), "in a resync");
	xlat_resync_end(x, ended, NULL);
	CHECK(ended_n == N_FLOWS - 1 && xlat_count(x) == 1, "resync: %zu ended, %zu left",
	      ended_n, xlat_count(x));
	CHECK(by_socket(x, true, "192.0.2.10", 40000, &flows[1], &found) == 1 && found,
	      "after the resync, by internal socket: R3's");
	CHECK(by_socket(x, false, "203.0.113.5", 40000, &flows[1], &found) == 1 && found,
	      "after the resync, by external socket: R3's");
	xlat_free(x);
}

/* The daemon's word on a full conntrack table, look by look. */
static void test_ct_watch(void)
{
	struct ct_watch w = { 0 };
	struct ct_stats st = { .entries = 100, .max = 1000 };
	char buf[320];
	const char *say;

	CHECK(!ct_watch_step(&w, &st, 0, buf, sizeof(buf)), "the first look says nothing");
	CHECK(!ct_watch_step(&w, &st, 1000, buf, sizeof(buf)), "nor a quiet table");
	st.entries = 1000;
	st.drop = 5;
	st.early_drop = 2;
	say = ct_watch_step(&w, &st, 2000, buf, sizeof(buf));
	CHECK(say && strstr(say, "conntrack table full: 1000 of 1000 entries; the kernel dropped 5 "
			    "packets opening new connections and evicted 2 unanswered connections "
			    "in the last 1 s"), "drops: it is full (%s)", say ? say : "nothing");
	st.drop = 9;
	CHECK(!ct_watch_step(&w, &st, 3000, buf, sizeof(buf)), "more drops within 10 s: quiet");
	st.drop = 10;
	say = ct_watch_step(&w, &st, 12000, buf, sizeof(buf));
	CHECK(say && strstr(say, "still full: 1000 of 1000 entries; the kernel dropped 5 packets") &&
	      strstr(say, "in the last 10 s"), "10 s later it says so again (%s)",
	      say ? say : "nothing");
	CHECK(!ct_watch_step(&w, &st, 13000, buf, sizeof(buf)),
	      "no drops while still full (nobody connects): not room");
	st.entries = 900;
	say = ct_watch_step(&w, &st, 14000, buf, sizeof(buf));
	CHECK(say && strstr(say, "has room again: 900 of 1000 entries; 10 packets opening new "
			    "connections were dropped while it was full"), "room again (%s)",
	      say ? say : "nothing");
	CHECK(!ct_watch_step(&w, &st, 15000, buf, sizeof(buf)), "and then quiet");
}

/* Drops that are not a full table are named for what they are. */
static void test_ct_watch_causes(void)
{
	struct ct_watch w = { 0 };
	struct ct_stats st = { .entries = 5, .max = 262144 };
	char buf[320];
	const char *say;

	ct_watch_step(&w, &st, 0, buf, sizeof(buf));
	/* two connections given the same tuple at once: one is refused */
	st.drop = 3;
	st.insert_failed = 3;
	say = ct_watch_step(&w, &st, 1000, buf, sizeof(buf));
	CHECK(say && !strstr(say, "table full") &&
	      strstr(say, "conntrack refused 3 new connections that clashed with an existing "
			  "entry (same addresses and ports) in the last 1 s; the table has room: "
			  "5 of 262144 entries"), "clashes are clashes (%s)", say ? say : "nothing");
	CHECK(!ct_watch_step(&w, &st, 2000, buf, sizeof(buf)), "then quiet");
	/* drops that are neither a clash nor a full table */
	st.drop = 7;
	say = ct_watch_step(&w, &st, 13000, buf, sizeof(buf));
	CHECK(say && !strstr(say, "table full") &&
	      strstr(say, "the kernel dropped 4 packets opening new connections in the last "
			  "11 s, not for a full conntrack table (5 of 262144 entries) nor a "
			  "clash"), "other drops (%s)", say ? say : "nothing");
	/* a clash and a full table at once: both said */
	st.entries = 262144;
	st.drop = 12;
	st.early_drop = 1;
	st.insert_failed = 4;
	say = ct_watch_step(&w, &st, 14000, buf, sizeof(buf));
	CHECK(say && strstr(say, "conntrack table full: 262144 of 262144 entries; the kernel "
			    "dropped 4 packets opening new connections and evicted 1") &&
	      strstr(say, "; and refused 1 new connection that clashed"),
	      "full and a clash (%s)", say ? say : "nothing");
}

/* The attribute types in the CTA_TUPLE_PROTO nest of the request's
 * CTA_TUPLE_ORIG, as bits; and whether it has CTA_ID. */
struct present {
	uint32_t proto;
	bool id;
};

static int collect_cb(const struct nlattr *a, void *data)
{
	uint32_t *bits = data;
	if (mnl_attr_get_type(a) < 32)
		*bits |= 1u << mnl_attr_get_type(a);
	return MNL_CB_OK;
}

static int find_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **found = data;
	if (mnl_attr_get_type(a) < 16)
		found[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

static struct present present_in(const struct nlmsghdr *nlh)
{
	const struct nlattr *top[16] = { 0 }, *tuple[16] = { 0 };
	struct present p = { 0 };

	mnl_attr_parse(nlh, sizeof(struct nfgenmsg), find_cb, top);
	p.id = top[CTA_ID] != NULL;
	if (top[CTA_TUPLE_ORIG])
		mnl_attr_parse_nested(top[CTA_TUPLE_ORIG], find_cb, tuple);
	if (tuple[CTA_TUPLE_PROTO])
		mnl_attr_parse_nested(tuple[CTA_TUPLE_PROTO], collect_cb, &p.proto);
	return p;
}

#define BIT(a) (1u << (a))

/* The delete request carries what the kernel's nlattr_to_tuple of each
 * protocol requires, all of it (else EINVAL: issue 13), and it parses
 * back to the same tuple. */
static void test_delete_request(void)
{
	static const struct {
		const char *what;
		uint8_t l4;
		bool v6;
		uint32_t attrs;
	} cases[] = {
		{ "TCP", IPPROTO_TCP, false, BIT(CTA_PROTO_SRC_PORT) | BIT(CTA_PROTO_DST_PORT) },
		{ "UDP", IPPROTO_UDP, true, BIT(CTA_PROTO_SRC_PORT) | BIT(CTA_PROTO_DST_PORT) },
		{ "UDP-Lite", IPPROTO_UDPLITE, false,
		  BIT(CTA_PROTO_SRC_PORT) | BIT(CTA_PROTO_DST_PORT) },
		{ "SCTP", IPPROTO_SCTP, false, BIT(CTA_PROTO_SRC_PORT) | BIT(CTA_PROTO_DST_PORT) },
		{ "DCCP", IPPROTO_DCCP, false, BIT(CTA_PROTO_SRC_PORT) | BIT(CTA_PROTO_DST_PORT) },
		{ "GRE (keys as ports)", IPPROTO_GRE, false,
		  BIT(CTA_PROTO_SRC_PORT) | BIT(CTA_PROTO_DST_PORT) },
		{ "ICMP", IPPROTO_ICMP, false,
		  BIT(CTA_PROTO_ICMP_ID) | BIT(CTA_PROTO_ICMP_TYPE) | BIT(CTA_PROTO_ICMP_CODE) },
		{ "ICMPv6", IPPROTO_ICMPV6, true,
		  BIT(CTA_PROTO_ICMPV6_ID) | BIT(CTA_PROTO_ICMPV6_TYPE) |
		  BIT(CTA_PROTO_ICMPV6_CODE) },
		{ "a protocol known by number only", 253, false, 0 },
	};
	_Alignas(struct nlmsghdr) char buf[CT_DELETE_MAX];

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct ct_entry e, back;
		memset(&e, 0, sizeof(e));
		const char *src = cases[i].v6 ? "2001:db8:1::20" : "192.0.2.20";
		const char *dst = cases[i].v6 ? "2001:db8:ff::100" : "198.51.100.7";
		char err[128];
		addr_parse(src, &e.orig.src, err);
		addr_parse(dst, &e.orig.dst, err);
		e.orig.l4 = cases[i].l4;
		e.id = 0x12345678;
		if (cases[i].l4 == IPPROTO_ICMP || cases[i].l4 == IPPROTO_ICMPV6) {
			e.orig.icmp_id = 4660;
			e.orig.icmp_type = cases[i].l4 == IPPROTO_ICMP ? 8 : 128;
			e.orig.icmp_code = 0;
		} else if (cases[i].attrs) {
			e.orig.sport = 40000;
			e.orig.dport = 80;
		}
		size_t len = ct_delete_request(buf, 42, &e);
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		struct present p = present_in(nlh);
		CHECK(len == nlh->nlmsg_len && len <= CT_DELETE_MAX &&
		      nlh->nlmsg_type == ((NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_DELETE) &&
		      nlh->nlmsg_seq == 42, "%s: a delete request of %zu bytes", cases[i].what, len);
		CHECK(p.proto == (BIT(CTA_PROTO_NUM) | cases[i].attrs) && p.id,
		      "%s: the tuple has attributes %#x (want %#x), CTA_ID %d", cases[i].what,
		      p.proto, BIT(CTA_PROTO_NUM) | cases[i].attrs, p.id);
		CHECK(ct_parse(nlh, len, &back) && addr_cmp(&back.orig.src, &e.orig.src) == 0 &&
		      addr_cmp(&back.orig.dst, &e.orig.dst) == 0 && back.orig.l4 == e.orig.l4 &&
		      back.orig.sport == e.orig.sport && back.orig.dport == e.orig.dport &&
		      back.orig.icmp_id == e.orig.icmp_id &&
		      back.orig.icmp_type == e.orig.icmp_type &&
		      back.orig.icmp_code == e.orig.icmp_code && back.id == e.id,
		      "%s: the request parses back to the same tuple", cases[i].what);
		/* an entry of another conntrack zone is named in its zone */
		e.zone = 5;
		len = ct_delete_request(buf, 43, &e);
		CHECK(ct_parse(nlh, len, &back) && back.zone == 5,
		      "%s: in zone 5, the request names the zone", cases[i].what);
	}
}


/* Two pings of one LAN host to one remote differ by their ICMP id alone:
 * they are two mappings, and one ending leaves the other. */
static void icmp_entry(struct ct_entry *e, uint16_t id)
{
	memset(e, 0, sizeof(*e));
	e->orig.src = (struct ngw_addr){ .family = NGW_FAMILY_IPV4 };
	e->orig.dst = e->orig.src;
	memcpy(e->orig.src.b, (uint8_t[]){ 192, 0, 2, 20 }, 4);
	memcpy(e->orig.dst.b, (uint8_t[]){ 198, 51, 100, 7 }, 4);
	e->orig.l4 = IPPROTO_ICMP;
	e->orig.icmp_id = id;
	e->orig.icmp_type = 8;
	e->reply = e->orig;
	e->reply.src = e->orig.dst;
	memcpy(e->reply.dst.b, (uint8_t[]){ 203, 0, 113, 5 }, 4);
	e->reply.icmp_type = 0;
	e->has_orig = e->has_reply = true;
	e->status = IPS_SRC_NAT | IPS_CONFIRMED;
	e->mark = 0x4e000003;
	e->id = id;
}

static void test_icmp_identity(void)
{
	struct xlat *x = xlat_new(NULL, NULL);
	struct ct_entry a, b;
	bool added;
	char buf[NGW_ADDRSTRLEN];

	icmp_entry(&a, 100);
	icmp_entry(&b, 101);
	xlat_upsert(x, &a, &added);
	CHECK(added, "the first ping is a mapping");
	const struct xlat_mapping *m = xlat_upsert(x, &b, &added);
	CHECK(added && xlat_count(x) == 2, "the second ping (another id) is another: %zu",
	      xlat_count(x));
	CHECK(m && m->key.icmp_id == 101 && m->key.icmp_type == 8 && m->key.sport == 0,
	      "its identity: id %u type %u", m ? m->key.icmp_id : 0, m ? m->key.icmp_type : 0);
	CHECK(m && !strcmp(xlat_socket_format(&m->internal, buf), "192.0.2.20"),
	      "no port on an ICMP socket: %s", m ? xlat_socket_format(&m->internal, buf) : "");
	xlat_upsert(x, &a, &added);
	CHECK(!added && xlat_count(x) == 2, "the first again is an update");
	CHECK(xlat_remove(x, &a, NULL) && xlat_count(x) == 1, "the first ends alone");
	CHECK(!xlat_remove(x, &a, NULL), "(once)");
	CHECK(xlat_remove(x, &b, NULL) && xlat_count(x) == 0, "then the second");

	/* one tuple in two conntrack zones: two entries, two mappings */
	struct ct_entry z = a;
	z.zone = 5;
	xlat_upsert(x, &a, &added);
	m = xlat_upsert(x, &z, &added);
	CHECK(added && xlat_count(x) == 2 && m && m->zone == 5, "zone 5's is another mapping");
	CHECK(xlat_remove(x, &z, NULL) && xlat_count(x) == 1, "it ends alone");
	CHECK(xlat_remove(x, &a, NULL) && xlat_count(x) == 0, "then zone 0's");
	xlat_free(x);
}

int main(void)
{
	test_icmp_identity();
	test_parse();
	test_delete_request();
	test_xlat();
	test_directions();
	test_ct_watch();
	test_ct_watch_causes();
	return check_summary();
}
