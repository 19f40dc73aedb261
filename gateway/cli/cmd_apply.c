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

#include "apply/apply.h"
#include "out/apply_report.h"
#include "cli.h"
#include "config.h"
#include "out/config_load.h"
#include "apply/confirm_timer.h"
#include "ctl/ctl.h"
#include "doctor/doctor.h"
#include "doctor/trace_session.h"

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

/* The daemon applies: it gets the file's content, read here. */
static bool through_daemon(const struct cli *cli, const char *file, unsigned confirm,
			   int *status)
{
	struct ctl_request req = { .type = CTL_APPLY, .json = cli->json,
				   .verbosity = cli->verbosity, .confirm = confirm };
	char *buf = NULL;
	size_t len = 0;

	/* unreadable or too large: config_load says so, as without a daemon */
	if (rules_read(file, &buf, &len) < 0)
		return false;
	snprintf(req.name, sizeof(req.name), "%s", config_display_name(file));
	req.content = buf;
	req.content_len = len;
	bool done = cli_daemon_request(&req, status);
	free(buf);
	return done;
}

/* After the summary: what would still stop a forward (natgw doctor), as
 * warnings (an apply that succeeded stands whatever they say), and a
 * SIGKILLed trace's chains taken out of the table. */
static void after_apply(const struct ngw_ruleset *rs, struct cli_msgs *msgs)
{
	struct doctor_report r;
	int pid;

	fflush(stdout);		/* the summary first, also in one file */
	doctor_after_apply(rs, &msgs->d, &r);
	doctor_report_free(&r);
	if (trace_leftovers_remove(rs->gateway.table, "/proc", &pid) > 0)
		diags_add_system(&msgs->d, NGW_NOTE, "%s", TRACE_LEFTOVERS_SAID);
}

/* Applies rs and says how it went, starting the confirm timer first: with
 * --json, the one document then tells whether it runs, and lists what
 * would still stop a forward among its diagnostics. */
static int apply_and_report(const struct cli *cli, const struct ngw_ruleset *rs,
			    unsigned confirm, struct cli_msgs *msgs)
{
	struct apply_opts o = { .msgs = &msgs->d, .keep_previous = confirm > 0 };
	struct apply_run a;
	int status = apply_ruleset(rs, &o, &a);
	bool timer = status == EXIT_OK && confirm && !kplan_empty(&a.s.plan);
	/* said by the report */
	bool flush_failed = status == EXIT_OK && (a.flush_err || a.remark_err);
	bool had_table = !a.previous_none;

	if (!cli->json)
		apply_report_print(stdout, stderr, false, cli->verbosity, &a, timer ? confirm : 0);
	if (status == EXIT_OK)
		after_apply(rs, msgs);
	if (timer) {
		int r = confirm_detach(rs->gateway.table, had_table ? a.previous : NULL, confirm);
		if (r < 0) {
			diags_add_system(&msgs->d, NGW_ERROR, "applied, but the confirm timer could "
					 "not start: %s; the new ruleset stays", strerror(-r));
			status = EXIT_SYSTEM;
			timer = false;
		}
	}
	if (cli->json)
		apply_report_print(stdout, stderr, true, cli->verbosity, &a, timer ? confirm : 0);
	if (status == EXIT_OK && confirm && !timer && cli->verbosity >= 0 && !cli->json)
		printf("natgw: nothing changed, so there is nothing to confirm\n");
	apply_run_free(&a);
	return flush_failed ? EXIT_SYSTEM : status;
}

static int apply_directly(const struct cli *cli, const char *file, unsigned confirm)
{
	struct ngw_ruleset *rs = NULL;
	int status = config_load_json(file, &rs, stderr, cli->json ? stdout : NULL);

	if (status != EXIT_OK)
		return status;
	config_warn_unsupported(stderr, rs, file, false);
	struct cli_msgs msgs;
	cli_msgs_init(&msgs, config_display_name(file));
	char why[700];
	if (confirm_timer_pending(rs->gateway.table)) {
		diags_add_system(&msgs.d, NGW_ERROR, "an earlier apply --confirm of table inet %s is "
				 "waiting for `natgw confirm`; confirm it (or let it roll back) "
				 "first. Nothing was applied.", rs->gateway.table);
		status = cli_fail(cli, &msgs, EXIT_SYSTEM);
	} else if (confirm && confirm_timer_can_start(rs->gateway.table, why, sizeof(why)) < 0) {
		diags_add_system(&msgs.d, NGW_ERROR, "--confirm: %s; nothing was applied", why);
		status = cli_fail(cli, &msgs, EXIT_SYSTEM);
	} else {
		status = apply_and_report(cli, rs, confirm, &msgs);
	}
	cli_msgs_free(&msgs);
	ruleset_free(rs);
	return status;
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
