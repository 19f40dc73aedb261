/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>

#include "natgw/xalloc.h"
#include "compile/layout.h"
#include "mappings.h"

bool mappings_wanted(const struct mappings_filter *f, const struct xlat_mapping *m)
{
	if ((m->mark & MARK_SCOPE_MASK) != f->scope)
		return false;	/* not this table's: another natgw table's, or not natgw's */
	if (f->l4 && m->l4 != f->l4)
		return false;
	return !f->rule || (m->mark & MARK_RULE_MASK) == f->rule->mark;
}

void mappings_add(const struct xlat_mapping *m, void *arg)
{
	struct mappings *l = arg;

	if (!mappings_wanted(l->f, m))
		return;
	if (l->count_only) {
		l->n++;
		return;
	}
	l->v = grow(l->v, &l->cap, l->n, sizeof(*l->v));
	l->v[l->n++] = *m;
}

void mappings_add_entry(const struct ct_entry *e, void *arg)
{
	struct mappings *l = arg;
	bool snat = xlat_entry_is_snat(e, rule_index_kind, (void *)l->f->ri);
	struct xlat_mapping m;

	if (xlat_from_entry(e, snat, &m))
		mappings_add(&m, l);
}

void mappings_free(struct mappings *l)
{
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}
