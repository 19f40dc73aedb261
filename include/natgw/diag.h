/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Diagnostics: every problem found in a configuration, with its position.
 *
 * The rules library never prints; it appends here and the command that
 * called it decides how to show them (compiler-style text or JSON). */
#ifndef NATGW_DIAG_H
#define NATGW_DIAG_H

#include <stddef.h>
#include <stdint.h>

/* A position in the source file, 1-based. line == 0 means "the whole file". */
struct ngw_pos {
	uint32_t line;
	uint32_t col;
};

enum ngw_severity {
	NGW_ERROR,
	NGW_WARNING,
};

struct ngw_diag {
	enum ngw_severity severity;
	struct ngw_pos pos;
	char *message;
};

struct ngw_diags {
	struct ngw_diag *v;
	size_t n;
	size_t cap;
	size_t errors;
	size_t warnings;
};

void diags_init(struct ngw_diags *d);
void diags_free(struct ngw_diags *d);

/* Appends one diagnostic; aborts on out-of-memory like the rest of natgw. */
__attribute__((format(printf, 4, 5)))
void diags_add(struct ngw_diags *d, enum ngw_severity sev, struct ngw_pos pos,
	       const char *fmt, ...);

/* Sorts by position, keeping the order of discovery for equal positions,
 * so output reads top to bottom like the file. */
void diags_sort(struct ngw_diags *d);

const char *diag_severity_name(enum ngw_severity sev);

#endif
