/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gateway/out/: every renderer: text and JSON for diagnostics, plans, an
 * apply's report, show and mappings, each to a FILE * it is given (a
 * terminal, or the daemon's answer in memory). Uses apply/ and below.
 *
 * Showing a configuration's diagnostics: compiler-style text for people,
 * JSON for scripts. */
#ifndef NATGW_DIAG_PRINT_H
#define NATGW_DIAG_PRINT_H

#include <stdio.h>

#include "json.h"
#include "natgw/diag.h"

/* One diagnostic: "file:line:col: error: message", or "natgw: message" for
 * one about the system ("natgw: warning: message"). */
void diag_print_one(FILE *out, const char *file, const struct ngw_diag *g);

/* Each diagnostic of d, one line each. */
void diag_print_lines(FILE *out, const char *file, const struct ngw_diags *d);

/* Where a list's diagnostics are shown as they come (diags->added): a
 * terminal, the daemon's log, or a client's answer in memory. file names
 * the configuration the positions are in. */
struct diag_sink {
	FILE *out;
	const char *file;
};

void diag_sink_attach(struct ngw_diags *d, struct diag_sink *s);

/* "file:line:col: error: message" per diagnostic, then "2 errors, 1 warning". */
void diag_print_text(FILE *out, const char *file, const struct ngw_diags *d);

/* A JSON array of {"severity","line","column","message"} objects. */
void diag_print_json(struct json *j, const struct ngw_diags *d);

/* The message of d's first error; NULL when it has none. */
const char *diag_first_error(const struct ngw_diags *d);

/* With --json, what a command writes to stdout when it failed before it
 * had its result (a configuration that is invalid or cannot be read, the
 * kernel refusing, no table):
 *
 *   {"error": "<the first error's message>", "diagnostics": [every message]}
 *
 * one line, diagnostics as diag_print_json() lists them. The same from the
 * command and from the daemon's answer. */
void diag_print_json_error(FILE *out, const struct ngw_diags *d);

/* diag_print_json_error() of one system error, message. */
void diag_print_json_message(FILE *out, const char *message);

#endif
