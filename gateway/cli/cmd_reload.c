/* SPDX-License-Identifier: GPL-2.0-or-later */
/* natgw reload: the daemon re-reads its configuration and applies it (as
 * SIGHUP does, but with the result printed here); without a daemon, the
 * same as natgw apply. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "ctl/ctl.h"

static void reload_help(void)
{
	printf("Usage: natgw reload [-c FILE] [--json] [-q] [-v]\n"
	       "\n"
	       "Ask the daemon (natgw run) to read its configuration again and apply it,\n"
	       "printing the outcome here: what `kill -HUP` or `systemctl reload natgw`\n"
	       "do, with the diagnostics and result in this terminal. If the file is\n"
	       "invalid, the running ruleset stays. Without a daemon, the same as\n"
	       "`natgw apply`.\n"
	       "\n"
	       "Exit status: 0 applied (or nothing to do), 1 invalid configuration,\n"
	       "2 usage error, 3 system or kernel error (nothing was applied).\n");
}

int cmd_reload(struct cli *cli, int argc, char **argv)
{
	int status = cli_parse_plain(cli, argc, argv, "reload", reload_help);

	if (status >= 0)
		return status;
	if (optind < argc)
		return cli_usage_error("reload", "unexpected argument '%s'", argv[optind]);
	struct ctl_request req = { .type = CTL_RELOAD, .json = cli->json,
				   .verbosity = cli->verbosity };
	if (cli_daemon_request(&req, &status))
		return status;
	optind = 0;
	char *args[] = { "apply", NULL };
	return cmd_apply(cli, 1, args);
}
