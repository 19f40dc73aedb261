/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>

#include "ct.h"
#include "flush.h"
#include "layout.h"

struct victims {
	const uint32_t *marks;
	size_t n_marks;
	struct ct_entry *v;
	size_t n, cap;
};

static void collect(const struct ct_entry *e, void *arg)
{
	struct victims *vs = arg;
	bool wanted = vs->n_marks == 0;

	for (size_t i = 0; !wanted && i < vs->n_marks; i++)
		wanted = (e->mark & MARK_RULE_MASK) == (vs->marks[i] & MARK_RULE_MASK);
	if (!wanted)
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
	struct victims vs = { .marks = marks, .n_marks = n };
	struct ct_sock *s = ct_open(false);
	int r;

	*flushed = 0;
	if (!s)
		return -errno;
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
	ct_close(s);
	return r;
}
