/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A plan for people (one line per changed rule) and for scripts (JSON). */
#ifndef NATGW_PLAN_PRINT_H
#define NATGW_PLAN_PRINT_H

#include <stdbool.h>
#include <stdio.h>

#include "json.h"
#include "compile/kmodel.h"
#include "compile/kplan.h"

/* "+ forward web   tcp 443 -> 192.0.2.10:8443"; unchanged rules only with all. */
void plan_print_text(const struct kplan *p, bool all, FILE *out);
void plan_print_json(const struct kplan *p, struct json *j);

/* natgw plan's answer for p against the table m is for: the changed rules
 * (every rule with all) and the count, "natgw: plan: +1 -0 ~0 (table
 * rebuilt: why)"; or with json one object, {"table", "new_table",
 * "rebuild_reason", "added", "removed", "changed", "rules"}. */
void plan_print(FILE *out, bool json, bool all, const struct kplan *p, const struct kmodel *m);

#endif
