/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <libnftnl/expr.h>
#include <libnftnl/set.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdlib.h>
#include <string.h>

#include "ei.h"
#include "kernel/kbatch.h"
#include "compile/layout.h"
#include "natgw/xalloc.h"

struct ei_mark {
	struct xlat_socket external;
	uint32_t mark;
};

struct ei_reader {
	uint8_t family;			/* of the map being read */
	bool marks;			/* reading ei_mark, else ei_snat */
	struct ei_mark *v;
	size_t n, cap;
	void (*cb)(const struct xlat_mapping *m, void *arg);
	void *arg;
};

bool ei_socket_from(const void *b, uint32_t len, uint8_t family, struct xlat_socket *s)
{
	unsigned alen = family == NGW_FAMILY_IPV4 ? 4 : 16;
	uint16_t port;

	if (len != alen + 4)
		return false;
	memset(s, 0, sizeof(*s));
	s->addr.family = family;
	memcpy(s->addr.b, b, alen);
	memcpy(&port, (const uint8_t *)b + alen, 2);
	s->port = ntohs(port);
	return true;
}

static int mark_cmp(const void *a, const void *b)
{
	const struct ei_mark *x = a, *y = b;
	int c = addr_cmp(&x->external.addr, &y->external.addr);
	return c ? c : (x->external.port > y->external.port) - (x->external.port < y->external.port);
}

static void elem_seen(struct ei_reader *rd, struct nftnl_set_elem *e)
{
	uint32_t klen = 0, dlen = 0;
	const void *key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &klen);
	const void *data = nftnl_set_elem_get(e, NFTNL_SET_ELEM_DATA, &dlen);
	struct xlat_socket k;

	if (!key || !data || !ei_socket_from(key, klen, rd->family, &k))
		return;
	if (rd->marks) {
		if (dlen != 4)
			return;
		rd->v = grow(rd->v, &rd->cap, rd->n, sizeof(*rd->v));
		rd->v[rd->n].external = k;
		memcpy(&rd->v[rd->n++].mark, data, 4);
		return;
	}
	struct xlat_mapping m = { .l4 = IPPROTO_UDP, .snat = true, .endpoint_independent = true };
	if (!ei_socket_from(data, dlen, rd->family, &m.external))
		return;
	m.internal = k;
	uint64_t ms = nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_EXPIRATION) ?
		      nftnl_set_elem_get_u64(e, NFTNL_SET_ELEM_EXPIRATION) : 0;
	m.timeout = (uint32_t)((ms + 999) / 1000);
	struct ei_mark want = { .external = m.external };
	const struct ei_mark *hit = rd->n ? bsearch(&want, rd->v, rd->n, sizeof(*rd->v), mark_cmp)
					  : NULL;
	m.mark = hit ? hit->mark : 0;
	rd->cb(&m, rd->arg);
}

static int elems_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ei_reader *rd = data;
	struct nftnl_set *s = nftnl_set_alloc();

	if (s && nftnl_set_elems_nlmsg_parse(nlh, s) == 0) {
		struct nftnl_set_elems_iter *it = nftnl_set_elems_iter_create(s);
		struct nftnl_set_elem *e;
		while (it && (e = nftnl_set_elems_iter_next(it)))
			elem_seen(rd, e);
		nftnl_set_elems_iter_destroy(it);
	}
	nftnl_set_free(s);
	return MNL_CB_OK;
}

struct ei_req {
	const char *table, *set;
};

static void build(struct nlmsghdr *nlh, const void *arg)
{
	const struct ei_req *req = arg;
	struct nftnl_set *s = xalloc_check(nftnl_set_alloc());

	nftnl_set_set_str(s, NFTNL_SET_TABLE, req->table);
	nftnl_set_set_str(s, NFTNL_SET_NAME, req->set);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
}

int ei_read(struct nl *nl, const char *table,
	    void (*cb)(const struct xlat_mapping *m, void *arg), void *arg)
{
	static const struct { enum kset marks, snat; uint8_t family; } maps[] = {
		{ KSET_EI_MARK4, KSET_EI_SNAT4, NGW_FAMILY_IPV4 },
		{ KSET_EI_MARK6, KSET_EI_SNAT6, NGW_FAMILY_IPV6 },
	};
	int r = 0;

	for (size_t i = 0; r == 0 && i < sizeof(maps) / sizeof(*maps); i++) {
		struct ei_reader rd = { .family = maps[i].family, .marks = true, .cb = cb,
					.arg = arg };
		struct ei_req req = { table, kset_defs[maps[i].marks].name };
		r = nl_dump(nl, NFT_MSG_GETSETELEM, NFPROTO_INET, build, &req, elems_cb, &rd);
		if (r == 0) {
			if (rd.n)
				qsort(rd.v, rd.n, sizeof(*rd.v), mark_cmp);
			rd.marks = false;
			req.set = kset_defs[maps[i].snat].name;
			r = nl_dump(nl, NFT_MSG_GETSETELEM, NFPROTO_INET, build, &req, elems_cb,
				    &rd);
		}
		free(rd.v);
	}
	return r == -ENOENT ? 0 : r;	/* a table of an older layout has none */
}

/* ---- withdrawing the mappings of rules that changed or went away --------- */

struct withdraw {
	const uint32_t *marks;
	size_t n_marks;
	struct xlat_mapping *v;
	size_t n, cap;
};

static void withdraw_pick(const struct xlat_mapping *m, void *arg)
{
	struct withdraw *w = arg;

	for (size_t i = 0; i < w->n_marks; i++) {
		if ((m->mark & MARK_RULE_MASK) != (w->marks[i] & MARK_RULE_MASK))
			continue;
		w->v = grow(w->v, &w->cap, w->n, sizeof(*w->v));
		w->v[w->n++] = *m;
		return;
	}
}

size_t ei_key(const struct xlat_socket *s, uint8_t key[EI_KEY_MAX])
{
	unsigned alen = s->addr.family == NGW_FAMILY_IPV4 ? 4 : 16;
	uint16_t port = htons(s->port);

	memset(key, 0, EI_KEY_MAX);
	memcpy(key, s->addr.b, alen);
	memcpy(key + alen, &port, 2);
	return alen + 4;
}

/* ei_local_ports' key: the port alone, in network order. */
static size_t port_key(uint16_t port, uint8_t key[EI_KEY_MAX])
{
	uint16_t be = htons(port);

	memset(key, 0, EI_KEY_MAX);
	memcpy(key, &be, 2);
	return 2;
}

/* ei_full's key: the rule's mark (host order), then the address. */
static size_t host_key(uint32_t mark, const struct ngw_addr *a, uint8_t key[EI_KEY_MAX])
{
	unsigned alen = a->family == NGW_FAMILY_IPV4 ? 4 : 16;

	memset(key, 0, EI_KEY_MAX);
	memcpy(key, &mark, 4);
	memcpy(key + 4, a->b, alen);
	return 4 + alen;
}

struct full_reader {
	uint8_t family;
	void (*cb)(const struct ei_host *h, void *arg);
	void *arg;
};

static int full_cb(const struct nlmsghdr *nlh, void *data)
{
	struct full_reader *rd = data;
	struct nftnl_set *s = nftnl_set_alloc();
	unsigned alen = rd->family == NGW_FAMILY_IPV4 ? 4 : 16;

	if (s && nftnl_set_elems_nlmsg_parse(nlh, s) == 0) {
		struct nftnl_set_elems_iter *it = nftnl_set_elems_iter_create(s);
		struct nftnl_set_elem *e;
		while (it && (e = nftnl_set_elems_iter_next(it))) {
			uint32_t len = 0;
			const uint8_t *k = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);
			if (!k || len != 4 + alen)
				continue;
			struct ei_host h = { .host.family = rd->family };
			memcpy(&h.mark, k, 4);
			memcpy(h.host.b, k + 4, alen);
			rd->cb(&h, rd->arg);
		}
		nftnl_set_elems_iter_destroy(it);
	}
	nftnl_set_free(s);
	return MNL_CB_OK;
}

struct unmapped_reader {
	void (*cb)(uint32_t mark, uint64_t count, void *arg);
	void *arg;
	uint64_t count;
};

static int unmapped_counter(struct nftnl_expr *x, void *data)
{
	struct unmapped_reader *rd = data;
	if (!strcmp(nftnl_expr_get_str(x, NFTNL_EXPR_NAME), "counter"))
		rd->count = nftnl_expr_get_u64(x, NFTNL_EXPR_CTR_PACKETS);
	return 0;
}

static int unmapped_cb(const struct nlmsghdr *nlh, void *data)
{
	struct unmapped_reader *rd = data;
	struct nftnl_set *s = nftnl_set_alloc();

	if (s && nftnl_set_elems_nlmsg_parse(nlh, s) == 0) {
		struct nftnl_set_elems_iter *it = nftnl_set_elems_iter_create(s);
		struct nftnl_set_elem *e;
		while (it && (e = nftnl_set_elems_iter_next(it))) {
			uint32_t len = 0, mark;
			const void *k = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);
			if (!k || len != 4)
				continue;
			memcpy(&mark, k, 4);
			rd->count = 0;
			nftnl_set_elem_expr_foreach(e, unmapped_counter, rd);
			rd->cb(mark, rd->count, rd->arg);
		}
		nftnl_set_elems_iter_destroy(it);
	}
	nftnl_set_free(s);
	return MNL_CB_OK;
}

int ei_read_unmapped(struct nl *nl, const char *table,
		     void (*cb)(uint32_t mark, uint64_t count, void *arg), void *arg)
{
	struct unmapped_reader rd = { cb, arg, 0 };
	struct ei_req req = { table, kset_defs[KSET_EI_UNMAPPED].name };
	int r = nl_dump(nl, NFT_MSG_GETSETELEM, NFPROTO_INET, build, &req, unmapped_cb, &rd);
	return r == -ENOENT ? 0 : r;
}

struct socket_reader {
	uint8_t family;
	void (*cb)(const struct xlat_socket *s, void *arg);
	void *arg;
};

static int socket_cb(const struct nlmsghdr *nlh, void *data)
{
	struct socket_reader *rd = data;
	struct nftnl_set *s = nftnl_set_alloc();

	if (s && nftnl_set_elems_nlmsg_parse(nlh, s) == 0) {
		struct nftnl_set_elems_iter *it = nftnl_set_elems_iter_create(s);
		struct nftnl_set_elem *e;
		while (it && (e = nftnl_set_elems_iter_next(it))) {
			uint32_t len = 0;
			const void *k = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);
			struct xlat_socket x;
			if (k && ei_socket_from(k, len, rd->family, &x))
				rd->cb(&x, rd->arg);
		}
		nftnl_set_elems_iter_destroy(it);
	}
	nftnl_set_free(s);
	return MNL_CB_OK;
}

int ei_read_sockets(struct nl *nl, const char *table, enum kset v4,
		    void (*cb)(const struct xlat_socket *s, void *arg), void *arg)
{
	int r = 0;

	for (int v6 = 0; r == 0 && v6 <= 1; v6++) {
		struct socket_reader rd = { v6 ? NGW_FAMILY_IPV6 : NGW_FAMILY_IPV4, cb, arg };
		struct ei_req req = { table, kset_defs[v6 ? v4 + 1 : v4].name };
		r = nl_dump(nl, NFT_MSG_GETSETELEM, NFPROTO_INET, build, &req, socket_cb, &rd);
	}
	return r == -ENOENT ? 0 : r;
}

int ei_read_full(struct nl *nl, const char *table,
		 void (*cb)(const struct ei_host *h, void *arg), void *arg)
{
	int r = 0;

	for (int v6 = 0; r == 0 && v6 <= 1; v6++) {
		struct full_reader rd = { v6 ? NGW_FAMILY_IPV6 : NGW_FAMILY_IPV4, cb, arg };
		struct ei_req req = { table, kset_defs[v6 ? KSET_EI_FULL6 : KSET_EI_FULL4].name };
		r = nl_dump(nl, NFT_MSG_GETSETELEM, NFPROTO_INET, build, &req, full_cb, &rd);
	}
	return r == -ENOENT ? 0 : r;
}

enum kset ei_set(enum kset v4, uint8_t family)
{
	return family == NGW_FAMILY_IPV4 ? v4 : (enum kset)(v4 + 1);	/* ..4, ..6 */
}

int ei_write(struct nl *nl, const char *table, const struct ei_write *w, size_t n,
	     unsigned timeout)
{
	struct kmodel m = { 0 };
	struct kbatch kb;
	struct nl_error err;
	size_t n_errs = 0;

	snprintf(m.table, sizeof(m.table), "%s", table);
	kbatch_init(&kb, nl, &m, 0);
	for (size_t i = 0; i < n; i++) {
		uint8_t key[EI_KEY_MAX], data[EI_KEY_MAX];
		size_t klen = w[i].host_mark ? host_key(*w[i].host_mark, &w[i].key->addr, key)
			      : w[i].port_only ? port_key(w[i].key->port, key)
			      : ei_key(w[i].key, key), dlen = 0;
		if (w[i].data_is_mark) {
			memcpy(data, w[i].data, 4);
			dlen = 4;
		} else if (w[i].data) {
			dlen = ei_key(w[i].data, data);
		}
		kbatch_ei_elem(&kb, w[i].set, w[i].add, key, klen, data, dlen,
			       (uint64_t)(w[i].timeout ? w[i].timeout : timeout) * 1000);
	}
	int r = nl_batch_send(nl, &kb.nb, &err, 1, &n_errs);
	kbatch_free(&kb);
	return r;
}

/* One transaction deleting the three elements of each mapping picked. */
static int withdraw_send(struct nl *nl, const char *table, const struct withdraw *w)
{
	struct ei_write *v = xcalloc(3 * w->n + 1, sizeof(*v));

	for (size_t i = 0; i < w->n; i++) {
		const struct xlat_mapping *x = &w->v[i];
		uint8_t fam = x->internal.addr.family;
		v[3 * i] = (struct ei_write){ .set = ei_set(KSET_EI_SNAT4, fam), .key = &x->internal };
		v[3 * i + 1] = (struct ei_write){ .set = ei_set(KSET_EI_DNAT4, fam),
						  .key = &x->external };
		v[3 * i + 2] = (struct ei_write){ .set = ei_set(KSET_EI_MARK4, fam),
						  .key = &x->external };
	}
	int r = ei_write(nl, table, v, 3 * w->n, 0);
	free(v);
	return r;
}

int ei_withdraw(struct nl *nl, const char *table, const uint32_t *marks, size_t n_marks,
		size_t *withdrawn)
{
	int r = 0;

	*withdrawn = 0;
	/* an element may idle out between reading and deleting, and the kernel
	 * then refuses the whole transaction: read again and retry */
	for (int attempt = 0; attempt < 3; attempt++) {
		struct withdraw w = { .marks = marks, .n_marks = n_marks };
		r = ei_read(nl, table, withdraw_pick, &w);
		if (r == 0 && w.n)
			r = withdraw_send(nl, table, &w);
		if (r == 0)
			*withdrawn = w.n;
		free(w.v);
		if (r != -ENOENT && r != -EINTR)	/* idled out; a commit meanwhile */
			break;
	}
	return r;
}
