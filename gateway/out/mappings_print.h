/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Rendering mappings. */
#ifndef NATGW_MAPPINGS_PRINT_H
#define NATGW_MAPPINGS_PRINT_H

#include <stdbool.h>
#include <stdio.h>

#include "conntrack/mappings.h"

/* Sorts v (by rule, protocol, remote) and prints it to out: an aligned
 * table, or with json one JSON array with SPEC section 4's keys. */
void mappings_print(FILE *out, bool json, const struct mappings_filter *f,
		    struct xlat_mapping *v, size_t n);

/* With count: only how many, as "N mappings" or {"count":N}. */
void mappings_print_count(FILE *out, bool json, size_t n);

/* --watch: one mapping that came ("new") or went ("end"), flushed. */
void mappings_print_event(FILE *out, bool json, const struct mappings_filter *f,
			  const char *event, const struct xlat_mapping *m);

#endif
