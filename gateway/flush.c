/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>

#include "ct.h"
#include "flush.h"
#include "layout.h"

struct victims {
	const uint32_t *marks;		/* sorted, without the hairpin bit */
	size_t n_marks;
	struct ct_entry *v;
	size_t n, cap;
};

static int mark_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Per conntrack entry: a binary search among the rules being flushed. */
static void collect(const struct ct_entry *e, void *arg)
{
	struct victims *vs = arg;
	uint32_t mark = e->mark & MARK_RULE_MASK;

	if (vs->n_marks && !bsearch(&mark, vs->marks, vs->n_marks, sizeof(mark), mark_cmp))
		return;
	if (vs->n == vs->cap) {
		vs->cap = vs->cap ? 2 * vs->cap : 64;
		vs->v = reallocarray(vs->v, vs->cap, sizeof(*vs->v));
		if (!vs->v)
			abort();
	}
	vs->v[vs->n++] = *e;
}

int flush_marks(const uint32_t *marks, size_t n, size_t *flushed)
{
	uint32_t *sorted = calloc(n + 1, sizeof(*sorted));
	struct victims vs = { .marks = sorted, .n_marks = n };
	struct ct_sock *s;
	int r;

	*flushed = 0;
	if (!sorted)
		abort();
	for (size_t i = 0; i < n; i++)
		sorted[i] = marks[i] & MARK_RULE_MASK;
	qsort(sorted, n, sizeof(*sorted), mark_cmp);
	s = ct_open(false);
	if (!s) {
		r = -errno;
		free(sorted);
		return r;
	}
	/* the kernel sends natgw's entries only (the mark's tag); which rules,
	 * is sorted out here. Deleting waits until the dump is over. */
	if (n == 1)
		r = ct_dump(s, marks[0] & MARK_RULE_MASK, MARK_RULE_MASK, collect, &vs);
	else
		r = ct_dump(s, MARK_TAG, MARK_TAG_MASK, collect, &vs);
	for (size_t i = 0; r == 0 && i < vs.n; i++) {
		int d = ct_delete(s, &vs.v[i]);
		if (d == 0)
			(*flushed)++;
		else if (d != -ENOENT)
			r = d;	/* gone already is fine; anything else is said */
	}
	free(vs.v);
	free(sorted);
	ct_close(s);
	return r;
}
