/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's applies: start and reload, restoring the table after another
 * program, commit-confirm and its rollback. Each builds the new state beside
 * the old one; on failure the old one stays and the reason is logged. */
#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "out/apply_report.h"
#include "out/config_load.h"
#include "daemon.h"
#include "out/diag_print.h"
#include "ctl/rundir.h"

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

void daemon_watch_said(struct daemon *d, int before)
{
	int r = d->watch.error;

	if (r < 0 && r != before)
		daemon_log(d, "watching %s: %s; its changes are not seen, SIGHUP reloads it",
			   d->config, strerror(-r));
}

/* Keeps the rules of what was applied: mappings are named by them. */
static void remember_model(struct daemon *d, const struct ngw_ruleset *rs,
			   const struct kmodel *m)
{
	rule_index_free(&d->ri);
	rule_index_from_model(&d->ri, m);
	ei_guard_rules(d->guard, rs);
}

/* Where an action's messages go: the client's answer, or the log. */
static void msgs_open(struct daemon *d, struct ngw_diags *msgs, struct diag_sink *sink,
		      const struct daemon_answer *ans, const char *file)
{
	*sink = (struct diag_sink){ .out = ans ? ans->err : d->log, .file = file };
	diags_init(msgs);
	diag_sink_attach(msgs, sink);
}

/* natgw's own transactions are not another program's changes. */
static void own_port(struct daemon *d, const struct apply_run *a)
{
	if (a->s.nl.portid)
		nftev_own_port(d->nft, a->s.nl.portid);
}

int daemon_apply(struct daemon *d, struct ngw_ruleset *rs, const char *why, bool full_read,
		 unsigned confirm, const struct daemon_answer *ans)
{
	struct ngw_diags msgs;
	struct diag_sink sink;
	struct apply_run a;
	struct doctor_report found = { 0 };
	char summary[512], failure[512];

	msgs_open(d, &msgs, &sink, ans, rs->file);
	struct apply_opts o = { .msgs = &msgs, .full_read = full_read };
	int status = apply_ruleset(rs, &o, &a);
	own_port(d, &a);
	bool changed = a.planned && !kplan_empty(&a.s.plan);
	bool flush_failed = apply_partial_failure(&a, failure, sizeof(failure));
	if (confirm && !changed)
		confirm = 0;
	/* what would still stop a forward: all of it to a client, among the
	 * JSON document's diagnostics or after its summary; to the log only
	 * what changed (doctor_watch_update) */
	int looked = 0;
	bool json = ans && ans->json;
	if (ans)
		sink.out = ans->err_unlogged;
	if (status == NGW_OK && json)
		looked = doctor_after_apply(rs, &msgs, &found);
	if (ans) {
		sink.out = ans->err;
		apply_report_print(ans->out, ans->err, ans->json, ans->verbosity, &a, confirm);
		sink.out = ans->err_unlogged;
	}
	if (status == NGW_OK && !json)
		looked = doctor_after_apply(rs, ans ? &msgs : NULL, &found);
	if (ans)
		sink.out = ans->err;
	if (status == NGW_OK) {
		apply_summary(&a, summary, sizeof(summary));
		daemon_log(d, "%s: %s%s", why, summary,
			   confirm ? " (rolls back unless confirmed)" : "");
		if (flush_failed && !ans)	/* an answer's stderr is logged as it is */
			daemon_log(d, "%s: %s", why, failure);
		remember_model(d, rs, &a.s.m);
		doctor_watch_update(&d->doctor, &found, looked, d->log, rs->file,
				    session_now_ms());
		if (confirm)
			confirm_arm(&d->confirm, d->table, d->desired, confirm);
		else
			ruleset_free(d->desired);
		d->desired = rs;
	} else {
		daemon_log(d, "%s: failed; %s", why, d->desired ? "the running ruleset stays"
								: "nothing was applied");
		ruleset_free(rs);
	}
	doctor_report_free(&found);
	apply_run_free(&a);
	diags_free(&msgs);
	/* an apply of 100,000 rules needs a few hundred MiB for a moment: give
	 * it back, so the daemon's resident set is what it keeps */
	malloc_trim(0);
	return flush_failed ? NGW_FAILED : status;	/* applied all the same */
}

int daemon_reload(struct daemon *d, const char *why, const struct daemon_answer *ans)
{
	FILE *err = ans ? ans->err : d->log;
	FILE *json = ans && ans->json ? ans->out : NULL;	/* --json: failures too */
	struct ngw_ruleset *rs = NULL;
	char problem[512];

	int watch_before = d->watch.error;
	config_watch_reloading(&d->watch);
	daemon_watch_said(d, watch_before);
	if (d->confirm.pending) {
		snprintf(problem, sizeof(problem), "an apply --confirm is waiting for `natgw "
			 "confirm`; the reload happens once it is confirmed or rolled back");
		fprintf(err, "natgw: %s\n", problem);
		if (json)
			diag_print_json_message(json, problem);
		daemon_log(d, "%s: deferred until the pending apply --confirm is confirmed or "
			   "rolled back", why);
		d->reload_deferred = true;
		return NGW_FAILED;
	}
	/* a FIFO put in its place would block the daemon on open */
	struct stat st;
	int status = stat(d->config, &st) == 0 && !S_ISREG(st.st_mode) ? NGW_INVALID : NGW_OK;
	if (status != NGW_OK) {
		snprintf(problem, sizeof(problem), "cannot read %s: it is not a regular file",
			 d->config);
		fprintf(err, "natgw: %s\n", problem);
		if (json)
			diag_print_json_message(json, problem);
	} else {
		status = config_load_json(d->config, &rs, err, json);
	}
	fflush(err);
	if (status != NGW_OK) {
		daemon_log(d, "%s: %s is not usable; the running ruleset stays", why,
			   config_display_name(d->config));
		return status;
	}
	if (strcmp(rs->gateway.table, d->table)) {
		snprintf(problem, sizeof(problem), "%s now names table inet %s; this natgw run "
			 "manages table inet %s. Restart it to move to the other table.",
			 config_display_name(d->config), rs->gateway.table, d->table);
		fprintf(err, "natgw: %s\n", problem);
		if (json)
			diag_print_json_message(json, problem);
		daemon_log(d, "%s: the table name changed; the running ruleset stays", why);
		ruleset_free(rs);
		return NGW_INVALID;
	}
	config_warn_unsupported(err, rs, d->config, true);
	return daemon_apply(d, rs, why, false, 0, ans);
}

void daemon_restore(struct daemon *d)
{
	struct ngw_diags msgs;
	struct diag_sink sink;
	struct apply_run a;
	char summary[512], failure[512];
	double started = d->verify_due;
	bool lost = d->verify_lost, full = d->verify_full;

	d->verify_due = 0;
	d->verify_full = false;
	d->verify_lost = false;
	if (!d->desired)
		return;
	msgs_open(d, &msgs, &sink, NULL, d->desired->file);
	struct apply_opts o = { .msgs = &msgs, .full_read = full };
	int status = apply_ruleset(d->desired, &o, &a);
	own_port(d, &a);
	if (status != NGW_OK) {
		daemon_log(d, "restoring table inet %s failed; trying again in 1 s", d->table);
		d->verify_due = session_now_ms() + 1000;
	} else if (!kplan_empty(&a.s.plan)) {
		apply_summary(&a, summary, sizeof(summary));
		daemon_log(d, "another program changed table inet %s; restored it %.0f ms after "
			   "the change was seen: %s", d->table,
			   session_now_ms() - started + DAEMON_VERIFY_DELAY_MS, summary);
		if (apply_partial_failure(&a, failure, sizeof(failure)))
			daemon_log(d, "restoring table inet %s: %s", d->table, failure);
		remember_model(d, d->desired, &a.s.m);
	} else if (d->verbosity > 0) {
		/* lost events may have been natgw's own (a big apply's) */
		daemon_log(d, lost ? "table inet %s checked in full: natgw's rules are intact" :
			   "table inet %s changed by another program, but natgw's rules are intact",
			   d->table);
	}
	apply_run_free(&a);
	diags_free(&msgs);
}

void daemon_roll_back(struct daemon *d)
{
	struct ngw_diags msgs;
	struct diag_sink sink;
	struct apply_run a;
	struct ngw_ruleset *restored;
	char why[96], summary[512], failure[512];

	snprintf(why, sizeof(why), "no natgw confirm within %u s: rollback",
		 d->confirm.seconds);
	msgs_open(d, &msgs, &sink, NULL, d->confirm.previous ? d->confirm.previous->file : "");
	int status = confirm_expire(&d->confirm, &msgs, &a, &restored, summary, sizeof(summary));
	own_port(d, &a);
	if (status != NGW_OK) {
		daemon_log(d, "%s: failed; the running ruleset stays", why);
	} else {
		daemon_log(d, "%s: %s%s", why, summary, restored ? "" : " (there was none before)");
		if (apply_partial_failure(&a, failure, sizeof(failure)))
			daemon_log(d, "%s: %s", why, failure);
		if (restored)
			remember_model(d, restored, &a.s.m);
		ruleset_free(d->desired);
		d->desired = restored;	/* NULL: the table was removed */
		doctor_watch_soon(&d->doctor, session_now_ms());
	}
	apply_run_free(&a);
	diags_free(&msgs);
	malloc_trim(0);
	if (d->reload_deferred) {
		d->reload_deferred = false;
		daemon_reload(d, "reload (deferred)", NULL);
	}
}

int daemon_confirm(struct daemon *d, const struct daemon_answer *ans)
{
	char answer[160];
	int status = confirm_accept(&d->confirm, answer, sizeof(answer));

	fprintf(status == NGW_OK ? ans->out : ans->err, "natgw: %s\n", answer);
	if (status != NGW_OK)
		return status;
	daemon_log(d, "natgw confirm: table inet %s keeps the ruleset applied", d->table);
	if (d->reload_deferred) {
		d->reload_deferred = false;
		d->reload_due = session_now_ms();
		d->reload_why = "reload (deferred)";
	}
	return NGW_OK;
}
