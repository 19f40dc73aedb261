/* SPDX-License-Identifier: GPL-2.0-or-later */
/* natgw doctor --trace's pure part: the kernel's trace events, as a router
 * sends them, made into packets, paths and one line each. */
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "compile/layout.h"
#include "doctor/trace.h"

/* An IPv4 TCP packet's headers: a.b.c.d:sp -> e.f.g.h:dp, flags. */
static void headers(struct trace_event *e, const uint8_t s[4], uint16_t sp, const uint8_t d[4],
		    uint16_t dp, uint8_t flags)
{
	memset(e->net, 0, sizeof(e->net));
	e->net[0] = 0x45;
	e->net[9] = IPPROTO_TCP;
	memcpy(e->net + 12, s, 4);
	memcpy(e->net + 16, d, 4);
	e->net_len = 20;
	memset(e->th, 0, sizeof(e->th));
	e->th[0] = (uint8_t)(sp >> 8), e->th[1] = (uint8_t)sp;
	e->th[2] = (uint8_t)(dp >> 8), e->th[3] = (uint8_t)dp;
	e->th[13] = flags;
	e->th_len = 20;
}

static struct trace_event ev(uint32_t id, uint32_t family, const char *table, const char *chain,
			     uint32_t type, uint64_t handle, int32_t verdict)
{
	struct trace_event e;
	memset(&e, 0, sizeof(e));
	e.id = id;
	e.family = family;
	snprintf(e.table, sizeof(e.table), "%s", table);
	snprintf(e.chain, sizeof(e.chain), "%s", chain);
	e.type = type;
	e.handle = handle;
	e.verdict = verdict;
	return e;
}

static const uint8_t remote[4] = { 203, 0, 113, 100 }, router[4] = { 203, 0, 113, 5 },
		     target[4] = { 192, 0, 2, 10 };

/* A SYN of remote:40000 to router:443, marked; its path so far. */
static void syn(struct trace_run *t, uint32_t id, uint16_t sport)
{
	struct trace_event e = ev(id, NFPROTO_INET, "natgw", TRACE_CHAIN_FIRST,
				  NFT_TRACETYPE_RULE, 7, NFT_CONTINUE);
	headers(&e, remote, sport, router, 443, 0x02);
	trace_run_event(t, &e);
	e = ev(id, NFPROTO_INET, "natgw", TRACE_CHAIN_FIRST, NFT_TRACETYPE_RULE, 0, NFT_CONTINUE);
	trace_run_event(t, &e);		/* the end of its rules */
	e = ev(id, NFPROTO_INET, "natgw", TRACE_CHAIN_FIRST, NFT_TRACETYPE_POLICY, 0, NF_ACCEPT);
	trace_run_event(t, &e);
	e = ev(id, NFPROTO_INET, "natgw", "prerouting", NFT_TRACETYPE_RULE, 59, NF_ACCEPT);
	headers(&e, remote, sport, router, 443, 0x02);
	trace_run_event(t, &e);
}

static void left(struct trace_run *t, uint32_t id, const uint8_t s[4], uint16_t sp,
		 const uint8_t d[4], uint16_t dp, uint8_t flags)
{
	struct trace_event e = ev(id, NFPROTO_INET, "natgw", TRACE_CHAIN_LEFT,
				  NFT_TRACETYPE_POLICY, 0, NF_ACCEPT);
	headers(&e, s, sp, d, dp, flags);
	trace_run_event(t, &e);
}

static const char *outcome(const struct trace_run *t, size_t i)
{
	static char buf[1024];
	return trace_packet_outcome(t, &t->v[i], 30, buf, sizeof(buf));
}

int main(void)
{
	struct trace_run t;
	char buf[1024];

	/* names natgw's own chains never take */
	for (int i = 0; i < TRACE_N_CHAINS; i++)
		for (int c = 0; c < KCHAIN_COUNT; c++)
			CHECK(strcmp(trace_chain_names[i], kchain_names[c]), "%s", kchain_names[c]);

	/* dropped by another table's policy */
	trace_run_init(&t, "natgw", 10);
	syn(&t, 1, 40000);
	struct trace_event e = ev(1, NFPROTO_INET, "filter", "forward", NFT_TRACETYPE_POLICY, 0,
				  NF_DROP);
	trace_run_event(&t, &e);
	trace_run_finish(&t);
	CHECK(t.n == 1 && t.v[0].n_hops == 2, "one packet, two steps (ours and end-of-rules "
	      "left out): %zu, %zu", t.n, t.n ? t.v[0].n_hops : 0);
	CHECK(!strcmp(outcome(&t, 0), "dropped by table inet filter, chain forward (policy drop)"),
	      "%s", outcome(&t, 0));
	CHECK(!strcmp(trace_hop_format(&t.v[0].hops[0], buf, sizeof(buf)),
		      "table inet natgw, chain prerouting: rule handle 59: accept"), "%s", buf);
	trace_flow_format(&t.v[0].seen, buf, sizeof(buf));
	CHECK(!strcmp(buf, "tcp 203.0.113.100:40000 -> 203.0.113.5:443"), "%s", buf);
	CHECK(!trace_run_answered(&t), "not answered");
	trace_run_free(&t);

	/* dropped by a rule of an ip table */
	trace_run_init(&t, "natgw", 10);
	syn(&t, 1, 40000);
	e = ev(1, NFPROTO_IPV4, "fw", "input", NFT_TRACETYPE_RULE, 12, NF_DROP);
	trace_run_event(&t, &e);
	trace_run_finish(&t);
	CHECK(!strcmp(outcome(&t, 0), "dropped by table ip fw, chain input (rule handle 12: drop)"),
	      "%s", outcome(&t, 0));
	trace_run_free(&t);

	/* forwarded, and the reply comes back under a new id (a bridge) */
	trace_run_init(&t, "natgw", 10);
	syn(&t, 1, 40000);
	left(&t, 1, remote, 40000, target, 8443, 0x02);
	e = ev(2, NFPROTO_INET, "natgw", TRACE_CHAIN_REPLY, NFT_TRACETYPE_RULE, 9, NFT_CONTINUE);
	headers(&e, target, 8443, remote, 40000, 0x12);
	trace_run_event(&t, &e);
	e = ev(3, NFPROTO_INET, "natgw", "count", NFT_TRACETYPE_POLICY, 0, NF_ACCEPT);
	headers(&e, target, 8443, remote, 40000, 0x12);
	trace_run_event(&t, &e);
	left(&t, 3, router, 443, remote, 40000, 0x12);
	trace_run_finish(&t);
	CHECK(t.n == 2 && t.v[1].reply && t.v[1].reply_of == 1 && t.v[1].n_hops == 1,
	      "the reply, followed to its new id");
	CHECK(!strcmp(outcome(&t, 0), "forwarded to 192.0.2.10:8443, reply came back"), "%s",
	      outcome(&t, 0));
	CHECK(!strcmp(outcome(&t, 1), "reply of packet 1, passed back to 203.0.113.100:40000"),
	      "%s", outcome(&t, 1));
	CHECK(trace_run_answered(&t), "answered");
	trace_run_free(&t);

	/* forwarded, refused: a reset is not an answer */
	trace_run_init(&t, "natgw", 10);
	syn(&t, 1, 40000);
	left(&t, 1, remote, 40000, target, 8443, 0x02);
	e = ev(2, NFPROTO_INET, "natgw", TRACE_CHAIN_REPLY, NFT_TRACETYPE_RULE, 9, NFT_CONTINUE);
	headers(&e, target, 8443, remote, 40000, 0x14);
	trace_run_event(&t, &e);
	left(&t, 2, router, 443, remote, 40000, 0x14);
	trace_run_finish(&t);
	CHECK(!strcmp(outcome(&t, 0),
		      "forwarded to 192.0.2.10:8443, the target refused the connection (TCP reset)"),
	      "%s", outcome(&t, 0));
	CHECK(!trace_run_answered(&t), "a reset is no answer");
	trace_run_free(&t);

	/* forwarded, no reply; and one untranslated */
	trace_run_init(&t, "natgw", 10);
	syn(&t, 1, 40000);
	left(&t, 1, remote, 40000, target, 8443, 0x02);
	syn(&t, 2, 40001);
	left(&t, 2, remote, 40001, router, 443, 0x02);
	syn(&t, 3, 40002);	/* and one lost in the router */
	trace_run_finish(&t);
	CHECK(!strcmp(outcome(&t, 0), "forwarded to 192.0.2.10:8443, no reply within 30 s"), "%s",
	      outcome(&t, 0));
	CHECK(!strcmp(outcome(&t, 1), "left the router towards 203.0.113.5:443 untranslated (the "
		      "forward did not take it)"), "%s", outcome(&t, 1));
	CHECK(!strncmp(outcome(&t, 2), "never left the router", 21), "%s", outcome(&t, 2));
	trace_run_free(&t);

	/* at most max_packets: later ones and their steps are not kept */
	trace_run_init(&t, "natgw", 3);
	for (uint32_t id = 1; id <= 5; id++) {
		syn(&t, id, (uint16_t)(40000 + id));
		left(&t, id, remote, (uint16_t)(40000 + id), target, 8443, 0x02);
	}
	CHECK(t.n == 3 && t.originals == 3, "three packets: %zu", t.n);
	CHECK(t.v[2].n_hops == 1, "the third's steps only: %zu", t.v[2].n_hops);
	CHECK(trace_run_done(&t), "done at the limit");
	trace_run_free(&t);

	/* a packet of another table's trace rule, never marked by ours: not kept */
	trace_run_init(&t, "natgw", 10);
	e = ev(9, NFPROTO_INET, "filter", "forward", NFT_TRACETYPE_POLICY, 0, NF_DROP);
	trace_run_event(&t, &e);
	CHECK(t.n == 0, "nothing");
	trace_run_free(&t);

	return check_summary();
}
