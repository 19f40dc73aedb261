/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Rule names to numbers in O(1): 100,000 rules are matched by name on
 * every apply, more than once, and sorting them each time showed. */
#ifndef NATGW_NAME_MAP_H
#define NATGW_NAME_MAP_H

#include <stdbool.h>
#include <stddef.h>

struct name_map_slot {
	const char *name;		/* not copied: it must outlive the map */
	size_t value;
};

struct name_map {
	struct name_map_slot *v;
	size_t size;			/* a power of two, at least twice n */
};

/* Room for n names (at most n are put). */
void name_map_init(struct name_map *m, size_t n);
/* Adds name; false (and no change) when it is there already. */
bool name_map_put(struct name_map *m, const char *name, size_t value);
/* Its value, or -1. */
long name_map_get(const struct name_map *m, const char *name);
void name_map_free(struct name_map *m);

#endif
