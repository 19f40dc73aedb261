/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include <string.h>

#include "kdiff.h"

static void push(struct idx_list *l, size_t v)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->v = reallocarray(l->v, l->cap, sizeof(*l->v));
		if (!l->v)
			abort();
	}
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

/* A sorted index of the model's rule names. */
struct names {
	struct name_idx *v;
	size_t n;
};

static void names_build(struct names *ns, const struct kmodel *m)
{
	ns->n = m->n_rules;
	ns->v = calloc(ns->n + 1, sizeof(*ns->v));
	if (!ns->v)
		abort();
	for (size_t i = 0; i < ns->n; i++)
		ns->v[i] = (struct name_idx){ m->rules[i].name, i };
	qsort(ns->v, ns->n, sizeof(*ns->v), name_idx_cmp);
}

static long names_find(const struct names *ns, const char *name)
{
	struct name_idx key = { name, 0 };
	const struct name_idx *hit = bsearch(&key, ns->v, ns->n, sizeof(*ns->v), name_idx_cmp);
	return hit ? (long)hit->idx : -1;
}

/* ---- elements ---------------------------------------------------------- */

struct cmp_elem {
	uint8_t set, key_len, data_len;
	const uint8_t *key, *data;
	char ref[KNAME_MAX];
	const char *comment;
	size_t idx;
};

static int cmp_elem_key(const void *a, const void *b)
{
	const struct cmp_elem *x = a, *y = b;
	if (x->set != y->set)
		return x->set < y->set ? -1 : 1;
	if (x->key_len != y->key_len)
		return x->key_len < y->key_len ? -1 : 1;
	return memcmp(x->key, y->key, x->key_len);
}

static bool cmp_elem_same(const struct cmp_elem *x, const struct cmp_elem *y)
{
	return x->data_len == y->data_len && !memcmp(x->data, y->data, x->data_len) &&
	       !strcmp(x->ref, y->ref) && !strcmp(x->comment, y->comment);
}

static struct cmp_elem *model_elems(const struct kmodel *m)
{
	struct cmp_elem *v = calloc(m->n_elems + 1, sizeof(*v));
	if (!v)
		abort();
	for (size_t i = 0; i < m->n_elems; i++) {
		const struct kelem *e = &m->elems[i];
		struct cmp_elem *c = &v[i];
		*c = (struct cmp_elem){ e->set, e->key_len, e->data_len, e->key, e->data, "",
					e->rule == KRULE_NO_OWNER ? "" : m->rules[e->rule].name, i };
		if (kset_defs[e->set].data == KD_VERDICT)
			kmodel_source_chain_name(&m->rules[e->rule], c->ref, sizeof(c->ref));
		else if (kset_defs[e->set].data == KD_COUNTER)
			kmodel_counter_name(&m->rules[e->rule], c->ref, sizeof(c->ref));
	}
	qsort(v, m->n_elems, sizeof(*v), cmp_elem_key);
	return v;
}

static struct cmp_elem *kernel_elems(const struct kstate *st)
{
	struct cmp_elem *v = calloc(st->n_elems + 1, sizeof(*v));
	if (!v)
		abort();
	for (size_t i = 0; i < st->n_elems; i++) {
		const struct kstate_elem *e = &st->elems[i];
		v[i] = (struct cmp_elem){ e->set, e->key_len, e->data_len, e->key, e->data, "",
					  e->comment, i };
		memcpy(v[i].ref, e->ref, sizeof(v[i].ref));
	}
	qsort(v, st->n_elems, sizeof(*v), cmp_elem_key);
	return v;
}

struct differ {
	const struct kstate *st;
	const struct kmodel *m;
	struct kplan *p;
	struct names names;
	bool *touched;		/* per model rule: something of it changes */
	bool *forced;		/* per model rule: its counter element is replaced */
};

static void touch(struct differ *D, const char *name)
{
	long i = names_find(&D->names, name);
	if (i >= 0)
		D->touched[i] = true;
}

static void diff_elems(struct differ *D)
{
	struct cmp_elem *k = kernel_elems(D->st), *w = model_elems(D->m);
	size_t i = 0, j = 0, nk = D->st->n_elems, nw = D->m->n_elems;

	while (i < nk || j < nw) {
		int c = i == nk ? 1 : j == nw ? -1 : cmp_elem_key(&k[i], &w[j]);
		if (c < 0) {
			push(&D->p->elem_del, k[i].idx);
			touch(D, k[i].comment);
			i++;
		} else if (c > 0) {
			push(&D->p->elem_add, w[j].idx);
			touch(D, w[j].comment);
			j++;
		} else {
			const struct kelem *me = &D->m->elems[w[j].idx];
			bool forced = me->set == KSET_RULE_COUNTERS && D->forced[me->rule];
			if (forced || !cmp_elem_same(&k[i], &w[j])) {
				push(&D->p->elem_del, k[i].idx);
				push(&D->p->elem_add, w[j].idx);
				touch(D, k[i].comment);
				touch(D, w[j].comment);
			}
			i++;
			j++;
		}
	}
	free(k);
	free(w);
}

/* ---- counters ---------------------------------------------------------- */

static const char *counter_rule(const char *counter)
{
	size_t n = strlen(COUNTER_PREFIX);
	return strncmp(counter, COUNTER_PREFIX, n) ? NULL : counter + n;
}

static void diff_counters(struct differ *D)
{
	bool *seen = calloc(D->m->n_rules + 1, sizeof(bool));

	if (!seen)
		abort();
	for (size_t i = 0; i < D->st->n_counters; i++) {
		const struct kstate_counter *c = &D->st->counters[i];
		const char *rule = counter_rule(c->name);
		long r = rule ? names_find(&D->names, rule) : -1;
		if (r < 0) {
			push(&D->p->counter_del, i);
			continue;
		}
		seen[r] = true;
		if (strcmp(c->comment, D->m->rules[r].desc)) {
			/* a counter's comment cannot be edited: replace it, and
			 * the element that refers to it */
			push(&D->p->counter_del, i);
			push(&D->p->counter_add, (size_t)r);
			D->forced[r] = true;
			D->touched[r] = true;
		}
	}
	for (size_t r = 0; r < D->m->n_rules; r++)
		if (!seen[r])
			push(&D->p->counter_add, r);
	free(seen);
}

/* ---- chains and rules -------------------------------------------------- */

static long kernel_chain(const struct kstate *st, const char *name)
{
	for (size_t i = 0; i < st->n_chains; i++)
		if (!strcmp(st->chains[i], name))
			return (long)i;
	return -1;
}

/* Whether the kernel's rules of chain, in order, are the model's. */
static bool chain_same(const struct differ *D, const char *chain, uint32_t model_chain,
		       uint32_t owner)
{
	size_t ki = 0, mi = 0;
	const struct kstate *st = D->st;
	const struct kmodel *m = D->m;

	for (;;) {
		while (ki < st->n_rules && strcmp(st->rules[ki].chain, chain))
			ki++;
		while (mi < m->n_chain_rules &&
		       (m->chain_rules[mi].chain != model_chain ||
			(model_chain >= KCHAIN_FIXED && m->chain_rules[mi].owner != owner)))
			mi++;
		if (ki == st->n_rules || mi == m->n_chain_rules)
			return ki == st->n_rules && mi == m->n_chain_rules;
		const struct krule *r = &m->chain_rules[mi];
		const char *comment = r->owner == KRULE_NO_OWNER ? NULL : m->rules[r->owner].name;
		if (st->rules[ki].fingerprint != krule_fingerprint(r, comment))
			return false;
		ki++;
		mi++;
	}
}

static void diff_source_chains(struct differ *D)
{
	const struct kstate *st = D->st;
	const struct kmodel *m = D->m;
	char name[KNAME_MAX];

	for (size_t r = 0; r < m->n_rules; r++) {
		if (!m->rules[r].source_chain)
			continue;
		kmodel_source_chain_name(&m->rules[r], name, sizeof(name));
		long k = kernel_chain(st, name);
		if (k >= 0 && chain_same(D, name, KCHAIN_FIXED, (uint32_t)r))
			continue;
		if (k >= 0)
			push(&D->p->chain_flush, (size_t)k);
		else
			push(&D->p->chain_add, r);
		for (size_t i = 0; i < m->n_chain_rules; i++)
			if (m->chain_rules[i].chain == KCHAIN_FIXED && m->chain_rules[i].owner == r)
				push(&D->p->rule_add, i);
		D->touched[r] = true;
	}
	for (size_t i = 0; i < st->n_chains; i++) {
		size_t n = strlen(SOURCE_CHAIN_PREFIX);
		if (strncmp(st->chains[i], SOURCE_CHAIN_PREFIX, n))
			continue;
		long r = names_find(&D->names, st->chains[i] + n);
		if (r >= 0 && m->rules[r].source_chain)
			continue;
		push(&D->p->chain_flush, i);
		push(&D->p->chain_del, i);
		if (r >= 0)
			D->touched[r] = true;
	}
}

/* The snat rules in postrouting, after the fixed ones: rewritten as a
 * whole when anything in them changed, since their order is their meaning. */
static void diff_snat_rules(struct differ *D)
{
	const struct kstate *st = D->st;
	const struct kmodel *m = D->m;
	const char *chain = kchain_names[KCHAIN_POSTROUTING];
	bool same = true;

	for (size_t i = 0, j = 0;; i++, j++) {
		while (i < st->n_rules && (strcmp(st->rules[i].chain, chain) ||
					    !st->rules[i].comment[0]))
			i++;
		while (j < m->n_chain_rules && (m->chain_rules[j].chain != KCHAIN_POSTROUTING ||
						 m->chain_rules[j].owner == KRULE_NO_OWNER))
			j++;
		if (i == st->n_rules || j == m->n_chain_rules) {
			same = same && i == st->n_rules && j == m->n_chain_rules;
			break;
		}
		const struct krule *r = &m->chain_rules[j];
		uint64_t fp = krule_fingerprint(r, m->rules[r->owner].name);
		if (st->rules[i].fingerprint != fp) {
			same = false;
			touch(D, st->rules[i].comment);
			D->touched[r->owner] = true;
		}
	}
	if (same)
		return;
	for (size_t i = 0; i < st->n_rules; i++) {
		if (strcmp(st->rules[i].chain, chain) || !st->rules[i].comment[0])
			continue;
		push(&D->p->rule_del, i);
		touch(D, st->rules[i].comment);
	}
	for (size_t j = 0; j < m->n_chain_rules; j++) {
		const struct krule *r = &m->chain_rules[j];
		if (r->chain == KCHAIN_POSTROUTING && r->owner != KRULE_NO_OWNER) {
			push(&D->p->rule_add, j);
			D->touched[r->owner] = true;
		}
	}
}

/* The fixed part — sets, base chains, their own rules — is as this natgw
 * builds it, so patching elements and snat rules is enough. */
static bool fixed_part_intact(const struct differ *D)
{
	const struct kstate *st = D->st;

	if (!st->same_layout)
		return false;
	for (int i = 0; i < KSET_COUNT; i++)
		if (!st->has_set[i])
			return false;
	for (int c = 0; c < KCHAIN_FIXED; c++) {
		if (kernel_chain(st, kchain_names[c]) < 0)
			return false;
		/* compare the rules natgw owns no rule of: all but the snat ones */
		size_t ki = 0, mi = 0;
		for (;;) {
			while (ki < st->n_rules && (strcmp(st->rules[ki].chain, kchain_names[c]) ||
						     st->rules[ki].comment[0]))
				ki++;
			while (mi < D->m->n_chain_rules &&
			       (D->m->chain_rules[mi].chain != (uint32_t)c ||
				D->m->chain_rules[mi].owner != KRULE_NO_OWNER))
				mi++;
			if (ki == st->n_rules || mi == D->m->n_chain_rules) {
				if (ki != st->n_rules || mi != D->m->n_chain_rules)
					return false;
				break;
			}
			if (st->rules[ki].fingerprint !=
			    krule_fingerprint(&D->m->chain_rules[mi], NULL))
				return false;
			ki++;
			mi++;
		}
	}
	return true;
}

/* ---- per-rule summary -------------------------------------------------- */

static const struct kstate_counter *kernel_counter(const struct kstate *st, const char *rule)
{
	for (size_t i = 0; i < st->n_counters; i++) {
		const char *r = counter_rule(st->counters[i].name);
		if (r && !strcmp(r, rule))
			return &st->counters[i];
	}
	return NULL;
}

static void summarize(struct differ *D, const struct kmark *marks, size_t n_marks)
{
	const struct kstate *st = D->st;
	const struct kmodel *m = D->m;
	struct kplan *p = D->p;

	p->rules = calloc(m->n_rules + st->n_counters + 1, sizeof(*p->rules));
	if (!p->rules)
		abort();
	for (size_t r = 0; r < m->n_rules; r++) {
		struct kplan_rule *pr = &p->rules[p->n_rules++];
		const struct kstate_counter *c = kernel_counter(st, m->rules[r].name);
		snprintf(pr->name, sizeof(pr->name), "%s", m->rules[r].name);
		pr->snat = m->rules[r].snat;
		pr->new_desc = m->rules[r].desc;
		if (!c) {
			pr->change = KCHANGE_ADD;
		} else {
			snprintf(pr->old_desc, sizeof(pr->old_desc), "%s", c->comment);
			pr->change = D->touched[r] ? KCHANGE_MODIFY : KCHANGE_NONE;
		}
	}
	for (size_t i = 0; i < st->n_counters; i++) {
		const char *rule = counter_rule(st->counters[i].name);
		if (!rule || names_find(&D->names, rule) >= 0)
			continue;
		struct kplan_rule *pr = &p->rules[p->n_rules++];
		snprintf(pr->name, sizeof(pr->name), "%s", rule);
		snprintf(pr->old_desc, sizeof(pr->old_desc), "%s", st->counters[i].comment);
		pr->snat = !strncmp(pr->old_desc, "snat", 4);
		pr->change = KCHANGE_REMOVE;
	}
	for (size_t i = 0; i < p->n_rules; i++) {
		struct kplan_rule *pr = &p->rules[i];
		for (size_t k = 0; k < n_marks; k++)
			if (!strcmp(marks[k].name, pr->name))
				pr->old_mark = marks[k].mark;
		p->n_add += pr->change == KCHANGE_ADD;
		p->n_remove += pr->change == KCHANGE_REMOVE;
		p->n_modify += pr->change == KCHANGE_MODIFY;
	}
}

void kplan_compute(const struct kstate *st, const struct kmodel *m, struct kplan *p)
{
	struct differ D = { .st = st, .m = m, .p = p };
	struct kmark *marks = NULL;
	size_t n_marks = 0;

	memset(p, 0, sizeof(*p));
	names_build(&D.names, m);
	D.touched = calloc(m->n_rules + 1, sizeof(bool));
	D.forced = calloc(m->n_rules + 1, sizeof(bool));
	if (!D.touched || !D.forced)
		abort();
	if (st->exists)
		n_marks = kstate_marks(st, &marks);

	if (!st->exists) {
		p->create = true;
	} else if (!fixed_part_intact(&D)) {
		p->rebuild = true;
		/* what changes for the operator: compare what each rule does */
		for (size_t r = 0; r < m->n_rules; r++) {
			const struct kstate_counter *c = kernel_counter(st, m->rules[r].name);
			D.touched[r] = !c || strcmp(c->comment, m->rules[r].desc);
		}
	} else {
		diff_counters(&D);
		diff_elems(&D);
		diff_source_chains(&D);
		diff_snat_rules(&D);
	}
	summarize(&D, marks, n_marks);
	free(marks);
	free(D.names.v);
	free(D.touched);
	free(D.forced);
}

void kplan_free(struct kplan *p)
{
	idx_free(&p->elem_del);
	idx_free(&p->elem_add);
	idx_free(&p->counter_del);
	idx_free(&p->counter_add);
	idx_free(&p->chain_del);
	idx_free(&p->chain_flush);
	idx_free(&p->chain_add);
	idx_free(&p->rule_del);
	idx_free(&p->rule_add);
	free(p->rules);
	memset(p, 0, sizeof(*p));
}

bool kplan_empty(const struct kplan *p)
{
	return !p->create && !p->rebuild && !p->elem_del.n && !p->elem_add.n &&
	       !p->counter_del.n && !p->counter_add.n && !p->chain_del.n && !p->chain_flush.n &&
	       !p->chain_add.n && !p->rule_del.n && !p->rule_add.n;
}

static void emit_full(const struct kplan *p, const struct kstate *st, struct kbatch *kb)
{
	const struct kmodel *m = kb->m;
	char name[KNAME_MAX];

	if (p->rebuild)
		kbatch_table_del(kb, m->table);
	(void)st;
	kbatch_table_add(kb);
	kbatch_sets_add(kb);
	for (size_t r = 0; r < m->n_rules; r++)
		kbatch_counter_add(kb, (uint32_t)r);
	/* source chains first, as the script declares them: nft lists chains
	 * in the order they were made */
	for (size_t r = 0; r < m->n_rules; r++) {
		if (!m->rules[r].source_chain)
			continue;
		kmodel_source_chain_name(&m->rules[r], name, sizeof(name));
		kbatch_chain_add(kb, name, (uint32_t)r);
	}
	kbatch_base_chains_add(kb);
	for (size_t i = 0; i < m->n_chain_rules; i++)
		if (m->chain_rules[i].chain >= KCHAIN_FIXED)
			kbatch_rule_add(kb, &m->chain_rules[i]);
	size_t *all = calloc(m->n_elems + 1, sizeof(*all));
	if (!all)
		abort();
	for (size_t i = 0; i < m->n_elems; i++)
		all[i] = i;
	kbatch_elems_add(kb, all, m->n_elems);
	free(all);
	for (size_t i = 0; i < m->n_chain_rules; i++)
		if (m->chain_rules[i].chain < KCHAIN_FIXED)
			kbatch_rule_add(kb, &m->chain_rules[i]);
}

void kplan_emit(const struct kplan *p, const struct kstate *st, struct kbatch *kb)
{
	const struct kmodel *m = kb->m;
	char name[KNAME_MAX];

	if (p->create || p->rebuild) {
		emit_full(p, st, kb);
		return;
	}
	kbatch_elems_del(kb, st, p->elem_del.v, p->elem_del.n);
	for (size_t i = 0; i < p->rule_del.n; i++) {
		const struct kstate_rule *r = &st->rules[p->rule_del.v[i]];
		kbatch_rule_del(kb, r->chain, r->handle);
	}
	for (size_t i = 0; i < p->chain_flush.n; i++)
		kbatch_chain_flush(kb, st->chains[p->chain_flush.v[i]], KRULE_NO_OWNER);
	for (size_t i = 0; i < p->chain_del.n; i++)
		kbatch_chain_del(kb, st->chains[p->chain_del.v[i]], KRULE_NO_OWNER);
	for (size_t i = 0; i < p->counter_del.n; i++)
		kbatch_counter_del(kb, st->counters[p->counter_del.v[i]].name);
	for (size_t i = 0; i < p->counter_add.n; i++)
		kbatch_counter_add(kb, (uint32_t)p->counter_add.v[i]);
	for (size_t i = 0; i < p->chain_add.n; i++) {
		kmodel_source_chain_name(&m->rules[p->chain_add.v[i]], name, sizeof(name));
		kbatch_chain_add(kb, name, (uint32_t)p->chain_add.v[i]);
	}
	for (size_t i = 0; i < p->rule_add.n; i++)
		if (m->chain_rules[p->rule_add.v[i]].chain >= KCHAIN_FIXED)
			kbatch_rule_add(kb, &m->chain_rules[p->rule_add.v[i]]);
	kbatch_elems_add(kb, p->elem_add.v, p->elem_add.n);
	for (size_t i = 0; i < p->rule_add.n; i++)
		if (m->chain_rules[p->rule_add.v[i]].chain < KCHAIN_FIXED)
			kbatch_rule_add(kb, &m->chain_rules[p->rule_add.v[i]]);
}
