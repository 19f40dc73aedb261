/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "ct.h"
#include "ei.h"
#include "ei_settle.h"
#include "grow.h"
#include "layout.h"

#define WRITES_PER_BATCH 900	/* elements per transaction (3 per mapping) */

/* Whether an enabled UDP forward of rs takes external socket e. */
static bool forwarded(const struct ngw_ruleset *rs, const struct xlat_socket *e)
{
	for (size_t i = 0; i < rs->n_forwards; i++) {
		const struct ngw_forward *f = &rs->forwards[i];
		if (!f->enabled || f->proto == NGW_PROTO_TCP || f->to.family != e->addr.family ||
		    e->port < f->port.lo || e->port > f->port.hi)
			continue;
		if (f->address.family == NGW_FAMILY_NONE || !addr_cmp(&f->address, &e->addr))
			return true;
	}
	return false;
}

/* ---- mappings on forwarded ports ------------------------------------------- */

struct yield {
	const struct ngw_ruleset *rs;
	struct xlat_mapping *v;
	size_t n, cap;
};

static void yield_pick(const struct xlat_mapping *m, void *arg)
{
	struct yield *y = arg;
	if (!forwarded(y->rs, &m->external))
		return;
	y->v = grow(y->v, &y->cap, y->n, sizeof(*y->v));
	y->v[y->n++] = *m;
}

int ei_yield_to_forwards(struct nl *nl, const char *table, const struct ngw_ruleset *rs,
			 size_t *yielded)
{
	struct yield y = { .rs = rs };
	int r = ei_read(nl, table, yield_pick, &y);

	*yielded = 0;
	for (size_t i = 0; r == 0 && i < y.n; i++) {
		const struct xlat_mapping *m = &y.v[i];
		uint8_t fam = m->internal.addr.family;
		struct ei_write del[] = {
			{ .set = ei_set(KSET_EI_SNAT4, fam), .key = &m->internal },
			{ .set = ei_set(KSET_EI_DNAT4, fam), .key = &m->external },
			{ .set = ei_set(KSET_EI_MARK4, fam), .key = &m->external },
		};
		/* one mapping a transaction: one that idled out meanwhile
		 * (ENOENT) stops no other */
		int rr = ei_write(nl, table, del, 3, 0);
		if (rr == 0)
			(*yielded)++;
		else if (rr != -ENOENT)
			r = rr;
	}
	free(y.v);
	return r;
}

/* ---- after a rebuild: the maps again, from conntrack ------------------------ */

struct candidate {			/* a mapping an X's own connection shows */
	struct xlat_socket x, e;
	uint32_t mark;
	unsigned timeout;
};

struct restore {
	const struct ngw_ruleset *rs;
	const struct kmodel *m;
	struct candidate *c;
	size_t n_c, cap_c;
	struct xlat_socket *busy;	/* external sockets of other flows */
	size_t n_busy, cap_busy;
};

/* The idle timeout of the endpoint-independent rule with this mark; 0 if
 * the mark is no such rule's. */
static unsigned ei_timeout(const struct restore *r, uint32_t mark)
{
	for (size_t i = 0; i < r->m->n_rules; i++) {
		if (r->m->rules[i].mark != mark)
			continue;
		for (size_t k = 0; k < r->rs->n_snats; k++)
			if (r->rs->snats[k].endpoint_independent &&
			    !strcmp(r->rs->snats[k].name, r->m->rules[i].name))
				return r->rs->snats[k].idle_timeout;
	}
	return 0;
}

static void restore_entry(const struct ct_entry *e, void *arg)
{
	struct restore *r = arg;

	if (!e->has_reply || e->orig.l4 != IPPROTO_UDP || (e->mark & MARK_HAIRPIN))
		return;
	bool snat = e->status & IPS_SRC_NAT, dnat = e->status & IPS_DST_NAT;
	struct xlat_socket ext = { e->reply.dst, e->reply.dport };
	unsigned timeout = ei_timeout(r, e->mark);

	if (snat && !dnat && timeout && !forwarded(r->rs, &ext)) {
		r->c = grow(r->c, &r->cap_c, r->n_c, sizeof(*r->c));
		r->c[r->n_c++] = (struct candidate){ { e->orig.src, e->orig.sport }, ext, e->mark,
						     timeout };
		return;
	}
	if (!snat && !dnat)
		return;
	/* any other flow keeps its external socket off new mappings: a
	 * remote's connection to a mapping (its original destination), a
	 * plain flow (its reply's destination) */
	r->busy = grow(r->busy, &r->cap_busy, r->n_busy, sizeof(*r->busy));
	r->busy[r->n_busy++] = dnat && !snat ? (struct xlat_socket){ e->orig.dst, e->orig.dport }
					     : ext;
}

static int sock_cmp(const struct xlat_socket *a, const struct xlat_socket *b)
{
	int c = addr_cmp(&a->addr, &b->addr);
	return c ? c : (a->port > b->port) - (a->port < b->port);
}

static int by_x(const void *a, const void *b)
{
	return sock_cmp(&((const struct candidate *)a)->x, &((const struct candidate *)b)->x);
}

static int by_e(const void *a, const void *b)
{
	return sock_cmp(&((const struct candidate *)a)->e, &((const struct candidate *)b)->e);
}

/* Keeps the first candidate of each run of equal keys. */
static size_t dedupe(struct candidate *v, size_t n, int (*cmp)(const void *, const void *))
{
	size_t k = 0;
	if (n)
		qsort(v, n, sizeof(*v), cmp);
	for (size_t i = 0; i < n; i++)
		if (!k || cmp(&v[k - 1], &v[i]))
			v[k++] = v[i];
	return k;
}

/* Writes w[0..n) in transactions of WRITES_PER_BATCH. */
static int write_all(struct nl *nl, const char *table, const struct ei_write *w, size_t n)
{
	int r = 0;
	for (size_t i = 0; r == 0 && i < n; i += WRITES_PER_BATCH)
		r = ei_write(nl, table, w + i, n - i < WRITES_PER_BATCH ? n - i : WRITES_PER_BATCH, 0);
	return r;
}

int ei_restore(struct nl *nl, const char *table, const struct ngw_ruleset *rs,
	       const struct kmodel *m, struct ei_restored *out)
{
	struct restore r = { .rs = rs, .m = m };
	struct ct_sock *ct = ct_open(false);

	memset(out, 0, sizeof(*out));
	if (!ct)
		return -errno;
	int err = ct_dump(ct, mark_scope(table), MARK_SCOPE_MASK, restore_entry, &r);
	ct_close(ct);
	/* one mapping per internal socket and per external socket */
	size_t n = dedupe(r.c, r.n_c, by_x);
	n = dedupe(r.c, n, by_e);
	struct ei_write *w = calloc(3 * n + r.n_busy + 1, sizeof(*w));
	if (!w)
		abort();
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const struct candidate *c = &r.c[i];
		uint8_t fam = c->x.addr.family;
		w[k++] = (struct ei_write){ .set = ei_set(KSET_EI_DNAT4, fam), .add = true,
					    .key = &c->e, .data = &c->x, .timeout = c->timeout };
		w[k++] = (struct ei_write){ .set = ei_set(KSET_EI_SNAT4, fam), .add = true,
					    .key = &c->x, .data = &c->e, .timeout = c->timeout };
		w[k++] = (struct ei_write){ .set = ei_set(KSET_EI_MARK4, fam), .add = true,
					    .key = &c->e, .data = &c->mark, .data_is_mark = true,
					    .timeout = c->timeout };
	}
	for (size_t i = 0; i < r.n_busy; i++)
		w[k++] = (struct ei_write){ .set = ei_set(KSET_EI_BUSY4, r.busy[i].addr.family),
					    .add = true, .key = &r.busy[i],
					    .timeout = NATGW_EI_BUSY_S };
	if (err == 0)
		err = write_all(nl, table, w, k);
	if (err == 0) {
		out->mappings = n;
		out->busy = r.n_busy;
	}
	free(w);
	free(r.c);
	free(r.busy);
	return err;
}
