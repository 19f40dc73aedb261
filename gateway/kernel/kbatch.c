/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdlib.h>
#include <string.h>

#include "kbatch.h"
#include "krule_nftnl.h"
#include "natgw/xalloc.h"

/* nft's datatype ids (nftables src/datatype.h), six bits each in a
 * concatenation: what `nft list` reads to print a set's type. */
enum {
	DT_NFPROTO = 2,
	DT_IPADDR = 7,
	DT_IP6ADDR = 8,
	DT_INET_PROTOCOL = 12,
	DT_INET_SERVICE = 13,
	DT_MARK = 19,
	DT_IFNAME = 41,
	DT_BITS = 6,
};

static uint32_t field_dt(enum kfield f)
{
	static const uint32_t dt[] = {
		[KF_IFNAME] = DT_IFNAME, [KF_NFPROTO] = DT_NFPROTO,
		[KF_L4PROTO] = DT_INET_PROTOCOL, [KF_PORT] = DT_INET_SERVICE,
		[KF_IPV4] = DT_IPADDR, [KF_IPV6] = DT_IP6ADDR, [KF_MARK] = DT_MARK,
		[KF_MARK_BE] = DT_MARK,
	};
	return dt[f];
}

static void set_owner(struct kbatch *kb, uint32_t owner)
{
	size_t i = nl_batch_seq(&kb->nb) - kb->nb.first_seq;
	if (i >= kb->cap_owner) {
		size_t old = kb->cap_owner;
		kb->owner = grow(kb->owner, &kb->cap_owner, i, sizeof(*kb->owner));
		for (size_t j = old; j < kb->cap_owner; j++)
			kb->owner[j] = KRULE_NO_OWNER;	/* batch begin and end have none */
	}
	kb->owner[i] = owner;
}

/* libmnl before 1.0.5 leaves attribute padding unwritten: zero the room a
 * message is built in, so no uninitialised byte goes to the kernel. libnftnl
 * fills an element message up to the 64 KiB limit of a netlink attribute;
 * a rule is a few hundred bytes. The batch page always has this much room
 * past its current end (nl.c: BATCH_OVERRUN). */
static void zero_room(struct kbatch *kb, uint16_t type)
{
	size_t room = type == NFT_MSG_NEWSETELEM || type == NFT_MSG_DELSETELEM ? 66 << 10 :
		      type == NFT_MSG_NEWRULE ? 4096 : 1024;
	memset(nl_batch_buffer(&kb->nb), 0, room);
}

static struct nlmsghdr *msg(struct kbatch *kb, uint16_t type, uint16_t flags, uint32_t owner)
{
	set_owner(kb, owner);
	zero_room(kb, type);
	/* no NLM_F_ACK: the kernel answers every failing message anyway, and
	 * 100,000 success ACKs would overflow the socket (see nl_batch_send) */
	return nftnl_nlmsg_build_hdr(nl_batch_buffer(&kb->nb), type, NFPROTO_INET, flags,
				     nl_batch_seq(&kb->nb));
}

void kbatch_init(struct kbatch *kb, struct nl *nl, const struct kmodel *m, uint32_t genid)
{
	memset(kb, 0, sizeof(*kb));
	kb->m = m;
	nl_batch_init(&kb->nb, nl, genid);
}

void kbatch_free(struct kbatch *kb)
{
	nl_batch_free(&kb->nb);
	free(kb->owner);
	memset(kb, 0, sizeof(*kb));
}

/* A udata blob: a comment TLV (what nft shows), and optionally natgw's
 * fingerprint TLV (what nft ignores). */
static struct nftnl_udata_buf *udata(const char *comment, uint64_t fingerprint)
{
	struct nftnl_udata_buf *u = xalloc_check(nftnl_udata_buf_alloc(512));
	if (comment)
		nftnl_udata_put_strz(u, 0, comment);
	if (fingerprint)
		nftnl_udata_put(u, KRULE_UDATA_FINGERPRINT, 8, &fingerprint);
	return u;
}

void kbatch_table_add(struct kbatch *kb)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nftnl_udata_buf *u = udata(NATGW_LAYOUT, 0);

	nftnl_table_set_str(t, NFTNL_TABLE_NAME, kb->m->table);
	nftnl_table_set_data(t, NFTNL_TABLE_USERDATA, nftnl_udata_buf_data(u),
			     nftnl_udata_buf_len(u));
	nftnl_table_nlmsg_build_payload(msg(kb, NFT_MSG_NEWTABLE, NLM_F_CREATE, KRULE_NO_OWNER), t);
	nl_batch_commit(&kb->nb);
	nftnl_udata_buf_free(u);
	nftnl_table_free(t);
}

void kbatch_table_del(struct kbatch *kb, const char *table)
{
	struct nftnl_table *t = nftnl_table_alloc();

	nftnl_table_set_str(t, NFTNL_TABLE_NAME, table);
	nftnl_table_nlmsg_build_payload(msg(kb, NFT_MSG_DELTABLE, 0, KRULE_NO_OWNER), t);
	nl_batch_commit(&kb->nb);
	nftnl_table_free(t);
}

/* nft's byte orders (src/datatype.h) and the expression type it records
 * for a concatenation, as nft itself writes them in a set's userdata: nft
 * needs them to print keys and data (strings, host-order marks) right. */
enum { BO_INVALID = 0, BO_HOST = 1, BO_BIG = 2, EXPR_CONCAT_TYPE = 13 };

static void typeof_concat(struct nftnl_udata_buf *u, uint8_t type)
{
	struct nftnl_udata *nest = nftnl_udata_nest_start(u, type);
	nftnl_udata_put_u32(u, NFTNL_UDATA_SET_TYPEOF_EXPR, EXPR_CONCAT_TYPE);
	nftnl_udata_nest_end(u, nftnl_udata_nest_start(u, NFTNL_UDATA_SET_TYPEOF_DATA));
	nftnl_udata_nest_end(u, nest);
}

static struct nftnl_udata_buf *set_udata(const struct kset_def *d)
{
	struct nftnl_udata_buf *u = xalloc_check(nftnl_udata_buf_alloc(128));
	bool concat_key = d->n_key > 1;
	bool concat_data = d->data == KD_TARGET4 || d->data == KD_TARGET6;

	/* a port alone is in network order, as nft's inet_service (an ifname
	 * or a mark alone, as nft has them, in the host's) */
	nftnl_udata_put_u32(u, NFTNL_UDATA_SET_KEYBYTEORDER, concat_key ? BO_INVALID :
			    d->key[0] == KF_PORT ? BO_BIG : BO_HOST);
	if (d->data == KD_MARK || concat_data)
		nftnl_udata_put_u32(u, NFTNL_UDATA_SET_DATABYTEORDER,
				    d->data == KD_MARK ? BO_HOST : BO_INVALID);
	if (concat_key)
		typeof_concat(u, NFTNL_UDATA_SET_KEY_TYPEOF);
	if (concat_data)
		typeof_concat(u, NFTNL_UDATA_SET_DATA_TYPEOF);
	if (d->data != KD_NONE)
		nftnl_udata_put_u32(u, NFTNL_UDATA_SET_DATA_INTERVAL, 0);
	return u;
}

void kbatch_sets_add(struct kbatch *kb)
{
	size_t counts[KSET_COUNT];

	kmodel_set_counts(kb->m, counts);
	for (int i = 0; i < KSET_COUNT; i++) {
		const struct kset_def *d = &kset_defs[i];
		struct nftnl_set *s = nftnl_set_alloc();
		uint32_t type = 0, flags = 0;

		for (unsigned k = 0; k < d->n_key; k++)
			type = type << DT_BITS | field_dt(d->key[k]);
		nftnl_set_set_str(s, NFTNL_SET_TABLE, kb->m->table);
		nftnl_set_set_str(s, NFTNL_SET_NAME, d->name);
		nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
		nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, type);
		nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, kset_key_len((enum kset)i));
		nftnl_set_set_u32(s, NFTNL_SET_ID, (uint32_t)i + 1);
		switch (d->data) {
		case KD_NONE:
			break;
		case KD_MARK:
			flags = NFT_SET_MAP;
			nftnl_set_set_u32(s, NFTNL_SET_DATA_TYPE, DT_MARK);
			break;
		case KD_TARGET4:
		case KD_TARGET6:
			flags = NFT_SET_MAP;
			nftnl_set_set_u32(s, NFTNL_SET_DATA_TYPE,
					  (d->data == KD_TARGET4 ? DT_IPADDR : DT_IP6ADDR) << DT_BITS |
					  DT_INET_SERVICE);
			break;
		}
		if (d->data != KD_NONE)
			nftnl_set_set_u32(s, NFTNL_SET_DATA_LEN, kdata_len(d->data));
		if (d->dynamic)		/* nft's "flags dynamic,timeout" */
			flags |= NFT_SET_EVAL | NFT_SET_TIMEOUT;
		else if (d->conn_count)	/* nft's "flags dynamic" */
			flags |= NFT_SET_EVAL;
		if (d->size)
			nftnl_set_set_u32(s, NFTNL_SET_DESC_SIZE, d->size);
		else if (!d->dynamic && !d->conn_count)	/* nft's "size" */
			nftnl_set_set_u32(s, NFTNL_SET_DESC_SIZE, kset_capacity(counts[i]));
		if (d->interval) {
			/* ranges of a concatenation: the kernel's pipapo set,
			 * which needs each field's length */
			uint8_t field_len[KSET_KEY_MAX + 1] = { 0 };
			for (unsigned k = 0; k < d->n_key; k++)
				field_len[k] = (uint8_t)kfield_size(d->key[k]);
			flags |= NFT_SET_INTERVAL | NFT_SET_CONCAT;
			nftnl_set_set_data(s, NFTNL_SET_DESC_CONCAT, field_len, d->n_key);
		}
		if (d->counted)		/* nft's "counter": one per element */
			nftnl_set_add_expr(s, nftnl_expr_alloc("counter"));
		nftnl_set_set_u32(s, NFTNL_SET_FLAGS, flags);
		struct nftnl_udata_buf *u = set_udata(d);
		nftnl_set_set_data(s, NFTNL_SET_USERDATA, nftnl_udata_buf_data(u),
				   nftnl_udata_buf_len(u));
		nftnl_udata_buf_free(u);
		nftnl_set_nlmsg_build_payload(msg(kb, NFT_MSG_NEWSET, NLM_F_CREATE, KRULE_NO_OWNER),
					      s);
		nl_batch_commit(&kb->nb);
		nftnl_set_free(s);
	}
}

static void chain_msg(struct kbatch *kb, uint16_t type, uint16_t flags, const char *name,
		      uint32_t owner, const char *nat_or_filter, uint32_t hook, int prio)
{
	struct nftnl_chain *c = nftnl_chain_alloc();

	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, kb->m->table);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	if (nat_or_filter) {
		nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, nat_or_filter);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, hook);
		nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, prio);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	}
	nftnl_chain_nlmsg_build_payload(msg(kb, type, flags, owner), c);
	nl_batch_commit(&kb->nb);
	nftnl_chain_free(c);
}

void kbatch_base_chains_add(struct kbatch *kb)
{
	/* priorities nft calls dstnat, srcnat and mangle */
	chain_msg(kb, NFT_MSG_NEWCHAIN, NLM_F_CREATE, kchain_names[KCHAIN_PREROUTING],
		  KRULE_NO_OWNER, "nat", NF_INET_PRE_ROUTING, -100);
	chain_msg(kb, NFT_MSG_NEWCHAIN, NLM_F_CREATE, kchain_names[KCHAIN_POSTROUTING],
		  KRULE_NO_OWNER, "nat", NF_INET_POST_ROUTING, 100);
	chain_msg(kb, NFT_MSG_NEWCHAIN, NLM_F_CREATE, kchain_names[KCHAIN_COUNT_FWD],
		  KRULE_NO_OWNER, "filter", NF_INET_FORWARD, -150);
	/* srcnat + 1: after the source translation, so the connection's reply
	 * tuple holds the external socket the refresh writes down */
	chain_msg(kb, NFT_MSG_NEWCHAIN, NLM_F_CREATE, kchain_names[KCHAIN_EI_REFRESH],
		  KRULE_NO_OWNER, "filter", NF_INET_POST_ROUTING, 101);
	/* srcnat + 2: after the mappings were given (ei_refresh) */
	chain_msg(kb, NFT_MSG_NEWCHAIN, NLM_F_CREATE, kchain_names[KCHAIN_EI_PLAIN],
		  KRULE_NO_OWNER, "filter", NF_INET_POST_ROUTING, 102);
	/* filter - 10: before the forward policies of other tables; a drop
	 * here is final whatever they accept */
	chain_msg(kb, NFT_MSG_NEWCHAIN, NLM_F_CREATE, kchain_names[KCHAIN_EI_SPOOF],
		  KRULE_NO_OWNER, "filter", NF_INET_FORWARD, -10);
}

void kbatch_rule_add(struct kbatch *kb, const struct krule *kr)
{
	const char *comment = kr->owner != KRULE_NO_OWNER ? kb->m->rules[kr->owner].name : NULL;
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nftnl_udata_buf *u = udata(comment, krule_fingerprint(kr, comment));
	/* the ids of the named sets (kbatch_sets_add) come first */
	uint32_t set_id = KSET_COUNT + 1 + kb->n_anon_sets;
	struct nftnl_set *anon = krule_anon_set(kr, kb->m->table, set_id);
	bool has_set = anon != NULL;

	if (has_set) {	/* the rule's own set first, as nft sends it */
		kb->n_anon_sets++;
		nftnl_set_nlmsg_build_payload(msg(kb, NFT_MSG_NEWSET, NLM_F_CREATE, kr->owner),
					      anon);
		nl_batch_commit(&kb->nb);
		nftnl_set_elems_nlmsg_build_payload(msg(kb, NFT_MSG_NEWSETELEM, NLM_F_CREATE,
							kr->owner), anon);
		nl_batch_commit(&kb->nb);
		nftnl_set_free(anon);
	}
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, kb->m->table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, kchain_names[kr->chain]);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	krule_exprs(kr, r, has_set ? set_id : 0);
	nftnl_rule_set_data(r, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(u), nftnl_udata_buf_len(u));
	nftnl_rule_nlmsg_build_payload(msg(kb, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND,
					   kr->owner), r);
	nl_batch_commit(&kb->nb);
	nftnl_udata_buf_free(u);
	nftnl_rule_free(r);
}

void kbatch_rule_del(struct kbatch *kb, const char *chain, uint64_t handle)
{
	struct nftnl_rule *r = nftnl_rule_alloc();

	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, kb->m->table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_set_u64(r, NFTNL_RULE_HANDLE, handle);
	nftnl_rule_nlmsg_build_payload(msg(kb, NFT_MSG_DELRULE, 0, KRULE_NO_OWNER), r);
	nl_batch_commit(&kb->nb);
	nftnl_rule_free(r);
}

/* A range's first and last key (a single key when they are the same,
 * as nft sends a host). */
static void elem_key(struct nftnl_set_elem *se, enum kset set, const uint8_t *key)
{
	uint32_t len = kset_key_len(set);

	nftnl_set_elem_set(se, NFTNL_SET_ELEM_KEY, key, len);
	if (kset_defs[set].interval)
		nftnl_set_elem_set(se, NFTNL_SET_ELEM_KEY_END, key + len, len);
}

/* One element of the model, for NEWSETELEM. A rule's counter element
 * also carries what the rule does and the digest of its elements. */
static struct nftnl_set_elem *model_elem(const struct kmodel *m, const struct kelem *e)
{
	struct nftnl_set_elem *se = nftnl_set_elem_alloc();

	elem_key(se, e->set, e->key);
	if (kset_defs[e->set].data != KD_NONE)
		nftnl_set_elem_set(se, NFTNL_SET_ELEM_DATA, e->data, e->data_len);
	if (e->rule != KRULE_NO_OWNER) {
		const struct kmodel_rule *r = &m->rules[e->rule];
		struct nftnl_udata_buf *u = udata(r->name, 0);
		if (kset_defs[e->set].counted) {
			nftnl_udata_put_strz(u, KCOUNTER_UDATA_DESC, r->desc);
			nftnl_udata_put(u, KCOUNTER_UDATA_DIGEST, sizeof(r->digest), &r->digest);
		}
		nftnl_set_elem_set(se, NFTNL_SET_ELEM_USERDATA, nftnl_udata_buf_data(u),
				   nftnl_udata_buf_len(u));
		nftnl_udata_buf_free(u);
	}
	return se;
}

/* Emits one set's worth of elements in as many messages as they need. */
static void flush_elems(struct kbatch *kb, struct nftnl_set *s, uint16_t type)
{
	struct nftnl_set_elems_iter *it = xalloc_check(nftnl_set_elems_iter_create(s));
	int more = 1;

	while (more > 0) {
		struct nlmsghdr *nlh = msg(kb, type, type == NFT_MSG_NEWSETELEM ? NLM_F_CREATE : 0,
					   KRULE_NO_OWNER);
		more = nftnl_set_elems_nlmsg_build_payload_iter(nlh, it);
		nl_batch_commit(&kb->nb);
	}
	nftnl_set_elems_iter_destroy(it);
}

static struct nftnl_set *elem_set(const char *table, enum kset set)
{
	struct nftnl_set *s = nftnl_set_alloc();
	nftnl_set_set_str(s, NFTNL_SET_TABLE, table);
	nftnl_set_set_str(s, NFTNL_SET_NAME, kset_defs[set].name);
	return s;
}

void kbatch_elems_add(struct kbatch *kb, const size_t *idx, size_t n)
{
	for (int set = 0; set < KSET_COUNT; set++) {
		struct nftnl_set *s = NULL;
		for (size_t i = 0; i < n; i++) {
			const struct kelem *e = &kb->m->elems[idx[i]];
			if (e->set != set)
				continue;
			if (!s)
				s = elem_set(kb->m->table, (enum kset)set);
			nftnl_set_elem_add(s, model_elem(kb->m, e));
		}
		if (s) {
			flush_elems(kb, s, NFT_MSG_NEWSETELEM);
			nftnl_set_free(s);
		}
	}
}

void kbatch_elems_del(struct kbatch *kb, const struct kstate *st, const size_t *idx, size_t n)
{
	for (int set = 0; set < KSET_COUNT; set++) {
		struct nftnl_set *s = NULL;
		for (size_t i = 0; i < n; i++) {
			const struct kstate_elem *e = &st->elems[idx[i]];
			if (e->set != set)
				continue;
			if (!s)
				s = elem_set(kb->m->table, (enum kset)set);
			struct nftnl_set_elem *se = nftnl_set_elem_alloc();
			elem_key(se, (enum kset)set, e->key);
			nftnl_set_elem_add(s, se);
		}
		if (s) {
			flush_elems(kb, s, NFT_MSG_DELSETELEM);
			nftnl_set_free(s);
		}
	}
}

/* Walks an element message to the element holding the attribute at
 * offset, and reads the rule name in its comment. */
static uint32_t elem_owner(const struct kbatch *kb, const struct nlmsghdr *nlh, uint32_t offset)
{
	const struct nlattr *a, *list, *el, *ea;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(a) != NFTA_SET_ELEM_LIST_ELEMENTS)
			continue;
		list = a;
		mnl_attr_for_each_nested(el, list) {
			uint32_t start = (uint32_t)((const char *)el - (const char *)nlh);
			if (offset < start || offset >= start + mnl_attr_get_len(el))
				continue;
			mnl_attr_for_each_nested(ea, el) {
				if (mnl_attr_get_type(ea) != NFTA_SET_ELEM_USERDATA)
					continue;
				char name[NGW_NAME_MAX + 1] = "";
				const struct nftnl_udata *u;
				nftnl_udata_for_each_data(mnl_attr_get_payload(ea),
							  mnl_attr_get_payload_len(ea), u) {
					if (nftnl_udata_type(u) == 0 && nftnl_udata_len(u) > 0)
						snprintf(name, sizeof(name), "%.*s",
							 (int)nftnl_udata_len(u) - 1,
							 (const char *)nftnl_udata_get(u));
				}
				for (size_t i = 0; i < kb->m->n_rules; i++)
					if (!strcmp(kb->m->rules[i].name, name))
						return (uint32_t)i;
			}
		}
	}
	return KRULE_NO_OWNER;
}

uint32_t kbatch_error_owner(const struct kbatch *kb, const struct nl_error *e)
{
	size_t i = e->seq - kb->nb.first_seq;

	if (e->msg && e->offset) {
		uint16_t type = e->msg->nlmsg_type & 0xff;
		if (type == NFT_MSG_NEWSETELEM || type == NFT_MSG_DELSETELEM) {
			uint32_t o = elem_owner(kb, e->msg, e->offset);
			if (o != KRULE_NO_OWNER)
				return o;
		}
	}
	return i < kb->cap_owner ? kb->owner[i] : KRULE_NO_OWNER;
}

void kbatch_ei_elem(struct kbatch *kb, enum kset set, bool add, const void *key, size_t key_len,
		    const void *data, size_t data_len, uint64_t timeout_ms)
{
	struct nftnl_set *s = xalloc_check(elem_set(kb->m->table, set));
	struct nftnl_set_elem *e = xalloc_check(nftnl_set_elem_alloc());

	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, (uint32_t)key_len);
	if (add && data_len)
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_DATA, data, (uint32_t)data_len);
	if (add && timeout_ms)
		nftnl_set_elem_set_u64(e, NFTNL_SET_ELEM_TIMEOUT, timeout_ms);
	nftnl_set_elem_add(s, e);
	flush_elems(kb, s, add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM);
	nftnl_set_free(s);
}
