/* SPDX-License-Identifier: GPL-2.0-or-later */
/* natgw plan [-c FILE] [--nft] [FILE]: what apply would change, or with
 * --nft the whole table as an nft script. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "out/config_load.h"
#include "compile/kmodel.h"
#include "compile/nft_script.h"
#include "out/plan_print.h"
#include "apply/session.h"

static int plan_diff(const struct cli *cli, const struct ngw_ruleset *rs)
{
	struct session s;
	struct cli_msgs msgs;
	cli_msgs_init(&msgs, rs->file);
	int status = session_open(&s, &msgs.d);

	if (status == EXIT_OK)
		status = session_plan(&s, rs);
	if (status == EXIT_OK)
		plan_print(stdout, cli->json, cli->verbosity > 0, &s.plan, &s.m);
	cli_fail(cli, &msgs, status);
	session_close(&s);
	cli_msgs_free(&msgs);
	return status;
}

static void plan_help(void)
{
	printf("Usage: natgw plan [-c FILE] [--nft] [--json] [-v] [FILE]\n"
	       "\n"
	       "Show what `natgw apply` would change in the kernel: one line per rule,\n"
	       "+ added, - removed, ~ changed. Changes nothing. When the table must be\n"
	       "made anew (\"table rebuilt\"), it says why.\n"
	       "\n"
	       "  -c, --config FILE  the configuration (default %s)\n"
	       "      --nft          print the whole table as an nft script instead;\n"
	       "                     `nft -f` of it builds the table apply builds\n"
	       "      --json         print the plan as one JSON object\n"
	       "  -v, --verbose      list the unchanged rules too\n"
	       "\n"
	       "Exit status: 0 success, 1 invalid configuration, 2 usage error,\n"
	       "3 system or kernel error.\n",
	       NATGW_DEFAULT_CONFIG);
}

int cmd_plan(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_GLOBAL_LONG,
		{ "nft", no_argument, 0, 'N' },
		{ 0, 0, 0, 0 },
	};
	bool nft = false;
	int c, status;

	while ((c = getopt_long(argc, argv, CLI_GLOBAL_SHORT, opts, NULL)) != -1) {
		if (cli_global_option(cli, c, optarg))
			continue;
		switch (c) {
		case 'h':
			plan_help();
			return EXIT_OK;
		case 'N':
			nft = true;
			break;
		default:
			return cli_usage_error("plan", "unknown or incomplete option '%s'",
					       argv[optind - 1]);
		}
	}
	const char *file = config_path(cli, "plan", argc, argv, &status);
	if (!file)
		return status;
	if (nft && cli->json)
		return cli_usage_error("plan", "--nft and --json cannot be combined (--nft writes "
				       "an nft script)");

	struct ngw_ruleset *rs = NULL;
	status = config_load_json(file, &rs, stderr, cli->json ? stdout : NULL);
	if (status != EXIT_OK)
		return status;
	if (nft) {
		struct kmodel m;
		/* without a kernel to ask, marks are numbered afresh */
		if (kmodel_compile(rs, &m) < 0) {
			fprintf(stderr, "natgw: more rules than ct mark ids (%u)\n", MARK_ID_MAX);
			status = EXIT_INVALID;
		} else if (nft_script_write(&m, stdout) < 0 || fflush(stdout)) {
			status = EXIT_SYSTEM;
		}
		kmodel_free(&m);
	} else {
		status = plan_diff(cli, rs);
	}
	ruleset_free(rs);
	return status;
}
