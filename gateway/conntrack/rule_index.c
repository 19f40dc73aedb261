/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile/layout.h"
#include "rule_index.h"
#include "natgw/xalloc.h"

static int by_mark(const void *a, const void *b)
{
	uint32_t x = ((const struct rule_entry *)a)->mark, y = ((const struct rule_entry *)b)->mark;
	return x < y ? -1 : x > y;
}

struct named_kind {
	const char *name;
	bool snat;
};

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct named_kind *)a)->name, ((const struct named_kind *)b)->name);
}

void rule_index_build(struct rule_index *ri, const struct kstate *st)
{
	struct kmark *marks = NULL;
	size_t n = kstate_marks(st, &marks), nk = 0;
	struct named_kind *kinds = xcalloc(st->n_counters + 1, sizeof(*kinds));

	ri->v = xcalloc(n + 1, sizeof(*ri->v));
	/* a rule's kind is the first word of what it does */
	for (size_t c = 0; c < st->n_counters; c++)
		if (st->counters[c].name[0])
			kinds[nk++] = (struct named_kind){
				st->counters[c].name, !strncmp(st->counters[c].comment, "snat", 4) };
	qsort(kinds, nk, sizeof(*kinds), by_name);
	ri->n = 0;
	for (size_t i = 0; i < n; i++) {
		struct rule_entry *r = &ri->v[ri->n++];
		struct named_kind key = { marks[i].name, false };
		const struct named_kind *k = nk ? bsearch(&key, kinds, nk, sizeof(*kinds), by_name)
					      : NULL;
		r->mark = marks[i].mark & MARK_RULE_MASK;
		snprintf(r->name, sizeof(r->name), "%s", marks[i].name);
		r->snat = k && k->snat;
	}
	free(kinds);
	free(marks);
	qsort(ri->v, ri->n, sizeof(*ri->v), by_mark);
}

void rule_index_free(struct rule_index *ri)
{
	free(ri->v);
	ri->v = NULL;
	ri->n = 0;
}

const struct rule_entry *rule_index_by_mark(const struct rule_index *ri, uint32_t mark)
{
	struct rule_entry key = { .mark = mark & MARK_RULE_MASK };
	return ri->n ? bsearch(&key, ri->v, ri->n, sizeof(*ri->v), by_mark) : NULL;
}

const struct rule_entry *rule_index_by_name(const struct rule_index *ri, const char *name)
{
	for (size_t i = 0; i < ri->n; i++)
		if (!strcmp(ri->v[i].name, name))
			return &ri->v[i];
	return NULL;
}

bool rule_index_kind(uint32_t mark, bool *snat, void *arg)
{
	const struct rule_entry *r = rule_index_by_mark(arg, mark);
	if (r)
		*snat = r->snat;
	return r != NULL;
}

void rule_index_from_model(struct rule_index *ri, const struct kmodel *m)
{
	ri->v = xcalloc(m->n_rules + 1, sizeof(*ri->v));
	ri->n = m->n_rules;
	for (size_t i = 0; i < m->n_rules; i++) {
		ri->v[i].mark = m->rules[i].mark & MARK_RULE_MASK;
		ri->v[i].snat = m->rules[i].snat;
		snprintf(ri->v[i].name, sizeof(ri->v[i].name), "%s", m->rules[i].name);
	}
	qsort(ri->v, ri->n, sizeof(*ri->v), by_mark);
}
