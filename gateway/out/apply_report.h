/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Rendering an apply_run for the operator. */
#ifndef NATGW_APPLY_REPORT_H
#define NATGW_APPLY_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "apply/apply.h"

/* What apply says about a: the summary (or JSON object) to out; with a
 * confirm timer, how long it runs; with verbosity > 0 the plan, and where
 * the time went to err; a partial failure to err, also with json. Nothing
 * when the apply did not get as far as a plan: its messages said why. */
void apply_report_print(FILE *out, FILE *err, bool json, int verbosity,
			const struct apply_run *a, unsigned confirm);

/* When the ruleset was applied but what follows the transaction did not
 * all happen: flush_on_change left mappings of changed rules ("applied,
 * but N mappings ... could not be deleted: reason; how to flush them"), or
 * live connections of a rule whose ct mark moved kept the old mark. The
 * message in buf, and true (an error: the outcome is NGW_FAILED). */
bool apply_partial_failure(const struct apply_run *a, char *buf, size_t size);

#endif
