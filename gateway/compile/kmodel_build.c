/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The compiler's building blocks (kmodel_build.h): set elements byte by
 * byte, chain rules op by op. Below both kmodel.c and kmodel_ei.c, which
 * call it and nothing of each other's but the entry points. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmodel_build.h"
#include "natgw/xalloc.h"

/* ---- set elements ------------------------------------------------------ */

void km_put(struct key_builder *k, const void *v, unsigned n, unsigned padded)
{
	memset(k->p + k->len, 0, padded);
	memcpy(k->p + k->len, v, n);
	k->len = (uint8_t)(k->len + padded);
}

void km_put_ifname(struct key_builder *k, const char *name)
{
	km_put(k, name, (unsigned)strnlen(name, NGW_IFNAMSIZ - 1), 16);
}

void km_put_u8(struct key_builder *k, uint8_t v)
{
	km_put(k, &v, 1, 4);
}

void km_put_port(struct key_builder *k, uint16_t port)
{
	uint16_t be = htons(port);
	km_put(k, &be, 2, 4);
}

void km_put_addr(struct key_builder *k, const struct ngw_addr *a)
{
	unsigned n = a->family == NGW_FAMILY_IPV4 ? 4 : 16;
	km_put(k, a->b, n, n);
}

void km_put_mark(struct key_builder *k, uint32_t mark)
{
	km_put(k, &mark, 4, 4);
}

void km_put_mark_be(struct key_builder *k, uint32_t mark)
{
	uint32_t be = htonl(mark);
	km_put(k, &be, 4, 4);
}

/* The first or the last address of a prefix. */
void km_put_prefix_end(struct key_builder *k, const struct ngw_prefix *p, bool last)
{
	struct ngw_addr a = p->addr;
	unsigned bits = a.family == NGW_FAMILY_IPV4 ? 32 : 128;

	for (unsigned bit = p->len; last && bit < bits; bit++)
		a.b[bit / 8] |= (uint8_t)(0x80u >> (bit % 8));
	km_put_addr(k, &a);
}

struct kelem *km_elem(struct kmodel *m, enum kset set, uint32_t rule)
{
	m->elems = grow(m->elems, &m->cap_elems, m->n_elems, sizeof(*m->elems));
	struct kelem *e = &m->elems[m->n_elems++];
	memset(e, 0, sizeof(*e));
	e->set = (uint8_t)set;
	e->rule = rule;
	return e;
}

struct kelem *km_elem_mark(struct kmodel *m, enum kset set, uint32_t rule, uint32_t mark)
{
	struct kelem *e = km_elem(m, set, rule);
	struct key_builder k = { e->key, 0 };
	km_put_mark(&k, mark);
	e->key_len = k.len;
	return e;
}

void km_elem_data_mark(struct kelem *e, uint32_t mark)
{
	memcpy(e->data, &mark, 4);
	e->data_len = 4;
}

/* ---- chain rules ------------------------------------------------------- */

struct krule *km_rule(struct kmodel *m, uint32_t chain, uint32_t owner)
{
	m->chain_rules = grow(m->chain_rules, &m->cap_chain_rules, m->n_chain_rules,
			      sizeof(*m->chain_rules));
	struct krule *r = &m->chain_rules[m->n_chain_rules++];
	memset(r, 0, sizeof(*r));
	r->chain = chain;
	r->owner = owner;
	return r;
}

struct kop *km_op(struct krule *r, enum kop_kind kind)
{
	if (r->n_ops == KRULE_OPS_MAX)
		abort();	/* a bug in this file: no rule has that many ops */
	struct kop *o = &r->ops[r->n_ops++];
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	return o;
}

struct kop *km_op_set(struct krule *r, enum kop_kind kind, enum kset set, uint32_t mask)
{
	struct kop *o = km_op(r, kind);
	o->set = set;
	o->mask = mask;
	return o;
}

void km_op_mark(struct krule *r, enum kop_kind kind, uint32_t mask, uint32_t val)
{
	struct kop *o = km_op(r, kind);
	o->mask = mask;
	o->val = val;
}

void km_snat_matches(struct krule *r, const struct ngw_snat *s, const char *out,
			 const struct ngw_prefix *from, uint8_t l4)
{
	if (out)
		snprintf(km_op(r, KOP_OIFNAME)->ifname, NGW_IFNAMSIZ, "%s", out);
	struct kop *o = km_op(r, KOP_SADDR);
	o->family = from->addr.family;
	o->prefix = *from;
	if (s->from_port.lo) {
		o = km_op(r, KOP_SPORT);
		o->l4 = l4;
		o->port = s->from_port.lo;
	} else if (l4) {
		km_op(r, KOP_L4PROTO)->l4 = l4;
	}
}

