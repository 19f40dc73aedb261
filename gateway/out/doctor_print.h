/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Rendering natgw doctor's findings: compiler-style lines, or a JSON array. */
#ifndef NATGW_DOCTOR_PRINT_H
#define NATGW_DOCTOR_PRINT_H

#include <stdbool.h>
#include <stdio.h>

#include "doctor/doctor.h"

/* "file:line:col: warning: forward "web": DETAIL (FIX)" per finding; file
 * names the configuration. */
void doctor_print_text(FILE *out, const char *file, const struct doctor_report *r);

/* [{"severity", "blocks", "rule", "kind", "cause", "detail", "fix", "file",
 * "line", "column"}, ...] */
void doctor_print_json(FILE *out, const char *file, const struct doctor_report *r);

#endif
