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

static int by_name(const void *a, const void *b)
{
	return strcmp((*(const struct rule_entry *const *)a)->name,
		      (*(const struct rule_entry *const *)b)->name);
}

/* Sorted by mark, and the names sorted beside. */
static void index_sort(struct rule_index *ri)
{
	qsort(ri->v, ri->n, sizeof(*ri->v), by_mark);
	ri->by_name = xcalloc(ri->n + 1, sizeof(*ri->by_name));
	for (size_t i = 0; i < ri->n; i++)
		ri->by_name[i] = &ri->v[i];
	qsort(ri->by_name, ri->n, sizeof(*ri->by_name), by_name);
}

void rule_index_build(struct rule_index *ri, const struct kstate *st)
{
	ri->v = xcalloc(st->n_counters + 1, sizeof(*ri->v));
	ri->n = 0;
	for (size_t c = 0; c < st->n_counters; c++) {
		const struct kstate_counter *k = &st->counters[c];
		if (!k->name[0])
			continue;	/* not natgw's: no rule */
		struct rule_entry *r = &ri->v[ri->n++];
		r->mark = k->mark & MARK_RULE_MASK;
		r->snat = k->snat;
		snprintf(r->name, sizeof(r->name), "%s", k->name);
	}
	index_sort(ri);
}

void rule_index_free(struct rule_index *ri)
{
	free(ri->v);
	free(ri->by_name);
	ri->v = NULL;
	ri->by_name = NULL;
	ri->n = 0;
}

const struct rule_entry *rule_index_by_mark(const struct rule_index *ri, uint32_t mark)
{
	struct rule_entry key = { .mark = mark & MARK_RULE_MASK };
	return ri->n ? bsearch(&key, ri->v, ri->n, sizeof(*ri->v), by_mark) : NULL;
}

const struct rule_entry *rule_index_by_name(const struct rule_index *ri, const char *name)
{
	struct rule_entry key;
	const struct rule_entry *k = &key;

	if (!ri->n || strlen(name) > NGW_NAME_MAX)
		return NULL;
	memcpy(key.name, name, strlen(name) + 1);
	const struct rule_entry *const *hit = bsearch(&k, ri->by_name, ri->n,
						      sizeof(*ri->by_name), by_name);
	return hit ? *hit : NULL;
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
	index_sort(ri);
}
