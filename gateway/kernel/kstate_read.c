/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
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

#include "kstate_read.h"
#include "natgw/xalloc.h"

struct reader {
	struct kstate *st;
	const char *table;
	enum kset set;		/* whose elements are being read */
};

/* The comment TLV (type 0 in every udata natgw and nft write) into buf. */
static void udata_comment(const void *data, uint32_t len, char *buf, size_t size)
{
	const struct nftnl_udata *tb[256] = { 0 };

	buf[0] = '\0';
	if (!data || !len)
		return;
	const struct nftnl_udata *u;
	nftnl_udata_for_each_data(data, len, u) {
		uint8_t type = nftnl_udata_type(u);
		if (!tb[type])
			tb[type] = u;
	}
	if (tb[0] && nftnl_udata_len(tb[0]) > 0) {
		const char *s = nftnl_udata_get(tb[0]);
		size_t n = strnlen(s, nftnl_udata_len(tb[0]));
		snprintf(buf, size, "%.*s", (int)n, s);
	}
}

/* A fixed-size TLV of natgw's into out; false when absent or malformed. */
static bool udata_value(const void *data, uint32_t len, uint8_t type, void *out, uint8_t size)
{
	const struct nftnl_udata *u;
	bool found = false;

	if (!data || !len)
		return false;
	nftnl_udata_for_each_data(data, len, u) {
		if (nftnl_udata_type(u) == type && nftnl_udata_len(u) == size) {
			memcpy(out, nftnl_udata_get(u), size);
			found = true;
		}
	}
	return found;
}

/* A string TLV of natgw's into buf ("" when absent). */
static void udata_string(const void *data, uint32_t len, uint8_t type, char *buf, size_t size)
{
	const struct nftnl_udata *u;

	buf[0] = '\0';
	if (!data || !len)
		return;
	nftnl_udata_for_each_data(data, len, u) {
		if (nftnl_udata_type(u) == type && nftnl_udata_len(u) > 0)
			snprintf(buf, size, "%.*s",
				 (int)strnlen(nftnl_udata_get(u), nftnl_udata_len(u)),
				 (const char *)nftnl_udata_get(u));
	}
}

static uint64_t udata_fingerprint(const void *data, uint32_t len)
{
	uint64_t fp = 0;
	udata_value(data, len, KRULE_UDATA_FINGERPRINT, &fp, sizeof(fp));
	return fp;
}

static void build_table(struct nlmsghdr *nlh, const void *arg)
{
	(void)nlh;
	(void)arg;	/* a dump of every inet table; the callback picks ours */
}

static int table_cb(const struct nlmsghdr *nlh, void *data)
{
	struct reader *rd = data;
	struct kstate *st = rd->st;
	struct nftnl_table *t = xalloc_check(nftnl_table_alloc());
	char comment[256];
	uint32_t len = 0;

	if (nftnl_table_nlmsg_parse(nlh, t) == 0) {
		const char *name = nftnl_table_get_str(t, NFTNL_TABLE_NAME);
		const void *ud = nftnl_table_get_data(t, NFTNL_TABLE_USERDATA, &len);
		udata_comment(ud, len, comment, sizeof(comment));
		bool natgw = !strncmp(comment, NATGW_LAYOUT_PREFIX, strlen(NATGW_LAYOUT_PREFIX));
		if (!strcmp(name, rd->table)) {
			st->exists = true;
			snprintf(st->comment, sizeof(st->comment), "%s", comment);
			st->ours = natgw;
			st->same_layout = !strcmp(comment, NATGW_LAYOUT);
		} else if (natgw) {
			st->peers = grow(st->peers, &st->cap_peers, st->n_peers, sizeof(*st->peers));
			snprintf(st->peers[st->n_peers++], sizeof(*st->peers), "%s", name);
		}
	}
	nftnl_table_free(t);
	return MNL_CB_OK;
}

static void build_by_table_set(struct nlmsghdr *nlh, const void *arg)
{
	struct nftnl_set *s = nftnl_set_alloc();
	nftnl_set_set_str(s, NFTNL_SET_TABLE, arg);
	nftnl_set_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
}

static int set_cb(const struct nlmsghdr *nlh, void *data)
{
	struct reader *rd = data;
	struct nftnl_set *s = nftnl_set_alloc();

	if (nftnl_set_nlmsg_parse(nlh, s) == 0) {
		const char *name = nftnl_set_get_str(s, NFTNL_SET_NAME);
		for (int i = 0; i < KSET_COUNT; i++) {
			if (!name || strcmp(name, kset_defs[i].name))
				continue;
			rd->st->has_set[i] = true;
			if (nftnl_set_is_set(s, NFTNL_SET_DESC_SIZE))
				rd->st->set_size[i] = nftnl_set_get_u32(s, NFTNL_SET_DESC_SIZE);
		}
	}
	nftnl_set_free(s);
	return MNL_CB_OK;
}

struct elem_req {
	const char *table;
	const char *set;
};

static void build_elems(struct nlmsghdr *nlh, const void *arg)
{
	const struct elem_req *req = arg;
	struct nftnl_set *s = nftnl_set_alloc();
	nftnl_set_set_str(s, NFTNL_SET_TABLE, req->table);
	nftnl_set_set_str(s, NFTNL_SET_NAME, req->set);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
}

static int elem_counter(struct nftnl_expr *x, void *data)
{
	struct kstate_counter *c = data;
	if (!strcmp(nftnl_expr_get_str(x, NFTNL_EXPR_NAME), "counter")) {
		c->packets = nftnl_expr_get_u64(x, NFTNL_EXPR_CTR_PACKETS);
		c->bytes = nftnl_expr_get_u64(x, NFTNL_EXPR_CTR_BYTES);
	}
	return 0;
}

/* A rule_counters element is a rule: its name, mark, counter, and what
 * natgw wrote with it. */
static void counter_read(struct kstate *st, struct nftnl_set_elem *e,
			 const struct kstate_elem *k)
{
	uint32_t len = 0;

	if (k->key_len != 4)
		return;
	st->counters = grow(st->counters, &st->cap_counters, st->n_counters,
			    sizeof(*st->counters));
	struct kstate_counter *c = &st->counters[st->n_counters++];
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", k->comment);
	memcpy(&c->mark, k->key, 4);
	if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_USERDATA)) {
		const void *ud = nftnl_set_elem_get(e, NFTNL_SET_ELEM_USERDATA, &len);
		udata_value(ud, len, KCOUNTER_UDATA_DIGEST, &c->digest, sizeof(c->digest));
		udata_string(ud, len, KCOUNTER_UDATA_DESC, c->comment, sizeof(c->comment));
	}
	c->snat = kcounter_is_snat(c->comment);
	nftnl_set_elem_expr_foreach(e, elem_counter, c);
}

static int unmapped_counter(struct nftnl_expr *x, void *data)
{
	struct kstate_unmapped *u = data;
	if (!strcmp(nftnl_expr_get_str(x, NFTNL_EXPR_NAME), "counter"))
		u->packets = nftnl_expr_get_u64(x, NFTNL_EXPR_CTR_PACKETS);
	return 0;
}

static void unmapped_read(struct kstate *st, struct nftnl_set_elem *e,
			  const struct kstate_elem *k)
{
	if (k->key_len != 4)
		return;
	st->unmapped = grow(st->unmapped, &st->cap_unmapped, st->n_unmapped,
			    sizeof(*st->unmapped));
	struct kstate_unmapped *u = &st->unmapped[st->n_unmapped++];
	memset(u, 0, sizeof(*u));
	snprintf(u->name, sizeof(u->name), "%s", k->comment);
	memcpy(&u->mark, k->key, 4);
	nftnl_set_elem_expr_foreach(e, unmapped_counter, u);
}

static void elem_read(struct reader *rd, struct nftnl_set_elem *e)
{
	struct kstate *st = rd->st;
	uint32_t len = 0, end_len = 0;

	st->elems = grow(st->elems, &st->cap_elems, st->n_elems, sizeof(*st->elems));
	struct kstate_elem *k = &st->elems[st->n_elems];
	memset(k, 0, sizeof(*k));
	k->set = (uint8_t)rd->set;
	const void *key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);
	if (!key || len > sizeof(k->key))
		return;		/* not an element natgw could have written */
	memcpy(k->key, key, len);
	k->key_len = (uint8_t)len;
	if (kset_defs[rd->set].interval) {
		/* a range: its last key follows its first (a single key is
		 * sent without one) */
		const void *end = nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_KEY_END) ?
				  nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY_END, &end_len) : key;
		if (!end_len)
			end_len = len;
		if (end_len != len || 2 * len > sizeof(k->key))
			return;
		memcpy(k->key + len, end, len);
		k->key_len = (uint8_t)(2 * len);
	}
	if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_DATA)) {
		const void *d = nftnl_set_elem_get(e, NFTNL_SET_ELEM_DATA, &len);
		if (d && len <= sizeof(k->data)) {
			memcpy(k->data, d, len);
			k->data_len = (uint8_t)len;
		}
	}
	if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_USERDATA)) {
		const void *ud = nftnl_set_elem_get(e, NFTNL_SET_ELEM_USERDATA, &len);
		udata_comment(ud, len, k->comment, sizeof(k->comment));
	}
	if (rd->set == KSET_EI_UNMAPPED)
		unmapped_read(st, e, k);
	else if (kset_defs[rd->set].counted)
		counter_read(st, e, k);
	st->n_elems++;
}

static int elems_cb(const struct nlmsghdr *nlh, void *data)
{
	struct reader *rd = data;
	struct nftnl_set *s = nftnl_set_alloc();

	if (nftnl_set_elems_nlmsg_parse(nlh, s) == 0) {
		struct nftnl_set_elems_iter *it = nftnl_set_elems_iter_create(s);
		struct nftnl_set_elem *e;
		while (it && (e = nftnl_set_elems_iter_next(it)))
			elem_read(rd, e);
		nftnl_set_elems_iter_destroy(it);
	}
	nftnl_set_free(s);
	return MNL_CB_OK;
}

static int chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct reader *rd = data;
	struct kstate *st = rd->st;
	struct nftnl_chain *c = nftnl_chain_alloc();

	if (nftnl_chain_nlmsg_parse(nlh, c) == 0 &&
	    !strcmp(nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE), rd->table)) {
		st->chains = grow(st->chains, &st->cap_chains, st->n_chains, sizeof(*st->chains));
		snprintf(st->chains[st->n_chains++], KNAME_MAX, "%s",
			 nftnl_chain_get_str(c, NFTNL_CHAIN_NAME));
	}
	nftnl_chain_free(c);
	return MNL_CB_OK;
}

static void build_rules(struct nlmsghdr *nlh, const void *arg)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, arg);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct reader *rd = data;
	struct kstate *st = rd->st;
	struct nftnl_rule *r = nftnl_rule_alloc();
	uint32_t len = 0;

	if (nftnl_rule_nlmsg_parse(nlh, r) == 0 &&
	    !strcmp(nftnl_rule_get_str(r, NFTNL_RULE_TABLE), rd->table)) {
		st->rules = grow(st->rules, &st->cap_rules, st->n_rules, sizeof(*st->rules));
		struct kstate_rule *k = &st->rules[st->n_rules++];
		memset(k, 0, sizeof(*k));
		snprintf(k->chain, sizeof(k->chain), "%s", nftnl_rule_get_str(r, NFTNL_RULE_CHAIN));
		k->handle = nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE);
		if (nftnl_rule_is_set(r, NFTNL_RULE_USERDATA)) {
			const void *ud = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &len);
			udata_comment(ud, len, k->comment, sizeof(k->comment));
			k->fingerprint = udata_fingerprint(ud, len);
		}
	}
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

static int read_elems(struct nl *nl, const char *table, unsigned sets_mask, struct kstate *st)
{
	struct reader rd = { .st = st, .table = table };
	int r = 0;

	/* the sets apply fills: the others are the data path's state */
	for (int i = 0; r == 0 && i < KSET_FIRST_DYNAMIC; i++) {
		if (!st->has_set[i] || !(sets_mask & (1u << i)))
			continue;
		struct elem_req req = { table, kset_defs[i].name };
		rd.set = (enum kset)i;
		r = nl_dump(nl, NFT_MSG_GETSETELEM, NFPROTO_INET, build_elems, &req, elems_cb, &rd);
	}
	return r;
}

int kstate_read_tables(struct nl *nl, const char *table, struct kstate *st)
{
	struct reader rd = { .st = st, .table = table };
	int r;

	/* read again when another program's commit interrupted the dump */
	for (int attempt = 1;; attempt++) {
		memset(st, 0, sizeof(*st));
		r = nl_dump(nl, NFT_MSG_GETTABLE, NFPROTO_INET, build_table, table, table_cb, &rd);
		if (r != -EINTR || attempt == KSTATE_READ_ATTEMPTS)
			return r;
		kstate_free(st);
	}
}

static int read_once(struct nl *nl, const char *table, unsigned sets_mask, struct kstate *st)
{
	struct reader rd = { .st = st, .table = table };
	int r;

	memset(st, 0, sizeof(*st));
	r = nl_dump(nl, NFT_MSG_GETTABLE, NFPROTO_INET, build_table, table, table_cb, &rd);
	if (r < 0 || !st->exists || !st->ours)
		return r;	/* a table natgw did not make: nothing more to read */
	r = nl_dump(nl, NFT_MSG_GETSET, NFPROTO_INET, build_by_table_set, table, set_cb, &rd);
	if (r == 0)
		r = read_elems(nl, table, (sets_mask & ~KSTATE_NO_COUNTERS) |
			       (sets_mask & KSTATE_NO_COUNTERS ? 0 : KSTATE_COUNTERS), st);
	if (r == 0)
		r = nl_dump(nl, NFT_MSG_GETCHAIN, NFPROTO_INET, build_table, table, chain_cb, &rd);
	if (r == 0)
		r = nl_dump(nl, NFT_MSG_GETRULE, NFPROTO_INET, build_rules, table, rule_cb, &rd);
	return r;
}

int kstate_read(struct nl *nl, const char *table, unsigned sets_mask, struct kstate *st)
{
	int r;

	/* the kernel marks a dump interrupted (EINTR) when another program
	 * committed while it ran: what it gave may be half of each; read it
	 * all again */
	for (int attempt = 1;; attempt++) {
		r = read_once(nl, table, sets_mask, st);
		if (r != -EINTR || attempt == KSTATE_READ_ATTEMPTS)
			return r;
		kstate_free(st);
	}
}

int kstate_read_counters(struct nl *nl, const char *table, struct kstate *st)
{
	return read_elems(nl, table, KSTATE_COUNTERS, st);
}

int kstate_read_elems(struct nl *nl, const char *table, unsigned sets_mask, struct kstate *st)
{
	return read_elems(nl, table, sets_mask & ~KSTATE_COUNTERS, st);
}

/* ---- a state from a transaction, for plans without a kernel --------------- */

const struct nlmsghdr *kstate_as_dumped(const struct nlmsghdr *msg, void *copy, size_t size)
{
	struct nlmsghdr *c = copy;
	struct nlattr *a, *e;

	if (msg->nlmsg_len > size)
		return msg;
	memcpy(copy, msg, msg->nlmsg_len);
	mnl_attr_for_each(a, c, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(a) != NFTA_SET_ELEM_LIST_ELEMENTS)
			continue;
		mnl_attr_for_each_nested(e, a)
			e->nla_type = (uint16_t)((e->nla_type & ~NLA_TYPE_MASK) | NFTA_LIST_ELEM);
	}
	return c;
}

static enum kset elems_set(const struct nlmsghdr *nlh)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(a) != NFTA_SET_ELEM_LIST_SET ||
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
			continue;
		for (int i = 0; i < KSET_COUNT; i++)
			if (!strcmp(mnl_attr_get_str(a), kset_defs[i].name))
				return (enum kset)i;
	}
	return KSET_COUNT;
}

void kstate_from_batch(const char *table, const struct nlmsghdr *const *msgs, size_t n,
		       struct kstate *st)
{
	struct reader rd = { .st = st, .table = table };
	static char copy[1 << 17];

	for (size_t i = 0; i < n; i++) {
		const struct nlmsghdr *nlh = msgs[i];
		if (!nlh || NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES)
			continue;
		switch (NFNL_MSG_TYPE(nlh->nlmsg_type)) {
		case NFT_MSG_NEWTABLE:
			table_cb(nlh, &rd);
			break;
		case NFT_MSG_NEWSET:
			set_cb(nlh, &rd);
			break;
		case NFT_MSG_NEWCHAIN:
			chain_cb(nlh, &rd);
			break;
		case NFT_MSG_NEWRULE:
			rule_cb(nlh, &rd);
			break;
		case NFT_MSG_NEWSETELEM:
			rd.set = elems_set(nlh);
			if (rd.set < KSET_FIRST_DYNAMIC)
				elems_cb(kstate_as_dumped(nlh, copy, sizeof(copy)), &rd);
			break;
		}
	}
}
