/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Overlapping forwards: two enabled forwards that would take the same
 * packet — same family, protocol, port, ingress interface and external
 * address, where "no interface" and "no address" match every one.
 *
 * A hairpin forward bound to interfaces also takes traffic from the LAN
 * interfaces (gateway.lan) to the router's external addresses, so it has
 * atoms there too, marked hairpin.
 *
 * Each forward becomes atoms (one per protocol and ingress interface),
 * sorted into buckets of equal (family, proto, interface, address).
 * Within a bucket one sweep over the port ranges finds overlaps. Across
 * buckets, each atom asks only the buckets whose wildcards cover it, by
 * binary search over that bucket's disjoint ranges. O(n log n) overall,
 * so 100,000 forwards cost well under a second. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "validate.h"
#include "natgw/xalloc.h"

#define ANY 0u		/* interface or address id of "every one" */

struct atom {
	uint8_t family;
	uint8_t l4;		/* NGW_L4_TCP or NGW_L4_UDP */
	uint32_t iface;		/* ANY or 1 + index into the sorted interface names */
	uint32_t addr;		/* ANY or 1 + index into the sorted addresses */
	uint16_t lo, hi;
	uint32_t rule;
	bool hairpin;		/* the interface is a LAN one, for hairpin traffic */
};

struct bucket {
	const struct atom *key;	/* first atom; defines family/l4/iface/addr */
	struct atom *kept;	/* disjoint ranges, ascending */
	size_t n_kept;
};

struct clash {
	uint32_t later, earlier;
	uint8_t l4;
	uint16_t lo, hi;
	uint32_t iface, addr;
	bool hairpin;
};

struct detector {
	const struct ngw_ruleset *rs;
	const char **ifaces;		/* interned, sorted */
	size_t n_ifaces;
	struct ngw_addr *addrs;		/* interned, sorted */
	size_t n_addrs;
	struct atom *atoms;
	size_t n_atoms;
	struct bucket *buckets;
	size_t n_buckets;
	struct atom *kept;		/* storage of every bucket's kept list */
	/* The kept ranges of all (some interface, any address) buckets, by
	 * (family, l4, lo), with the index of the widest range so far in each
	 * (family, l4) run: one binary search finds a clash with any of them. */
	struct atom *wild;
	size_t *wild_widest;
	size_t n_wild;
	struct clash *clashes;
	size_t n_clashes, cap_clashes;
};

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int addr_qcmp(const void *a, const void *b)
{
	return addr_cmp(a, b);
}

static int key_cmp(const struct atom *x, const struct atom *y)
{
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	if (x->l4 != y->l4)
		return x->l4 < y->l4 ? -1 : 1;
	if (x->iface != y->iface)
		return x->iface < y->iface ? -1 : 1;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return 0;
}

static int atom_cmp(const void *a, const void *b)
{
	const struct atom *x = a, *y = b;
	int c = key_cmp(x, y);
	if (c)
		return c;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	if (x->hi != y->hi)
		return x->hi > y->hi ? -1 : 1;	/* the widest first */
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

static bool usable(const struct ngw_ruleset *rs, const bool *ok, size_t i)
{
	return ok[i] && rs->forwards[i].enabled;
}

static bool listed(const struct ngw_ifaces *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->name[i], name))
			return true;
	return false;
}

/* The LAN interfaces a forward takes hairpin traffic on, besides its own. */
static size_t hairpin_ifaces(const struct ngw_ruleset *rs, const struct ngw_forward *f)
{
	size_t n = 0;
	if (!f->hairpin || f->in.n == 0)
		return 0;
	for (size_t i = 0; i < rs->gateway.lan.n; i++)
		n += !listed(&f->in, rs->gateway.lan.name[i]);
	return n;
}

static void intern(struct detector *D, const bool *ok)
{
	const struct ngw_ruleset *rs = D->rs;
	size_t ni = 0, na = 0;

	for (size_t i = 0; i < rs->n_forwards; i++) {
		if (!usable(rs, ok, i))
			continue;
		ni += rs->forwards[i].in.n;
		na += rs->forwards[i].address.family != NGW_FAMILY_NONE;
	}
	ni += rs->gateway.lan.n;
	D->ifaces = xreallocarray(NULL, ni, sizeof(*D->ifaces));
	D->addrs = xreallocarray(NULL, na, sizeof(*D->addrs));
	for (size_t i = 0; i < rs->n_forwards; i++) {
		const struct ngw_forward *f = &rs->forwards[i];
		if (!usable(rs, ok, i))
			continue;
		for (size_t j = 0; j < f->in.n; j++)
			D->ifaces[D->n_ifaces++] = f->in.name[j];
		if (f->address.family)
			D->addrs[D->n_addrs++] = f->address;
	}
	for (size_t j = 0; j < rs->gateway.lan.n; j++)
		D->ifaces[D->n_ifaces++] = rs->gateway.lan.name[j];
	qsort(D->ifaces, D->n_ifaces, sizeof(*D->ifaces), str_cmp);
	qsort(D->addrs, D->n_addrs, sizeof(*D->addrs), addr_qcmp);
	size_t w = 0;
	for (size_t i = 0; i < D->n_ifaces; i++)
		if (w == 0 || strcmp(D->ifaces[w - 1], D->ifaces[i]))
			D->ifaces[w++] = D->ifaces[i];
	D->n_ifaces = w;
	w = 0;
	for (size_t i = 0; i < D->n_addrs; i++)
		if (w == 0 || addr_cmp(&D->addrs[w - 1], &D->addrs[i]))
			D->addrs[w++] = D->addrs[i];
	D->n_addrs = w;
}

static uint32_t iface_id(const struct detector *D, const char *name)
{
	const char **hit = bsearch(&name, D->ifaces, D->n_ifaces, sizeof(*D->ifaces), str_cmp);
	return (uint32_t)(hit - D->ifaces) + 1;
}

static uint32_t addr_id(const struct detector *D, const struct ngw_addr *a)
{
	if (a->family == NGW_FAMILY_NONE)
		return ANY;
	const struct ngw_addr *hit = bsearch(a, D->addrs, D->n_addrs, sizeof(*D->addrs),
					     addr_qcmp);
	return (uint32_t)(hit - D->addrs) + 1;
}

static void make_atoms(struct detector *D, const bool *ok)
{
	const struct ngw_ruleset *rs = D->rs;
	size_t n = 0;

	for (size_t i = 0; i < rs->n_forwards; i++)
		if (usable(rs, ok, i))
			n += 2 * ((rs->forwards[i].in.n ? rs->forwards[i].in.n : 1) +
				  hairpin_ifaces(rs, &rs->forwards[i]));
	D->atoms = xreallocarray(NULL, n, sizeof(*D->atoms));
	for (size_t i = 0; i < rs->n_forwards; i++) {
		const struct ngw_forward *f = &rs->forwards[i];
		if (!usable(rs, ok, i))
			continue;
		uint32_t addr = addr_id(D, &f->address);
		for (unsigned l4 = NGW_L4_TCP; l4 <= NGW_L4_UDP; l4 <<= 1) {
			if (!(f->proto & l4))
				continue;
			for (size_t j = 0; j < (f->in.n ? f->in.n : 1); j++) {
				D->atoms[D->n_atoms++] = (struct atom){
					.family = f->to.family, .l4 = (uint8_t)l4,
					.iface = f->in.n ? iface_id(D, f->in.name[j]) : ANY,
					.addr = addr, .lo = f->port.lo, .hi = f->port.hi,
					.rule = (uint32_t)i,
				};
			}
			for (size_t j = 0; hairpin_ifaces(rs, f) && j < rs->gateway.lan.n; j++) {
				const char *lan = rs->gateway.lan.name[j];
				if (listed(&f->in, lan))
					continue;
				D->atoms[D->n_atoms++] = (struct atom){
					.family = f->to.family, .l4 = (uint8_t)l4,
					.iface = iface_id(D, lan), .addr = addr, .lo = f->port.lo,
					.hi = f->port.hi, .rule = (uint32_t)i, .hairpin = true,
				};
			}
		}
	}
	qsort(D->atoms, D->n_atoms, sizeof(*D->atoms), atom_cmp);
}

static void clash_add(struct detector *D, const struct atom *a, const struct atom *b)
{
	if (a->rule == b->rule)
		return;
	D->clashes = grow(D->clashes, &D->cap_clashes, D->n_clashes, sizeof(*D->clashes));
	D->clashes[D->n_clashes++] = (struct clash){
		.later = a->rule > b->rule ? a->rule : b->rule,
		.earlier = a->rule > b->rule ? b->rule : a->rule,
		.l4 = a->l4,
		.lo = a->lo > b->lo ? a->lo : b->lo,
		.hi = a->hi < b->hi ? a->hi : b->hi,
		.iface = a->iface ? a->iface : b->iface,
		.addr = a->addr ? a->addr : b->addr,
		.hairpin = a->hairpin || b->hairpin,
	};
}

/* Splits the sorted atoms into buckets and sweeps each one. An atom that
 * overlaps the widest range seen so far is reported against it and kept
 * out of the bucket's list, which therefore stays disjoint. */
static void sweep_buckets(struct detector *D)
{
	D->buckets = xreallocarray(NULL, D->n_atoms, sizeof(*D->buckets));
	D->kept = xreallocarray(NULL, D->n_atoms, sizeof(*D->kept));
	struct atom *kept = D->kept;
	size_t nk = 0;

	for (size_t i = 0; i < D->n_atoms;) {
		size_t j = i;
		struct bucket *b = &D->buckets[D->n_buckets++];
		const struct atom *widest = &D->atoms[i];

		b->key = &D->atoms[i];
		b->kept = &kept[nk];
		kept[nk++] = D->atoms[i];
		for (j = i + 1; j < D->n_atoms && !key_cmp(&D->atoms[j], &D->atoms[i]); j++) {
			const struct atom *a = &D->atoms[j];
			if (a->lo <= widest->hi)
				clash_add(D, a, widest);
			else
				kept[nk++] = *a;
			if (a->hi > widest->hi)
				widest = a;
		}
		b->n_kept = (size_t)(&kept[nk] - b->kept);
		i = j;
	}
}

static const struct bucket *bucket_find(const struct detector *D, const struct atom *key)
{
	size_t lo = 0, hi = D->n_buckets;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = key_cmp(D->buckets[mid].key, key);
		if (c == 0)
			return &D->buckets[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Any kept range of b meeting [a->lo, a->hi] is reported. */
static void probe(struct detector *D, const struct bucket *b, const struct atom *a)
{
	size_t lo = 0, hi = b->n_kept;

	while (lo < hi) {	/* first kept range ending at or after a->lo */
		size_t mid = (lo + hi) / 2;
		if (b->kept[mid].hi < a->lo)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < b->n_kept && b->kept[lo].lo <= a->hi)
		clash_add(D, a, &b->kept[lo]);
}

static void probe_key(struct detector *D, const struct atom *a, uint32_t iface, uint32_t addr)
{
	struct atom key = *a;
	key.iface = iface;
	key.addr = addr;
	const struct bucket *b = bucket_find(D, &key);
	if (b)
		probe(D, b, a);
}

static int wild_cmp(const void *a, const void *b)
{
	const struct atom *x = a, *y = b;
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	if (x->l4 != y->l4)
		return x->l4 < y->l4 ? -1 : 1;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static void build_wild(struct detector *D)
{
	size_t n = 0;

	for (size_t i = 0; i < D->n_buckets; i++)
		if (D->buckets[i].key->iface != ANY && D->buckets[i].key->addr == ANY)
			n += D->buckets[i].n_kept;
	D->wild = xreallocarray(NULL, n, sizeof(*D->wild));
	D->wild_widest = xreallocarray(NULL, n, sizeof(*D->wild_widest));
	for (size_t i = 0; i < D->n_buckets; i++) {
		const struct bucket *b = &D->buckets[i];
		if (b->key->iface != ANY && b->key->addr == ANY) {
			memcpy(&D->wild[D->n_wild], b->kept, b->n_kept * sizeof(*b->kept));
			D->n_wild += b->n_kept;
		}
	}
	qsort(D->wild, D->n_wild, sizeof(*D->wild), wild_cmp);
	for (size_t i = 0; i < D->n_wild; i++) {
		bool run_start = i == 0 || D->wild[i].family != D->wild[i - 1].family ||
				 D->wild[i].l4 != D->wild[i - 1].l4;
		size_t w = run_start ? i : D->wild_widest[i - 1];
		D->wild_widest[i] = D->wild[i].hi > D->wild[w].hi ? i : w;
	}
}

/* (any interface, this address) meets (some interface, any address). */
static void probe_wild(struct detector *D, const struct atom *a)
{
	struct atom key = { .family = a->family, .l4 = a->l4, .lo = a->hi };
	size_t lo = 0, hi = D->n_wild;

	while (lo < hi) {	/* first entry after (family, l4, lo <= a->hi) */
		size_t mid = (lo + hi) / 2;
		if (wild_cmp(&D->wild[mid], &key) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return;
	const struct atom *last = &D->wild[lo - 1];
	if (last->family != a->family || last->l4 != a->l4)
		return;
	const struct atom *widest = &D->wild[D->wild_widest[lo - 1]];
	if (widest->hi >= a->lo)
		clash_add(D, a, widest);
}

/* Which other buckets can hold a clash with a, each pair asked once:
 * the more specific side asks the wildcard side. */
static void probe_wildcards(struct detector *D, const struct atom *a)
{
	if (a->iface != ANY && a->addr != ANY) {
		probe_key(D, a, a->iface, ANY);
		probe_key(D, a, ANY, a->addr);
		probe_key(D, a, ANY, ANY);
	} else if (a->iface != ANY) {
		probe_key(D, a, ANY, ANY);
	} else if (a->addr != ANY) {
		probe_key(D, a, ANY, ANY);
		probe_wild(D, a);
	}
}

static int clash_cmp(const void *a, const void *b)
{
	const struct clash *x = a, *y = b;
	if (x->later != y->later)
		return x->later < y->later ? -1 : 1;
	if (x->earlier != y->earlier)
		return x->earlier < y->earlier ? -1 : 1;
	return x->l4 < y->l4 ? -1 : x->l4 > y->l4;
}

static void report(struct detector *D, struct ngw_diags *d)
{
	const struct ngw_ruleset *rs = D->rs;

	if (D->n_clashes == 0)
		return;
	qsort(D->clashes, D->n_clashes, sizeof(*D->clashes), clash_cmp);
	for (size_t i = 0; i < D->n_clashes;) {
		const struct clash *c = &D->clashes[i];
		unsigned l4 = 0;
		size_t j = i;
		for (; j < D->n_clashes && D->clashes[j].later == c->later &&
		       D->clashes[j].earlier == c->earlier; j++) {
			l4 |= D->clashes[j].l4;
			if (c->hairpin && !D->clashes[j].hairpin)
				c = &D->clashes[j];	/* name the direct clash if any */
		}

		const struct ngw_forward *later = &rs->forwards[c->later];
		const struct ngw_forward *earlier = &rs->forwards[c->earlier];
		char ports[NGW_ADDRSTRLEN], where[NGW_ADDRSTRLEN + NGW_IFNAMSIZ + 16] = "";
		struct ngw_port_range r = { c->lo, c->hi };
		size_t used = 0;

		if (c->addr != ANY) {
			char a[NGW_ADDRSTRLEN];
			used += (size_t)snprintf(where + used, sizeof(where) - used, " to %s",
						 addr_format(&D->addrs[c->addr - 1], a));
		}
		if (c->iface != ANY)
			snprintf(where + used, sizeof(where) - used, " %s %s",
				 c->hairpin ? "for hairpin traffic from" : "on",
				 D->ifaces[c->iface - 1]);
		diags_add(d, NGW_ERROR, later->at.rule, "forward \"%s\" overlaps forward \"%s\" "
			  "(%s:%u:%u): %s port%s %s%s", later->name, earlier->name, rs->file,
			  earlier->at.rule.line, earlier->at.rule.col,
			  l4 == NGW_PROTO_BOTH ? "tcp and udp" : l4 == NGW_L4_TCP ? "tcp" : "udp",
			  r.lo == r.hi ? "" : "s", port_range_format(&r, ports), where);
		i = j;
	}
}

void validate_overlaps(const struct ngw_ruleset *rs, const bool *forward_ok,
		       struct ngw_diags *d)
{
	struct detector D = { .rs = rs };

	intern(&D, forward_ok);
	make_atoms(&D, forward_ok);
	sweep_buckets(&D);

	build_wild(&D);
	for (size_t i = 0; i < D.n_atoms; i++)
		probe_wildcards(&D, &D.atoms[i]);
	report(&D, d);

	free(D.kept);
	free(D.buckets);
	free(D.wild);
	free(D.wild_widest);
	free(D.clashes);
	free(D.atoms);
	free(D.ifaces);
	free(D.addrs);
}
