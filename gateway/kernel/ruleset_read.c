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

#include "compile/layout.h"
#include "natgw/xalloc.h"
#include "nl.h"
#include "rule_expr.h"
#include "ruleset_read.h"

struct reader {
	struct fw_ruleset *rs;
};

static struct fw_table *table_of(struct fw_ruleset *rs, uint8_t family, const char *name)
{
	for (size_t i = 0; i < rs->n_tables; i++)
		if (rs->tables[i].family == family && !strcmp(rs->tables[i].name, name))
			return &rs->tables[i];
	return NULL;
}

long fw_chain_find(const struct fw_table *t, const char *name)
{
	for (size_t i = 0; i < t->n_chains; i++)
		if (!strcmp(t->chains[i].name, name))
			return (long)i;
	return -1;
}

/* Whether a table's comment (the udata TLV nft writes as type 0) is the
 * one natgw gives its tables. */
static bool natgw_comment(const void *data, uint32_t len)
{
	const struct nftnl_udata *u;
	size_t n = strlen(NATGW_LAYOUT_PREFIX);

	if (!data || !len)
		return false;
	nftnl_udata_for_each_data(data, len, u) {
		if (nftnl_udata_type(u) == NFTNL_UDATA_TABLE_COMMENT && nftnl_udata_len(u) >= n &&
		    !memcmp(nftnl_udata_get(u), NATGW_LAYOUT_PREFIX, n))
			return true;
	}
	return false;
}

static int table_cb(const struct nlmsghdr *nlh, void *data)
{
	struct reader *rd = data;
	struct fw_ruleset *rs = rd->rs;
	struct nftnl_table *t = xalloc_check(nftnl_table_alloc());
	uint32_t len = 0;

	if (nftnl_table_nlmsg_parse(nlh, t) == 0) {
		rs->tables = grow(rs->tables, &rs->cap_tables, rs->n_tables, sizeof(*rs->tables));
		struct fw_table *k = &rs->tables[rs->n_tables++];
		memset(k, 0, sizeof(*k));
		k->family = (uint8_t)nftnl_table_get_u32(t, NFTNL_TABLE_FAMILY);
		snprintf(k->name, sizeof(k->name), "%s", nftnl_table_get_str(t, NFTNL_TABLE_NAME));
		if (nftnl_table_is_set(t, NFTNL_TABLE_USERDATA)) {
			/* its length is known once the data is had: not in one call */
			const void *ud = nftnl_table_get_data(t, NFTNL_TABLE_USERDATA, &len);
			k->natgw = natgw_comment(ud, len);
		}
	}
	nftnl_table_free(t);
	return MNL_CB_OK;
}

static void build_nothing(struct nlmsghdr *nlh, const void *arg)
{
	(void)nlh;
	(void)arg;
}

static int set_cb(const struct nlmsghdr *nlh, void *data)
{
	struct reader *rd = data;
	struct nftnl_set *s = xalloc_check(nftnl_set_alloc());

	if (nftnl_set_nlmsg_parse(nlh, s) == 0) {
		struct fw_table *t = table_of(rd->rs, (uint8_t)nftnl_set_get_u32(s, NFTNL_SET_FAMILY),
					      nftnl_set_get_str(s, NFTNL_SET_TABLE));
		if (t && !t->natgw) {
			t->sets = grow(t->sets, &t->cap_sets, t->n_sets, sizeof(*t->sets));
			struct fw_set *k = &t->sets[t->n_sets++];
			memset(k, 0, sizeof(*k));
			snprintf(k->name, sizeof(k->name), "%s", nftnl_set_get_str(s, NFTNL_SET_NAME));
			k->key_len = nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN);
			k->map = nftnl_set_get_u32(s, NFTNL_SET_FLAGS) & (NFT_SET_MAP | NFT_SET_OBJECT);
		}
	}
	nftnl_set_free(s);
	return MNL_CB_OK;
}

struct elem_req {
	const char *table, *set;
};

static void build_elems(struct nlmsghdr *nlh, const void *arg)
{
	const struct elem_req *req = arg;
	struct nftnl_set *s = xalloc_check(nftnl_set_alloc());

	nftnl_set_set_str(s, NFTNL_SET_TABLE, req->table);
	nftnl_set_set_str(s, NFTNL_SET_NAME, req->set);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
}

/* One element as dumped: an interval's end (INTERVAL_END) is kept apart
 * until the elements are in order. */
struct elem {
	struct fw_interval iv;
	bool end;
};

struct elems {
	struct elem *v;
	size_t n, cap;
};

/* Elements as the kernel dumps them: a plain key; an interval's start,
 * and its end + 1 flagged INTERVAL_END (rbtree); or key and key_end
 * (pipapo). */
static int elems_cb(const struct nlmsghdr *nlh, void *data)
{
	struct elems *es = data;
	struct nftnl_set *s = xalloc_check(nftnl_set_alloc());

	if (nftnl_set_elems_nlmsg_parse(nlh, s) == 0) {
		struct nftnl_set_elems_iter *it = xalloc_check(nftnl_set_elems_iter_create(s));
		for (struct nftnl_set_elem *e = nftnl_set_elems_iter_next(it); e;
		     e = nftnl_set_elems_iter_next(it)) {
			uint32_t len = 0, end_len = 0;
			const void *key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);
			if (!key || len > FW_DATA_MAX)
				continue;
			es->v = grow(es->v, &es->cap, es->n, sizeof(*es->v));
			struct elem *k = &es->v[es->n++];
			memset(k, 0, sizeof(*k));
			memcpy(k->iv.lo, key, len);
			memcpy(k->iv.hi, key, len);
			const void *end = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY_END, &end_len);
			if (end && end_len == len)
				memcpy(k->iv.hi, end, len);
			k->end = nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS) &&
				 (nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS) & NFT_SET_ELEM_INTERVAL_END);
		}
		nftnl_set_elems_iter_destroy(it);
	}
	nftnl_set_free(s);
	return MNL_CB_OK;
}

static int cmp_elem(const void *a, const void *b)
{
	const struct elem *x = a, *y = b;
	int c = memcmp(x->iv.lo, y->iv.lo, FW_DATA_MAX);
	return c ? c : (int)y->end - (int)x->end;	/* an end before a start at the same key */
}

/* The elements as intervals: an rbtree start runs to the next end element
 * (exclusive) or, with none after it, to the top of the key space. */
static void set_close(struct fw_set *k, struct elems *es)
{
	bool intervals = false;

	if (es->n)	/* qsort must not be given NULL, even for none */
		qsort(es->v, es->n, sizeof(*es->v), cmp_elem);
	for (size_t i = 0; i < es->n; i++)
		intervals |= es->v[i].end;
	for (size_t i = 0; i < es->n; i++) {
		if (es->v[i].end)
			continue;
		struct fw_interval iv = es->v[i].iv;
		if (i + 1 < es->n && es->v[i + 1].end) {
			memcpy(iv.hi, es->v[i + 1].iv.lo, FW_DATA_MAX);
			for (long b = (long)k->key_len - 1; b >= 0; b--)	/* end - 1 */
				if (iv.hi[b]-- != 0)
					break;
		} else if (intervals && i + 1 == es->n) {
			memset(iv.hi, 0xff, k->key_len < FW_DATA_MAX ? k->key_len : FW_DATA_MAX);
		}
		k->v = grow(k->v, &k->cap, k->n, sizeof(*k->v));
		k->v[k->n++] = iv;
	}
}

static int read_elems(struct nl *nl, struct fw_table *t, struct fw_set *k)
{
	struct elems es = { 0 };
	struct elem_req req = { t->name, k->name };
	int r = nl_dump(nl, NFT_MSG_GETSETELEM, t->family, build_elems, &req, elems_cb, &es);

	if (r == 0)
		set_close(k, &es);
	free(es.v);
	return r;
}

static int chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct reader *rd = data;
	struct nftnl_chain *c = xalloc_check(nftnl_chain_alloc());

	if (nftnl_chain_nlmsg_parse(nlh, c) == 0) {
		struct fw_table *t = table_of(rd->rs, (uint8_t)nftnl_chain_get_u32(c, NFTNL_CHAIN_FAMILY),
					      nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE));
		if (t) {
			t->chains = grow(t->chains, &t->cap_chains, t->n_chains, sizeof(*t->chains));
			struct fw_chain *k = &t->chains[t->n_chains++];
			memset(k, 0, sizeof(*k));
			snprintf(k->name, sizeof(k->name), "%s", nftnl_chain_get_str(c, NFTNL_CHAIN_NAME));
			k->base = nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM);
			if (k->base) {
				k->hook = nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM);
				k->prio = (int32_t)nftnl_chain_get_u32(c, NFTNL_CHAIN_PRIO);
				k->policy_drop = nftnl_chain_is_set(c, NFTNL_CHAIN_POLICY) &&
						 nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY) == NF_DROP;
				k->nat = nftnl_chain_is_set(c, NFTNL_CHAIN_TYPE) &&
					 !strcmp(nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE), "nat");
			}
		}
	}
	nftnl_chain_free(c);
	return MNL_CB_OK;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct reader *rd = data;
	struct nftnl_rule *r = xalloc_check(nftnl_rule_alloc());

	if (nftnl_rule_nlmsg_parse(nlh, r) == 0) {
		struct fw_table *t = table_of(rd->rs, (uint8_t)nftnl_rule_get_u32(r, NFTNL_RULE_FAMILY),
					      nftnl_rule_get_str(r, NFTNL_RULE_TABLE));
		long ci = t ? fw_chain_find(t, nftnl_rule_get_str(r, NFTNL_RULE_CHAIN)) : -1;
		if (ci >= 0 && !t->natgw) {
			struct fw_chain *c = &t->chains[ci];
			c->rules = grow(c->rules, &c->cap_rules, c->n_rules, sizeof(*c->rules));
			struct fw_rule *k = &c->rules[c->n_rules++];
			memset(k, 0, sizeof(*k));
			k->handle = nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE);
			rule_expr_translate(r, t, k);
		}
	}
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

/* iptables-nft's tables: its table names, with the built-in chains by
 * their iptables names (the program marks them no other way nft keeps). */
static void mark_iptables(struct fw_table *t)
{
	static const char *const names[] = { "filter", "nat", "mangle", "raw", "security" };
	static const char *const builtin[] = { "INPUT", "FORWARD", "OUTPUT", "PREROUTING",
					       "POSTROUTING" };
	bool named = false;

	if (t->family != NFPROTO_IPV4 && t->family != NFPROTO_IPV6)
		return;
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		named |= !strcmp(t->name, names[i]);
	for (size_t c = 0; named && c < t->n_chains; c++)
		for (size_t i = 0; t->chains[c].base && i < sizeof(builtin) / sizeof(*builtin); i++)
			t->iptables |= !strcmp(t->chains[c].name, builtin[i]);
}

static int read_once(struct nl *nl, struct fw_ruleset *rs)
{
	struct reader rd = { .rs = rs };
	int r = nl_dump(nl, NFT_MSG_GETTABLE, NFPROTO_UNSPEC, build_nothing, NULL, table_cb, &rd);

	if (r == 0)
		r = nl_dump(nl, NFT_MSG_GETSET, NFPROTO_UNSPEC, build_nothing, NULL, set_cb, &rd);
	for (size_t i = 0; r == 0 && i < rs->n_tables; i++)
		for (size_t s = 0; r == 0 && s < rs->tables[i].n_sets; s++)
			r = read_elems(nl, &rs->tables[i], &rs->tables[i].sets[s]);
	if (r == 0)
		r = nl_dump(nl, NFT_MSG_GETCHAIN, NFPROTO_UNSPEC, build_nothing, NULL, chain_cb, &rd);
	if (r == 0)
		r = nl_dump(nl, NFT_MSG_GETRULE, NFPROTO_UNSPEC, build_nothing, NULL, rule_cb, &rd);
	for (size_t i = 0; r == 0 && i < rs->n_tables; i++)
		mark_iptables(&rs->tables[i]);
	return r;
}

int fw_ruleset_read(struct nl *nl, struct fw_ruleset *rs)
{
	/* tables, sets, chains and rules are separate dumps: a commit between
	 * two of them (a firewall reloading) gives rules of chains never read,
	 * or a chain without its rules. The generation before and after says
	 * whether the whole is of one ruleset; if not, read it again. */
	for (int attempt = 1;; attempt++) {
		uint32_t before, after;
		memset(rs, 0, sizeof(*rs));
		int r = nl_genid(nl, &before);
		if (r == 0)
			r = read_once(nl, rs);
		if (r == 0)
			r = nl_genid(nl, &after);
		if (r == 0 && before != after)
			r = -EINTR;
		if (r < 0)	/* what was read of it is of no use */
			fw_ruleset_free(rs);
		if (r != -EINTR || attempt == RULESET_READ_ATTEMPTS)
			return r;
	}
}

void fw_ruleset_free(struct fw_ruleset *rs)
{
	for (size_t i = 0; i < rs->n_tables; i++) {
		struct fw_table *t = &rs->tables[i];
		for (size_t c = 0; c < t->n_chains; c++) {
			for (size_t k = 0; k < t->chains[c].n_rules; k++)
				free(t->chains[c].rules[k].m);
			free(t->chains[c].rules);
		}
		for (size_t s = 0; s < t->n_sets; s++)
			free(t->sets[s].v);
		free(t->chains);
		free(t->sets);
	}
	free(rs->tables);
	memset(rs, 0, sizeof(*rs));
}
