/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>

#include "ct.h"
#include "ei.h"
#include "remark.h"
#include "natgw/xalloc.h"

struct move {
	uint32_t from, to;		/* rule marks, without the hairpin bit */
};

struct moves {
	struct move *v;
	size_t n, cap;
};

static int move_cmp(const void *a, const void *b)
{
	const struct move *x = a, *y = b;
	return (x->from > y->from) - (x->from < y->from);
}

static const struct move *move_of(const struct moves *m, uint32_t mark)
{
	struct move key = { mark & MARK_RULE_MASK, 0 };
	return m->n ? bsearch(&key, m->v, m->n, sizeof(*m->v), move_cmp) : NULL;
}

struct entries {
	const struct moves *moves;
	struct ct_entry *v;
	size_t n, cap;
};

static void entry_pick(const struct ct_entry *e, void *arg)
{
	struct entries *es = arg;

	if (!move_of(es->moves, e->mark))
		return;
	es->v = grow(es->v, &es->cap, es->n, sizeof(*es->v));
	es->v[es->n++] = *e;
}

static void remark_entries(const struct moves *mv, struct remark_result *res)
{
	struct entries es = { .moves = mv };
	struct ct_sock *s = ct_open(false);

	if (!s) {
		res->err = -errno;
		return;
	}
	/* natgw's entries, by its tag: an older natgw's marks may lie outside
	 * this table's slot */
	int r = ct_dump(s, MARK_TAG, MARK_TAG_MASK, entry_pick, &es);
	if (r < 0 && !res->err)
		res->err = r;
	for (size_t i = 0; r == 0 && i < es.n; i++) {
		const struct ct_entry *e = &es.v[i];
		uint32_t mark = (e->mark & MARK_HAIRPIN) | move_of(mv, e->mark)->to;
		int d = ct_set_mark(s, e, mark);
		if (d == 0)
			res->entries++;
		else if (d != -ENOENT) {	/* ended meanwhile: nothing to move */
			res->entries_failed++;
			if (!res->err)
				res->err = d;
		}
	}
	free(es.v);
	ct_close(s);
}

struct mappings {
	const struct moves *moves;
	struct xlat_mapping *v;
	size_t n, cap;
};

static void mapping_pick(const struct xlat_mapping *m, void *arg)
{
	struct mappings *ms = arg;

	if (!move_of(ms->moves, m->mark))
		return;
	ms->v = grow(ms->v, &ms->cap, ms->n, sizeof(*ms->v));
	ms->v[ms->n++] = *m;
}

/* ei_mark E -> the rule's mark: replaced, keeping the time E has left. */
static void remark_mappings(struct nl *nl, const char *table, const struct moves *mv,
			    struct remark_result *res)
{
	/* one may idle out, or another program commit, meanwhile */
	for (int attempt = 0; attempt < 3; attempt++) {
		struct mappings ms = { .moves = mv };
		int r = ei_read(nl, table, mapping_pick, &ms);
		uint32_t *marks = xcalloc(ms.n + 1, sizeof(*marks));
		struct ei_write *w = xcalloc(2 * ms.n + 1, sizeof(*w));
		for (size_t i = 0; i < ms.n; i++) {
			const struct xlat_mapping *m = &ms.v[i];
			enum kset set = ei_set(KSET_EI_MARK4, m->external.addr.family);
			marks[i] = (m->mark & MARK_HAIRPIN) | move_of(mv, m->mark)->to;
			w[2 * i] = (struct ei_write){ .set = set, .key = &m->external };
			w[2 * i + 1] = (struct ei_write){ .set = set, .add = true, .key = &m->external,
							  .data = &marks[i], .data_is_mark = true,
							  .timeout = m->timeout ? m->timeout : 1 };
		}
		if (r == 0 && ms.n)
			r = ei_write(nl, table, w, 2 * ms.n, 0);
		if (r == 0)
			res->mappings = ms.n;
		free(w);
		free(marks);
		free(ms.v);
		if (r != -ENOENT && r != -EINTR) {
			if (r < 0 && !res->err)
				res->err = r;
			return;
		}
	}
}

void remark_rules(struct nl *nl, const char *table, const struct kplan *p,
		  struct remark_result *res)
{
	struct moves mv = { 0 };

	*res = (struct remark_result){ 0 };
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct kplan_rule *r = &p->rules[i];
		if (!r->remark || r->change == KCHANGE_REMOVE || !r->new_mark)
			continue;
		mv.v = grow(mv.v, &mv.cap, mv.n, sizeof(*mv.v));
		mv.v[mv.n++] = (struct move){ r->old_mark & MARK_RULE_MASK, r->new_mark };
	}
	if (mv.n) {
		qsort(mv.v, mv.n, sizeof(*mv.v), move_cmp);
		remark_entries(&mv, res);
		remark_mappings(nl, table, &mv, res);
	}
	free(mv.v);
}
