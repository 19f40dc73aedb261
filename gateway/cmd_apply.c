/* SPDX-License-Identifier: GPL-2.0-or-later */
/* natgw apply [-c FILE] [--confirm SECONDS] [FILE]: make the kernel's table
 * what the config says, in one transaction; only what changed is sent.
 * When the daemon runs, it does the apply (so it does not take the change
 * for another program's and undo it) and this prints what it says. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "cli.h"
#include "config.h"
#include "confirm.h"
#include "ctl.h"
#include "layout.h"
#include "plan_print.h"

static void apply_help(void)
{
	printf("Usage: natgw apply [-c FILE] [--confirm SECONDS] [--json] [-q] [-v] [FILE]\n"
	       "\n"
	       "Make natgw's nftables table match the configuration, as one atomic\n"
	       "transaction: the kernel holds the old ruleset or the new one, never a mix.\n"
	       "Only what changed is sent; applying an unchanged file sends nothing.\n"
	       "\n"
	       "  -c, --config FILE  the configuration (default %s)\n"
	       "      --confirm SECONDS\n"
	       "                     put the previous ruleset back after SECONDS (1-%u)\n"
	       "                     unless `natgw confirm` comes first; the timer does not\n"
	       "                     depend on this terminal\n"
	       "      --json         print the result as one JSON object\n"
	       "  -v, --verbose      list the rules that changed, and where the time went\n"
	       "\n"
	       "Exit status: 0 applied (or nothing to do), 1 invalid configuration,\n"
	       "2 usage error, 3 system or kernel error: nothing was applied, or\n"
	       "(\"applied, but\") flush_on_change could not delete every mapping of the\n"
	       "changed rules.\n",
	       NATGW_DEFAULT_CONFIG, CTL_CONFIRM_MAX);
}

static void report_json(const struct apply_run *a, unsigned confirm)
{
	struct json j;

	json_init(&j, stdout);
	json_object_begin(&j);
	json_key(&j, "applied");
	json_bool(&j, a->status == EXIT_OK);
	json_key(&j, "added");
	json_uint(&j, a->s.plan.n_add);
	json_key(&j, "removed");
	json_uint(&j, a->s.plan.n_remove);
	json_key(&j, "changed");
	json_uint(&j, a->s.plan.n_modify);
	json_key(&j, "ms");
	json_number(&j, a->ms, 1);
	json_key(&j, "flushed");
	json_uint(&j, a->flushed);
	json_key(&j, "remarked");
	json_uint(&j, a->remarked);
	json_key(&j, "full_cone_restored");
	json_uint(&j, a->restored);
	json_key(&j, "full_cone_yielded");
	json_uint(&j, a->yielded);
	json_key(&j, "flush_left");
	json_uint(&j, a->flush_left);
	json_key(&j, "flush_error");
	json_string(&j, a->flush_err ? strerror(a->flush_err) : "");
	json_key(&j, "confirm");
	json_uint(&j, confirm);
	json_key(&j, "error");
	json_string(&j, a->err ? strerror(a->err) : "");
	json_key(&j, "rules");
	plan_print_json(&a->s.plan, &j);
	json_object_end(&j);
	json_finish(&j);
}

static void report_text(const struct cli *cli, const struct apply_run *a, unsigned confirm)
{
	char summary[256];

	apply_summary(a, summary, sizeof(summary));
	printf("natgw: %s\n", summary);
	if (confirm)
		printf("natgw: run `natgw confirm` within %u s to keep it; otherwise the "
		       "previous ruleset comes back\n", confirm);
	if (cli->verbosity > 0) {
		plan_print_text(&a->s.plan, false, stdout);
		fprintf(stderr, "natgw: read %.1f ms, compile and diff %.1f ms, transaction "
			"%.1f ms (%zu messages, %zu bytes)%s\n", a->s.read_ms, a->s.compile_ms,
			a->tx_ms, a->messages, a->bytes,
			!a->s.from_record ? "" :
			a->s.record_unchanged ? ", elements from the record of the last apply "
						"(nothing committed to nftables since)" :
			", elements from the verified record of the last apply");
	}
}

/* Whether natgw flush --rule NAME reaches the mappings flush_on_change left
 * of a rule: it must still be in the table, under the same mark. */
static bool flush_rule_reaches(const struct apply_run *a, const struct kplan_rule *pr)
{
	if (pr->change != KCHANGE_MODIFY)
		return false;
	for (size_t i = 0; i < a->s.m.n_rules; i++)
		if (!strcmp(a->s.m.rules[i].name, pr->name))
			return (a->s.m.rules[i].mark & MARK_RULE_MASK) ==
			       (pr->old_mark & MARK_RULE_MASK);
	return false;
}

bool cmd_apply_partial_failure(const struct apply_run *a, char *buf, size_t size)
{
	const struct kplan *p = &a->s.plan;
	char names[256] = "";
	size_t n_names = 0, used = 0;
	bool reachable = true;

	if (a->status != EXIT_OK || (!a->flush_err && !a->remark_err))
		return false;
	if (!a->flush_err) {
		snprintf(buf, size, "applied, but %zu live connection%s of rules whose ct mark "
			 "moved could not be given the new mark: %s; they are counted and listed "
			 "under no rule until they end", a->remark_left,
			 a->remark_left == 1 ? "" : "s", strerror(a->remark_err));
		return true;
	}
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct kplan_rule *pr = &p->rules[i];
		if ((pr->change != KCHANGE_MODIFY && pr->change != KCHANGE_REMOVE) || !pr->old_mark)
			continue;	/* not flushed */
		if (!flush_rule_reaches(a, pr)) {
			reachable = false;
			continue;
		}
		int w = snprintf(names + used, sizeof(names) - used, "%s%s", n_names ? ", " : "",
				 pr->name);
		if (w > 0 && (size_t)w < sizeof(names) - used)
			used += (size_t)w;
		n_names++;
	}
	int w;
	if (a->flush_left)
		w = snprintf(buf, size, "applied, but %zu mapping%s of changed rules could not be "
			     "deleted: %s; ", a->flush_left, a->flush_left == 1 ? "" : "s",
			     strerror(a->flush_err));
	else	/* conntrack could not be read */
		w = snprintf(buf, size, "applied, but the mappings of changed rules could not be "
			     "flushed: %s; ", strerror(a->flush_err));
	if (w < 0 || (size_t)w >= size)
		return true;
	if (reachable && n_names == 1)
		snprintf(buf + w, size - (size_t)w, "flush them with `natgw flush --rule %s`",
			 names);
	else if (reachable && n_names)
		snprintf(buf + w, size - (size_t)w, "flush them with `natgw flush --rule NAME` "
			 "for %s", names);
	else	/* a removed rule's, or one whose mark moved: only all at once */
		snprintf(buf + w, size - (size_t)w, "`natgw flush` deletes them (and every "
			 "other natgw mapping)");
	return true;
}

void cmd_apply_report(const struct cli *cli, const struct apply_run *a, unsigned confirm)
{
	char failure[512];

	if (!a->planned)
		return;		/* what stopped it has been said */
	if (cli->json)
		report_json(a, confirm);
	else if (a->status == EXIT_OK && cli->verbosity >= 0)
		report_text(cli, a, confirm);
	/* an error: said also with -q and --json, after the summary */
	if (cmd_apply_partial_failure(a, failure, sizeof(failure))) {
		fflush(stdout);
		fprintf(stderr, "natgw: %s\n", failure);
	}
}

/* The daemon applies: it gets the file's content, read here. */
static bool through_daemon(const struct cli *cli, const char *file, unsigned confirm,
			   int *status)
{
	struct ctl_request req = { .type = CTL_APPLY, .json = cli->json,
				   .verbosity = cli->verbosity, .confirm = confirm };
	char *buf = NULL;
	size_t len = 0;

	if (cli->table)
		return false;
	/* unreadable or too large: config_load says so, as without a daemon */
	if (rules_read(file, &buf, &len) < 0)
		return false;
	snprintf(req.name, sizeof(req.name), "%s", config_display_name(file));
	req.content = buf;
	req.content_len = len;
	bool done = ctl_daemon_request(&req, status);
	free(buf);
	return done;
}

static int apply_directly(const struct cli *cli, const char *file, unsigned confirm)
{
	struct ngw_ruleset *rs = NULL;
	int status = config_load(file, &rs);

	if (status != EXIT_OK)
		return status;
	config_warn_unsupported(rs, file, false);
	if (confirm_pending(rs->gateway.table)) {
		fprintf(stderr, "natgw: an earlier apply --confirm of table inet %s is waiting for "
			"`natgw confirm`; confirm it (or let it roll back) first. Nothing was "
			"applied.\n", rs->gateway.table);
		ruleset_free(rs);
		return EXIT_SYSTEM;
	}
	char why[700];
	if (confirm && confirm_can_start(rs->gateway.table, why, sizeof(why)) < 0) {
		fprintf(stderr, "natgw: --confirm: %s; nothing was applied\n", why);
		ruleset_free(rs);
		return EXIT_SYSTEM;
	}
	struct apply_opts o = { .keep_previous = confirm > 0 };
	struct apply_run a;
	status = apply_ruleset(rs, config_display_name(file), &o, &a);
	bool timer = status == EXIT_OK && confirm && !kplan_empty(&a.s.plan);
	/* said by the report */
	bool flush_failed = status == EXIT_OK && (a.flush_err || a.remark_err);
	struct ngw_ruleset *previous = a.previous;
	bool had_table = !a.previous_none;
	a.previous = NULL;
	cmd_apply_report(cli, &a, timer ? confirm : 0);
	if (status == EXIT_OK && confirm && !timer && cli->verbosity >= 0 && !cli->json)
		printf("natgw: nothing changed, so there is nothing to confirm\n");
	apply_run_free(&a);
	if (timer) {
		int r = confirm_start(rs->gateway.table, had_table ? previous : NULL, confirm);
		if (r < 0) {
			fprintf(stderr, "natgw: applied, but the confirm timer could not start: "
				"%s; the new ruleset stays\n", strerror(-r));
			status = EXIT_SYSTEM;
		}
	}
	ruleset_free(previous);
	ruleset_free(rs);
	return flush_failed ? EXIT_SYSTEM : status;
}

int cmd_apply(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_GLOBAL_LONG,
		{ "confirm", required_argument, 0, 'C' },
		{ 0, 0, 0, 0 },
	};
	unsigned confirm = 0;
	int c, status;

	while ((c = getopt_long(argc, argv, CLI_GLOBAL_SHORT, opts, NULL)) != -1) {
		if (cli_global_option(cli, c, optarg))
			continue;
		if (c == 'h') {
			apply_help();
			return EXIT_OK;
		}
		if (c == 'C') {
			char *end;
			errno = 0;
			unsigned long v = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-' || v < 1 ||
			    v > CTL_CONFIRM_MAX)
				return cli_usage_error("apply", "--confirm takes seconds (1-%u), "
						       "not '%s'", CTL_CONFIRM_MAX, optarg);
			confirm = (unsigned)v;
			continue;
		}
		return cli_usage_error("apply", "unknown or incomplete option '%s'",
				       argv[optind - 1]);
	}
	const char *file = config_path(cli, "apply", argc, argv, &status);
	if (!file)
		return status;
	if (through_daemon(cli, file, confirm, &status))
		return status;
	return apply_directly(cli, file, confirm);
}
