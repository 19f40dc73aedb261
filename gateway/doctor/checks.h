/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The checks doctor_examine() runs, one file each, and what they share.
 * A check adds its findings to r and returns 0, or -errno when it could not
 * look at the system at all. */
#ifndef NATGW_DOCTOR_CHECKS_H
#define NATGW_DOCTOR_CHECKS_H

#include "doctor.h"

typedef int doctor_check(const struct ngw_ruleset *rs, const struct doctor_sources *src,
			 struct doctor_report *r);

doctor_check doctor_check_forwarding;	/* check_forwarding.c */
doctor_check doctor_check_listeners;	/* check_listeners.c */
doctor_check doctor_check_interfaces;	/* check_interfaces.c */
doctor_check doctor_check_routes;	/* check_routes.c */
doctor_check doctor_check_rp_filter;	/* check_rp_filter.c */
doctor_check doctor_check_ports;	/* check_ports.c */
doctor_check doctor_check_conntrack;	/* check_conntrack.c */
doctor_check doctor_check_tables;	/* check_tables.c */

/* findings.c: */

/* A new finding about rule (kind "forward" or "snat"; "" for the file). */
struct doctor_finding *doctor_add(struct doctor_report *r, bool blocks, const char *kind,
				  const char *rule, struct ngw_pos pos, const char *cause);

/* Whether r already has a finding of this cause about subject: a cause is
 * said once, at the first rule it concerns. */
bool doctor_said(const struct doctor_report *r, const char *cause, const char *subject);

/* The number in PROC/sys/NAME (a sysctl; the first of several), or -errno. */
int doctor_read_int(const char *proc, const char *name);

#endif
