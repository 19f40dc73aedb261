/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mark.h"
#include "natgw/xalloc.h"

/* FNV-1a, 32 bits: stable across versions and machines, which is the
 * whole point (a mark written by one router is read by its HA peer). */
static uint32_t name_hash(const char *s, uint32_t seed)
{
	uint32_t h = 2166136261u ^ seed;
	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= 16777619u;
	}
	/* fold the high bits in: ids take the low 19 */
	return h ^ (h >> 19);
}

unsigned mark_table_slot(const char *table)
{
	return name_hash(table, 0x7461626cu) % MARK_TABLE_SLOTS;	/* "tabl" */
}

uint32_t mark_scope(const char *table)
{
	return MARK_TAG | (mark_table_slot(table) << MARK_TABLE_SHIFT);
}

static uint32_t home_id(const char *name)
{
	return name_hash(name, 0) % MARK_ID_MAX + 1;
}

struct placing {
	uint32_t home;
	const char *name;
	size_t idx;
};

static int placing_cmp(const void *a, const void *b)
{
	const struct placing *x = a, *y = b;
	if (x->home != y->home)
		return x->home < y->home ? -1 : 1;
	return strcmp(x->name, y->name);
}

int mark_assign(const char *table, const char *const *names, size_t n, uint32_t *marks)
{
	if (n > MARK_ID_MAX)
		return -ENOSPC;
	struct placing *p = xcalloc(n + 1, sizeof(*p));
	uint8_t *used = xcalloc(MARK_ID_MAX / 8 + 1, 1);
	uint32_t scope = mark_scope(table);

	for (size_t i = 0; i < n; i++)
		p[i] = (struct placing){ home_id(names[i]), names[i], i };
	/* in (home, name) order each takes its home or the next free id after
	 * it, wrapping: the result depends on the set of names alone */
	qsort(p, n, sizeof(*p), placing_cmp);
	for (size_t i = 0; i < n; i++) {
		uint32_t id = p[i].home;
		while (used[id / 8] & (1u << (id % 8)))
			id = id == MARK_ID_MAX ? 1 : id + 1;
		used[id / 8] |= (uint8_t)(1u << (id % 8));
		marks[p[i].idx] = scope | id;
	}
	free(used);
	free(p);
	return 0;
}
