/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Rendering natgw show. */
#ifndef NATGW_SHOW_PRINT_H
#define NATGW_SHOW_PRINT_H

#include <stdbool.h>
#include <stdio.h>

#include "compile/kstate.h"

/* The rules of table as st read them (with rule_counters and ei_unmapped),
 * in mark order, to out. */
void show_print(FILE *out, bool json, const struct kstate *st, const char *table);

#endif
