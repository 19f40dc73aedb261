/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fnv.h"
#include "name_map.h"
#include "natgw/xalloc.h"

static size_t name_hash(const char *s)
{
	uint64_t h = fnv64(FNV64_BASIS, s, strlen(s));
	return (size_t)(h ^ (h >> 32));
}

void name_map_init(struct name_map *m, size_t n)
{
	m->size = 16;
	while (m->size < 2 * n)
		m->size *= 2;
	m->v = xcalloc(m->size, sizeof(*m->v));
}

bool name_map_put(struct name_map *m, const char *name, size_t value)
{
	size_t i = name_hash(name) & (m->size - 1);
	for (; m->v[i].name; i = (i + 1) & (m->size - 1))
		if (!strcmp(m->v[i].name, name))
			return false;
	m->v[i] = (struct name_map_slot){ name, value };
	return true;
}

long name_map_get(const struct name_map *m, const char *name)
{
	size_t i = name_hash(name) & (m->size - 1);
	for (; m->v[i].name; i = (i + 1) & (m->size - 1))
		if (!strcmp(m->v[i].name, name))
			return (long)m->v[i].value;
	return -1;
}

void name_map_free(struct name_map *m)
{
	free(m->v);
	m->v = NULL;
	m->size = 0;
}
