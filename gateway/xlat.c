/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <linux/netfilter/nf_conntrack_common.h>
#include <stdlib.h>
#include <string.h>

#include "xlat.h"

/* Three chained hash tables over the same mappings: by conntrack tuple,
 * by internal socket, by external socket. They grow at load 1. */
struct xlat {
	struct xlat_mapping **by_key, **by_int, **by_ext;
	size_t buckets, count;
	uint64_t generation;
	xlat_kind_fn kind;
	void *kind_arg;
};

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static size_t addr_len(const struct ngw_addr *a)
{
	return a->family == NGW_FAMILY_IPV4 ? 4 : 16;
}

static uint64_t hash_socket(uint8_t l4, const struct xlat_socket *s)
{
	uint64_t h = mix(0xcbf29ce484222325ull, &l4, 1);
	h = mix(h, &s->addr.family, 1);
	h = mix(h, s->addr.b, addr_len(&s->addr));
	return mix(h, &s->port, sizeof(s->port));
}

static uint64_t hash_tuple(const struct ct_tuple *t)
{
	uint64_t h = mix(0xcbf29ce484222325ull, &t->l4, 1);
	h = mix(h, &t->src.family, 1);
	h = mix(h, t->src.b, addr_len(&t->src));
	h = mix(h, t->dst.b, addr_len(&t->dst));
	h = mix(h, &t->sport, 2);
	return mix(h, &t->dport, 2);
}

static bool same_socket(const struct xlat_socket *a, const struct xlat_socket *b)
{
	return a->port == b->port && !addr_cmp(&a->addr, &b->addr);
}

static bool same_tuple(const struct ct_tuple *a, const struct ct_tuple *b)
{
	return a->l4 == b->l4 && a->sport == b->sport && a->dport == b->dport &&
	       !addr_cmp(&a->src, &b->src) && !addr_cmp(&a->dst, &b->dst);
}

struct xlat *xlat_new(xlat_kind_fn kind, void *kind_arg)
{
	struct xlat *x = calloc(1, sizeof(*x));
	if (!x)
		abort();
	x->buckets = 1024;
	x->by_key = calloc(x->buckets, sizeof(*x->by_key));
	x->by_int = calloc(x->buckets, sizeof(*x->by_int));
	x->by_ext = calloc(x->buckets, sizeof(*x->by_ext));
	if (!x->by_key || !x->by_int || !x->by_ext)
		abort();
	x->kind = kind;
	x->kind_arg = kind_arg;
	return x;
}

void xlat_free(struct xlat *x)
{
	if (!x)
		return;
	for (size_t i = 0; i < x->buckets; i++) {
		struct xlat_mapping *m = x->by_key[i];
		while (m) {
			struct xlat_mapping *next = m->next_key;
			free(m);
			m = next;
		}
	}
	free(x->by_key);
	free(x->by_int);
	free(x->by_ext);
	free(x);
}

size_t xlat_count(const struct xlat *x)
{
	return x->count;
}

static void link_in(struct xlat *x, struct xlat_mapping *m)
{
	size_t k = hash_tuple(&m->key) % x->buckets;
	size_t i = hash_socket(m->l4, &m->internal) % x->buckets;
	size_t e = hash_socket(m->l4, &m->external) % x->buckets;
	m->next_key = x->by_key[k];
	x->by_key[k] = m;
	m->next_int = x->by_int[i];
	x->by_int[i] = m;
	m->next_ext = x->by_ext[e];
	x->by_ext[e] = m;
}

static void unlink_from(struct xlat_mapping **head, struct xlat_mapping *m, size_t off)
{
	/* off: offset of the chain's next pointer in struct xlat_mapping */
	for (struct xlat_mapping **p = head; *p;
	     p = (struct xlat_mapping **)((char *)*p + off)) {
		if (*p == m) {
			*p = *(struct xlat_mapping **)((char *)m + off);
			return;
		}
	}
}

static void unlink_all(struct xlat *x, struct xlat_mapping *m)
{
	unlink_from(&x->by_key[hash_tuple(&m->key) % x->buckets], m,
		    offsetof(struct xlat_mapping, next_key));
	unlink_from(&x->by_int[hash_socket(m->l4, &m->internal) % x->buckets], m,
		    offsetof(struct xlat_mapping, next_int));
	unlink_from(&x->by_ext[hash_socket(m->l4, &m->external) % x->buckets], m,
		    offsetof(struct xlat_mapping, next_ext));
}

static void grow_tables(struct xlat *x)
{
	size_t old = x->buckets;
	struct xlat_mapping **keys = x->by_key;

	x->buckets *= 2;
	x->by_key = calloc(x->buckets, sizeof(*x->by_key));
	free(x->by_int);
	free(x->by_ext);
	x->by_int = calloc(x->buckets, sizeof(*x->by_int));
	x->by_ext = calloc(x->buckets, sizeof(*x->by_ext));
	if (!x->by_key || !x->by_int || !x->by_ext)
		abort();
	for (size_t b = 0; b < old; b++) {
		struct xlat_mapping *m = keys[b];
		while (m) {
			struct xlat_mapping *next = m->next_key;
			link_in(x, m);
			m = next;
		}
	}
	free(keys);
}

static struct xlat_mapping *find(const struct xlat *x, const struct ct_tuple *t)
{
	struct xlat_mapping *m = x->by_key[hash_tuple(t) % x->buckets];
	for (; m; m = m->next_key)
		if (same_tuple(&m->key, t))
			return m;
	return NULL;
}

bool xlat_from_entry(const struct ct_entry *e, bool snat, struct xlat_mapping *m)
{
	memset(m, 0, sizeof(*m));
	if (!e->has_orig || !e->has_reply)
		return false;
	m->key = e->orig;
	m->id = e->id;
	m->mark = e->mark;
	m->snat = snat;
	m->l4 = e->orig.l4;
	if (snat) {	/* inside -> out: the reply comes back to the translated source */
		m->internal = (struct xlat_socket){ e->orig.src, e->orig.sport };
		m->remote = (struct xlat_socket){ e->orig.dst, e->orig.dport };
		m->external = (struct xlat_socket){ e->reply.dst, e->reply.dport };
	} else {	/* out -> in: the reply comes from the translated destination */
		m->remote = (struct xlat_socket){ e->orig.src, e->orig.sport };
		m->external = (struct xlat_socket){ e->orig.dst, e->orig.dport };
		m->internal = (struct xlat_socket){ e->reply.src, e->reply.sport };
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
	struct xlat_mapping fresh, *m = find(x, &e->orig);

	*added = false;
	if (!xlat_from_entry(e, kind_of(x, e), &fresh))
		return NULL;
	fresh.generation = x->generation;
	if (m) {	/* the sockets of a tuple do not change; its state does */
		m->id = fresh.id;
		m->mark = fresh.mark;
		m->status = fresh.status;
		m->timeout = fresh.timeout;
		m->tcp_state = fresh.tcp_state;
		m->packets = fresh.packets;
		m->bytes = fresh.bytes;
		m->generation = fresh.generation;
		return m;
	}
	if (x->count >= x->buckets)
		grow_tables(x);
	m = malloc(sizeof(*m));
	if (!m)
		abort();
	*m = fresh;
	link_in(x, m);
	x->count++;
	*added = true;
	return m;
}

bool xlat_remove(struct xlat *x, const struct ct_entry *e, struct xlat_mapping *gone)
{
	struct xlat_mapping *m = find(x, &e->orig);

	if (!m)
		return false;
	unlink_all(x, m);
	if (gone)
		*gone = *m;
	free(m);
	x->count--;
	return true;
}

void xlat_resync_begin(struct xlat *x)
{
	x->generation++;
}

void xlat_resync_entry(struct xlat *x, const struct ct_entry *e,
		       void (*appeared)(const struct xlat_mapping *m, void *arg), void *arg)
{
	bool added;
	const struct xlat_mapping *m = xlat_upsert(x, e, &added);
	if (m && added && appeared)
		appeared(m, arg);
}

void xlat_resync_end(struct xlat *x, void (*ended)(const struct xlat_mapping *m, void *arg),
		     void *arg)
{
	for (size_t b = 0; b < x->buckets; b++) {
		struct xlat_mapping *m = x->by_key[b];
		while (m) {
			struct xlat_mapping *next = m->next_key;
			if (m->generation != x->generation) {
				unlink_all(x, m);
				if (ended)
					ended(m, arg);
				free(m);
				x->count--;
			}
			m = next;
		}
	}
}

const struct xlat_mapping *xlat_lookup_internal(const struct xlat *x, uint8_t l4,
						const struct xlat_socket *s)
{
	const struct xlat_mapping *m = x->by_int[hash_socket(l4, s) % x->buckets];
	for (; m; m = m->next_int)
		if (m->l4 == l4 && same_socket(&m->internal, s))
			return m;
	return NULL;
}

const struct xlat_mapping *xlat_next_internal(const struct xlat_mapping *m)
{
	for (const struct xlat_mapping *n = m->next_int; n; n = n->next_int)
		if (n->l4 == m->l4 && same_socket(&n->internal, &m->internal))
			return n;
	return NULL;
}

const struct xlat_mapping *xlat_lookup_external(const struct xlat *x, uint8_t l4,
						const struct xlat_socket *s)
{
	const struct xlat_mapping *m = x->by_ext[hash_socket(l4, s) % x->buckets];
	for (; m; m = m->next_ext)
		if (m->l4 == l4 && same_socket(&m->external, s))
			return m;
	return NULL;
}

const struct xlat_mapping *xlat_next_external(const struct xlat_mapping *m)
{
	for (const struct xlat_mapping *n = m->next_ext; n; n = n->next_ext)
		if (n->l4 == m->l4 && same_socket(&n->external, &m->external))
			return n;
	return NULL;
}

void xlat_foreach(const struct xlat *x, void (*cb)(const struct xlat_mapping *m, void *arg),
		  void *arg)
{
	for (size_t b = 0; b < x->buckets; b++)
		for (const struct xlat_mapping *m = x->by_key[b]; m; m = m->next_key)
			cb(m, arg);
}

const char *xlat_socket_format(const struct xlat_socket *s, char *buf)
{
	if (!s->addr.family)
		return "*";
	struct ngw_port_range p = { s->port, s->port };
	return socket_format(&s->addr, &p, buf);
}
