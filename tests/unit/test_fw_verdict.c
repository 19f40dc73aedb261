/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Whether another table's chain drops a forward's packet: matches on the
 * parts of the packet natgw knows, the ones it does not, jumps, gotos,
 * returns, loops, and the packet each hook and priority sees. */
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/xt_conntrack.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "doctor/fw_packets.h"
#include "doctor/fw_verdict.h"

static const uint8_t target[4] = { 192, 0, 2, 10 };

/* The packet of the base config's forward "web" (tcp 443 to
 * 192.0.2.10:8443, in eth0) at chain c. */
static struct fw_packet packet(const struct fw_chain *c, enum fw_kind kind)
{
	static struct ngw_forward f;
	struct fw_packet p;

	memset(&f, 0, sizeof(f));
	f.proto = NGW_PROTO_TCP;
	f.port.lo = f.port.hi = 443;
	f.to.family = NGW_FAMILY_IPV4;
	memcpy(f.to.b, target, 4);
	f.to_port.lo = f.to_port.hi = 8443;
	f.enabled = true;
	CHECK(fw_packet_of(&f, false, IPPROTO_TCP, false, "eth0", NULL, c, kind, &p), "seen");
	return p;
}

static struct fw_match m_port(uint32_t off, uint16_t port, uint8_t op)
{
	struct fw_match m = { .src = FW_SRC_TH, .op = op, .len = 2, .key = off };
	m.a[0] = (uint8_t)(port >> 8), m.a[1] = (uint8_t)port;
	return m;
}

/* ct state / status & bits != 0, as nft compiles `ct state established,related` */
static struct fw_match m_ct(uint32_t key, uint32_t bits)
{
	struct fw_match m = { .src = FW_SRC_CT, .op = FW_OP_NE, .len = 4, .key = key,
			      .bitwise = true };
	memcpy(m.mask, &bits, 4);
	return m;
}

static struct fw_match m_other(void)
{
	return (struct fw_match){ .src = FW_SRC_OTHER };
}

struct t {
	struct fw_table table;
	struct fw_match pool[64];
	size_t n_pool;
};

static struct fw_chain *chain(struct t *t, const char *name, bool base, uint32_t hook, int prio,
			      bool drop)
{
	struct fw_table *tb = &t->table;
	tb->chains = realloc(tb->chains, (tb->n_chains + 1) * sizeof(*tb->chains));
	struct fw_chain *c = &tb->chains[tb->n_chains++];
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->base = base, c->hook = hook, c->prio = prio, c->policy_drop = drop;
	return c;
}

/* A rule of chain ci: n matches, a verdict, a target chain. */
static void rule(struct t *t, size_t ci, uint8_t verdict, uint32_t target_chain, size_t n, ...)
{
	struct fw_chain *c = &t->table.chains[ci];
	va_list ap;

	c->rules = realloc(c->rules, (c->n_rules + 1) * sizeof(*c->rules));
	struct fw_rule *r = &c->rules[c->n_rules++];
	memset(r, 0, sizeof(*r));
	r->verdict = verdict, r->target = target_chain, r->n = n;
	r->m = calloc(n ? n : 1, sizeof(*r->m));
	va_start(ap, n);
	for (size_t i = 0; i < n; i++)
		r->m[i] = va_arg(ap, struct fw_match);
	va_end(ap);
}

static void reset(struct t *t)
{
	for (size_t c = 0; c < t->table.n_chains; c++) {
		for (size_t r = 0; r < t->table.chains[c].n_rules; r++)
			free(t->table.chains[c].rules[r].m);
		free(t->table.chains[c].rules);
	}
	free(t->table.chains);
	memset(t, 0, sizeof(*t));
	t->table.family = NFPROTO_INET;
}

static bool drops(struct t *t, size_t ci, enum fw_kind kind, bool *policy)
{
	const struct fw_chain *c = &t->table.chains[ci];
	struct fw_packet p = packet(c, kind);
	unsigned long work = 0;
	return fw_chain_drops(&t->table, c, &p, policy, &work) == FW_TRUE;
}

int main(void)
{
	struct t t = { 0 };
	bool policy;

	/* the packet each hook sees */
	reset(&t);
	chain(&t, "fwd", true, NF_INET_FORWARD, 0, true);
	chain(&t, "raw", true, NF_INET_PRE_ROUTING, -300, false);
	chain(&t, "mangle", true, NF_INET_PRE_ROUTING, -150, false);
	chain(&t, "late", true, NF_INET_PRE_ROUTING, -50, false);
	struct fw_packet p = packet(&t.table.chains[0], FW_NEW);
	CHECK(p.dport == 8443 && p.daddr && !memcmp(p.daddr, target, 4) && p.ct &&
	      p.status == IPS_DST_NAT && !strcmp(p.iif, "eth0") && !p.oif, "forward: translated");
	p = packet(&t.table.chains[1], FW_NEW);
	CHECK(p.dport == 443 && !p.daddr && !p.ct && !strcmp(p.oif, ""), "raw: original, no ct");
	p = packet(&t.table.chains[2], FW_NEW);
	CHECK(p.dport == 443 && p.ct && p.status == 0, "mangle: original, not yet DNAT");
	p = packet(&t.table.chains[3], FW_NEW);
	CHECK(p.dport == 8443 && p.status == IPS_DST_NAT, "after dstnat: translated");
	p = packet(&t.table.chains[0], FW_REPLY);
	CHECK(p.sport == 8443 && p.dport == -1 && !memcmp(p.saddr, target, 4) && !p.iif &&
	      !strcmp(p.oif, "eth0") && p.ctinfo == IP_CT_ESTABLISHED_REPLY, "reply");

	/* policy drop, nothing else: dropped by its policy */
	CHECK(drops(&t, 0, FW_NEW, &policy) && policy, "policy drop");
	CHECK(!drops(&t, 1, FW_NEW, &policy), "policy accept");

	/* ct status dnat accept: every packet of the forward, replies too */
	rule(&t, 0, FW_ACCEPT, 0, 1, m_ct(NFT_CT_STATUS, IPS_DST_NAT));
	CHECK(!drops(&t, 0, FW_NEW, &policy) && !drops(&t, 0, FW_LATER, &policy) &&
	      !drops(&t, 0, FW_REPLY, &policy), "ct status dnat accept");
	/* ct status dnat in raw: no conntrack yet, no match */
	rule(&t, 1, FW_DROP, 0, 1, m_port(2, 443, FW_OP_EQ));
	CHECK(drops(&t, 1, FW_NEW, &policy) && !policy, "raw: tcp dport 443 drop");
	CHECK(!drops(&t, 1, FW_REPLY, &policy), "raw: a reply's dport is unknown: no drop");

	/* new accepted, replies not */
	reset(&t);
	chain(&t, "fwd", true, NF_INET_FORWARD, 0, true);
	rule(&t, 0, FW_ACCEPT, 0, 1, m_ct(NFT_CT_STATE, NF_CT_STATE_BIT(IP_CT_NEW)));
	CHECK(!drops(&t, 0, FW_NEW, &policy), "ct state new accept: new");
	CHECK(drops(&t, 0, FW_REPLY, &policy) && policy, "... replies dropped");
	rule(&t, 0, FW_ACCEPT, 0, 1,
	     m_ct(NFT_CT_STATE, NF_CT_STATE_BIT(IP_CT_ESTABLISHED) | NF_CT_STATE_BIT(IP_CT_RELATED)));
	CHECK(!drops(&t, 0, FW_REPLY, &policy), "... and established,related accept");

	/* a rule natgw cannot evaluate never makes a drop by itself */
	reset(&t);
	chain(&t, "fwd", true, NF_INET_FORWARD, 0, false);
	rule(&t, 0, FW_DROP, 0, 1, m_other());
	CHECK(!drops(&t, 0, FW_NEW, &policy), "unknown match, drop: not said");
	reset(&t);
	chain(&t, "fwd", true, NF_INET_FORWARD, 0, true);
	rule(&t, 0, FW_ACCEPT, 0, 2, m_other(), m_port(2, 8443, FW_OP_EQ));
	CHECK(!drops(&t, 0, FW_NEW, &policy), "unknown match, accept: may accept");
	rule(&t, 0, FW_ANY, 0, 0);
	CHECK(!drops(&t, 0, FW_REPLY, &policy), "a verdict map: any outcome");

	/* the port: the target's at forward; another port is no drop */
	reset(&t);
	chain(&t, "fwd", true, NF_INET_FORWARD, 0, false);
	rule(&t, 0, FW_DROP, 0, 1, m_port(2, 9999, FW_OP_EQ));
	CHECK(!drops(&t, 0, FW_NEW, &policy), "drop on another port");
	rule(&t, 0, FW_DROP, 0, 1, m_port(2, 8443, FW_OP_EQ));
	CHECK(drops(&t, 0, FW_NEW, &policy) && !policy, "drop on the target port");

	/* jumps: FORWARD -> DOCKER-USER (return) -> policy drop; goto */
	reset(&t);
	chain(&t, "FORWARD", true, NF_INET_FORWARD, 0, true);
	chain(&t, "DOCKER-USER", false, 0, 0, false);
	chain(&t, "ACCEPTS", false, 0, 0, false);
	rule(&t, 0, FW_JUMP, 1, 0);
	rule(&t, 1, FW_RETURN, 0, 0);
	CHECK(drops(&t, 0, FW_NEW, &policy) && policy, "jump, return, policy drop");
	free(t.table.chains[1].rules[0].m);
	t.table.chains[1].n_rules = 0;
	rule(&t, 1, FW_GOTO, 2, 0);
	rule(&t, 2, FW_ACCEPT, 0, 1, m_ct(NFT_CT_STATUS, IPS_DST_NAT));
	CHECK(!drops(&t, 0, FW_NEW, &policy), "jump, goto, accept");
	/* a goto's chain that falls off its end returns past the jumper */
	rule(&t, 0, FW_ACCEPT, 0, 0);
	t.table.chains[2].rules[0].m[0] = m_port(2, 1, FW_OP_EQ);
	CHECK(!drops(&t, 0, FW_NEW, &policy), "returns to FORWARD's next rule: accept");

	/* a loop (the kernel refuses one; a hostile model must not hang) */
	reset(&t);
	chain(&t, "fwd", true, NF_INET_FORWARD, 0, true);
	chain(&t, "a", false, 0, 0, false);
	chain(&t, "b", false, 0, 0, false);
	rule(&t, 0, FW_JUMP, 1, 0);
	rule(&t, 1, FW_JUMP, 2, 0);
	rule(&t, 2, FW_JUMP, 1, 0);
	CHECK(!drops(&t, 0, FW_NEW, &policy), "a jump loop: unknown, not said");

	/* xt conntrack --ctstate DNAT, and ! --ctstate */
	reset(&t);
	chain(&t, "FORWARD", true, NF_INET_FORWARD, 0, true);
	struct fw_match x = { .src = FW_SRC_XT_CONNTRACK };
	x.xt.flags = XT_CONNTRACK_STATE, x.xt.state_mask = XT_CONNTRACK_STATE_DNAT;
	rule(&t, 0, FW_ACCEPT, 0, 1, x);
	CHECK(!drops(&t, 0, FW_NEW, &policy) && !drops(&t, 0, FW_REPLY, &policy), "--ctstate DNAT");
	t.table.chains[0].rules[0].m[0].xt.invert = XT_CONNTRACK_STATE;
	CHECK(drops(&t, 0, FW_NEW, &policy), "! --ctstate DNAT");

	/* sets: an interval set of ports */
	reset(&t);
	chain(&t, "fwd", true, NF_INET_FORWARD, 0, false);
	struct fw_set s = { .key_len = 2 };
	struct fw_interval iv[2] = { { .lo = { 0x20, 0x00 }, .hi = { 0x20, 0xff } },
				     { .lo = { 0x00, 0x16 }, .hi = { 0x00, 0x16 } } };
	s.v = iv, s.n = 2;
	struct fw_match in = m_port(2, 0, FW_OP_IN_SET);
	in.set = &s;
	rule(&t, 0, FW_DROP, 0, 1, in);
	CHECK(drops(&t, 0, FW_NEW, &policy), "8443 in 8192-8447: dropped");
	iv[0].hi[1] = 0x10;
	CHECK(!drops(&t, 0, FW_NEW, &policy), "8443 not in 8192-8208");

	reset(&t);
	return check_summary();
}
