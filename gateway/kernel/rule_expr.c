/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nftables rules are register programs: loads (payload, meta, ct) fill a
 * register, bitwise masks it, cmp / range / lookup test it, and an
 * immediate sets the verdict. Following the registers gives each test the
 * part of the packet it looks at. iptables-nft writes the same programs,
 * with xt matches and targets where nft has no expression of its own. */
#include <stdio.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter/xt_state.h>
#include <stdlib.h>
#include <string.h>

#include "natgw/xalloc.h"
#include "rule_expr.h"

#define UNITS 20	/* 4-byte register units: NFT_REG_1..4 and NFT_REG32_00..15 overlap */

/* What a register holds: the source of its bytes, and a mask on them. */
struct reg {
	bool set;
	uint8_t src;
	uint32_t key;
	uint8_t len;
	bool bitwise;
	uint8_t mask[FW_DATA_MAX], xor[FW_DATA_MAX];
};

struct prog {
	const struct fw_table *t;
	struct fw_rule *k;
	struct reg reg[UNITS];
};

static int unit(uint32_t reg)
{
	if (reg >= NFT_REG_1 && reg <= NFT_REG_4)
		return (int)(reg - NFT_REG_1) * 4;
	if (reg >= NFT_REG32_00 && reg < NFT_REG32_00 + 16)
		return (int)(reg - NFT_REG32_00);
	return -1;
}

static struct fw_match *add(struct prog *p)
{
	struct fw_rule *k = p->k;
	k->m = xreallocarray(k->m, k->n + 1, sizeof(*k->m));
	struct fw_match *m = &k->m[k->n++];
	memset(m, 0, sizeof(*m));
	return m;
}

static void load(struct prog *p, const struct nftnl_expr *e, uint16_t dreg_attr, uint8_t src,
		 uint32_t key, uint8_t len)
{
	int u = unit(nftnl_expr_get_u32(e, dreg_attr));
	if (u < 0)
		return;
	p->reg[u] = (struct reg){ .set = true, .src = src, .key = key, .len = len };
}

/* Every register unknown: after an expression that loads what the model
 * does not know (fib, rt, socket, numgen, ...). */
static void forget(struct prog *p)
{
	for (int u = 0; u < UNITS; u++)
		p->reg[u] = (struct reg){ .set = true, .src = FW_SRC_OTHER };
}

static void other(struct prog *p)
{
	add(p)->src = FW_SRC_OTHER;
}

/* A test of the first len bytes of register sreg (an interface wildcard
 * tests a prefix): the match, with the register's
 * source; unknown when the register holds something else (a concatenation,
 * a load the model does not follow). */
static struct fw_match *test(struct prog *p, uint32_t sreg, uint32_t len)
{
	int u = unit(sreg);
	struct fw_match *m = add(p);

	if (u < 0 || !p->reg[u].set || p->reg[u].src == FW_SRC_OTHER || len > FW_DATA_MAX ||
	    (p->reg[u].len && len > p->reg[u].len)) {
		m->src = FW_SRC_OTHER;
		return m;
	}
	const struct reg *r = &p->reg[u];
	m->src = r->src;
	m->key = r->key;
	m->len = (uint8_t)len;
	m->bitwise = r->bitwise;
	memcpy(m->mask, r->mask, sizeof(m->mask));
	memcpy(m->xor, r->xor, sizeof(m->xor));
	return m;
}

static void data(const struct nftnl_expr *e, uint16_t attr, uint8_t *out, uint32_t *len)
{
	const void *d = nftnl_expr_get(e, attr, len);
	memset(out, 0, FW_DATA_MAX);
	if (d && *len <= FW_DATA_MAX)
		memcpy(out, d, *len);
	else
		*len = FW_DATA_MAX + 1;
}

static void meta(struct prog *p, const struct nftnl_expr *e)
{
	if (!nftnl_expr_is_set(e, NFTNL_EXPR_META_DREG))
		return;		/* meta ... set: a statement */
	uint32_t key = nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY);
	uint8_t len = key == NFT_META_IIFNAME || key == NFT_META_OIFNAME ? 16 :
		      key == NFT_META_L4PROTO || key == NFT_META_NFPROTO ? 1 :
		      key == NFT_META_PROTOCOL ? 2 : 0;
	load(p, e, NFTNL_EXPR_META_DREG, len ? FW_SRC_META : FW_SRC_OTHER, key, len);
}

static void ct(struct prog *p, const struct nftnl_expr *e)
{
	if (!nftnl_expr_is_set(e, NFTNL_EXPR_CT_DREG))
		return;		/* ct ... set */
	uint32_t key = nftnl_expr_get_u32(e, NFTNL_EXPR_CT_KEY);
	uint8_t len = key == NFT_CT_STATE || key == NFT_CT_STATUS ? 4 :
		      key == NFT_CT_DIRECTION ? 1 : 0;
	/* a key of a given direction (ct original saddr) is not the packet's */
	if (nftnl_expr_is_set(e, NFTNL_EXPR_CT_DIR))
		len = 0;
	load(p, e, NFTNL_EXPR_CT_DREG, len ? FW_SRC_CT : FW_SRC_OTHER, key, len);
}

static void payload(struct prog *p, const struct nftnl_expr *e)
{
	if (!nftnl_expr_is_set(e, NFTNL_EXPR_PAYLOAD_DREG))
		return;		/* a payload write */
	uint32_t base = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_BASE);
	uint8_t src = base == NFT_PAYLOAD_NETWORK_HEADER ? FW_SRC_NH :
		      base == NFT_PAYLOAD_TRANSPORT_HEADER ? FW_SRC_TH : FW_SRC_OTHER;
	load(p, e, NFTNL_EXPR_PAYLOAD_DREG, src, nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET),
	     (uint8_t)nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_LEN));
}

static void bitwise(struct prog *p, const struct nftnl_expr *e)
{
	int s = unit(nftnl_expr_get_u32(e, NFTNL_EXPR_BITWISE_SREG));
	int d = unit(nftnl_expr_get_u32(e, NFTNL_EXPR_BITWISE_DREG));
	uint32_t len = nftnl_expr_get_u32(e, NFTNL_EXPR_BITWISE_LEN), ml = 0, xl = 0;
	uint8_t mask[FW_DATA_MAX], xor[FW_DATA_MAX];

	if (s < 0 || d < 0)
		return;
	struct reg r = p->reg[s];
	bool mask_xor = !nftnl_expr_is_set(e, NFTNL_EXPR_BITWISE_OP) ||
			nftnl_expr_get_u32(e, NFTNL_EXPR_BITWISE_OP) == NFT_BITWISE_MASK_XOR;
	data(e, NFTNL_EXPR_BITWISE_MASK, mask, &ml);
	data(e, NFTNL_EXPR_BITWISE_XOR, xor, &xl);
	if (!r.set || !mask_xor || len > FW_DATA_MAX || ml != len || xl != len) {
		p->reg[d] = (struct reg){ .set = true, .src = FW_SRC_OTHER };
		return;
	}
	if (!r.bitwise) {
		memset(r.mask, 0xff, sizeof(r.mask));
		memset(r.xor, 0, sizeof(r.xor));
	}
	/* ((v & m1) ^ x1) & m2 ^ x2 = (v & m1 & m2) ^ ((x1 & m2) ^ x2) */
	for (uint32_t i = 0; i < FW_DATA_MAX; i++) {
		uint8_t m2 = i < len ? mask[i] : 0, x2 = i < len ? xor[i] : 0;
		r.mask[i] &= m2;
		r.xor[i] = (uint8_t)((r.xor[i] & m2) ^ x2);
	}
	r.bitwise = true;
	p->reg[d] = r;
}

static void cmp(struct prog *p, const struct nftnl_expr *e)
{
	static const uint8_t ops[] = { [NFT_CMP_EQ] = FW_OP_EQ, [NFT_CMP_NEQ] = FW_OP_NE,
		[NFT_CMP_LT] = FW_OP_LT, [NFT_CMP_LTE] = FW_OP_LTE, [NFT_CMP_GT] = FW_OP_GT,
		[NFT_CMP_GTE] = FW_OP_GTE };
	uint32_t len = 0, op = nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_OP);
	uint8_t v[FW_DATA_MAX];

	data(e, NFTNL_EXPR_CMP_DATA, v, &len);
	struct fw_match *m = test(p, nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_SREG), len);
	if (op >= sizeof(ops))
		m->src = FW_SRC_OTHER;
	m->op = op < sizeof(ops) ? ops[op] : FW_OP_EQ;
	memcpy(m->a, v, sizeof(v));
}

static void range(struct prog *p, const struct nftnl_expr *e)
{
	uint32_t len = 0, len2 = 0;
	uint8_t lo[FW_DATA_MAX], hi[FW_DATA_MAX];

	data(e, NFTNL_EXPR_RANGE_FROM_DATA, lo, &len);
	data(e, NFTNL_EXPR_RANGE_TO_DATA, hi, &len2);
	struct fw_match *m = test(p, nftnl_expr_get_u32(e, NFTNL_EXPR_RANGE_SREG), len);
	if (len2 != len)
		m->src = FW_SRC_OTHER;
	m->op = nftnl_expr_get_u32(e, NFTNL_EXPR_RANGE_OP) == NFT_RANGE_EQ ? FW_OP_IN_RANGE :
									      FW_OP_NOT_IN_RANGE;
	memcpy(m->a, lo, sizeof(lo));
	memcpy(m->b, hi, sizeof(hi));
}

static const struct fw_set *set_named(const struct fw_table *t, const char *name)
{
	for (size_t i = 0; name && i < t->n_sets; i++)
		if (!strcmp(t->sets[i].name, name))
			return &t->sets[i];
	return NULL;
}

static void lookup(struct prog *p, const struct nftnl_expr *e)
{
	const struct fw_set *s = set_named(p->t, nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET));

	if (nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_DREG)) {
		/* a verdict map decides by its elements: any outcome; a data
		 * map matches only keys it has */
		if (nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_DREG) == NFT_REG_VERDICT)
			p->k->verdict = FW_ANY;
		else
			other(p);
		return;
	}
	struct fw_match *m = test(p, nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_SREG),
				  s ? s->key_len : FW_DATA_MAX + 1);
	bool inv = nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_FLAGS) &&
		   (nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_FLAGS) & NFT_LOOKUP_F_INV);
	m->op = inv ? FW_OP_NOT_IN_SET : FW_OP_IN_SET;
	m->set = s;
	if (!s || s->map)
		m->src = FW_SRC_OTHER;
}

/* The chain of t named name, or -1 (ruleset_read.c's fw_chain_find(),
 * which calls this file: not called back). */
static long chain_named(const struct fw_table *t, const char *name)
{
	for (size_t i = 0; name && i < t->n_chains; i++)
		if (!strcmp(t->chains[i].name, name))
			return (long)i;
	return -1;
}

static void immediate(struct prog *p, const struct nftnl_expr *e)
{
	if (nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_DREG) != NFT_REG_VERDICT) {
		int u = unit(nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_DREG));
		if (u >= 0)
			p->reg[u] = (struct reg){ .set = true, .src = FW_SRC_OTHER };
		return;
	}
	int v = (int)nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_VERDICT);
	struct fw_rule *k = p->k;
	switch (v) {
	case NF_ACCEPT: k->verdict = FW_ACCEPT; break;
	case NF_DROP: k->verdict = FW_DROP; break;
	case NFT_RETURN: k->verdict = FW_RETURN; break;
	case NFT_CONTINUE: k->verdict = FW_CONTINUE; break;
	case NFT_JUMP:
	case NFT_GOTO: {
		long c = chain_named(p->t, nftnl_expr_get_str(e, NFTNL_EXPR_IMM_CHAIN));
		k->verdict = c < 0 ? FW_ANY : v == NFT_JUMP ? FW_JUMP : FW_GOTO;
		k->target = c < 0 ? 0 : (uint32_t)c;
		break;
	}
	default: k->verdict = FW_ANY; break;	/* queue, stolen */
	}
}

/* iptables' conntrack and state matches: their info read by revision. */
static void xt_match(struct prog *p, const struct nftnl_expr *e)
{
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_MT_NAME);
	uint32_t rev = nftnl_expr_get_u32(e, NFTNL_EXPR_MT_REV), len = 0;
	const void *info = nftnl_expr_get(e, NFTNL_EXPR_MT_INFO, &len);
	struct fw_match *m = add(p);

	m->src = FW_SRC_OTHER;
	if (!name || !info)
		return;
	if (!strcmp(name, "state") && len >= sizeof(struct xt_state_info)) {
		m->src = FW_SRC_XT_STATE;
		m->xt.state_mask = (uint16_t)((const struct xt_state_info *)info)->statemask;
	} else if (!strcmp(name, "conntrack") && rev == 1 &&
		   len >= sizeof(struct xt_conntrack_mtinfo1)) {
		const struct xt_conntrack_mtinfo1 *c = info;
		m->src = FW_SRC_XT_CONNTRACK;
		m->xt.flags = c->match_flags, m->xt.invert = c->invert_flags;
		m->xt.state_mask = c->state_mask, m->xt.status_mask = c->status_mask;
	} else if (!strcmp(name, "conntrack") && (rev == 2 || rev == 3) &&
		   len >= sizeof(struct xt_conntrack_mtinfo2)) {
		/* 3 extends 2 at its end */
		const struct xt_conntrack_mtinfo2 *c = info;
		m->src = FW_SRC_XT_CONNTRACK;
		m->xt.flags = c->match_flags, m->xt.invert = c->invert_flags;
		m->xt.state_mask = c->state_mask, m->xt.status_mask = c->status_mask;
	}
}

static void xt_target(struct prog *p, const struct nftnl_expr *e)
{
	static const char *const accepts[] = { "DNAT", "SNAT", "MASQUERADE", "REDIRECT", "NETMAP" };
	static const char *const decides[] = { "NFQUEUE", "QUEUE", "TPROXY", "SYNPROXY" };
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_TG_NAME);

	if (!name)
		return;
	if (!strcmp(name, "REJECT"))
		p->k->verdict = FW_DROP;
	for (size_t i = 0; i < sizeof(accepts) / sizeof(*accepts); i++)
		if (!strcmp(name, accepts[i]))
			p->k->verdict = FW_ACCEPT;
	for (size_t i = 0; i < sizeof(decides) / sizeof(*decides); i++)
		if (!strcmp(name, decides[i]))
			p->k->verdict = FW_ANY;
	/* the others (LOG, MARK, CT, TCPMSS, ...) do not end the rule set */
}

static int expr_cb(struct nftnl_expr *e, void *data)
{
	/* statements that neither test nor decide */
	static const char *const passive[] = { "counter", "log", "notrack", "dynset", "objref",
					       "dup", "flow_offload", "last", "synproxy_none" };
	/* tests the model cannot evaluate */
	static const char *const tests[] = { "limit", "quota", "connlimit" };
	/* loads of what the model does not follow */
	static const char *const loads[] = { "fib", "rt", "socket", "numgen", "hash", "osf",
					     "xfrm", "exthdr", "inner", "tunnel", "byteorder" };
	struct prog *p = data;
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

	if (!name) {
		other(p);
	} else if (!strcmp(name, "meta")) {
		meta(p, e);
	} else if (!strcmp(name, "ct")) {
		ct(p, e);
	} else if (!strcmp(name, "payload")) {
		payload(p, e);
	} else if (!strcmp(name, "bitwise")) {
		bitwise(p, e);
	} else if (!strcmp(name, "cmp")) {
		cmp(p, e);
	} else if (!strcmp(name, "range")) {
		range(p, e);
	} else if (!strcmp(name, "lookup")) {
		lookup(p, e);
	} else if (!strcmp(name, "immediate")) {
		immediate(p, e);
	} else if (!strcmp(name, "reject")) {
		p->k->verdict = FW_DROP;
	} else if (!strcmp(name, "nat") || !strcmp(name, "masq") || !strcmp(name, "redir")) {
		p->k->verdict = FW_ACCEPT;
	} else if (!strcmp(name, "queue") || !strcmp(name, "tproxy") || !strcmp(name, "fwd")) {
		p->k->verdict = FW_ANY;
	} else if (!strcmp(name, "match")) {
		xt_match(p, e);
	} else if (!strcmp(name, "target")) {
		xt_target(p, e);
	} else {
		bool known = false;
		for (size_t i = 0; i < sizeof(passive) / sizeof(*passive); i++)
			known |= !strcmp(name, passive[i]);
		for (size_t i = 0; i < sizeof(loads) / sizeof(*loads); i++)
			if (!strcmp(name, loads[i]))
				forget(p), known = true;
		for (size_t i = 0; i < sizeof(tests) / sizeof(*tests); i++)
			if (!strcmp(name, tests[i]))
				other(p), known = true;
		if (!known)
			other(p);	/* an expression this natgw does not know */
	}
	return 0;
}

void rule_expr_translate(struct nftnl_rule *r, const struct fw_table *t, struct fw_rule *k)
{
	struct prog p = { .t = t, .k = k };

	k->verdict = FW_CONTINUE;
	nftnl_expr_foreach(r, expr_cb, &p);
}
