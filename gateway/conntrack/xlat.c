/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <linux/netfilter/nf_conntrack_common.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "compile/fnv.h"
#include "xlat.h"
#include "natgw/xalloc.h"

/* A mapping as the table keeps it: the original tuple and the translated
 * socket (the reply's destination for an outbound connection, its source
 * for an inbound one); remote, external and internal follow from those.
 * The direction (SLOT_INBOUND) is apart from the kind (SLOT_SNAT): a remote
 * reaching a full-cone snat mapping is inbound. 104 bytes, in slabs,
 * no allocator header: a million mappings fit in about 115 MiB. The chains
 * are doubly linked: every connection through one forward shares its
 * external and internal socket, so those chains can be a million long, and
 * a mapping must leave its chain without walking it. */
struct slot {
	uint8_t family, l4, flags, tcp_state;
	uint16_t sport, dport, xport;
	uint16_t zone;			/* conntrack zone: a tuple is unique within one */
	uint32_t id, mark, status, timeout;
	uint32_t generation;		/* of the last dump or event that saw it */
	uint32_t next_key, next_int, next_ext;	/* chains: slot + 1, 0 ends */
	uint32_t prev_key, prev_int, prev_ext;	/* slot + 1, 0: the bucket's head */
	uint8_t src[16], dst[16], xaddr[16];
};

_Static_assert(sizeof(struct slot) == 104, "a slot is 104 bytes (bench B6 counts on it)");

enum { SLOT_SNAT = 1, SLOT_EI = 2, SLOT_INBOUND = 4, SLOT_IN_USE = 8 };
#define SLAB_BITS 12
#define SLAB_SLOTS (1u << SLAB_BITS)

/* Three chained hash tables over the same slots: by conntrack tuple, by
 * internal socket, by external socket. They grow at load 1. */
struct xlat {
	struct slot **slabs;
	size_t n_slabs;
	uint32_t free_head;		/* slot + 1 of a free slot, chained by next_key */
	uint32_t *by_key, *by_int, *by_ext;
	size_t buckets, count;
	uint32_t generation;
	xlat_kind_fn kind;
	void *kind_arg;
	struct xlat_mapping view;	/* what the last call returned */
};

static struct slot *slot_at(const struct xlat *x, uint32_t i)
{
	return &x->slabs[i >> SLAB_BITS][i & (SLAB_SLOTS - 1)];
}


static size_t family_len(uint8_t family)
{
	return family == NGW_FAMILY_IPV4 ? 4 : 16;
}

static uint64_t hash_socket(uint8_t l4, uint8_t family, const uint8_t *addr, uint16_t port)
{
	uint64_t h = fnv64(FNV64_BASIS, &l4, 1);
	h = fnv64(h, &family, 1);
	h = fnv64(h, addr, family_len(family));
	return fnv64(h, &port, sizeof(port));
}

static uint64_t hash_tuple(uint8_t l4, uint8_t family, const uint8_t *src, const uint8_t *dst,
			   uint16_t sport, uint16_t dport)
{
	uint64_t h = fnv64(FNV64_BASIS, &l4, 1);
	h = fnv64(h, &family, 1);
	h = fnv64(h, src, family_len(family));
	h = fnv64(h, dst, family_len(family));
	h = fnv64(h, &sport, 2);
	return fnv64(h, &dport, 2);
}

static bool is_icmp(uint8_t l4)
{
	return l4 == IPPROTO_ICMP || l4 == IPPROTO_ICMPV6;
}

/* What tells a tuple from another between the same addresses: its ports,
 * or for ICMP its id, type and code (two pings of one host to one remote
 * differ by their id alone). A slot keeps these in sport and dport. */
static void tuple_ids(const struct ct_tuple *t, uint16_t *a, uint16_t *b)
{
	*a = is_icmp(t->l4) ? t->icmp_id : t->sport;
	*b = is_icmp(t->l4) ? (uint16_t)(t->icmp_type << 8 | t->icmp_code) : t->dport;
}

/* Where a slot's internal and external sockets are (ICMP has no ports). */
static void slot_internal(const struct slot *s, const uint8_t **addr, uint16_t *port)
{
	bool in = s->flags & SLOT_INBOUND;
	*addr = in ? s->xaddr : s->src;
	*port = is_icmp(s->l4) ? 0 : in ? s->xport : s->sport;
}

static void slot_external(const struct slot *s, const uint8_t **addr, uint16_t *port)
{
	bool in = s->flags & SLOT_INBOUND;
	*addr = in ? s->dst : s->xaddr;
	*port = is_icmp(s->l4) ? 0 : in ? s->dport : s->xport;
}

static size_t key_bucket(const struct xlat *x, const struct slot *s)
{
	return hash_tuple(s->l4, s->family, s->src, s->dst, s->sport, s->dport) & (x->buckets - 1);
}

static size_t int_bucket(const struct xlat *x, const struct slot *s)
{
	const uint8_t *a;
	uint16_t p;
	slot_internal(s, &a, &p);
	return hash_socket(s->l4, s->family, a, p) & (x->buckets - 1);
}

static size_t ext_bucket(const struct xlat *x, const struct slot *s)
{
	const uint8_t *a;
	uint16_t p;
	slot_external(s, &a, &p);
	return hash_socket(s->l4, s->family, a, p) & (x->buckets - 1);
}

static void socket_of(uint8_t family, const uint8_t *addr, uint16_t port, struct xlat_socket *out)
{
	memset(out, 0, sizeof(*out));
	out->addr.family = family;
	memcpy(out->addr.b, addr, family_len(family));
	out->port = port;
}

/* The mapping a slot holds, without counters. */
static void slot_view(const struct slot *s, uint32_t i, struct xlat_mapping *m)
{
	const uint8_t *a;
	uint16_t p;

	memset(m, 0, sizeof(*m));
	m->key.l4 = s->l4;
	m->key.src.family = m->key.dst.family = s->family;
	memcpy(m->key.src.b, s->src, family_len(s->family));
	memcpy(m->key.dst.b, s->dst, family_len(s->family));
	if (is_icmp(s->l4)) {
		m->key.icmp_id = s->sport;
		m->key.icmp_type = (uint8_t)(s->dport >> 8);
		m->key.icmp_code = (uint8_t)s->dport;
	} else {
		m->key.sport = s->sport;
		m->key.dport = s->dport;
	}
	m->id = s->id;
	m->zone = s->zone;
	m->mark = s->mark;
	m->snat = s->flags & SLOT_SNAT;
	m->inbound = s->flags & SLOT_INBOUND;
	m->endpoint_independent = s->flags & SLOT_EI;
	m->l4 = s->l4;
	slot_internal(s, &a, &p);
	socket_of(s->family, a, p, &m->internal);
	slot_external(s, &a, &p);
	socket_of(s->family, a, p, &m->external);
	if (m->inbound)
		socket_of(s->family, s->src, m->key.sport, &m->remote);
	else
		socket_of(s->family, s->dst, m->key.dport, &m->remote);
	m->status = s->status;
	m->timeout = s->timeout;
	m->tcp_state = s->tcp_state;
	m->slot = i;
}

static void slot_fill(struct slot *s, const struct xlat_mapping *m)
{
	const struct xlat_socket *x = m->inbound ? &m->internal : &m->external;

	memset(s, 0, sizeof(*s));
	s->family = m->key.src.family;
	s->l4 = m->l4;
	s->flags = (uint8_t)((m->snat ? SLOT_SNAT : 0) | (m->endpoint_independent ? SLOT_EI : 0) |
			     (m->inbound ? SLOT_INBOUND : 0));
	s->tcp_state = m->tcp_state;
	tuple_ids(&m->key, &s->sport, &s->dport);
	memcpy(s->src, m->key.src.b, sizeof(s->src));
	memcpy(s->dst, m->key.dst.b, sizeof(s->dst));
	memcpy(s->xaddr, x->addr.b, sizeof(s->xaddr));
	s->xport = x->port;
	s->id = m->id;
	s->zone = m->zone;
	s->mark = m->mark;
	s->status = m->status;
	s->timeout = m->timeout;
	s->flags |= SLOT_IN_USE;
}

static uint32_t *tables_alloc(size_t buckets)
{
	uint32_t *t = xcalloc(buckets, sizeof(*t));
	return t;
}

struct xlat *xlat_new(xlat_kind_fn kind, void *kind_arg)
{
	struct xlat *x = xcalloc(1, sizeof(*x));
	x->buckets = 1024;
	x->by_key = tables_alloc(x->buckets);
	x->by_int = tables_alloc(x->buckets);
	x->by_ext = tables_alloc(x->buckets);
	x->kind = kind;
	x->kind_arg = kind_arg;
	return x;
}

void xlat_free(struct xlat *x)
{
	if (!x)
		return;
	for (size_t i = 0; i < x->n_slabs; i++)
		free(x->slabs[i]);
	free(x->slabs);
	free(x->by_key);
	free(x->by_int);
	free(x->by_ext);
	free(x);
}

size_t xlat_count(const struct xlat *x)
{
	return x->count;
}

static uint32_t slot_take(struct xlat *x)
{
	if (!x->free_head) {
		/* a new slab: its slots go on the free list, the first one last */
		x->slabs = xreallocarray(x->slabs, x->n_slabs + 1, sizeof(*x->slabs));
		struct slot *slab = xcalloc(SLAB_SLOTS, sizeof(*slab));
		x->slabs[x->n_slabs] = slab;
		uint32_t base = (uint32_t)(x->n_slabs++ << SLAB_BITS);
		for (uint32_t j = SLAB_SLOTS; j-- > 0;) {
			slab[j].next_key = x->free_head;
			x->free_head = base + j + 1;
		}
	}
	uint32_t i = x->free_head - 1;
	x->free_head = slot_at(x, i)->next_key;
	return i;
}

static void slot_give(struct xlat *x, uint32_t i)
{
	struct slot *s = slot_at(x, i);
	memset(s, 0, sizeof(*s));
	s->next_key = x->free_head;
	x->free_head = i + 1;
}

/* The three chains of a slot: its next and previous links, and its bucket. */
struct chain_ref {
	uint32_t *next, *prev, *head;
};

static void chains_of(struct xlat *x, struct slot *s, struct chain_ref c[3])
{
	c[0] = (struct chain_ref){ &s->next_key, &s->prev_key, &x->by_key[key_bucket(x, s)] };
	c[1] = (struct chain_ref){ &s->next_int, &s->prev_int, &x->by_int[int_bucket(x, s)] };
	c[2] = (struct chain_ref){ &s->next_ext, &s->prev_ext, &x->by_ext[ext_bucket(x, s)] };
}

/* The link of chain k (0 key, 1 internal, 2 external) in slot j + 1. */
static uint32_t *link_next(struct xlat *x, uint32_t j, int k)
{
	struct slot *s = slot_at(x, j - 1);
	return k == 0 ? &s->next_key : k == 1 ? &s->next_int : &s->next_ext;
}

static uint32_t *link_prev(struct xlat *x, uint32_t j, int k)
{
	struct slot *s = slot_at(x, j - 1);
	return k == 0 ? &s->prev_key : k == 1 ? &s->prev_int : &s->prev_ext;
}

static void link_in(struct xlat *x, uint32_t i)
{
	struct chain_ref c[3];

	chains_of(x, slot_at(x, i), c);
	for (int k = 0; k < 3; k++) {
		*c[k].next = *c[k].head;
		*c[k].prev = 0;
		if (*c[k].head)
			*link_prev(x, *c[k].head, k) = i + 1;
		*c[k].head = i + 1;
	}
}

static void unlink_all(struct xlat *x, uint32_t i)
{
	struct chain_ref c[3];

	chains_of(x, slot_at(x, i), c);
	for (int k = 0; k < 3; k++) {
		if (*c[k].prev)
			*link_next(x, *c[k].prev, k) = *c[k].next;
		else
			*c[k].head = *c[k].next;
		if (*c[k].next)
			*link_prev(x, *c[k].next, k) = *c[k].prev;
	}
}

static void grow_tables(struct xlat *x)
{
	free(x->by_key);
	free(x->by_int);
	free(x->by_ext);
	x->buckets *= 2;
	x->by_key = tables_alloc(x->buckets);
	x->by_int = tables_alloc(x->buckets);
	x->by_ext = tables_alloc(x->buckets);
	for (uint32_t i = 0; i < (uint32_t)(x->n_slabs << SLAB_BITS); i++)
		if (slot_at(x, i)->flags & SLOT_IN_USE)
			link_in(x, i);
}

static bool slot_is(const struct slot *s, const struct ct_tuple *t, uint16_t zone)
{
	size_t n = family_len(s->family);
	uint16_t a, b;
	tuple_ids(t, &a, &b);
	return s->l4 == t->l4 && s->family == t->src.family && s->sport == a && s->dport == b &&
	       s->zone == zone &&
	       !memcmp(s->src, t->src.b, n) && !memcmp(s->dst, t->dst.b, n);
}

/* The slot of tuple t + 1, or 0. */
static uint32_t find(const struct xlat *x, const struct ct_tuple *t, uint16_t zone)
{
	uint16_t a, b;
	tuple_ids(t, &a, &b);
	uint64_t h = hash_tuple(t->l4, t->src.family, t->src.b, t->dst.b, a, b);
	for (uint32_t i = x->by_key[h & (x->buckets - 1)]; i; i = slot_at(x, i - 1)->next_key)
		if (slot_is(slot_at(x, i - 1), t, zone))
			return i;
	return 0;
}

bool xlat_entry_inbound(const struct ct_entry *e, bool snat)
{
	if (e->status & IPS_DST_NAT)
		return true;	/* a forward, a full-cone mapping's remote, a hairpin */
	if (e->status & IPS_SRC_NAT)
		return false;
	return !snat;
}

bool xlat_from_entry(const struct ct_entry *e, bool snat, struct xlat_mapping *m)
{
	memset(m, 0, sizeof(*m));
	if (!e->has_orig || !e->has_reply)
		return false;
	m->key = e->orig;
	m->zone = e->zone;
	m->id = e->id;
	m->mark = e->mark;
	m->snat = snat;
	m->inbound = xlat_entry_inbound(e, snat);
	m->l4 = e->orig.l4;
	if (m->inbound) {	/* out -> in: the reply comes from the translated destination */
		m->remote = (struct xlat_socket){ e->orig.src, e->orig.sport };
		m->external = (struct xlat_socket){ e->orig.dst, e->orig.dport };
		m->internal = (struct xlat_socket){ e->reply.src, e->reply.sport };
	} else {		/* in -> out: the reply comes back to the translated source */
		m->internal = (struct xlat_socket){ e->orig.src, e->orig.sport };
		m->remote = (struct xlat_socket){ e->orig.dst, e->orig.dport };
		m->external = (struct xlat_socket){ e->reply.dst, e->reply.dport };
	}
	m->status = e->status;
	m->timeout = e->timeout;
	m->tcp_state = e->tcp_state;
	m->packets = e->packets;
	m->bytes = e->bytes;
	return true;
}

bool xlat_entry_is_snat(const struct ct_entry *e, xlat_kind_fn kind, void *kind_arg)
{
	bool snat = false;
	if (kind && kind(e->mark, &snat, kind_arg))
		return snat;
	return !(e->status & IPS_DST_NAT);
}

static bool kind_of(const struct xlat *x, const struct ct_entry *e)
{
	return xlat_entry_is_snat(e, x->kind, x->kind_arg);
}

const struct xlat_mapping *xlat_upsert(struct xlat *x, const struct ct_entry *e, bool *added)
{
	struct xlat_mapping *fresh = &x->view;
	uint32_t found = find(x, &e->orig, e->zone), i;

	*added = false;
	if (!xlat_from_entry(e, kind_of(x, e), fresh))
		return NULL;
	if (found) {	/* the sockets of a tuple do not change; its state does */
		i = found - 1;
		struct slot *s = slot_at(x, i);
		s->id = fresh->id;
		s->mark = fresh->mark;
		s->status = fresh->status;
		s->timeout = fresh->timeout;
		s->tcp_state = fresh->tcp_state;
		s->generation = x->generation;
		slot_view(s, i, fresh);
		fresh->packets = e->packets;
		fresh->bytes = e->bytes;
		return fresh;
	}
	if (x->count >= x->buckets)
		grow_tables(x);
	i = slot_take(x);
	slot_fill(slot_at(x, i), fresh);
	slot_at(x, i)->generation = x->generation;
	link_in(x, i);
	x->count++;
	fresh->slot = i;
	*added = true;
	return fresh;
}

static void drop(struct xlat *x, uint32_t i)
{
	unlink_all(x, i);
	slot_give(x, i);
	x->count--;
}

bool xlat_remove(struct xlat *x, const struct ct_entry *e, struct xlat_mapping *gone)
{
	uint32_t found = find(x, &e->orig, e->zone);

	if (!found)
		return false;
	if (gone)
		slot_view(slot_at(x, found - 1), found - 1, gone);
	drop(x, found - 1);
	return true;
}

void xlat_resync_begin(struct xlat *x)
{
	x->generation++;
}

const struct xlat_mapping *xlat_resync_entry(struct xlat *x, const struct ct_entry *e,
					     void (*appeared)(const struct xlat_mapping *m,
							      void *arg), void *arg)
{
	bool added;
	const struct xlat_mapping *m = xlat_upsert(x, e, &added);
	if (m && added && appeared)
		appeared(m, arg);
	return m;
}

void xlat_resync_end(struct xlat *x, void (*ended)(const struct xlat_mapping *m, void *arg),
		     void *arg)
{
	for (uint32_t i = 0; i < (uint32_t)(x->n_slabs << SLAB_BITS); i++) {
		struct slot *s = slot_at(x, i);
		if (!(s->flags & SLOT_IN_USE) || s->generation == x->generation)
			continue;
		if (ended) {
			struct xlat_mapping m;
			slot_view(s, i, &m);
			ended(&m, arg);
		}
		drop(x, i);
	}
}

/* The next slot after chain link i (slot + 1) with this socket. */
static const struct xlat_mapping *socket_walk(struct xlat *x, uint32_t i, bool internal,
					      uint8_t l4, const struct xlat_socket *sock)
{
	for (; i; i = internal ? slot_at(x, i - 1)->next_int : slot_at(x, i - 1)->next_ext) {
		const struct slot *s = slot_at(x, i - 1);
		const uint8_t *a;
		uint16_t p;
		(internal ? slot_internal : slot_external)(s, &a, &p);
		if (s->l4 == l4 && s->family == sock->addr.family && p == sock->port &&
		    !memcmp(a, sock->addr.b, family_len(s->family))) {
			slot_view(s, i - 1, &x->view);
			return &x->view;
		}
	}
	return NULL;
}

const struct xlat_mapping *xlat_lookup_internal(struct xlat *x, uint8_t l4,
						const struct xlat_socket *s)
{
	uint64_t h = hash_socket(l4, s->addr.family, s->addr.b, s->port);
	return socket_walk(x, x->by_int[h & (x->buckets - 1)], true, l4, s);
}

const struct xlat_mapping *xlat_next_internal(struct xlat *x, const struct xlat_mapping *m)
{
	struct xlat_socket s = m->internal;
	return socket_walk(x, slot_at(x, m->slot)->next_int, true, m->l4, &s);
}

const struct xlat_mapping *xlat_lookup_external(struct xlat *x, uint8_t l4,
						const struct xlat_socket *s)
{
	uint64_t h = hash_socket(l4, s->addr.family, s->addr.b, s->port);
	return socket_walk(x, x->by_ext[h & (x->buckets - 1)], false, l4, s);
}

const struct xlat_mapping *xlat_next_external(struct xlat *x, const struct xlat_mapping *m)
{
	struct xlat_socket s = m->external;
	return socket_walk(x, slot_at(x, m->slot)->next_ext, false, m->l4, &s);
}

void xlat_foreach(const struct xlat *x, void (*cb)(const struct xlat_mapping *m, void *arg),
		  void *arg)
{
	for (uint32_t i = 0; i < (uint32_t)(x->n_slabs << SLAB_BITS); i++) {
		const struct slot *s = slot_at(x, i);
		if (!(s->flags & SLOT_IN_USE))
			continue;
		struct xlat_mapping m;
		slot_view(s, i, &m);
		cb(&m, arg);
	}
}

const char *xlat_socket_format(const struct xlat_socket *s, char *buf)
{
	if (!s->addr.family)
		return "*";
	struct ngw_port_range p = { s->port, s->port };
	return socket_format(&s->addr, &p, buf);
}
