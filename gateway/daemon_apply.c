/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's applies: start and reload, restoring the table after another
 * program, commit-confirm and its rollback. Each builds the new state beside
 * the old one; on failure the old one stays and the reason is logged. */
#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "daemon.h"
#include "rundir.h"

void daemon_log(struct daemon *d, const char *fmt, ...)
{
	va_list ap;

	fputs("natgw: ", d->log);
	va_start(ap, fmt);
	vfprintf(d->log, fmt, ap);
	va_end(ap);
	fputc('\n', d->log);
	fflush(d->log);
}

void daemon_log_text(struct daemon *d, const char *text, size_t len)
{
	if (!len)
		return;
	fwrite(text, 1, len, d->log);
	if (text[len - 1] != '\n')
		fputc('\n', d->log);
	fflush(d->log);
}

/* Keeps the rules of what was applied: mappings are named by them. */
static void remember_model(struct daemon *d, const struct ngw_ruleset *rs,
			   const struct kmodel *m)
{
	ei_guard_rules(d->guard, rs, m);
	rule_index_free(&d->ri);
	rule_index_from_model(&d->ri, m);
}

int daemon_apply(struct daemon *d, struct ngw_ruleset *rs, const char *why, bool full_read,
		 unsigned confirm, const struct cli *report)
{
	struct apply_opts o = { .full_read = full_read, .rollback = d->rolling_back };
	struct apply_run a;
	char summary[256], failure[512];

	int status = apply_ruleset(rs, rs->file, &o, &a);
	nftev_own_port(d->nft, a.s.nl.portid);
	bool changed = a.planned && !kplan_empty(&a.s.plan);
	bool flush_failed = cmd_apply_partial_failure(&a, failure, sizeof(failure));
	if (confirm && !changed)
		confirm = 0;
	if (report)
		cmd_apply_report(report, &a, confirm);
	if (status == EXIT_OK) {
		apply_summary(&a, summary, sizeof(summary));
		daemon_log(d, "%s: %s%s", why, summary,
			   confirm ? " (rolls back unless confirmed)" : "");
		if (flush_failed && !report)	/* a report's stderr is logged as it is */
			daemon_log(d, "%s: %s", why, failure);
		remember_model(d, rs, &a.s.m);
		if (confirm) {
			d->confirm_pending = true;
			d->confirm_previous = d->desired;
			d->confirm_due = session_now_ms() + confirm * 1000.0;
			d->confirm_seconds = confirm;
		} else {
			ruleset_free(d->desired);
		}
		d->desired = rs;
	} else {
		daemon_log(d, "%s: failed; %s", why, d->desired ? "the running ruleset stays"
								: "nothing was applied");
		ruleset_free(rs);
	}
	apply_run_free(&a);
	/* an apply of 100,000 rules needs a few hundred MiB for a moment: give
	 * it back, so the daemon's resident set is what it keeps */
	malloc_trim(0);
	return flush_failed ? EXIT_SYSTEM : status;	/* applied all the same */
}

int daemon_reload(struct daemon *d, const char *why, const struct cli *report)
{
	struct ngw_ruleset *rs = NULL;

	if (d->confirm_pending) {
		fprintf(stderr, "natgw: an apply --confirm is waiting for `natgw confirm`; the "
			"reload happens once it is confirmed or rolled back\n");
		daemon_log(d, "%s: deferred until the pending apply --confirm is confirmed or "
			   "rolled back", why);
		d->reload_deferred = true;
		return EXIT_SYSTEM;
	}
	int status = config_load(d->config, &rs);
	if (status != EXIT_OK) {
		daemon_log(d, "%s: %s is not usable; the running ruleset stays", why,
			   config_display_name(d->config));
		return status;
	}
	if (strcmp(rs->gateway.table, d->table)) {
		fprintf(stderr, "natgw: %s now names table inet %s; this natgw run manages "
			"table inet %s. Restart it to move to the other table.\n",
			config_display_name(d->config), rs->gateway.table, d->table);
		daemon_log(d, "%s: the table name changed; the running ruleset stays", why);
		ruleset_free(rs);
		return EXIT_INVALID;
	}
	config_warn_unsupported(rs, d->config, true);
	return daemon_apply(d, rs, why, false, 0, report);
}

void daemon_restore(struct daemon *d)
{
	struct apply_opts o = { .full_read = d->verify_full };
	struct apply_run a;
	char summary[256], failure[512];
	double started = d->verify_due;
	bool lost = d->verify_lost;

	d->verify_due = 0;
	d->verify_full = false;
	d->verify_lost = false;
	if (!d->desired)
		return;
	int status = apply_ruleset(d->desired, d->desired->file, &o, &a);
	nftev_own_port(d->nft, a.s.nl.portid);
	if (status != EXIT_OK) {
		daemon_log(d, "restoring table inet %s failed; trying again in 1 s", d->table);
		d->verify_due = session_now_ms() + 1000;
	} else if (!kplan_empty(&a.s.plan)) {
		apply_summary(&a, summary, sizeof(summary));
		daemon_log(d, "another program changed table inet %s; restored it %.0f ms after "
			   "the change was seen: %s", d->table,
			   session_now_ms() - started + DAEMON_VERIFY_DELAY_MS, summary);
		if (cmd_apply_partial_failure(&a, failure, sizeof(failure)))
			daemon_log(d, "restoring table inet %s: %s", d->table, failure);
		remember_model(d, d->desired, &a.s.m);
	} else if (d->cli->verbosity > 0) {
		/* lost events may have been natgw's own (a big apply's) */
		daemon_log(d, lost ? "table inet %s checked in full: natgw's rules are intact" :
			   "table inet %s changed by another program, but natgw's rules are intact",
			   d->table);
	}
	apply_run_free(&a);
}

void daemon_roll_back(struct daemon *d)
{
	char why[96];
	struct ngw_ruleset *previous = d->confirm_previous;

	snprintf(why, sizeof(why), "no natgw confirm within %u s: rollback",
		 d->confirm_seconds);
	d->confirm_pending = false;
	d->confirm_previous = NULL;
	if (previous) {
		d->rolling_back = true;
		daemon_apply(d, previous, why, false, 0, NULL);
		d->rolling_back = false;
	} else {
		bool removed;
		if (apply_remove_table(d->table, &removed) == EXIT_OK) {
			daemon_log(d, "%s: removed table inet %s (there was none before)", why,
				   d->table);
			ruleset_free(d->desired);
			d->desired = NULL;
		}
	}
	if (d->reload_deferred) {
		d->reload_deferred = false;
		daemon_reload(d, "reload (deferred)", NULL);
	}
}

int daemon_confirm(struct daemon *d)
{
	if (!d->confirm_pending) {
		fprintf(stderr, "natgw: no apply of table inet %s is waiting for confirmation "
			"(already confirmed, or rolled back)\n", d->table);
		return EXIT_SYSTEM;
	}
	d->confirm_pending = false;
	ruleset_free(d->confirm_previous);
	d->confirm_previous = NULL;
	printf("natgw: confirmed; table inet %s keeps the ruleset just applied\n", d->table);
	daemon_log(d, "natgw confirm: table inet %s keeps the ruleset applied", d->table);
	if (d->reload_deferred) {
		d->reload_deferred = false;
		d->reload_due = session_now_ms();
		d->reload_why = "reload (deferred)";
	}
	return EXIT_OK;
}
