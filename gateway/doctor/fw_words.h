/* SPDX-License-Identifier: GPL-2.0-or-later */
/* doctor's words for another table's chain that drops a forward's
 * traffic: the finding, and the commands that let natgw's traffic through
 * (check_tables.c finds the chains). */
#ifndef NATGW_FW_WORDS_H
#define NATGW_FW_WORDS_H

#include "checks.h"
#include "fw_packets.h"
#include "kernel/ruleset_read.h"

/* What a chain drops of one forward: which kinds, and whether by policy. */
struct drops {
	bool kind[FW_KINDS];
	bool by_policy;
	uint8_t l4, family;
	const char *iif;		/* where, when the forward has several */
	int port_lo, port_hi;		/* the forward's ports, as the fix names them */
	const uint8_t *target;
	int target_port;
};

/* The finding (blocks) that chain c of t drops d of forward f. */
void fw_report_drop(struct doctor_report *r, const struct ngw_forward *f, const struct fw_table *t,
		    const struct fw_chain *c, const struct drops *d);

/* The warning that chain c was run for the first done of all forwards
 * only, f being the first not examined. */
void fw_report_too_long(struct doctor_report *r, const struct ngw_forward *f,
			const struct fw_table *t, const struct fw_chain *c, size_t done, size_t all);

#endif
