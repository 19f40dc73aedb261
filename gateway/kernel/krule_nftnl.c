/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Rules as libnftnl expressions: the bytecode nft generates for the text of
 * compile/krule_text.c, op by op (compare `nft --debug=netlink`). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <string.h>

#include "krule_nftnl.h"
#include "natgw/xalloc.h"
#include "nft_expr.h"

/* The 32-bit register holding byte offset off of a concatenation. */
static uint32_t reg32(unsigned off)
{
	return NFT_REG32_00 + off / 4;
}

static void cmp_u32(struct nftnl_rule *r, uint32_t op, uint32_t v)
{
	nft_cmp(r, op, &v, sizeof(v));
}

static void cmp_u8(struct nftnl_rule *r, uint8_t v)
{
	nft_cmp(r, NFT_CMP_EQ, &v, 1);
}

static void bitwise(struct nftnl_rule *r, uint32_t reg, uint32_t mask, uint32_t xor)
{
	struct nftnl_expr *e = nft_expr_add(r, "bitwise");
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, reg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, reg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, 4);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &mask, 4);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &xor, 4);
}

static void ct_mark_load(struct nftnl_rule *r, uint32_t dreg)
{
	struct nftnl_expr *e = nft_expr_add(r, "ct");
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_MARK);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, dreg);
}

static void ct_mark_masked(struct nftnl_rule *r, uint32_t mask)
{
	ct_mark_load(r, NFT_REG_1);
	bitwise(r, NFT_REG_1, mask, 0);
}

static void ct_mark_store(struct nftnl_rule *r)
{
	struct nftnl_expr *e = nft_expr_add(r, "ct");
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_MARK);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_SREG, NFT_REG_1);
}

static void immediate(struct nftnl_rule *r, uint32_t dreg, const void *data, uint32_t len)
{
	struct nftnl_expr *e = nft_expr_add(r, "immediate");
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, dreg);
	nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, data, len);
}

static void lookup(struct nftnl_rule *r, enum kset set, uint32_t sreg, int dreg)
{
	struct nftnl_expr *e = nft_expr_add(r, "lookup");
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, sreg);
	if (dreg >= 0)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, (uint32_t)dreg);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, kset_defs[set].name);
}

static void fib_type(struct nftnl_rule *r, uint32_t flags)
{
	struct nftnl_expr *e = nft_expr_add(r, "fib");
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS, flags);
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
}

static void nfproto_check(struct nftnl_rule *r, uint8_t family)
{
	nft_meta_load(r, NFT_META_NFPROTO, NFT_REG_1);
	cmp_u8(r, family == NGW_FAMILY_IPV4 ? NFPROTO_IPV4 : NFPROTO_IPV6);
}

static void l4_check(struct nftnl_rule *r, uint8_t l4)
{
	nft_meta_load(r, NFT_META_L4PROTO, NFT_REG_1);
	cmp_u8(r, l4);
}

/* ip saddr PREFIX: whole bytes compare directly, a partial byte is masked
 * first; /0 matches every address of the family. */
static void saddr(struct nftnl_rule *r, const struct kop *o)
{
	bool v4 = o->family == NGW_FAMILY_IPV4;
	unsigned bytes = (o->prefix.len + 7u) / 8u;

	nfproto_check(r, o->family);
	if (bytes == 0)
		return;
	nft_payload_load(r, NFT_PAYLOAD_NETWORK_HEADER, v4 ? 12 : 8, bytes, NFT_REG_1);
	if (o->prefix.len % 8) {
		uint8_t mask[16] = { 0 };
		for (unsigned bit = 0; bit < o->prefix.len; bit++)
			mask[bit / 8] |= (uint8_t)(0x80u >> (bit % 8));
		struct nftnl_expr *e = nft_expr_add(r, "bitwise");
		uint8_t zero[16] = { 0 };
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, bytes);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, bytes);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, bytes);
	}
	nft_cmp(r, NFT_CMP_EQ, o->prefix.addr.b, bytes);
}

/* Loads the key of a set from the packet into consecutive registers. */
static void key_load(struct nftnl_rule *r, enum kset set)
{
	const struct kset_def *s = &kset_defs[set];
	unsigned off = 0;

	for (unsigned i = 0; i < s->n_key; i++) {
		if (s->key[i] == KF_IPV4)
			nfproto_check(r, NGW_FAMILY_IPV4);
		else if (s->key[i] == KF_IPV6)
			nfproto_check(r, NGW_FAMILY_IPV6);
	}
	for (unsigned i = 0; i < s->n_key; i++) {
		uint32_t reg = reg32(off);
		switch (s->key[i]) {
		case KF_IFNAME:
			nft_meta_load(r, NFT_META_IIFNAME, reg);
			break;
		case KF_NFPROTO:
			nft_meta_load(r, NFT_META_NFPROTO, reg);
			break;
		case KF_L4PROTO:
			nft_meta_load(r, NFT_META_L4PROTO, reg);
			break;
		case KF_PORT:
			nft_payload_load(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, reg);
			break;
		case KF_IPV4:
			nft_payload_load(r, NFT_PAYLOAD_NETWORK_HEADER, 16, 4, reg);
			break;
		case KF_IPV6:
			nft_payload_load(r, NFT_PAYLOAD_NETWORK_HEADER, 24, 16, reg);
			break;
		case KF_MARK:
		case KF_MARK_BE:	/* no map looked up from a packet has one */
			ct_mark_load(r, reg);
			break;
		}
		off += kfield_size(s->key[i]);
	}
}

static uint32_t mode_flags(enum ngw_snat_mode m)
{
	switch (m) {
	case NGW_MODE_RANDOM:
		return NF_NAT_RANGE_PROTO_RANDOM;
	case NGW_MODE_FULLY_RANDOM:
		return NF_NAT_RANGE_PROTO_RANDOM_FULLY;
	case NGW_MODE_PERSISTENT:
		return NF_NAT_RANGE_PERSISTENT;
	case NGW_MODE_DEFAULT:
		break;
	}
	return 0;
}

/* Ports into two registers for a NAT range; returns the flag for them. */
static uint32_t ports_load(struct nftnl_rule *r, const struct ngw_port_range *p,
			   uint32_t reg_min, uint32_t reg_max, bool *has_max)
{
	uint16_t lo = htons(p->lo), hi = htons(p->hi);

	*has_max = p->lo != p->hi;
	if (!p->lo)
		return 0;
	immediate(r, reg_min, &lo, 2);
	if (*has_max)
		immediate(r, reg_max, &hi, 2);
	return NF_NAT_RANGE_PROTO_SPECIFIED;
}

static void masq(struct nftnl_rule *r, const struct kop *o)
{
	bool has_max;
	uint32_t flags = ports_load(r, &o->ports, NFT_REG_1, NFT_REG_2, &has_max) |
			 mode_flags(o->mode);
	struct nftnl_expr *e = nft_expr_add(r, "masq");

	if (o->ports.lo)
		nftnl_expr_set_u32(e, NFTNL_EXPR_MASQ_REG_PROTO_MIN, NFT_REG_1);
	if (o->ports.lo && has_max)	/* nft leaves max out for one port */
		nftnl_expr_set_u32(e, NFTNL_EXPR_MASQ_REG_PROTO_MAX, NFT_REG_2);
	if (flags)
		nftnl_expr_set_u32(e, NFTNL_EXPR_MASQ_FLAGS, flags);
}

static void snat(struct nftnl_rule *r, const struct kop *o)
{
	bool v4 = o->family == NGW_FAMILY_IPV4, range = addr_cmp(&o->lo, &o->hi) != 0;
	unsigned alen = v4 ? 4 : 16;
	uint32_t next = range ? NFT_REG_3 : NFT_REG_2;
	bool has_max;

	immediate(r, NFT_REG_1, o->lo.b, alen);
	if (range)
		immediate(r, NFT_REG_2, o->hi.b, alen);
	uint32_t flags = ports_load(r, &o->ports, next, next + 1, &has_max) | mode_flags(o->mode);
	struct nftnl_expr *e = nft_expr_add(r, "nat");
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, NFT_NAT_SNAT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY, v4 ? NFPROTO_IPV4 : NFPROTO_IPV6);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
	if (range)
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MAX, NFT_REG_2);
	if (o->ports.lo)
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, next);
	if (o->ports.lo && has_max)
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MAX, next + 1);
	if (flags)
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FLAGS, flags);
}

static void ct_load_dir(struct nftnl_rule *r, uint32_t key, uint8_t dir, uint32_t dreg)
{
	struct nftnl_expr *e = nft_expr_add(r, "ct");
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
	nftnl_expr_set_u8(e, NFTNL_EXPR_CT_DIR, dir);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, dreg);
}

/* Registers of an address . port concatenation starting at byte off: the
 * port follows the address, each padded to 4 bytes. */
static uint32_t port_reg(bool v4, unsigned off)
{
	return v4 ? reg32(off + 4) : reg32(off + 16);
}

/* X (ct original saddr . proto-src) or E (ct reply daddr . proto-dst) into
 * the registers at byte off. */
static void ei_socket_load(struct nftnl_rule *r, bool external, bool v4, unsigned off)
{
	uint8_t dir = external ? IP_CT_DIR_REPLY : IP_CT_DIR_ORIGINAL;
	uint32_t addr = external ? (v4 ? NFT_CT_DST_IP : NFT_CT_DST_IP6)
				 : (v4 ? NFT_CT_SRC_IP : NFT_CT_SRC_IP6);

	ct_load_dir(r, addr, dir, reg32(off));
	ct_load_dir(r, external ? NFT_CT_PROTO_DST : NFT_CT_PROTO_SRC, dir, port_reg(v4, off));
}

static void ei_update(struct nftnl_rule *r, const struct kop *o)
{
	bool v4 = o->family == NGW_FAMILY_IPV4;
	bool snat = o->set == KSET_EI_SNAT4 || o->set == KSET_EI_SNAT6;
	bool mark = o->set == KSET_EI_MARK4 || o->set == KSET_EI_MARK6;
	unsigned data = v4 ? 16 : 32;	/* the data's registers follow the key's */

	ei_socket_load(r, !snat, v4, 0);
	if (mark)
		ct_mark_load(r, reg32(data));
	else
		ei_socket_load(r, snat, v4, data);
	struct nftnl_expr *e = nft_expr_add(r, "dynset");
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SREG_KEY, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SREG_DATA, reg32(data));
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_OP, NFT_DYNSET_OP_UPDATE);
	nftnl_expr_set_u64(e, NFTNL_EXPR_DYNSET_TIMEOUT, (uint64_t)o->val * 1000);
	nftnl_expr_set_str(e, NFTNL_EXPR_DYNSET_SET_NAME, kset_defs[o->set].name);
}

/* ADDR . udp PORT of the packet (source or destination) into registers 1..,
 * for a lookup in an ei_ map. */
static void ei_key_load(struct nftnl_rule *r, bool source, bool v4)
{
	nfproto_check(r, v4 ? NGW_FAMILY_IPV4 : NGW_FAMILY_IPV6);
	nft_payload_load(r, NFT_PAYLOAD_NETWORK_HEADER,
		     v4 ? (source ? 12 : 16) : (source ? 8 : 24), v4 ? 4 : 16, NFT_REG_1);
	nft_payload_load(r, NFT_PAYLOAD_TRANSPORT_HEADER, source ? 0 : 2, 2, port_reg(v4, 0));
}

static void ei_nat(struct nftnl_rule *r, const struct kop *o, uint32_t type)
{
	bool v4 = o->family == NGW_FAMILY_IPV4;

	ei_key_load(r, type == NFT_NAT_SNAT, v4);
	lookup(r, o->set, NFT_REG_1, NFT_REG_1);
	struct nftnl_expr *e = nft_expr_add(r, "nat");
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, type);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY, v4 ? NFPROTO_IPV4 : NFPROTO_IPV6);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, port_reg(v4, 0));
}

/* A shape's key into the registers from 1 on (field by field, each padded
 * to 4 bytes, as nft lays out a concatenation). */
static void ei_shape_load(struct nftnl_rule *r, enum ei_shape shape, bool v4)
{
	unsigned alen = v4 ? 4 : 16, off = 0;

	switch (shape) {
	case EIS_X:
	case EIS_E:
		ei_socket_load(r, shape == EIS_E, v4, 0);
		return;
	case EIS_HOST:
		ct_mark_load(r, reg32(0));
		ct_load_dir(r, v4 ? NFT_CT_SRC_IP : NFT_CT_SRC_IP6, IP_CT_DIR_ORIGINAL, reg32(4));
		return;
	case EIS_FWD_IN:
	case EIS_FWD_IN_ADDR:
		nft_meta_load(r, NFT_META_OIFNAME, reg32(0));
		off = 16;
		break;
	case EIS_E_IN:
		ct_load_dir(r, v4 ? NFT_CT_DST_IP : NFT_CT_DST_IP6, IP_CT_DIR_ORIGINAL, reg32(0));
		ct_load_dir(r, NFT_CT_PROTO_DST, IP_CT_DIR_ORIGINAL, port_reg(v4, 0));
		return;
	case EIS_E_PORT:
		ct_load_dir(r, NFT_CT_PROTO_DST, IP_CT_DIR_REPLY, reg32(0));
		return;
	case EIS_FWD_ANY:
	case EIS_FWD_ADDR:
		break;
	}
	if (shape == EIS_FWD_ANY || shape == EIS_FWD_IN) {
		nft_meta_load(r, NFT_META_NFPROTO, reg32(off));
		off += 4;
	} else {
		ct_load_dir(r, v4 ? NFT_CT_DST_IP : NFT_CT_DST_IP6, IP_CT_DIR_REPLY, reg32(off));
		off += alen;
	}
	nft_meta_load(r, NFT_META_L4PROTO, reg32(off));
	ct_load_dir(r, NFT_CT_PROTO_DST, IP_CT_DIR_REPLY, reg32(off + 4));
}

static void ei_add(struct nftnl_rule *r, const struct kop *o)
{
	ei_shape_load(r, o->shape, o->family == NGW_FAMILY_IPV4);
	struct nftnl_expr *e = nft_expr_add(r, "dynset");
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SREG_KEY, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_OP, o->update ? NFT_DYNSET_OP_UPDATE
							       : NFT_DYNSET_OP_ADD);
	if (o->val && !o->count)
		nftnl_expr_set_u64(e, NFTNL_EXPR_DYNSET_TIMEOUT, (uint64_t)o->val * 1000);
	nftnl_expr_set_str(e, NFTNL_EXPR_DYNSET_SET_NAME, kset_defs[o->set].name);
	if (o->count) {		/* ct count over N: a connlimit, inverted */
		struct nftnl_expr *c = xalloc_check(nftnl_expr_alloc("connlimit"));
		nftnl_expr_set_u32(c, NFTNL_EXPR_CONNLIMIT_COUNT, o->count);
		nftnl_expr_set_u32(c, NFTNL_EXPR_CONNLIMIT_FLAGS, NFT_CONNLIMIT_F_INV);
		nftnl_expr_set(e, NFTNL_EXPR_DYNSET_EXPR, c, 0);
	}
}

static void verdict(struct nftnl_rule *r, int code)
{
	struct nftnl_expr *e = nft_expr_add(r, "immediate");
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)code);
}

/* The anonymous set of the protocols with ports, as nft makes it for
 * "meta l4proto { tcp, udp, dccp, sctp, udplite }": flags anonymous and
 * constant, key inet_proto (nft's datatype 12) of one byte, a size of its
 * elements, and nft's userdata (key in host order, typeof meta l4proto). */
enum { DT_INET_PROTOCOL = 12, BO_HOST = 1, EXPR_META_TYPE = 9, UDATA_META_KEY = 0 };

struct nftnl_set *krule_anon_set(const struct krule *r, const char *table, uint32_t id)
{
	static const uint8_t ported[KRULE_N_PORTED_L4] = KRULE_PORTED_L4;
	bool has = false;

	for (unsigned i = 0; i < r->n_ops; i++)
		has |= r->ops[i].kind == KOP_L4PROTO_PORTS;
	if (!has)
		return NULL;
	struct nftnl_set *s = xalloc_check(nftnl_set_alloc());
	nftnl_set_set_str(s, NFTNL_SET_TABLE, table);
	nftnl_set_set_str(s, NFTNL_SET_NAME, KRULE_ANON_SET);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_ANONYMOUS | NFT_SET_CONSTANT);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, DT_INET_PROTOCOL);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, 1);
	nftnl_set_set_u32(s, NFTNL_SET_ID, id);
	nftnl_set_set_u32(s, NFTNL_SET_DESC_SIZE, KRULE_N_PORTED_L4);

	struct nftnl_udata_buf *u = xalloc_check(nftnl_udata_buf_alloc(64));
	nftnl_udata_put_u32(u, NFTNL_UDATA_SET_KEYBYTEORDER, BO_HOST);
	struct nftnl_udata *typeof_key = nftnl_udata_nest_start(u, NFTNL_UDATA_SET_KEY_TYPEOF);
	nftnl_udata_put_u32(u, NFTNL_UDATA_SET_TYPEOF_EXPR, EXPR_META_TYPE);
	struct nftnl_udata *data = nftnl_udata_nest_start(u, NFTNL_UDATA_SET_TYPEOF_DATA);
	nftnl_udata_put_u32(u, UDATA_META_KEY, NFT_META_L4PROTO);
	nftnl_udata_nest_end(u, data);
	nftnl_udata_nest_end(u, typeof_key);
	nftnl_set_set_data(s, NFTNL_SET_USERDATA, nftnl_udata_buf_data(u), nftnl_udata_buf_len(u));
	nftnl_udata_buf_free(u);

	for (unsigned i = 0; i < KRULE_N_PORTED_L4; i++) {
		struct nftnl_set_elem *e = xalloc_check(nftnl_set_elem_alloc());
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, &ported[i], 1);
		nftnl_set_elem_add(s, e);
	}
	return s;
}

static void op_exprs(const struct kop *o, struct nftnl_rule *r, uint32_t set_id)
{
	switch (o->kind) {
	case KOP_FIB_LOCAL:
		fib_type(r, NFTA_FIB_F_DADDR);
		cmp_u32(r, NFT_CMP_EQ, RTN_LOCAL);
		break;
	case KOP_FIB_NOT_ON_IIF:
		fib_type(r, NFTA_FIB_F_DADDR | NFTA_FIB_F_IIF);
		cmp_u32(r, NFT_CMP_NEQ, RTN_LOCAL);
		break;
	case KOP_OIFNAME: {
		char name[NGW_IFNAMSIZ] = { 0 };
		memcpy(name, o->ifname, strnlen(o->ifname, NGW_IFNAMSIZ - 1));
		nft_meta_load(r, NFT_META_OIFNAME, NFT_REG_1);
		nft_cmp(r, NFT_CMP_EQ, name, NGW_IFNAMSIZ);
		break;
	}
	case KOP_SADDR:
		saddr(r, o);
		break;
	case KOP_L4PROTO:
		l4_check(r, o->l4);
		break;
	case KOP_L4PROTO_PORTS: {	/* the set krule_anon_set() made, by its id */
		nft_meta_load(r, NFT_META_L4PROTO, NFT_REG_1);
		struct nftnl_expr *e = nft_expr_add(r, "lookup");
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
		nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, KRULE_ANON_SET);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, set_id);
		break;
	}
	case KOP_SPORT: {
		uint16_t port = htons(o->port);
		l4_check(r, o->l4);
		nft_payload_load(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 2, NFT_REG_1);
		nft_cmp(r, NFT_CMP_EQ, &port, 2);
		break;
	}
	case KOP_IIF_LAN:
	case KOP_OIF_LAN: {
		nft_meta_load(r, o->kind == KOP_IIF_LAN ? NFT_META_IIFNAME : NFT_META_OIFNAME, NFT_REG_1);
		struct nftnl_expr *e = nft_expr_add(r, "lookup");
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
		nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, kset_defs[KSET_LAN].name);
		if (o->neg)
			nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
		break;
	}
	case KOP_MARK_EQ:
	case KOP_MARK_NEQ:
		ct_mark_masked(r, o->mask);
		cmp_u32(r, o->kind == KOP_MARK_EQ ? NFT_CMP_EQ : NFT_CMP_NEQ, o->val);
		break;
	case KOP_MARK_SET:
		immediate(r, NFT_REG_1, &o->val, 4);
		ct_mark_store(r);
		break;
	case KOP_MARK_OR:	/* nft computes x | v as (x & ~v) ^ v */
		ct_mark_load(r, NFT_REG_1);
		bitwise(r, NFT_REG_1, ~o->val, o->val);
		ct_mark_store(r);
		break;
	case KOP_MARK_MAP:
		key_load(r, o->set);
		lookup(r, o->set, NFT_REG_1, NFT_REG_1);
		ct_mark_store(r);
		break;
	case KOP_MARK_IN:
		ct_mark_masked(r, o->mask);
		lookup(r, o->set, NFT_REG_1, -1);
		break;
	case KOP_SOURCE_NOT_IN: {
		/* an interval key is in network order, as nft builds it, so
		 * the set can hold prefixes as ranges */
		bool v4 = o->family == NGW_FAMILY_IPV4;
		nfproto_check(r, o->family);
		ct_mark_masked(r, o->mask);
		struct nftnl_expr *e = nft_expr_add(r, "byteorder");
		nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_DREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_OP, NFT_BYTEORDER_HTON);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_LEN, 4);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_SIZE, 4);
		nft_payload_load(r, NFT_PAYLOAD_NETWORK_HEADER, v4 ? 12 : 8, v4 ? 4 : 16, reg32(4));
		e = nft_expr_add(r, "lookup");
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
		nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, kset_defs[o->set].name);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
		break;
	}
	case KOP_DNAT_MAP: {
		bool v4 = o->family == NGW_FAMILY_IPV4;
		l4_check(r, o->l4);
		ct_mark_masked(r, o->mask);
		nft_payload_load(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, reg32(4));
		lookup(r, o->set, NFT_REG_1, NFT_REG_1);
		struct nftnl_expr *e = nft_expr_add(r, "nat");
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY, v4 ? NFPROTO_IPV4 : NFPROTO_IPV6);
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, v4 ? reg32(4) : NFT_REG_2);
		break;
	}
	case KOP_MASQ:
		masq(r, o);
		break;
	case KOP_SNAT:
		snat(r, o);
		break;
	case KOP_NFPROTO:
		nfproto_check(r, o->family);
		break;
	case KOP_CT_ORIG_SNAT: {
		struct nftnl_expr *e = nft_expr_add(r, "ct");
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_DIRECTION);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
		cmp_u8(r, IP_CT_DIR_ORIGINAL);
		e = nft_expr_add(r, "ct");
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_STATUS);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
		bitwise(r, NFT_REG_1, IPS_SRC_NAT, 0);
		cmp_u32(r, NFT_CMP_NEQ, 0);
		break;
	}
	case KOP_EI_SNAT:
		ei_nat(r, o, NFT_NAT_SNAT);
		break;
	case KOP_EI_DNAT:
		ei_nat(r, o, NFT_NAT_DNAT);
		break;
	case KOP_EI_MARK:
		ei_key_load(r, false, o->family == NGW_FAMILY_IPV4);
		lookup(r, o->set, NFT_REG_1, NFT_REG_1);
		ct_mark_store(r);
		break;
	case KOP_EI_UPDATE:
		ei_update(r, o);
		break;
	case KOP_CT_NEW: {
		struct nftnl_expr *e = nft_expr_add(r, "ct");
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_STATE);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
		bitwise(r, NFT_REG_1, NF_CT_STATE_BIT(IP_CT_NEW), 0);
		cmp_u32(r, NFT_CMP_NEQ, 0);
		break;
	}
	case KOP_CT_ORIGINAL: {
		struct nftnl_expr *e = nft_expr_add(r, "ct");
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_DIRECTION);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
		cmp_u8(r, IP_CT_DIR_ORIGINAL);
		break;
	}
	case KOP_CT_SNAT: {
		struct nftnl_expr *e = nft_expr_add(r, "ct");
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_STATUS);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
		bitwise(r, NFT_REG_1, IPS_SRC_NAT, 0);
		cmp_u32(r, NFT_CMP_NEQ, 0);
		break;
	}
	case KOP_IIFNAME: {
		char name[NGW_IFNAMSIZ] = { 0 };
		memcpy(name, o->ifname, strnlen(o->ifname, NGW_IFNAMSIZ - 1));
		nft_meta_load(r, NFT_META_IIFNAME, NFT_REG_1);
		nft_cmp(r, NFT_CMP_EQ, name, NGW_IFNAMSIZ);
		break;
	}
	case KOP_FIB_RPF_MISSING: {	/* nft: "oif present", compared with 0 */
		struct nftnl_expr *e = nft_expr_add(r, "fib");
		nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS,
				   NFTA_FIB_F_SADDR | NFTA_FIB_F_IIF | NFTA_FIB_F_PRESENT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_OIF);
		nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
		cmp_u32(r, NFT_CMP_EQ, 0);
		break;
	}
	case KOP_EI_IN: {
		ei_shape_load(r, o->shape, o->family == NGW_FAMILY_IPV4);
		struct nftnl_expr *e = nft_expr_add(r, "lookup");
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
		nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, kset_defs[o->set].name);
		if (o->neg)
			nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
		break;
	}
	case KOP_EI_ADD:
		ei_add(r, o);
		break;
	case KOP_CT_DNAT: {
		struct nftnl_expr *e = nft_expr_add(r, "ct");
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_STATUS);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
		bitwise(r, NFT_REG_1, IPS_DST_NAT, 0);
		cmp_u32(r, NFT_CMP_NEQ, 0);
		break;
	}
	case KOP_SOCKET: {
		struct nftnl_expr *e = nft_expr_add(r, "socket");
		nftnl_expr_set_u32(e, NFTNL_EXPR_SOCKET_KEY, NFT_SOCKET_TRANSPARENT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_SOCKET_DREG, NFT_REG_1);
		cmp_u8(r, (uint8_t)o->val);
		break;
	}
	case KOP_DROP:
		verdict(r, NF_DROP);
		break;
	case KOP_RETURN:
		verdict(r, NFT_RETURN);
		break;
	}
}

void krule_exprs(const struct krule *r, struct nftnl_rule *nr, uint32_t set_id)
{
	for (unsigned i = 0; i < r->n_ops; i++)
		op_exprs(&r->ops[i], nr, set_id);
}
