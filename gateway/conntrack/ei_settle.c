/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "ct.h"
#include "ei.h"
#include "ei_settle.h"
#include "compile/layout.h"
#include "natgw/xalloc.h"

#define WRITES_PER_BATCH 900	/* elements per transaction (3 per mapping) */

/* The UDP ports enabled forwards take, as bitmaps: one per family for the
 * forwards on any address, one per external address for the others. Built
 * once, so a check costs the same among 100,000 forwards as among ten. */
struct fwd_ports {
	uint8_t any[2][65536 / 8];
	struct fwd_addr {
		struct ngw_addr addr;
		uint8_t bits[65536 / 8];
	} *by_addr;
	size_t n, cap;
};

static void mark_ports(uint8_t *bits, const struct ngw_port_range *r)
{
	for (unsigned p = r->lo; p <= r->hi; p++)
		bits[p / 8] |= (uint8_t)(1u << (p % 8));
}

static struct fwd_ports *fwd_ports_new(const struct ngw_ruleset *rs)
{
	struct fwd_ports *fp = xcalloc(1, sizeof(*fp));

	for (size_t i = 0; i < rs->n_forwards; i++) {
		const struct ngw_forward *f = &rs->forwards[i];
		if (!f->enabled || f->proto == NGW_PROTO_TCP)
			continue;
		if (f->address.family == NGW_FAMILY_NONE) {
			mark_ports(fp->any[f->to.family == NGW_FAMILY_IPV6], &f->port);
			continue;
		}
		size_t k = 0;
		while (k < fp->n && addr_cmp(&fp->by_addr[k].addr, &f->address))
			k++;		/* a few addresses, not one per forward */
		if (k == fp->n) {
			fp->by_addr = grow(fp->by_addr, &fp->cap, fp->n, sizeof(*fp->by_addr));
			memset(&fp->by_addr[fp->n], 0, sizeof(*fp->by_addr));
			fp->by_addr[fp->n++].addr = f->address;
		}
		mark_ports(fp->by_addr[k].bits, &f->port);
	}
	return fp;
}

static void fwd_ports_free(struct fwd_ports *fp)
{
	if (fp)
		free(fp->by_addr);
	free(fp);
}

static bool has_bit(const uint8_t *bits, uint16_t p)
{
	return bits[p / 8] & (1u << (p % 8));
}

/* Whether an enabled UDP forward takes external socket e. */
static bool forwarded(const struct fwd_ports *fp, const struct xlat_socket *e)
{
	if (has_bit(fp->any[e->addr.family == NGW_FAMILY_IPV6], e->port))
		return true;
	for (size_t k = 0; k < fp->n; k++)
		if (!addr_cmp(&fp->by_addr[k].addr, &e->addr))
			return has_bit(fp->by_addr[k].bits, e->port);
	return false;
}

/* ---- mappings on forwarded ports ------------------------------------------- */

struct yield {
	const struct fwd_ports *fp;
	struct xlat_mapping *v;
	size_t n, cap;
};

static void yield_pick(const struct xlat_mapping *m, void *arg)
{
	struct yield *y = arg;
	if (!forwarded(y->fp, &m->external))
		return;
	y->v = grow(y->v, &y->cap, y->n, sizeof(*y->v));
	y->v[y->n++] = *m;
}

int ei_yield_to_forwards(struct nl *nl, const char *table, const struct ngw_ruleset *rs,
			 size_t *yielded)
{
	struct fwd_ports *fp = fwd_ports_new(rs);
	struct yield y = { .fp = fp };
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
	fwd_ports_free(fp);
	return r;
}

/* ---- after a rebuild: the maps again -------------------------------------- */

static int sock_cmp(const struct xlat_socket *a, const struct xlat_socket *b)
{
	int c = addr_cmp(&a->addr, &b->addr);
	return c ? c : (a->port > b->port) - (a->port < b->port);
}

static int by_x(const void *a, const void *b)
{
	return sock_cmp(&((const struct xlat_mapping *)a)->internal,
			&((const struct xlat_mapping *)b)->internal);
}

struct restore {
	const struct xlat_mapping *before;	/* sorted by internal socket */
	size_t n_before;
	struct xlat_socket *busy;		/* external sockets of other flows */
	size_t n_busy, cap_busy;
};

/* Whether the connection X -> E is one of a mapping written back. */
static bool mapped(const struct restore *r, const struct xlat_socket *x,
		   const struct xlat_socket *e)
{
	struct xlat_mapping key = { .internal = *x };
	const struct xlat_mapping *m = r->n_before ? bsearch(&key, r->before, r->n_before,
							     sizeof(key), by_x) : NULL;
	return m && !sock_cmp(&m->external, e);
}

static void restore_entry(const struct ct_entry *e, void *arg)
{
	struct restore *r = arg;

	if (!e->has_reply || e->orig.l4 != IPPROTO_UDP || (e->mark & MARK_HAIRPIN))
		return;
	bool snat = e->status & IPS_SRC_NAT, dnat = e->status & IPS_DST_NAT;
	struct xlat_socket x = { e->orig.src, e->orig.sport };
	struct xlat_socket ext = { e->reply.dst, e->reply.dport };
	struct xlat_socket busy;

	if (snat && !dnat) {		/* an outbound flow: its own mapping's, or not */
		if (mapped(r, &x, &ext))
			return;
		busy = ext;
	} else if (dnat && !snat) {	/* a remote's flow to a mapping, or a forward's */
		busy = (struct xlat_socket){ e->orig.dst, e->orig.dport };
		struct xlat_socket target = { e->reply.src, e->reply.sport };
		if (mapped(r, &target, &busy))
			return;
	} else {
		return;
	}
	r->busy = grow(r->busy, &r->cap_busy, r->n_busy, sizeof(*r->busy));
	r->busy[r->n_busy++] = busy;
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
	       struct xlat_mapping *before, size_t n_before, struct ei_restored *out)
{
	struct restore r = { .before = before, .n_before = n_before };
	struct ct_sock *ct = ct_open(false);

	memset(out, 0, sizeof(*out));
	if (!ct)
		return -errno;
	if (n_before)
		qsort(before, n_before, sizeof(*before), by_x);
	int err = ct_dump(ct, mark_scope(table), MARK_SCOPE_MASK, restore_entry, &r);
	ct_close(ct);
	struct ei_write *w = xcalloc(3 * n_before + r.n_busy + 1, sizeof(*w));
	struct fwd_ports *fp = fwd_ports_new(rs);
	size_t k = 0, n = 0;
	for (size_t i = 0; i < n_before; i++) {
		const struct xlat_mapping *m = &before[i];
		uint8_t fam = m->internal.addr.family;
		unsigned t = m->timeout ? m->timeout : 1;	/* what it had left */
		if (forwarded(fp, &m->external))
			continue;
		w[k++] = (struct ei_write){ .set = ei_set(KSET_EI_DNAT4, fam), .add = true,
					    .key = &m->external, .data = &m->internal, .timeout = t };
		w[k++] = (struct ei_write){ .set = ei_set(KSET_EI_SNAT4, fam), .add = true,
					    .key = &m->internal, .data = &m->external, .timeout = t };
		w[k++] = (struct ei_write){ .set = ei_set(KSET_EI_MARK4, fam), .add = true,
					    .key = &m->external, .data = &m->mark,
					    .data_is_mark = true, .timeout = t };
		n++;
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
	fwd_ports_free(fp);
	free(r.busy);
	return err;
}
