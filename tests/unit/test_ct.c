/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ctnetlink parser against well-formed and malformed messages, and the
 * translation table: both lookups, update, remove, resync. No kernel. */
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ct.h"
#include "ct_watch.h"
#include "xlat.h"

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

int main(void)
{
	test_parse();
	test_xlat();
	test_ct_watch();
	return check_summary();
}
