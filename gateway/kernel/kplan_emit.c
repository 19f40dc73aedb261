/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>

#include "kplan_emit.h"
#include "natgw/xalloc.h"

static void emit_full(const struct kplan *p, struct kbatch *kb)
{
	const struct kmodel *m = kb->m;

	if (p->rebuild)
		kbatch_table_del(kb, m->table);
	kbatch_table_add(kb);
	kbatch_sets_add(kb);
	kbatch_base_chains_add(kb);
	size_t *all = xcalloc(m->n_elems + 1, sizeof(*all));
	for (size_t i = 0; i < m->n_elems; i++)
		all[i] = i;
	kbatch_elems_add(kb, all, m->n_elems);
	free(all);
	for (size_t i = 0; i < m->n_chain_rules; i++)
		kbatch_rule_add(kb, &m->chain_rules[i]);
}

void kplan_emit(const struct kplan *p, const struct kstate *st, struct kbatch *kb)
{
	if (p->create || p->rebuild) {
		emit_full(p, kb);
		return;
	}
	kbatch_elems_del(kb, st, p->elem_del.v, p->elem_del.n);
	for (size_t i = 0; i < p->rule_del.n; i++) {
		const struct kstate_rule *r = &st->rules[p->rule_del.v[i]];
		kbatch_rule_del(kb, r->chain, r->handle);
	}
	kbatch_elems_add(kb, p->elem_add.v, p->elem_add.n);
	for (size_t i = 0; i < p->rule_add.n; i++)
		kbatch_rule_add(kb, &kb->m->chain_rules[p->rule_add.v[i]]);
}
