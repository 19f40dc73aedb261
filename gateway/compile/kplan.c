/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kplan.h"
#include "fnv.h"
#include "name_map.h"
#include "natgw/xalloc.h"

static void push(struct idx_list *l, size_t v)
{
	l->v = grow(l->v, &l->cap, l->n, sizeof(*l->v));
	l->v[l->n++] = v;
}

static void idx_free(struct idx_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* ---- rule names -------------------------------------------------------- */

struct name_idx {
	const char *name;
	size_t idx;
};

static int name_idx_cmp(const void *a, const void *b)
{
	return strcmp(((const struct name_idx *)a)->name, ((const struct name_idx *)b)->name);
}

/* ---- elements ---------------------------------------------------------- */

/* An element's identity is its set and key. */
static uint64_t elem_hash(uint8_t set, const uint8_t *key, uint8_t len)
{
	uint64_t h = fnv64(0x9e3779b97f4a7c15ull * (set + 1u) ^ len, key, len);
	return h ^ (h >> 29);
}

static bool same_data(uint8_t alen, const uint8_t *a, const char *acomment, uint8_t blen,
		      const uint8_t *b, const char *bcomment)
{
	return alen == blen && !memcmp(a, b, alen) && !strcmp(acomment, bcomment);
}

struct differ {
	const struct kstate *st;
	const struct kmodel *m;
	struct kplan *p;
	struct name_map names;	/* model rule by name */
	long *counter_of;	/* per model rule: its kernel counter, or -1 */
	bool *counter_kept;	/* per kernel counter: a model rule has its name */
	bool *touched;		/* per model rule: something of it changes */
	bool exact_sizes;	/* kplan_compute()'s */
	bool *forced;		/* per model rule: its counter element is replaced */
	bool *rules_differ;	/* per model rule: its chain rules do something
				 * else, or stand elsewhere (not just a mark) */
};

static void touch(struct differ *D, const char *name)
{
	long i = name_map_get(&D->names, name);
	if (i >= 0)
		D->touched[i] = true;
}

/* A hash join of the kernel's elements and the model's: O(n), so one
 * change among 100,000 forwards costs no sort of their 300,000 elements. */
static void diff_elems(struct differ *D)
{
	const struct kstate *st = D->st;
	const struct kmodel *m = D->m;
	size_t size = 16;

	while (size < 2 * st->n_elems)
		size *= 2;
	uint32_t *slots = xcalloc(size, sizeof(*slots));	/* kernel elem + 1 */
	bool *matched = xcalloc(st->n_elems + 1, sizeof(*matched));
	for (size_t i = 0; i < st->n_elems; i++) {
		const struct kstate_elem *e = &st->elems[i];
		size_t h = elem_hash(e->set, e->key, e->key_len) & (size - 1);
		while (slots[h])
			h = (h + 1) & (size - 1);
		slots[h] = (uint32_t)i + 1;
	}
	for (size_t j = 0; j < m->n_elems; j++) {
		const struct kelem *w = &m->elems[j];
		const char *name = w->rule == KRULE_NO_OWNER ? "" : m->rules[w->rule].name;
		size_t h = elem_hash(w->set, w->key, w->key_len) & (size - 1);
		const struct kstate_elem *k = NULL;
		for (; slots[h]; h = (h + 1) & (size - 1)) {
			const struct kstate_elem *e = &st->elems[slots[h] - 1];
			if (e->set == w->set && e->key_len == w->key_len &&
			    !memcmp(e->key, w->key, w->key_len) && !matched[slots[h] - 1]) {
				k = e;
				break;
			}
		}
		if (!k) {
			push(&D->p->elem_add, j);
			touch(D, name);
			continue;
		}
		size_t i = slots[h] - 1;
		matched[i] = true;
		bool forced = w->set == KSET_RULE_COUNTERS && D->forced[w->rule];
		if (forced || !same_data(k->data_len, k->data, k->comment, w->data_len, w->data,
					 name)) {
			push(&D->p->elem_del, i);
			push(&D->p->elem_add, j);
			touch(D, k->comment);
			touch(D, name);
		}
	}
	for (size_t i = 0; i < st->n_elems; i++) {
		if (matched[i])
			continue;
		push(&D->p->elem_del, i);
		touch(D, st->elems[i].comment);
	}
	free(slots);
	free(matched);
}

/* ---- counters ---------------------------------------------------------- */

/* What natgw keeps with a rule's counter cannot be edited in place: when
 * it changes, the counter's element is replaced (diff_elems). */
static void diff_counters(struct differ *D)
{
	for (size_t r = 0; r < D->m->n_rules; r++) {
		if (D->counter_of[r] < 0)
			continue;	/* a new rule */
		const struct kstate_counter *c = &D->st->counters[D->counter_of[r]];
		const struct kmodel_rule *mr = &D->m->rules[r];
		if (strcmp(c->comment, mr->desc) || c->digest != mr->digest) {
			D->forced[r] = true;
			D->touched[r] = true;
		}
	}
}

/* ---- chain rules ------------------------------------------------------- */

/* The snat rules in postrouting, after the fixed ones: rewritten as a
 * whole when anything in them changed, since their order is their meaning.
 * For the operator, a rule changed when its own nft rules differ or it
 * moved relative to the rules kept; a rewrite alone is not a change. */
struct owned {
	const char *name;
	uint64_t fp;
};

static size_t kernel_owned(const struct kstate *st, enum kchain chain, struct owned *out)
{
	size_t n = 0;
	for (size_t i = 0; i < st->n_rules; i++)
		if (!strcmp(st->rules[i].chain, kchain_names[chain]) && st->rules[i].comment[0])
			out[n++] = (struct owned){ st->rules[i].comment, st->rules[i].fingerprint };
	return n;
}

/* The rule with its owner's mark written as `mark` instead. */
static struct krule with_mark(const struct krule *r, uint32_t own, uint32_t mark)
{
	struct krule c = *r;
	for (unsigned i = 0; i < c.n_ops; i++)
		if ((c.ops[i].kind == KOP_MARK_EQ || c.ops[i].kind == KOP_MARK_NEQ ||
		     c.ops[i].kind == KOP_MARK_SET) && (c.ops[i].val & MARK_RULE_MASK) == own)
			c.ops[i].val = (c.ops[i].val & ~MARK_RULE_MASK) | (mark & MARK_RULE_MASK);
	return c;
}

/* The model's owned rules of chain; with old_marks (per model rule, 0 for
 * none), as they would be with the kernel's marks: so a rule whose mark
 * moved but which does the same compares equal to the kernel's. */
static size_t model_owned(const struct kmodel *m, enum kchain chain, const uint32_t *old_marks,
			  struct owned *out)
{
	size_t n = 0;
	for (size_t j = 0; j < m->n_chain_rules; j++) {
		const struct krule *r = &m->chain_rules[j];
		if (r->chain != (uint32_t)chain || r->owner == KRULE_NO_OWNER)
			continue;
		const char *name = m->rules[r->owner].name;
		uint32_t old = old_marks ? old_marks[r->owner] : 0;
		struct krule c = old ? with_mark(r, m->rules[r->owner].mark, old) : *r;
		out[n++] = (struct owned){ name, krule_fingerprint(&c, name) };
	}
	return n;
}

/* The fingerprints of one name, in order, and its rank among names both
 * sides have (-1 if the other side lacks it). */
static bool same_rule(const struct owned *a, size_t na, const struct owned *b, size_t nb,
		      const char *name)
{
	size_t i = 0, j = 0;
	for (;;) {
		while (i < na && strcmp(a[i].name, name))
			i++;
		while (j < nb && strcmp(b[j].name, name))
			j++;
		if (i == na || j == nb)
			return i == na && j == nb;
		if (a[i++].fp != b[j++].fp)
			return false;
	}
}

static bool listed(const struct owned *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return true;
	return false;
}

/* Rank of name among the distinct names of v that other also lists. */
static long rank(const struct owned *v, size_t n, const struct owned *other, size_t no,
		 const char *name)
{
	long r = 0;
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && !strcmp(v[i].name, v[i - 1].name))
			continue;
		if (!strcmp(v[i].name, name))
			return r;
		if (listed(other, no, v[i].name))
			r++;
	}
	return -1;
}

/* snat rules own rules in postrouting and, when endpoint-independent, in
 * ei_refresh: each chain is rewritten whole when its owned rules differ. */
static void diff_owned_rules(struct differ *D, enum kchain chain)
{
	const struct kstate *st = D->st;
	const struct kmodel *m = D->m;
	struct owned *k = xcalloc(st->n_rules + 1, sizeof(*k));
	struct owned *w = xcalloc(m->n_chain_rules + 1, sizeof(*w));
	struct owned *wk = xcalloc(m->n_chain_rules + 1, sizeof(*wk));
	uint32_t *old_marks = xcalloc(m->n_rules + 1, sizeof(*old_marks));

	for (size_t r = 0; r < m->n_rules; r++)
		if (D->counter_of[r] >= 0)
			old_marks[r] = st->counters[D->counter_of[r]].mark;
	size_t nk = kernel_owned(st, chain, k), nw = model_owned(m, chain, NULL, w);
	model_owned(m, chain, old_marks, wk);
	bool same = nk == nw;
	for (size_t i = 0; same && i < nk; i++)
		same = k[i].fp == w[i].fp && !strcmp(k[i].name, w[i].name);
	if (!same) {
		for (size_t i = 0; i < st->n_rules; i++)
			if (!strcmp(st->rules[i].chain, kchain_names[chain]) &&
			    st->rules[i].comment[0])
				push(&D->p->rule_del, i);
		for (size_t j = 0; j < m->n_chain_rules; j++)
			if (m->chain_rules[j].chain == (uint32_t)chain &&
			    m->chain_rules[j].owner != KRULE_NO_OWNER)
				push(&D->p->rule_add, j);
		for (size_t r = 0; r < m->n_rules; r++) {
			const char *name = m->rules[r].name;
			if (!m->rules[r].snat || !listed(k, nk, name))
				continue;
			/* what it does, with its old mark; and its place */
			if (!same_rule(k, nk, wk, nw, name) ||
			    rank(k, nk, w, nw, name) != rank(w, nw, k, nk, name))
				D->touched[r] = D->rules_differ[r] = true;
		}
	}
	free(k);
	free(w);
	free(wk);
	free(old_marks);
}

static void diff_snat_rules(struct differ *D)
{
	diff_owned_rules(D, KCHAIN_POSTROUTING);
	diff_owned_rules(D, KCHAIN_EI_REFRESH);
	diff_owned_rules(D, KCHAIN_EI_SPOOF);
}

/* The layout number of a table comment ("managed by natgw (layout 4): ..."),
 * 0 when it has none. */
static unsigned layout_number(const char *comment)
{
	unsigned n = 0;

	if (sscanf(comment, NATGW_LAYOUT_PREFIX "(layout %u)", &n) != 1)
		return 0;
	return n;
}

/* How chain c's rules of no one rule (all but the snat ones) in the table
 * compare with m's, in order. */
enum shared_rules {
	SHARED_SAME,
	SHARED_MISSING,		/* m has more: the table lacks some */
	SHARED_EXTRA,		/* the table has more */
	SHARED_DIFFER,
};

static enum shared_rules shared_rules_compare(const struct differ *D, int c)
{
	const struct kstate *st = D->st;
	size_t ki = 0, mi = 0;

	for (;;) {
		while (ki < st->n_rules && (strcmp(st->rules[ki].chain, kchain_names[c]) ||
					     st->rules[ki].comment[0]))
			ki++;
		while (mi < D->m->n_chain_rules &&
		       (D->m->chain_rules[mi].chain != (uint32_t)c ||
			D->m->chain_rules[mi].owner != KRULE_NO_OWNER))
			mi++;
		if (ki == st->n_rules && mi == D->m->n_chain_rules)
			return SHARED_SAME;
		if (ki == st->n_rules)
			return SHARED_MISSING;
		if (mi == D->m->n_chain_rules)
			return SHARED_EXTRA;
		if (st->rules[ki].fingerprint != krule_fingerprint(&D->m->chain_rules[mi], NULL))
			return SHARED_DIFFER;
		ki++;
		mi++;
	}
}

/* The fixed part — sets, base chains, their own rules — is as this natgw
 * builds it, and every set has room for the model's elements, so patching
 * elements and snat rules is enough. When not (the table is rebuilt), why,
 * in words for the operator, in why. */
static bool fixed_part_intact(const struct differ *D, char *why, size_t size)
{
	const struct kstate *st = D->st;
	size_t counts[KSET_COUNT];

	if (!st->same_layout) {
		unsigned was = layout_number(st->comment), now = layout_number(NATGW_LAYOUT);
		if (was && now)
			snprintf(why, size, "the table was made by another natgw version (layout %u; "
				 "this one builds layout %u)", was, now);
		else
			snprintf(why, size, "the table was made by another natgw version (its "
				 "layout differs)");
		return false;
	}
	kmodel_set_counts(D->m, counts);
	for (int i = 0; i < KSET_COUNT; i++) {
		if (!st->has_set[i]) {
			snprintf(why, size, "its set %s is missing", kset_defs[i].name);
			return false;
		}
		if (st->set_size[i] && counts[i] > st->set_size[i]) {
			snprintf(why, size, "set %s takes %u elements, %zu are needed",
				 kset_defs[i].name, st->set_size[i], counts[i]);
			return false;
		}
		if (D->exact_sizes && !kset_is_dynamic(i) &&
		    st->set_size[i] != kset_capacity(counts[i])) {
			snprintf(why, size, "set %s takes %u elements, and the ruleset put back had "
				 "it take %u", kset_defs[i].name, st->set_size[i],
				 kset_capacity(counts[i]));
			return false;
		}
	}
	for (int c = 0; c < KCHAIN_COUNT; c++) {
		bool found = false;
		for (size_t i = 0; i < st->n_chains && !found; i++)
			found = !strcmp(st->chains[i], kchain_names[c]);
		if (!found) {
			snprintf(why, size, "its chain %s is missing", kchain_names[c]);
			return false;
		}
		switch (shared_rules_compare(D, c)) {
		case SHARED_SAME:
			continue;
		case SHARED_MISSING:
			snprintf(why, size, "chain %s lacks fixed rules (not any one rule's) that "
				 "this configuration needs", kchain_names[c]);
			break;
		case SHARED_EXTRA:
			snprintf(why, size, "chain %s has fixed rules (not any one rule's) that "
				 "this configuration does not need", kchain_names[c]);
			break;
		case SHARED_DIFFER:
			snprintf(why, size, "chain %s's fixed rules (not any one rule's) differ from "
				 "the ones this configuration needs", kchain_names[c]);
			break;
		}
		return false;
	}
	return true;
}

/* ---- per-rule summary -------------------------------------------------- */

/* Which kernel counter is each model rule's, by name. */
static void match_counters(struct differ *D)
{
	const struct kstate *st = D->st;

	D->counter_of = xmalloc((D->m->n_rules + 1) * sizeof(*D->counter_of));
	D->counter_kept = xcalloc(st->n_counters + 1, sizeof(*D->counter_kept));
	for (size_t r = 0; r < D->m->n_rules; r++)
		D->counter_of[r] = -1;
	for (size_t i = 0; i < st->n_counters; i++) {
		long r = st->counters[i].name[0] ? name_map_get(&D->names, st->counters[i].name) : -1;
		if (r >= 0 && D->counter_of[r] < 0) {
			D->counter_of[r] = (long)i;
			D->counter_kept[i] = true;
		}
	}
}

/* Whether the kernel's rule does what the model's does, whatever marks
 * the two have: the same description and the same digest (which leaves
 * marks out). A digest of 0 was written by an older natgw, which hashed
 * marks in; then the description is all there is to compare. */
static bool same_counter(const struct kstate_counter *c, const struct kmodel_rule *mr)
{
	if (!c->comment[0] || strcmp(c->comment, mr->desc))
		return false;
	return c->digest == mr->digest || !c->digest;
}

static void summarize(struct differ *D)
{
	const struct kstate *st = D->st;
	const struct kmodel *m = D->m;
	struct kplan *p = D->p;

	p->rules = xcalloc(m->n_rules + st->n_counters + 1, sizeof(*p->rules));
	for (size_t r = 0; r < m->n_rules; r++) {
		struct kplan_rule *pr = &p->rules[p->n_rules++];
		const struct kstate_counter *c = D->counter_of[r] < 0 ? NULL :
						 &st->counters[D->counter_of[r]];
		snprintf(pr->name, sizeof(pr->name), "%s", m->rules[r].name);
		pr->snat = m->rules[r].snat;
		pr->new_desc = m->rules[r].desc;
		pr->new_mark = m->rules[r].mark;
		if (!c) {
			pr->change = KCHANGE_ADD;
		} else {
			snprintf(pr->old_desc, sizeof(pr->old_desc), "%s", c->comment);
			bool same = same_counter(c, &m->rules[r]) && !D->rules_differ[r];
			pr->change = D->touched[r] && !same ? KCHANGE_MODIFY : KCHANGE_NONE;
			pr->old_mark = c->mark;
			pr->remark = (c->mark & MARK_RULE_MASK) != pr->new_mark;
		}
	}
	/* rules the kernel has and the model does not, by name */
	struct name_idx *gone = xcalloc(st->n_counters + 1, sizeof(*gone));
	size_t n_gone = 0;
	for (size_t i = 0; i < st->n_counters; i++)
		if (st->counters[i].name[0] && !D->counter_kept[i])
			gone[n_gone++] = (struct name_idx){ st->counters[i].name, i };
	qsort(gone, n_gone, sizeof(*gone), name_idx_cmp);
	for (size_t i = 0; i < n_gone; i++) {
		if (i && !strcmp(gone[i].name, gone[i - 1].name))
			continue;
		const struct kstate_counter *c = &st->counters[gone[i].idx];
		struct kplan_rule *pr = &p->rules[p->n_rules++];
		snprintf(pr->name, sizeof(pr->name), "%s", c->name);
		snprintf(pr->old_desc, sizeof(pr->old_desc), "%s", c->comment);
		pr->snat = !strncmp(pr->old_desc, "snat", 4);
		pr->change = KCHANGE_REMOVE;
		pr->old_mark = c->mark;
	}
	free(gone);
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct kplan_rule *pr = &p->rules[i];
		p->n_add += pr->change == KCHANGE_ADD;
		p->n_remove += pr->change == KCHANGE_REMOVE;
		p->n_modify += pr->change == KCHANGE_MODIFY;
		p->n_remark += pr->remark;
	}
}

void kplan_compute(const struct kstate *st, const struct kmodel *m, bool exact_sizes,
		   struct kplan *p)
{
	struct differ D = { .st = st, .m = m, .p = p, .exact_sizes = exact_sizes };

	memset(p, 0, sizeof(*p));
	name_map_init(&D.names, m->n_rules);
	for (size_t r = 0; r < m->n_rules; r++)
		name_map_put(&D.names, m->rules[r].name, r);
	D.touched = xcalloc(m->n_rules + 1, sizeof(bool));
	D.forced = xcalloc(m->n_rules + 1, sizeof(bool));
	D.rules_differ = xcalloc(m->n_rules + 1, sizeof(bool));
	match_counters(&D);

	if (!st->exists) {
		p->create = true;
	} else if (!fixed_part_intact(&D, p->rebuild_reason, sizeof(p->rebuild_reason))) {
		p->rebuild = true;
		/* what changes for the operator: compare what each rule does */
		for (size_t r = 0; r < m->n_rules; r++)
			D.touched[r] = D.counter_of[r] < 0 ||
				       strcmp(st->counters[D.counter_of[r]].comment,
					      m->rules[r].desc);
	} else {
		diff_counters(&D);
		diff_elems(&D);
		diff_snat_rules(&D);
	}
	summarize(&D);
	name_map_free(&D.names);
	free(D.counter_of);
	free(D.counter_kept);
	free(D.touched);
	free(D.forced);
	free(D.rules_differ);
}

void kplan_free(struct kplan *p)
{
	idx_free(&p->elem_del);
	idx_free(&p->elem_add);
	idx_free(&p->rule_del);
	idx_free(&p->rule_add);
	free(p->rules);
	memset(p, 0, sizeof(*p));
}

bool kplan_empty(const struct kplan *p)
{
	return !p->create && !p->rebuild && !p->elem_del.n && !p->elem_add.n &&
	       !p->rule_del.n && !p->rule_add.n;
}
