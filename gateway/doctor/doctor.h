/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gateway/doctor/: why a forward would not work on this router, found from
 * the live system (sysctls, the kernel's socket table, interfaces), each
 * finding naming the rule, the cause and the one-line fix. Read-only: it
 * changes nothing. Uses apply/ and below.
 *
 * natgw applies a forward on a router that forwards nothing, or over the
 * router's own service, and says "applied": these are the causes it cannot
 * fix by itself, but can name. */
#ifndef NATGW_DOCTOR_H
#define NATGW_DOCTOR_H

#include <stdbool.h>
#include <stddef.h>

#include "natgw/diag.h"
#include "natgw/rules.h"

/* One thing found. */
struct doctor_finding {
	bool blocks;			/* it stops a forward (doctor exits 1) */
	char rule[NGW_NAME_MAX + 1];	/* "" when about the whole file */
	const char *kind;		/* "forward", "snat" or "" */
	struct ngw_pos pos;		/* the rule's (or the key's) position */
	const char *cause;		/* a stable word for scripts: "forwarding",
					 * "listener", "interface" */
	char subject[64];		/* what it is about: the interface, ... */
	char detail[384];		/* what is wrong, in the operator's words */
	char fix[256];			/* the one line that fixes it */
};

struct doctor_report {
	struct doctor_finding *v;
	size_t n, cap;
	bool blocks;			/* any finding blocks */
};

/* Where the system is read: "/" for this one; a test points them at files
 * of its own. */
struct doctor_sources {
	const char *proc;		/* /proc */
	const char *sys;		/* /sys */
};

/* This router's. */
#define DOCTOR_SYSTEM ((struct doctor_sources){ .proc = "/proc", .sys = "/sys" })

/* Examines rs against the system: forwarding enabled for each family the
 * rules use, the router's own listeners on forwarded ports, the interfaces
 * the file names. 0, or -errno when the system could not be read at all. */
int doctor_examine(const struct ngw_ruleset *rs, const struct doctor_sources *src,
		   struct doctor_report *r);

void doctor_report_free(struct doctor_report *r);

/* A finding as its line says it after the place: `forward "web": DETAIL
 * (FIX)`, or `DETAIL (FIX)` for one about the whole file. */
void doctor_finding_text(const struct doctor_finding *f, char *buf, size_t size);

/* What stays the same while a finding lasts, for telling when one appears
 * and when it goes: its cause and subject (or rule, without a subject). */
void doctor_finding_key(const struct doctor_finding *f, char *buf, size_t size);

/* After a successful apply: examines rs against this router into r (the
 * caller frees it) and adds each finding to d as a warning at its rule's
 * position (d may be NULL). A system that cannot be read is one warning
 * saying so; the apply stands either way. doctor_examine()'s outcome. */
int doctor_after_apply(const struct ngw_ruleset *rs, struct ngw_diags *d,
		       struct doctor_report *r);

#endif
