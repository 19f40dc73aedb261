/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Rendering an apply_run for the operator. */
#ifndef NATGW_APPLY_REPORT_H
#define NATGW_APPLY_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "apply/apply.h"

/* What apply says about a: the summary (or JSON object) to out; with a
 * confirm timer, how long it runs; with verbosity > 0 the plan, and where
 * the time went to err (after out is flushed: whole lines in order when
 * both are one file); a partial failure to err, also with json. When the
 * apply did not get as far as a plan its messages said why: then nothing,
 * or with json the error document of a->msgs (diag_print_json_error()).
 * The JSON object's "error" is the first error of a->msgs (a caller may add
 * one after the apply: the confirm timer could not start), else the
 * partial failure, else ""; "diagnostics" lists a->msgs. */
void apply_report_print(FILE *out, FILE *err, bool json, int verbosity,
			const struct apply_run *a, unsigned confirm);

/* When the ruleset was applied but what follows the transaction did not
 * all happen: flush_on_change left mappings of changed rules ("applied,
 * but N mappings ... could not be deleted: reason; how to flush them"), or
 * live connections of a rule whose ct mark moved kept the old mark. The
 * message in buf, and true (an error: the outcome is NGW_FAILED). */
bool apply_partial_failure(const struct apply_run *a, char *buf, size_t size);

#endif
