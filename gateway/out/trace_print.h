/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Rendering natgw doctor --trace: each packet's path and what became of it,
 * as lines or one JSON array. */
#ifndef NATGW_TRACE_PRINT_H
#define NATGW_TRACE_PRINT_H

#include <stdio.h>

#include "doctor/trace.h"

/* Per packet: "packet N (FLOW)", one indented line per step, and
 * "packet N (FLOW): OUTCOME". seconds: how long the trace waited. */
void trace_print_text(FILE *out, const struct trace_run *t, unsigned seconds);

/* [{"packet", "reply", "reply_of", "flow", "path": [{"family", "table",
 * "chain", "type", "handle", "verdict", "target"}], "outcome", "dropped_by",
 * "forwarded_to", "answered", "summary"}, ...] */
void trace_print_json(FILE *out, const struct trace_run *t, unsigned seconds);

#endif
