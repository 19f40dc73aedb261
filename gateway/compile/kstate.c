/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kstate.h"
#include "natgw/xalloc.h"

void kstate_adopt_model(struct kstate *st, const struct kmodel *m, unsigned skip_mask)
{
	for (size_t i = 0; i < m->n_elems; i++) {
		const struct kelem *e = &m->elems[i];
		if (skip_mask & (1u << e->set))
			continue;
		st->elems = grow(st->elems, &st->cap_elems, st->n_elems, sizeof(*st->elems));
		struct kstate_elem *k = &st->elems[st->n_elems++];
		memset(k, 0, sizeof(*k));
		k->set = e->set;
		k->key_len = e->key_len;
		k->data_len = e->data_len;
		memcpy(k->key, e->key, e->key_len);
		memcpy(k->data, e->data, e->data_len);
		if (e->rule != KRULE_NO_OWNER)
			snprintf(k->comment, sizeof(k->comment), "%s", m->rules[e->rule].name);
	}
}

void kstate_adopt_counters(struct kstate *st, const struct kmodel *m)
{
	for (size_t i = 0; i < m->n_rules; i++) {
		st->counters = grow(st->counters, &st->cap_counters, st->n_counters,
				    sizeof(*st->counters));
		struct kstate_counter *c = &st->counters[st->n_counters++];
		memset(c, 0, sizeof(*c));
		snprintf(c->name, sizeof(c->name), "%s", m->rules[i].name);
		snprintf(c->comment, sizeof(c->comment), "%s", m->rules[i].desc);
		c->digest = m->rules[i].digest;
		c->mark = m->rules[i].mark;
		c->snat = m->rules[i].snat;
	}
}

void kstate_free(struct kstate *st)
{
	free(st->elems);
	free(st->counters);
	free(st->unmapped);
	free(st->chains);
	free(st->rules);
	free(st->peers);
	memset(st, 0, sizeof(*st));
}

bool kcounter_is_snat(const char *comment)
{
	return !strncmp(comment, "snat", 4) && (comment[4] == ' ' || !comment[4]);
}
