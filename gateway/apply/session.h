/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One conversation with the kernel about natgw's table: open netlink, read
 * the table, refuse one natgw did not make, compile the config, diff. */
#ifndef NATGW_SESSION_H
#define NATGW_SESSION_H

#include "natgw/diag.h"
#include "compile/kplan.h"
#include "compile/kmodel.h"
#include "kernel/kstate_read.h"
#include "kernel/nl.h"

struct session {
	struct ngw_diags *msgs;		/* why it stopped, and warnings */
	struct nl nl;
	struct kstate st;
	struct kmodel m;
	struct kplan plan;
	double read_ms, compile_ms;
	bool full_read;			/* set before session_plan(): never trust
					 * the record, read every element */
	bool exact_sizes;		/* set before session_plan(): kplan_compute()'s */
	bool from_record;		/* elements taken from the verified record of
					 * the last apply instead of a full read */
	bool record_unchanged;		/* ... which nothing committed to nftables
					 * since it: rule_counters was not read */
	uint32_t genid;			/* nftables' generation when the plan began */
};

/* Opens netlink. NGW_OK, or NGW_FAILED after saying why in msgs (kept
 * for the session's later messages too). */
int session_open(struct session *s, struct ngw_diags *msgs);

/* Reads table (sets_mask as kstate_read) and refuses a foreign table.
 * NGW_OK or NGW_FAILED after a message. */
int session_read(struct session *s, const char *table, unsigned sets_mask);

/* Everything plan and apply need: read, compile rs, diff. */
int session_plan(struct session *s, const struct ngw_ruleset *rs);

/* Refuses (NGW_FAILED, after a message) when another natgw table in this
 * namespace would share table's ct marks (mark.h); NGW_OK otherwise.
 * session_plan() checks it; an apply checks again before it sends a plan
 * once more. */
int session_check_peers(struct session *s, const char *table);

/* session_open() and session_read(), for what needs the table to exist
 * (show, mappings): NGW_FAILED when it does not. */
int session_open_existing(struct session *s, struct ngw_diags *msgs, const char *table,
			  unsigned sets_mask);

/* Also after a failed or no session_open() of a zeroed s. */
void session_close(struct session *s);

double session_now_ms(void);

#endif
