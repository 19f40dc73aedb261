/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gateway/apply/: one apply session (read, compile, diff, commit), the
 * record of the last apply, and commit-confirm. What happens is said in a
 * diagnostics list and an outcome (status.h); the caller renders them.
 * Uses conntrack/, kernel/, compile/ and ctl/.
 *
 * One apply: make the kernel's table what a validated ruleset says, in one
 * transaction, then flush the mappings of changed rules (flush_on_change)
 * and record what was applied. Shared by `natgw apply`, the daemon's
 * reloads and table restorations, and commit-confirm rollbacks. */
#ifndef NATGW_APPLY_H
#define NATGW_APPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "session.h"
#include "status.h"
#include "conntrack/xlat.h"

struct apply_opts {
	struct ngw_diags *msgs;		/* why it stopped, warnings, progress; a
					 * kernel refusal at its rule's position */
	bool full_read;			/* do not trust the record of the last apply:
					 * read every element back (after another
					 * program touched the table) */
	bool keep_previous;		/* commit-confirm: keep what the kernel held */
	bool rollback;			/* commit-confirm's rollback: the table exactly
					 * as it was (sets of the sizes it had) */
};

struct apply_run {
	struct ngw_diags *msgs;		/* apply_opts' */
	struct session s;		/* the plan applied (or refused) */
	int status;			/* enum ngw_status */
	bool planned;			/* got as far as a plan (and a transaction) */
	int err;			/* positive errno of a kernel refusal; 0 */
	size_t flushed;			/* mappings deleted by flush_on_change */
	size_t flush_left;		/* ... and those it could not delete */
	int flush_err;			/* positive errno of the first that failed
					 * (or of reading conntrack); 0. The ruleset
					 * is applied all the same: status stays OK */
	size_t restored;		/* full-cone mappings written back after a rebuild */
	struct xlat_mapping *ei_before;	/* ... read just before it */
	size_t n_ei_before, cap_ei_before;
	size_t yielded;			/* full-cone mappings deleted for a forward's port */
	size_t remarked;		/* connections and mappings re-marked */
	size_t remark_left;		/* ... and the entries the kernel refused */
	int remark_err;			/* positive errno of the first failure, or 0 */
	size_t messages, bytes;
	double ms, tx_ms;		/* the whole apply; the transaction alone */
	uint32_t genid_after;		/* nftables' generation after the transaction */
	struct ngw_ruleset *previous;	/* keep_previous: the ruleset replaced */
	bool previous_none;		/* keep_previous: there was no table */
};

/* How long an apply waits for another natgw's apply of the same table in
 * the same namespace, and how often it plans again when another program
 * commits to nftables between its plan and its transaction. */
#define APPLY_LOCK_WAIT_MS 60000u
#define APPLY_ATTEMPTS 3		/* plans, when natgw's table changed */
#define APPLY_RESENDS 20		/* of one plan, when other tables did */

/* Takes the apply lock of table (rundir.h), waiting for another natgw's
 * apply (a note in msgs says so): NGW_OK with *fd (close it to release),
 * or NGW_FAILED after a message (the runtime directory is not trusted, or
 * the wait ran out). */
int apply_lock(const char *table, int *fd, struct ngw_diags *msgs);

/* Applies rs. Kernel refusals go to o->msgs, each at the position of the
 * rule that caused it. With keep_previous, the ruleset in the kernel is
 * known exactly (the verified record of the last apply) or there is no
 * table, else nothing is applied (NGW_FAILED after a message). Always call
 * apply_run_free(). */
int apply_ruleset(const struct ngw_ruleset *rs, const struct apply_opts *o, struct apply_run *a);

/* Removes table inet <table> and its record: natgw down, and rolling back
 * to "no table". NGW_OK (also when there was none) or NGW_FAILED after a
 * message. *removed: whether there was one. */
int apply_remove_table(const char *table, bool *removed, struct ngw_diags *msgs);

void apply_run_free(struct apply_run *a);

/* "applied +1 -0 ~0 in 2.1 ms, flushed 3 mappings" or "no changes (...)",
 * without a newline, for the CLI and the daemon's log. */
void apply_summary(const struct apply_run *a, char *buf, size_t size);

#endif
