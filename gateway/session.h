/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One conversation with the kernel about natgw's table: open netlink, read
 * the table, refuse one natgw did not make, compile the config, diff. */
#ifndef NATGW_SESSION_H
#define NATGW_SESSION_H

#include "cli.h"
#include "kdiff.h"
#include "kmodel.h"
#include "kread.h"
#include "nl.h"

struct session {
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

/* Opens netlink. EXIT_OK, or EXIT_SYSTEM after saying why on stderr. */
int session_open(struct session *s);

/* Reads table (sets_mask as kstate_read) and refuses a foreign table.
 * EXIT_OK or EXIT_SYSTEM after a message. */
int session_read(struct session *s, const char *table, unsigned sets_mask);

/* Everything plan and apply need: read, compile rs, diff. */
int session_plan(struct session *s, const struct ngw_ruleset *rs);

/* Refuses (EXIT_SYSTEM, after a message) when another natgw table in this
 * namespace would share table's ct marks (mark.h); EXIT_OK otherwise.
 * session_plan() checks it; an apply checks again before it sends a plan
 * once more. */
int session_check_peers(struct session *s, const char *table);

void session_close(struct session *s);

double session_now_ms(void);

/* For commands about the table alone (show, down): which table (-c's file
 * names it, or the default file's if there is one, else "natgw"), then
 * session_open() and session_read(). */
/* Which table: the one -c's file names, or the default file's if there is
 * one, else "natgw". EXIT_OK, or the status after a message. */
int session_table_name(const struct cli *cli, char *table, size_t size);

int session_open_table(struct session *s, const struct cli *cli, unsigned sets_mask,
		       char *table, size_t size);

#endif
