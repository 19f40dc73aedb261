/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Commit-confirm: one pending `natgw apply --confirm SECONDS`, the ruleset
 * it replaced, and when that comes back. Its three steps are the same
 * whoever keeps the time: the daemon (daemon/), or without it a detached
 * timer process (confirm_timer.h). */
#ifndef NATGW_CONFIRM_H
#define NATGW_CONFIRM_H

#include <stdbool.h>
#include <stddef.h>

#include "apply.h"
#include "natgw/rules.h"

struct confirm {
	bool pending;
	char table[NGW_TABLE_MAX + 1];
	struct ngw_ruleset *previous;	/* NULL: there was no table */
	double due;			/* session_now_ms() */
	unsigned seconds;
};

/* Start: an apply that changed table was made with --confirm. previous
 * (NULL: there was no table) is the confirm's from now on. */
void confirm_arm(struct confirm *c, const char *table, struct ngw_ruleset *previous,
		 unsigned seconds);

/* Whether the time ran out at now (session_now_ms()). */
bool confirm_expired(const struct confirm *c, double now);

/* natgw confirm: the new ruleset stays. NGW_OK, or NGW_FAILED when no
 * apply is waiting; what to answer either way in answer (one line, no
 * "natgw: ", no newline). */
int confirm_accept(struct confirm *c, char *answer, size_t size);

/* Expiry: the previous ruleset goes back into the kernel exactly as it was
 * (a is that apply: apply_run_free() it), or the table is removed when
 * there was none. *restored is the ruleset now in the kernel (the
 * caller's), or NULL when the table was removed or the rollback failed
 * (then the unconfirmed ruleset stays; msgs say why). summary: one line
 * for a log. The confirm is no longer pending either way. */
int confirm_expire(struct confirm *c, struct ngw_diags *msgs, struct apply_run *a,
		   struct ngw_ruleset **restored, char *summary, size_t size);

void confirm_free(struct confirm *c);

#endif
