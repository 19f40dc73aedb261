/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Diagnostics: every problem found in a configuration, with its position.
 *
 * The rules library never prints; it appends here and the command that
 * called it decides how to show them (compiler-style text or JSON). */
#ifndef NATGW_DIAG_H
#define NATGW_DIAG_H

#include <stdbool.h>
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
	NGW_NOTE,		/* what the operator should know meanwhile
				 * ("waiting for another natgw"): not a problem */
};

struct ngw_diag {
	enum ngw_severity severity;
	struct ngw_pos pos;
	bool system;		/* about the system (netlink, the kernel, the
				 * runtime directory), not a place in the file */
	char *message;
};

struct ngw_diags {
	struct ngw_diag *v;
	size_t n;
	size_t cap;
	size_t errors;
	size_t warnings;
	/* Handed each diagnostic as it is added, when set: a command shows
	 * progress and problems while it works, not only at its end. */
	void (*added)(const struct ngw_diag *g, void *arg);
	void *added_arg;
};

void diags_init(struct ngw_diags *d);
void diags_free(struct ngw_diags *d);

/* Appends one diagnostic; aborts on out-of-memory like the rest of natgw. */
__attribute__((format(printf, 4, 5)))
void diags_add(struct ngw_diags *d, enum ngw_severity sev, struct ngw_pos pos,
	       const char *fmt, ...);

/* Appends one diagnostic about the system (no position). */
__attribute__((format(printf, 3, 4)))
void diags_add_system(struct ngw_diags *d, enum ngw_severity sev, const char *fmt, ...);

/* Sorts by position, keeping the order of discovery for equal positions,
 * so output reads top to bottom like the file. */
void diags_sort(struct ngw_diags *d);

const char *diag_severity_name(enum ngw_severity sev);

#endif
