/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Trace events into packets: each packet's path begins with the event of
 * the trace chain's rule that marked it, and every later event of its id
 * is one step, until it is dropped or passes the last trace chain out. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"
#include "natgw/xalloc.h"

void trace_run_init(struct trace_run *t, const char *table, unsigned max_packets)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->table, sizeof(t->table), "%s", table);
	t->max_packets = max_packets;
}

void trace_run_free(struct trace_run *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].hops);
	free(t->v);
	memset(t, 0, sizeof(*t));
}

/* The packet's addresses and ports from the start of its headers. */
static struct trace_flow flow_of(const struct trace_event *e)
{
	struct trace_flow f = { 0 };

	if (e->net_len >= 20 && e->net[0] >> 4 == 4) {
		f.l4 = e->net[9];
		f.src.family = f.dst.family = NGW_FAMILY_IPV4;
		memcpy(f.src.b, e->net + 12, 4);
		memcpy(f.dst.b, e->net + 16, 4);
	} else if (e->net_len >= 40 && e->net[0] >> 4 == 6) {
		f.l4 = e->net[6];	/* the trace chains match tcp and udp only */
		f.src.family = f.dst.family = NGW_FAMILY_IPV6;
		memcpy(f.src.b, e->net + 8, 16);
		memcpy(f.dst.b, e->net + 24, 16);
	} else {
		return f;
	}
	if (e->th_len >= 4) {
		f.sport = (uint16_t)(e->th[0] << 8 | e->th[1]);
		f.dport = (uint16_t)(e->th[2] << 8 | e->th[3]);
	}
	f.reset = f.l4 == IPPROTO_TCP && e->th_len >= 14 && (e->th[13] & 0x04);
	f.known = true;
	return f;
}

static int chain_index(const char *name)
{
	for (int i = 0; i < TRACE_N_CHAINS; i++)
		if (!strcmp(name, trace_chain_names[i]))
			return i;
	return -1;
}

static bool has_id(const struct trace_packet *p, uint32_t id)
{
	if (p->id == id)
		return true;
	for (unsigned i = 0; i < p->n_alias && i < 4; i++)
		if (p->alias[i] == id)
			return true;
	return false;
}

static bool same_addr(const struct ngw_addr *a, const struct ngw_addr *b)
{
	return a->family == b->family && !addr_cmp(a, b);
}

static bool same_flow(const struct trace_flow *a, const struct trace_flow *b)
{
	return a->known && b->known && a->l4 == b->l4 && same_addr(&a->src, &b->src) &&
	       same_addr(&a->dst, &b->dst) && a->sport == b->sport && a->dport == b->dport;
}

/* The packet an event is of: by its id, or, for an id not seen before, the
 * latest packet still on its way whose headers these are (its new id). */
static struct trace_packet *packet_of(struct trace_run *t, const struct trace_event *e)
{
	for (size_t i = t->n; i-- > 0;)
		if (has_id(&t->v[i], e->id))
			return &t->v[i];
	struct trace_flow f = flow_of(e);
	for (size_t i = t->n, k = 0; i-- > 0 && k < 16; k++) {
		struct trace_packet *p = &t->v[i];
		if (p->end == TRACE_END_NONE && p->n_alias < 4 && same_flow(&p->last, &f)) {
			p->alias[p->n_alias++] = e->id;
			return p;
		}
	}
	return NULL;
}

static bool ignored(const struct trace_run *t, uint32_t id)
{
	unsigned n = t->n_ignored < 64 ? t->n_ignored : 64;
	for (unsigned i = 0; i < n; i++)
		if (t->ignored[i] == id)
			return true;
	return false;
}

/* The marking rule's event: a packet begins, unless past the limit. */
static void begin(struct trace_run *t, const struct trace_event *e, bool reply)
{
	unsigned *count = reply ? &t->replies : &t->originals;

	if (*count >= t->max_packets) {
		t->ignored[t->n_ignored++ % 64] = e->id;
		return;
	}
	(*count)++;
	t->v = grow(t->v, &t->cap, t->n, sizeof(*t->v));
	struct trace_packet *p = &t->v[t->n++];
	memset(p, 0, sizeof(*p));
	p->number = (unsigned)t->n;
	p->id = e->id;
	p->reply = reply;
	p->seen = p->last = flow_of(e);
	/* the same id again is a new packet: forget it was ever ignored */
	for (unsigned i = 0; i < 64; i++)
		if (t->ignored[i] == e->id)
			t->ignored[i] = 0;
}

static bool is_drop(int32_t v)
{
	return v >= 0 && (v & NF_VERDICT_MASK) == NF_DROP;
}

void trace_run_event(struct trace_run *t, const struct trace_event *e)
{
	int ours = e->family == NFPROTO_INET && !strcmp(e->table, t->table) ?
		   chain_index(e->chain) : -1;

	if (ours >= 0) {
		bool first = ours == 0;
		bool reply = !strcmp(e->chain, TRACE_CHAIN_REPLY) ||
			     !strcmp(e->chain, TRACE_CHAIN_REPLY_LOCAL);
		/* the marking rule's event; the kernel also reports a chain's
		 * end of rules as a rule of handle 0 */
		if ((first || reply) && e->type == NFT_TRACETYPE_RULE && e->handle) {
			begin(t, e, reply);
			return;
		}
		bool left = !strcmp(e->chain, TRACE_CHAIN_LEFT);
		if (!left && strcmp(e->chain, TRACE_CHAIN_LOCAL))
			return;		/* a marking chain's own end */
		struct trace_packet *p = ignored(t, e->id) ? NULL : packet_of(t, e);
		if (p && p->end == TRACE_END_NONE) {
			p->end = left ? TRACE_END_LEFT : TRACE_END_LOCAL;
			p->out = flow_of(e);
			snprintf(p->oif, sizeof(p->oif), "%s", e->oif);
		}
		return;
	}
	struct trace_packet *p = ignored(t, e->id) ? NULL : packet_of(t, e);
	if (!p)
		return;		/* marked by someone else's rule, or past the limit */
	struct trace_flow now = flow_of(e);
	if (now.known)
		p->last = now;
	if (e->type == NFT_TRACETYPE_RULE && !e->handle && e->verdict == NFT_CONTINUE)
		return;		/* the end of a chain's rules: its policy follows */
	p->hops = grow(p->hops, &p->cap_hops, p->n_hops, sizeof(*p->hops));
	struct trace_hop *h = &p->hops[p->n_hops++];
	memset(h, 0, sizeof(*h));
	h->family = e->family;
	memcpy(h->table, e->table, sizeof(h->table));
	memcpy(h->chain, e->chain, sizeof(h->chain));
	memcpy(h->jump, e->jump, sizeof(h->jump));
	h->type = e->type;
	h->handle = e->handle;
	h->verdict = e->verdict;
	if (p->end == TRACE_END_NONE && is_drop(e->verdict)) {
		p->end = TRACE_END_DROPPED;
		p->drop_hop = p->n_hops - 1;
	}
}

bool trace_run_done(const struct trace_run *t)
{
	if (t->originals < t->max_packets)
		return false;
	for (size_t i = 0; i < t->n; i++)
		if (!t->v[i].reply && t->v[i].end == TRACE_END_NONE)
			return false;
	return true;
}

/* r answers q's connection: r came in as q went out, turned round. */
static bool answers(const struct trace_flow *r, const struct trace_flow *q)
{
	return r->known && q->known && r->l4 == q->l4 && same_addr(&r->src, &q->dst) &&
	       same_addr(&r->dst, &q->src) && r->sport == q->dport && r->dport == q->sport;
}

void trace_run_finish(struct trace_run *t)
{
	for (size_t i = 0; i < t->n; i++) {
		struct trace_packet *r = &t->v[i];
		if (!r->reply)
			continue;
		const struct trace_packet *first = NULL;
		for (size_t k = 0; k < t->n && !first; k++)
			if (!t->v[k].reply && (t->v[k].end == TRACE_END_LEFT ||
					       t->v[k].end == TRACE_END_LOCAL) &&
			    answers(&r->seen, &t->v[k].out))
				first = &t->v[k];
		if (!first)
			continue;
		r->reply_of = first->number;
		bool back = r->end == TRACE_END_LEFT || r->end == TRACE_END_LOCAL;
		for (size_t k = 0; k < t->n; k++) {
			struct trace_packet *q = &t->v[k];
			if (q->reply || !same_flow(&q->seen, &first->seen))
				continue;
			q->answered |= back;
			q->refused |= back && r->seen.reset;
			if (r->end == TRACE_END_DROPPED && !q->reply_dropped)
				q->reply_dropped = r->number;
		}
	}
}

bool trace_run_answered(const struct trace_run *t)
{
	for (size_t i = 0; i < t->n; i++)
		if (!t->v[i].reply && t->v[i].answered && !t->v[i].refused)
			return true;
	return false;
}
