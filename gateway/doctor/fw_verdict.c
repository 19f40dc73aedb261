/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter/xt_state.h>
#include <stdlib.h>
#include <string.h>

#include "fw_verdict.h"

/* The bytes a match looks at, and which of them are known. */
struct bytes {
	uint8_t v[FW_DATA_MAX];
	bool known[FW_DATA_MAX];
};

static void put(struct bytes *b, size_t at, const void *src, size_t len, size_t want)
{
	for (size_t i = 0; i < len; i++) {
		if (i + at >= want || !src)
			continue;
		b->v[i] = ((const uint8_t *)src)[i + at];
		b->known[i] = true;
	}
}

/* The network header: protocol (IPv4) or next header (IPv6, without
 * extension headers), and the addresses. */
static void network(const struct fw_packet *p, uint32_t off, uint8_t len, struct bytes *b)
{
	uint8_t h[40] = { 0 };
	bool k[40] = { 0 };
	size_t alen = p->family == NFPROTO_IPV4 ? 4 : 16;
	size_t proto = p->family == NFPROTO_IPV4 ? 9 : 6, sa = p->family == NFPROTO_IPV4 ? 12 : 8;
	size_t size = p->family == NFPROTO_IPV4 ? 20 : 40;

	h[proto] = p->l4, k[proto] = true;
	if (p->saddr)
		memcpy(h + sa, p->saddr, alen), memset(k + sa, 1, alen);
	if (p->daddr)
		memcpy(h + sa + alen, p->daddr, alen), memset(k + sa + alen, 1, alen);
	for (size_t i = 0; i < len; i++) {
		if (off + i < size) {
			b->v[i] = h[off + i];
			b->known[i] = k[off + i];
		}
	}
}

static void transport(const struct fw_packet *p, uint32_t off, uint8_t len, struct bytes *b)
{
	int port[2] = { p->sport, p->dport };

	for (size_t i = 0; i < len; i++) {
		uint32_t at = off + (uint32_t)i;
		if (at < 4 && port[at / 2] >= 0) {
			b->v[i] = (uint8_t)(at % 2 ? port[at / 2] & 0xff : port[at / 2] >> 8);
			b->known[i] = true;
		}
	}
}

static void ifname(const char *name, struct bytes *b)
{
	char pad[16] = { 0 };
	if (!name)
		return;
	strncpy(pad, name, sizeof(pad) - 1);
	put(b, 0, pad, 16, 16);
}

/* The field's bytes; false when the kernel would not match at all (a ct
 * key of a packet conntrack has not seen). */
static bool field(const struct fw_match *m, const struct fw_packet *p, struct bytes *b)
{
	uint8_t proto[2] = { 0x08, 0x00 };
	uint32_t u;
	uint8_t c;

	memset(b, 0, sizeof(*b));
	switch (m->src) {
	case FW_SRC_META:
		switch (m->key) {
		case NFT_META_IIFNAME: ifname(p->iif, b); break;
		case NFT_META_OIFNAME: ifname(p->oif, b); break;
		case NFT_META_L4PROTO: put(b, 0, &p->l4, 1, 1); break;
		case NFT_META_NFPROTO: put(b, 0, &p->family, 1, 1); break;
		case NFT_META_PROTOCOL:
			if (p->family == NFPROTO_IPV6)
				proto[0] = 0x86, proto[1] = 0xdd;
			put(b, 0, proto, 2, 2);
			break;
		}
		return true;
	case FW_SRC_CT:
		if (!p->ct && m->key != NFT_CT_STATE)
			return false;	/* the kernel breaks off the rule */
		switch (m->key) {
		case NFT_CT_STATE:
			u = p->ct ? NF_CT_STATE_BIT(p->ctinfo) : NF_CT_STATE_INVALID_BIT;
			put(b, 0, &u, 4, 4);
			break;
		case NFT_CT_STATUS:
			put(b, 0, &p->status, 4, 4);
			break;
		case NFT_CT_DIRECTION:
			c = p->ctinfo >= IP_CT_IS_REPLY ? IP_CT_DIR_REPLY : IP_CT_DIR_ORIGINAL;
			put(b, 0, &c, 1, 1);
			break;
		}
		return true;
	case FW_SRC_NH:
		network(p, m->key, m->len, b);
		return true;
	case FW_SRC_TH:
		transport(p, m->key, m->len, b);
		return true;
	}
	return true;
}

static enum fw_tri order(int c, uint8_t op)
{
	switch (op) {
	case FW_OP_EQ: return c == 0;
	case FW_OP_NE: return c != 0;
	case FW_OP_LT: return c < 0;
	case FW_OP_LTE: return c <= 0;
	case FW_OP_GT: return c > 0;
	case FW_OP_GTE: return c >= 0;
	}
	return FW_UNKNOWN;
}

static enum fw_tri in_set(const struct fw_set *s, const uint8_t *v, size_t len)
{
	for (size_t i = 0; i < s->n; i++)
		if (memcmp(s->v[i].lo, v, len) <= 0 && memcmp(v, s->v[i].hi, len) <= 0)
			return FW_TRUE;
	return FW_FALSE;
}

/* iptables -m conntrack, as the kernel's conntrack_mt() decides: the state
 * bits (with SNAT and DNAT among them), then the status. */
static enum fw_tri xt_conntrack(const struct fw_match *m, const struct fw_packet *p)
{
	uint16_t f = m->xt.flags, inv = m->xt.invert;

	if (f & XT_CONNTRACK_STATE) {
		unsigned bit = XT_CONNTRACK_STATE_INVALID;
		if (p->ct) {
			bit = XT_CONNTRACK_STATE_BIT(p->ctinfo);
			bit |= p->status & IPS_SRC_NAT ? XT_CONNTRACK_STATE_SNAT : 0;
			bit |= p->status & IPS_DST_NAT ? XT_CONNTRACK_STATE_DNAT : 0;
		}
		if (!(m->xt.state_mask & bit) != !!(inv & XT_CONNTRACK_STATE))
			return FW_FALSE;
	}
	if (!p->ct)
		return f & XT_CONNTRACK_STATE ? FW_TRUE : FW_FALSE;
	if ((f & XT_CONNTRACK_STATUS) &&
	    !(m->xt.status_mask & p->status) != !!(inv & XT_CONNTRACK_STATUS))
		return FW_FALSE;
	if (f & ~(XT_CONNTRACK_STATE | XT_CONNTRACK_STATUS | XT_CONNTRACK_STATE_ALIAS))
		return FW_UNKNOWN;	/* addresses, ports, direction, expiry */
	return FW_TRUE;
}

enum fw_tri fw_match_eval(const struct fw_match *m, const struct fw_packet *p)
{
	struct bytes b;

	switch (m->src) {
	case FW_SRC_OTHER:
		return FW_UNKNOWN;
	case FW_SRC_XT_STATE: {
		unsigned bit = p->ct ? XT_STATE_BIT(p->ctinfo) : XT_STATE_INVALID;
		return m->xt.state_mask & bit ? FW_TRUE : FW_FALSE;
	}
	case FW_SRC_XT_CONNTRACK:
		return xt_conntrack(m, p);
	}
	if (!field(m, p, &b))
		return FW_FALSE;
	for (size_t i = 0; i < m->len; i++) {
		if (m->bitwise) {
			b.v[i] = (uint8_t)((b.v[i] & m->mask[i]) ^ m->xor[i]);
			b.known[i] |= m->mask[i] == 0;
		}
		if (!b.known[i])
			return FW_UNKNOWN;
	}
	switch (m->op) {
	case FW_OP_IN_RANGE:
	case FW_OP_NOT_IN_RANGE: {
		bool in = memcmp(m->a, b.v, m->len) <= 0 && memcmp(b.v, m->b, m->len) <= 0;
		return in == (m->op == FW_OP_IN_RANGE);
	}
	case FW_OP_IN_SET:
		return in_set(m->set, b.v, m->len);
	case FW_OP_NOT_IN_SET:
		return in_set(m->set, b.v, m->len) == FW_TRUE ? FW_FALSE : FW_TRUE;
	}
	return order(memcmp(b.v, m->a, m->len), m->op);
}

static enum fw_tri rule_matches(const struct fw_rule *r, const struct fw_packet *p)
{
	enum fw_tri all = FW_TRUE;

	for (size_t i = 0; i < r->n; i++) {
		enum fw_tri t = fw_match_eval(&r->m[i], p);
		if (t == FW_FALSE)
			return FW_FALSE;
		if (t == FW_UNKNOWN)
			all = FW_UNKNOWN;
	}
	return all;
}

/* What running a chain can come to: a set of outcomes. */
enum {
	O_ACCEPT = 1,
	O_DROP = 2,
	O_RETURN = 4,		/* the end of the chain, or return */
	O_ON = 8,		/* (of one rule) the next rule runs */
	O_ALL = O_ACCEPT | O_DROP | O_RETURN,
};

#define DEPTH_MAX 64		/* beyond the kernel's jump stack: unknown */

struct run {
	const struct fw_table *t;
	const struct fw_packet *p;
	uint8_t *memo;		/* per chain: 0 not run, 0x80 running, else outcomes | 0x40 */
	bool policy_only;	/* no rule of the base chain's run dropped */
	unsigned long work;
};

static unsigned chain(struct run *r, uint32_t c, int depth);

/* The outcomes of rule k once it matches. */
static unsigned effect(struct run *r, const struct fw_rule *k, int depth)
{
	unsigned s;

	switch (k->verdict) {
	case FW_CONTINUE: return O_ON;
	case FW_ACCEPT: return O_ACCEPT;
	case FW_DROP: return O_DROP;
	case FW_RETURN: return O_RETURN;
	case FW_JUMP:
		s = chain(r, k->target, depth + 1);
		return (s & ~(unsigned)O_RETURN) | (s & O_RETURN ? O_ON : 0);
	case FW_GOTO:
		return chain(r, k->target, depth + 1);
	}
	return O_ALL | O_ON;
}

static unsigned chain(struct run *r, uint32_t ci, int depth)
{
	const struct fw_chain *c = &r->t->chains[ci];
	unsigned out = 0;

	if (depth > DEPTH_MAX || r->memo[ci] == 0x80)
		return O_ALL;	/* a loop the kernel would refuse: nothing known */
	if (r->memo[ci])
		return r->memo[ci] & O_ALL;
	r->memo[ci] = 0x80;
	bool ended = false;
	for (size_t i = 0; i < c->n_rules && !ended; i++) {
		enum fw_tri m = rule_matches(&c->rules[i], r->p);
		r->work++;
		if (m == FW_FALSE)
			continue;
		unsigned e = effect(r, &c->rules[i], depth);
		out |= e & O_ALL;
		if (e & O_DROP)
			r->policy_only = false;
		/* a rule that surely matches and surely decides ends the chain */
		ended = m == FW_TRUE && !(e & O_ON);
	}
	if (!ended)
		out |= O_RETURN;
	r->memo[ci] = (uint8_t)(out | 0x40);
	return out;
}

enum fw_tri fw_chain_drops(const struct fw_table *t, const struct fw_chain *c,
			   const struct fw_packet *p, bool *by_policy, unsigned long *work)
{
	uint8_t stack[256];
	uint8_t *memo = t->n_chains <= sizeof(stack) ? stack : calloc(t->n_chains, 1);
	struct run r = { .t = t, .p = p, .memo = memo, .policy_only = true };

	*by_policy = false;
	if (!memo)
		return FW_UNKNOWN;
	memset(memo, 0, t->n_chains);
	unsigned s = chain(&r, (uint32_t)(c - t->chains), 0);
	if (memo != stack)
		free(memo);
	*work += r.work;
	if (s & O_RETURN)
		s = (s & ~(unsigned)O_RETURN) | (c->policy_drop ? O_DROP : O_ACCEPT);
	*by_policy = r.policy_only;
	return s == O_DROP ? FW_TRUE : s & O_DROP ? FW_UNKNOWN : FW_FALSE;
}

static bool may_drop(const struct fw_table *t, uint32_t ci, uint8_t *seen)
{
	if (seen[ci])
		return false;
	seen[ci] = 1;
	const struct fw_chain *c = &t->chains[ci];
	for (size_t i = 0; i < c->n_rules; i++) {
		const struct fw_rule *k = &c->rules[i];
		if (k->verdict == FW_DROP || k->verdict == FW_ANY)
			return true;
		if ((k->verdict == FW_JUMP || k->verdict == FW_GOTO) && may_drop(t, k->target, seen))
			return true;
	}
	return false;
}

bool fw_chain_may_drop(const struct fw_table *t, const struct fw_chain *c)
{
	if (c->policy_drop)
		return true;
	uint8_t *seen = calloc(t->n_chains ? t->n_chains : 1, 1);
	if (!seen)
		return true;
	bool r = may_drop(t, (uint32_t)(c - t->chains), seen);
	free(seen);
	return r;
}
