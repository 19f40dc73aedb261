/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/udata.h>
#include <limits.h>
#include <net/if.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nf_conntrack_tuple_common.h>
#include <stdio.h>
#include <string.h>

#include "trace_chain.h"
#include "natgw/xalloc.h"
#include "nft_expr.h"

const char *const trace_chain_names[TRACE_N_CHAINS] = {
	TRACE_CHAIN_FIRST, TRACE_CHAIN_REPLY, TRACE_CHAIN_REPLY_LOCAL,
	TRACE_CHAIN_LEFT, TRACE_CHAIN_LOCAL,
};

/* Where each one hooks, and when. */
static const struct {
	uint32_t hook;
	int32_t prio;
} trace_hooks[TRACE_N_CHAINS] = {
	{ NF_INET_PRE_ROUTING, INT_MIN },
	{ NF_INET_PRE_ROUTING, -199 },	/* conntrack is -200, DNAT -100 */
	{ NF_INET_LOCAL_OUT, -199 },
	{ NF_INET_POST_ROUTING, INT_MAX },
	{ NF_INET_LOCAL_IN, INT_MAX },
};

bool trace_chain_is(const char *name)
{
	for (int i = 0; i < TRACE_N_CHAINS; i++)
		if (!strcmp(name, trace_chain_names[i]))
			return true;
	return false;
}

/* ---- reading ------------------------------------------------------------- */

struct reader {
	const char *table;
	struct trace_owner *o;
	bool table_seen;
};

static void build_all(struct nlmsghdr *nlh, const void *arg)
{
	(void)nlh;
	(void)arg;	/* every inet chain; the callback picks the table's */
}

static int chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct reader *rd = data;
	struct nftnl_chain *c = xalloc_check(nftnl_chain_alloc());

	if (nftnl_chain_nlmsg_parse(nlh, c) == 0 &&
	    !strcmp(nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE), rd->table)) {
		rd->table_seen = true;
		const char *name = nftnl_chain_get_str(c, NFTNL_CHAIN_NAME);
		for (int i = 0; i < TRACE_N_CHAINS; i++) {
			if (strcmp(name, trace_chain_names[i]))
				continue;
			if (!rd->o->chains && nftnl_chain_is_set(c, NFTNL_CHAIN_USERDATA)) {
				uint32_t len;
				const void *u = nftnl_chain_get_data(c, NFTNL_CHAIN_USERDATA, &len);
				/* the comment TLV: type 0, length, text with its NUL */
				const uint8_t *b = u;
				if (len >= 3 && b[0] == 0 && b[1] && 2u + b[1] <= len)
					snprintf(rd->o->comment, sizeof(rd->o->comment), "%.*s",
						 (int)b[1], (const char *)b + 2);
			}
			rd->o->chains |= 1u << i;
		}
	}
	nftnl_chain_free(c);
	return MNL_CB_OK;
}

int trace_chains_read(struct nl *nl, const char *table, struct trace_owner *o, uint32_t *genid)
{
	int r = -EINTR;

	for (int attempt = 0; attempt < 8 && r == -EINTR; attempt++) {
		struct reader rd = { .table = table, .o = o };
		memset(o, 0, sizeof(*o));
		r = nl_genid(nl, genid);
		if (r == 0)
			r = nl_dump(nl, NFT_MSG_GETCHAIN, NFPROTO_INET, build_all, NULL, chain_cb, &rd);
		/* natgw's table always has chains of its own */
		if (r == 0 && !rd.table_seen)
			r = -ENOENT;
	}
	return r;
}

/* ---- expressions ---------------------------------------------------------- */

static void meta(struct nftnl_rule *r, uint32_t key)
{
	nft_meta_load(r, key, NFT_REG_1);
}

static void payload(struct nftnl_rule *r, uint32_t base, uint32_t off, uint32_t len)
{
	nft_payload_load(r, base, off, len, NFT_REG_1);
}

static void ct(struct nftnl_rule *r, uint32_t key, int dir)
{
	struct nftnl_expr *e = nft_expr_add(r, "ct");
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
	if (dir >= 0)
		nftnl_expr_set_u8(e, NFTNL_EXPR_CT_DIR, (uint8_t)dir);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
}

static void cmp_u8(struct nftnl_rule *r, uint8_t v)
{
	nft_cmp(r, NFT_CMP_EQ, &v, 1);
}

/* The port register holds network order: compared as bytes, as numbers. */
static void ports(struct nftnl_rule *r, const struct ngw_port_range *p)
{
	uint16_t lo = htons(p->lo), hi = htons(p->hi);
	if (p->lo == p->hi) {
		nft_cmp(r, NFT_CMP_EQ, &lo, 2);
		return;
	}
	nft_cmp(r, NFT_CMP_GTE, &lo, 2);
	nft_cmp(r, NFT_CMP_LTE, &hi, 2);
}

static uint32_t addr_len(const struct trace_match *m)
{
	return m->family == NGW_FAMILY_IPV4 ? 4 : 16;
}

static void set_nftrace(struct nftnl_rule *r)
{
	uint32_t one = 1;
	struct nftnl_expr *e = nft_expr_add(r, "immediate");
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_1);
	nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, &one, sizeof(one));
	e = nft_expr_add(r, "meta");
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, NFT_META_NFTRACE);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_SREG, NFT_REG_1);
}

static void family_and_proto(struct nftnl_rule *r, const struct trace_match *m, uint8_t l4)
{
	meta(r, NFT_META_NFPROTO);
	cmp_u8(r, m->family == NGW_FAMILY_IPV4 ? NFPROTO_IPV4 : NFPROTO_IPV6);
	meta(r, NFT_META_L4PROTO);
	cmp_u8(r, l4);
}

/* An original packet of the forward, as it arrives: before DNAT. */
static void rule_first(struct nftnl_rule *r, const struct trace_match *m, uint8_t l4,
		       const char *ifname)
{
	bool v4 = m->family == NGW_FAMILY_IPV4;

	family_and_proto(r, m, l4);
	if (ifname) {
		char name[IFNAMSIZ] = "";
		snprintf(name, sizeof(name), "%s", ifname);
		meta(r, NFT_META_IIFNAME);
		nft_cmp(r, NFT_CMP_EQ, name, sizeof(name));
	}
	payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2);
	ports(r, &m->port);
	if (m->address.family) {
		payload(r, NFT_PAYLOAD_NETWORK_HEADER, v4 ? 16 : 24, addr_len(m));
		nft_cmp(r, NFT_CMP_EQ, m->address.b, addr_len(m));
	}
	if (m->from.family) {
		payload(r, NFT_PAYLOAD_NETWORK_HEADER, v4 ? 12 : 8, addr_len(m));
		nft_cmp(r, NFT_CMP_EQ, m->from.b, addr_len(m));
	}
	set_nftrace(r);
}

/* A reply of such a connection: its original tuple is the forward's. */
static void rule_reply(struct nftnl_rule *r, const struct trace_match *m, uint8_t l4)
{
	bool v4 = m->family == NGW_FAMILY_IPV4;

	family_and_proto(r, m, l4);
	ct(r, NFT_CT_DIRECTION, -1);
	cmp_u8(r, IP_CT_DIR_REPLY);
	ct(r, NFT_CT_PROTO_DST, IP_CT_DIR_ORIGINAL);
	ports(r, &m->port);
	if (m->address.family) {
		ct(r, v4 ? NFT_CT_DST_IP : NFT_CT_DST_IP6, IP_CT_DIR_ORIGINAL);
		nft_cmp(r, NFT_CMP_EQ, m->address.b, addr_len(m));
	}
	if (m->from.family) {
		ct(r, v4 ? NFT_CT_SRC_IP : NFT_CT_SRC_IP6, IP_CT_DIR_ORIGINAL);
		nft_cmp(r, NFT_CMP_EQ, m->from.b, addr_len(m));
	}
	set_nftrace(r);
}

/* ---- transactions ------------------------------------------------------------ */

static struct nlmsghdr *msg(struct nl_batch *b, uint16_t type, uint16_t flags)
{
	memset(nl_batch_buffer(b), 0, 4096);	/* see kbatch.c zero_room() */
	return nftnl_nlmsg_build_hdr(nl_batch_buffer(b), type, NFPROTO_INET, flags,
				     nl_batch_seq(b));
}

static void del_chains(struct nl_batch *b, const char *table, unsigned chains)
{
	for (int i = 0; i < TRACE_N_CHAINS; i++) {
		if (!(chains & (1u << i)))
			continue;
		/* a chain with rules cannot be deleted: empty it first */
		struct nftnl_rule *r = xalloc_check(nftnl_rule_alloc());
		nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
		nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, trace_chain_names[i]);
		nftnl_rule_nlmsg_build_payload(msg(b, NFT_MSG_DELRULE, 0), r);
		nl_batch_commit(b);
		nftnl_rule_free(r);
		struct nftnl_chain *c = xalloc_check(nftnl_chain_alloc());
		nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table);
		nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, trace_chain_names[i]);
		nftnl_chain_nlmsg_build_payload(msg(b, NFT_MSG_DELCHAIN, 0), c);
		nl_batch_commit(b);
		nftnl_chain_free(c);
	}
}

static void add_chain(struct nl_batch *b, const char *table, int i, const char *comment)
{
	struct nftnl_chain *c = xalloc_check(nftnl_chain_alloc());
	struct nftnl_udata_buf *u = xalloc_check(nftnl_udata_buf_alloc(256));

	nftnl_udata_put_strz(u, 0, comment);	/* what nft list shows */
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, trace_chain_names[i]);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, trace_hooks[i].hook);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, trace_hooks[i].prio);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	nftnl_chain_set_data(c, NFTNL_CHAIN_USERDATA, nftnl_udata_buf_data(u),
			     nftnl_udata_buf_len(u));
	/* EXCL: a second trace meeting the first's chains fails, and leaves them */
	nftnl_chain_nlmsg_build_payload(msg(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE | NLM_F_EXCL), c);
	nl_batch_commit(b);
	nftnl_udata_buf_free(u);
	nftnl_chain_free(c);
}

static void add_rule(struct nl_batch *b, const char *table, int chain, const struct trace_match *m,
		     uint8_t l4, const char *ifname)
{
	struct nftnl_rule *r = xalloc_check(nftnl_rule_alloc());

	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, trace_chain_names[chain]);
	if (chain == 0)
		rule_first(r, m, l4, ifname);
	else
		rule_reply(r, m, l4);
	nftnl_rule_nlmsg_build_payload(msg(b, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND), r);
	nl_batch_commit(b);
	nftnl_rule_free(r);
}

static int send_batch(struct nl *nl, struct nl_batch *b)
{
	struct nl_error errs[4];
	size_t n_errs = 0;
	int r = nl_batch_send(nl, b, errs, 4, &n_errs);
	nl_batch_free(b);
	return r;
}

int trace_chains_add(struct nl *nl, const char *table, const struct trace_match *m,
		     const char *comment, const struct trace_owner *o, uint32_t genid)
{
	struct nl_batch b;
	uint8_t l4s[2];
	size_t n_l4 = 0;

	if (m->tcp)
		l4s[n_l4++] = IPPROTO_TCP;
	if (m->udp)
		l4s[n_l4++] = IPPROTO_UDP;
	nl_batch_init(&b, nl, genid);
	del_chains(&b, table, o->chains);
	for (int i = 0; i < TRACE_N_CHAINS; i++)
		add_chain(&b, table, i, comment);
	size_t n_if = m->in ? m->in->n : 0;
	for (size_t p = 0; p < n_l4; p++) {
		for (size_t k = 0; k < (n_if ? n_if : 1); k++)
			add_rule(&b, table, 0, m, l4s[p], n_if ? m->in->name[k] : NULL);
		add_rule(&b, table, 1, m, l4s[p], NULL);
		add_rule(&b, table, 2, m, l4s[p], NULL);
	}
	return send_batch(nl, &b);
}

int trace_chains_del(struct nl *nl, const char *table, const struct trace_owner *o,
		     uint32_t genid)
{
	struct nl_batch b;

	if (!o->chains)
		return 0;
	nl_batch_init(&b, nl, genid);
	del_chains(&b, table, o->chains);
	int r = send_batch(nl, &b);
	return r == -ENOENT ? 0 : r;
}
