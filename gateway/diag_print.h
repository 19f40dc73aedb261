/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Showing a configuration's diagnostics: compiler-style text for people,
 * JSON for scripts. */
#ifndef NATGW_DIAG_PRINT_H
#define NATGW_DIAG_PRINT_H

#include <stdio.h>

#include "json.h"
#include "natgw/diag.h"

/* "file:line:col: error: message" per diagnostic, then "2 errors, 1 warning". */
void diag_print_text(FILE *out, const char *file, const struct ngw_diags *d);

/* A JSON array of {"severity","line","column","message"} objects. */
void diag_print_json(struct json *j, const struct ngw_diags *d);

#endif
