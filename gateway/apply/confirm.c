/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <string.h>

#include "confirm.h"

void confirm_arm(struct confirm *c, const char *table, struct ngw_ruleset *previous,
		 unsigned seconds)
{
	confirm_free(c);
	c->pending = true;
	snprintf(c->table, sizeof(c->table), "%s", table);
	c->previous = previous;
	c->seconds = seconds;
	c->due = session_now_ms() + seconds * 1000.0;
}

bool confirm_expired(const struct confirm *c, double now)
{
	return c->pending && c->due <= now;
}

int confirm_accept(struct confirm *c, char *answer, size_t size)
{
	if (!c->pending) {
		snprintf(answer, size, "no apply of table inet %s is waiting for confirmation "
			 "(already confirmed, or rolled back)", c->table);
		return NGW_FAILED;
	}
	snprintf(answer, size, "confirmed; table inet %s keeps the ruleset just applied",
		 c->table);
	confirm_free(c);
	return NGW_OK;
}

int confirm_expire(struct confirm *c, struct ngw_diags *msgs, struct apply_run *a,
		   struct ngw_ruleset **restored, char *summary, size_t size)
{
	struct ngw_ruleset *previous = c->previous;
	int status;

	c->previous = NULL;
	c->pending = false;
	*restored = NULL;
	memset(a, 0, sizeof(*a));
	if (previous) {
		/* the table exactly as it was: sets of the sizes they had */
		struct apply_opts o = { .msgs = msgs, .rollback = true };
		status = apply_ruleset(previous, &o, a);
		apply_summary(a, summary, size);
		if (status == NGW_OK)
			*restored = previous;
		else
			ruleset_free(previous);
	} else {
		bool removed;
		status = apply_remove_table(c->table, &removed, msgs);
		snprintf(summary, size, "removed table inet %s", c->table);
	}
	return status;
}

void confirm_free(struct confirm *c)
{
	ruleset_free(c->previous);
	c->previous = NULL;
	c->pending = false;
}
