/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A plan for people (one line per changed rule) and for scripts (JSON). */
#ifndef NATGW_PLAN_PRINT_H
#define NATGW_PLAN_PRINT_H

#include <stdbool.h>
#include <stdio.h>

#include "json.h"
#include "compile/kplan.h"

/* "+ forward web   tcp 443 -> 192.0.2.10:8443"; unchanged rules only with all. */
void plan_print_text(const struct kplan *p, bool all, FILE *out);
void plan_print_json(const struct kplan *p, struct json *j);

#endif
