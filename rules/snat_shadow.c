/* SPDX-License-Identifier: GPL-2.0-or-later */
/* snat rules that never match. In postrouting the first snat rule that
 * matches a packet translates it (kmodel.c: each rule's last nft rule
 * translates whatever its matches select, full-cone rules too), so a rule
 * all of whose packets an earlier rule matches is dead. An earlier rule E
 * takes all of a later rule L's traffic when
 *  - E has no egress interface, or every one of L's is among E's;
 *  - E's protocols include L's (any includes every one, both tcp and udp);
 *  - E has no source port, or L has the same one;
 *  - every source prefix of L lies within the union of E's prefixes
 *    (several of E's may hold one of L's together; families never mix).
 * What a rule translates to (to, ports, mode, endpoint_independent) does
 * not change which packets it matches. A rule that several earlier ones
 * cover only together is not reported: the warning names one rule.
 *
 * Cost: each rule's prefixes become sorted, merged address ranges, and
 * every (prefix, protocol, source port, egress interface) of every rule
 * an entry of one sorted index: O(E log E) for E such entries. A rule
 * that covers L has an entry with a prefix holding the first address of
 * L's first prefix, a protocol and port that include L's, and no
 * interface or L's first: at most 12 binary searches per prefix length in
 * use find them all, earliest first. So a list of host rules and a few
 * general ones, or the same prefixes on many interfaces, cost
 * O(E log E); only many rules alike in all of that, none covering the
 * next (each leaving a different second prefix of L uncovered, say), cost
 * a check per pair of them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "validate.h"
#include "natgw/xalloc.h"

struct span {			/* addresses lo..hi of one family */
	struct ngw_addr lo, hi;
};

struct entry {			/* one prefix of one rule, with one of its interfaces */
	struct ngw_prefix p;
	enum ngw_proto proto;
	uint16_t port;		/* the rule's source port, 0 for none */
	const char *iface;	/* "" for none: every interface */
	uint32_t rule;
};

struct group {			/* index[start, end) share a prefix; end 0: a free slot */
	size_t start, end;
};

struct shadow {
	const struct ngw_ruleset *rs;
	const bool *ok;
	struct span *spans;	/* per rule, sorted and merged */
	size_t *first_span;	/* rule i: spans[first_span[i] .. first_span[i + 1]) */
	struct entry *index;	/* the entries of every usable rule, sorted */
	size_t n_index;
	struct group *groups;	/* the runs of one prefix in index, hashed by it */
	size_t mask;		/* groups has mask + 1 slots */
	bool lens[2][129];	/* prefix lengths in use, per family (v4, v6) */
	bool protos[NGW_PROTO_ANY + 1];	/* protocols in use */
	bool ports;		/* a rule with a source port */
};

static unsigned bits(uint8_t family)
{
	return family == NGW_FAMILY_IPV4 ? 32 : 128;
}

/* a with the bits past len cleared, or set when ones. */
static struct ngw_addr masked(const struct ngw_addr *a, unsigned len, bool ones)
{
	struct ngw_addr m = *a;
	unsigned end = bits(a->family) / 8, i = len / 8;

	if (i < end) {
		uint8_t host = (uint8_t)(0xffu >> (len % 8));
		m.b[i] = ones ? (uint8_t)(m.b[i] | host) : (uint8_t)(m.b[i] & ~host);
		memset(m.b + i + 1, ones ? 0xff : 0, end - i - 1);
	}
	return m;
}

/* a + 1 within its family; false past the last address. */
static bool next_addr(struct ngw_addr *a)
{
	for (int i = (int)bits(a->family) / 8 - 1; i >= 0; i--)
		if (++a->b[i] != 0)
			return true;
	return false;
}

static int span_cmp(const void *x, const void *y)
{
	const struct span *a = x, *b = y;
	int c = addr_cmp(&a->lo, &b->lo);
	return c ? c : addr_cmp(&a->hi, &b->hi);
}

/* By prefix (family, length, address): the group a lookup finds. */
static int prefix_cmp(const struct entry *a, const struct entry *b)
{
	if (a->p.addr.family != b->p.addr.family)
		return a->p.addr.family < b->p.addr.family ? -1 : 1;
	if (a->p.len != b->p.len)
		return a->p.len < b->p.len ? -1 : 1;
	return addr_cmp(&a->p.addr, &b->p.addr);
}

/* Within a group: by protocol, port, interface, then rule. */
static int rest_cmp(const struct entry *a, const struct entry *b)
{
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	int c = strcmp(a->iface, b->iface);
	if (c)
		return c;
	return a->rule < b->rule ? -1 : a->rule > b->rule;
}

static int entry_cmp(const void *x, const void *y)
{
	int c = prefix_cmp(x, y);
	return c ? c : rest_cmp(x, y);
}

static bool usable(const struct shadow *S, size_t i)
{
	return S->ok[i] && S->rs->snats[i].from.n > 0;
}

static size_t prefix_hash(const struct ngw_prefix *p)
{
	uint64_t h = 0xcbf29ce484222325u;	/* FNV-1a */
	h = (h ^ p->addr.family) * 0x100000001b3u;
	h = (h ^ p->len) * 0x100000001b3u;
	for (unsigned i = 0; i < bits(p->addr.family) / 8; i++)
		h = (h ^ p->addr.b[i]) * 0x100000001b3u;
	return (size_t)(h ^ (h >> 32));
}

/* The group of entries with prefix p: index[g->start, g->end), or NULL. */
static const struct group *group_find(const struct shadow *S, const struct ngw_prefix *p)
{
	struct entry key = { .p = *p };

	for (size_t i = prefix_hash(p) & S->mask;; i = (i + 1) & S->mask) {
		const struct group *g = &S->groups[i];
		if (!g->end)
			return NULL;
		if (!prefix_cmp(&S->index[g->start], &key))
			return g;
	}
}

/* Hashes each run of one prefix in the sorted index; at most half full. */
static void groups_build(struct shadow *S)
{
	size_t slots = 2;

	while (slots < 2 * S->n_index)
		slots *= 2;
	S->mask = slots - 1;
	S->groups = xcalloc(slots, sizeof(*S->groups));
	for (size_t start = 0, end; start < S->n_index; start = end) {
		for (end = start + 1; end < S->n_index &&
		     !prefix_cmp(&S->index[end], &S->index[start]); end++)
			;
		size_t i = prefix_hash(&S->index[start].p) & S->mask;
		while (S->groups[i].end)
			i = (i + 1) & S->mask;
		S->groups[i] = (struct group){ start, end };
	}
}

/* Each rule's prefixes as merged ranges; every prefix in the index. */
static void build(struct shadow *S)
{
	const struct ngw_ruleset *rs = S->rs;
	size_t total = 0, n = 0;

	for (size_t i = 0; i < rs->n_snats; i++)
		total += usable(S, i) ? rs->snats[i].from.n : 0;
	S->spans = xreallocarray(NULL, total ? total : 1, sizeof(*S->spans));
	total = 0;
	for (size_t i = 0; i < rs->n_snats; i++)
		total += usable(S, i) ? rs->snats[i].from.n *
			 (rs->snats[i].out.n ? rs->snats[i].out.n : 1) : 0;
	S->index = xreallocarray(NULL, total ? total : 1, sizeof(*S->index));
	S->first_span = xreallocarray(NULL, rs->n_snats + 1, sizeof(*S->first_span));
	for (size_t i = 0; i < rs->n_snats; i++) {
		const struct ngw_snat *r = &rs->snats[i];
		size_t start = n;

		S->first_span[i] = start;
		if (!usable(S, i))
			continue;
		S->protos[r->proto] = true;
		S->ports |= r->from_port.lo != 0;
		for (size_t k = 0; k < r->from.n; k++) {
			const struct ngw_prefix *p = &r->from.v[k];
			S->spans[n++] = (struct span){ masked(&p->addr, p->len, false),
						       masked(&p->addr, p->len, true) };
			S->lens[p->addr.family == NGW_FAMILY_IPV6][p->len] = true;
			for (size_t o = 0; o < (r->out.n ? r->out.n : 1); o++)
				S->index[S->n_index++] = (struct entry){
					*p, r->proto, r->from_port.lo,
					r->out.n ? r->out.name[o] : "", (uint32_t)i };
		}
		if (n - start > 1)
			qsort(S->spans + start, n - start, sizeof(*S->spans), span_cmp);
		size_t w = start;	/* merge the spans that overlap or touch */
		for (size_t k = start; k < n; k++) {
			const struct span *cur = &S->spans[k];
			if (w > start) {
				struct span *last = &S->spans[w - 1];
				struct ngw_addr after = last->hi;
				bool more = next_addr(&after);
				if (cur->lo.family == last->hi.family &&
				    (addr_cmp(&cur->lo, &last->hi) <= 0 ||
				     (more && !addr_cmp(&cur->lo, &after)))) {
					if (addr_cmp(&cur->hi, &last->hi) > 0)
						last->hi = cur->hi;
					continue;
				}
			}
			S->spans[w++] = *cur;
		}
		n = w;
	}
	S->first_span[rs->n_snats] = n;
	qsort(S->index, S->n_index, sizeof(*S->index), entry_cmp);
	groups_build(S);
}

/* Whether the union of rule e's prefixes holds all of p. */
static bool spans_hold(const struct shadow *S, size_t e, const struct ngw_prefix *p)
{
	struct span want = { masked(&p->addr, p->len, false), masked(&p->addr, p->len, true) };
	size_t lo = S->first_span[e], hi = S->first_span[e + 1];

	while (lo < hi) {	/* the first span starting after want.lo */
		size_t mid = (lo + hi) / 2;
		if (addr_cmp(&S->spans[mid].lo, &want.lo) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == S->first_span[e])
		return false;
	const struct span *s = &S->spans[lo - 1];
	return s->lo.family == want.lo.family && addr_cmp(&s->hi, &want.hi) >= 0;
}

static bool listed(const struct ngw_ifaces *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->name[i], name))
			return true;
	return false;
}

/* Whether earlier rule e matches every packet later rule l matches. */
static bool covers(const struct shadow *S, size_t e, size_t l)
{
	const struct ngw_snat *E = &S->rs->snats[e], *L = &S->rs->snats[l];

	if (E->proto != NGW_PROTO_ANY &&
	    (L->proto == NGW_PROTO_ANY || ((unsigned)L->proto & ~(unsigned)E->proto)))
		return false;
	if (E->from_port.lo && E->from_port.lo != L->from_port.lo)
		return false;
	if (E->out.n) {
		if (!L->out.n)
			return false;
		for (size_t i = 0; i < L->out.n; i++)
			if (!listed(&E->out, L->out.name[i]))
				return false;
	}
	for (size_t i = 0; i < L->from.n; i++)
		if (!spans_hold(S, e, &L->from.v[i]))
			return false;
	return true;
}

/* The first entry of index[lo, hi) not before key. */
static size_t lower_bound(const struct shadow *S, size_t lo, size_t hi, const struct entry *key)
{
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (entry_cmp(&S->index[mid], key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The first rule before *best that covers l among the entries of the
 * group index[g0, g1) like key (key's rule is 0), into *best. */
static void search(const struct shadow *S, size_t g0, size_t g1, const struct entry *key,
		   size_t l, size_t *best)
{
	for (size_t i = lower_bound(S, g0, g1, key); i < g1 && S->index[i].rule < *best; i++) {
		struct entry x = S->index[i];
		x.rule = key->rule;
		if (rest_cmp(&x, key))
			return;
		if (covers(S, S->index[i].rule, l)) {
			*best = S->index[i].rule;
			return;
		}
	}
}

/* The earliest rule before l that covers it; l when none does. */
static size_t shadowing(const struct shadow *S, size_t l)
{
	const struct ngw_snat *L = &S->rs->snats[l];
	const struct ngw_addr *a = &L->from.v[0].addr;
	static const enum ngw_proto wider[] = { NGW_PROTO_ANY, NGW_PROTO_BOTH, NGW_PROTO_TCP,
						NGW_PROTO_UDP };
	size_t best = l;

	for (unsigned len = 0; len <= bits(a->family); len++) {
		if (!S->lens[a->family == NGW_FAMILY_IPV6][len])
			continue;
		/* the entries whose prefix holds a at this length */
		struct entry key = { .p = { masked(a, len, false), (uint8_t)len }, .iface = "" };
		const struct group *g = group_find(S, &key.p);
		if (!g)
			continue;
		size_t g0 = g->start, g1 = g->end;
		for (size_t p = 0; p < sizeof(wider) / sizeof(*wider); p++) {
			key.proto = wider[p];
			if (!S->protos[key.proto] ||
			    (key.proto != NGW_PROTO_ANY && (L->proto == NGW_PROTO_ANY ||
			     ((unsigned)L->proto & ~(unsigned)key.proto))))
				continue;
			for (int port = 0; port <= (S->ports && L->from_port.lo); port++) {
				key.port = port ? L->from_port.lo : 0;
				key.iface = "";
				search(S, g0, g1, &key, l, &best);
				if (L->out.n) {
					key.iface = L->out.name[0];
					search(S, g0, g1, &key, l, &best);
				}
			}
		}
	}
	return best;
}

void validate_snat_shadow(const struct ngw_ruleset *rs, const bool *snat_ok, struct ngw_diags *d)
{
	struct shadow S = { .rs = rs, .ok = snat_ok };

	if (rs->n_snats < 2)
		return;
	build(&S);
	for (size_t l = 1; l < rs->n_snats; l++) {
		size_t e;
		if (!usable(&S, l) || (e = shadowing(&S, l)) == l)
			continue;
		const struct ngw_snat *L = &rs->snats[l], *E = &rs->snats[e];
		diags_add(d, NGW_WARNING, L->at.rule, "snat \"%s\" never matches: snat \"%s\" "
			  "(%s:%u:%u) comes before it and takes all of its traffic (the first "
			  "snat rule that matches a packet applies); move it above \"%s\" or "
			  "remove it", L->name, E->name, rs->file, E->at.rule.line,
			  E->at.rule.col, E->name);
	}
	free(S.groups);
	free(S.index);
	free(S.first_span);
	free(S.spans);
}
