/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>

#include "ct.h"
#include "flush.h"
#include "compile/layout.h"
#include "natgw/xalloc.h"

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
	vs->v = grow(vs->v, &vs->cap, vs->n, sizeof(*vs->v));
	vs->v[vs->n++] = *e;
}

int flush_marks(uint32_t scope, const uint32_t *marks, size_t n, size_t *flushed,
		size_t *left)
{
	uint32_t *sorted = xcalloc(n + 1, sizeof(*sorted));
	struct victims vs = { .marks = sorted, .n_marks = n };
	struct ct_sock *s;
	int r;

	*flushed = *left = 0;
	for (size_t i = 0; i < n; i++)
		sorted[i] = marks[i] & MARK_RULE_MASK;
	qsort(sorted, n, sizeof(*sorted), mark_cmp);
	s = ct_open(false);
	if (!s) {
		r = -errno;
		free(sorted);
		return r;
	}
	/* the kernel sends the entries of one rule, of one table (its scope),
	 * or natgw's (the mark's tag: the marks of changed rules may be an
	 * older natgw's); which rules, is sorted out here. Deleting waits until
	 * the dump is over. */
	if (n == 1)
		r = ct_dump(s, marks[0] & MARK_RULE_MASK, MARK_RULE_MASK, collect, &vs);
	else if (n == 0)
		r = ct_dump(s, scope, MARK_SCOPE_MASK, collect, &vs);
	else
		r = ct_dump(s, MARK_TAG, MARK_TAG_MASK, collect, &vs);
	int first = 0;
	for (size_t i = 0; r == 0 && i < vs.n; i++) {
		int d = ct_delete(s, &vs.v[i]);
		if (d == 0) {
			(*flushed)++;
		} else if (d != -ENOENT) {	/* gone already is what was wanted */
			(*left)++;
			if (!first)
				first = d;	/* the first is said; the rest are still tried */
		}
	}
	if (r == 0)
		r = first;
	free(vs.v);
	free(sorted);
	ct_close(s);
	return r;
}
