/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A bump allocator for the YAML tree: a 100,000-rule file has millions of
 * nodes, and they all die together when the ruleset has been built. */
#ifndef NATGW_ARENA_H
#define NATGW_ARENA_H

#include <stddef.h>

struct arena_chunk;

struct arena {
	struct arena_chunk *head;
};

void arena_init(struct arena *a);
void *arena_alloc(struct arena *a, size_t size);	/* zeroed, 16-aligned */
char *arena_strndup(struct arena *a, const char *s, size_t n);
void arena_free(struct arena *a);

#endif
