/* SPDX-License-Identifier: GPL-2.0-or-later */
/* natgw show [--json]: the rules in the kernel now, with their counters,
 * read back from the kernel and not from the YAML. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ctl/ctl.h"
#include "apply/session.h"
#include "out/show_print.h"

static void show_help(void)
{
	printf("Usage: natgw show [-c FILE] [--json]\n"
	       "\n"
	       "The rules in natgw's table now, read from the kernel, with the packets\n"
	       "and bytes of every connection each rule has translated. An\n"
	       "endpoint-independent rule also counts the new connections that went out\n"
	       "as ordinary snat because its ei_ maps were full (\"unmapped\" in --json).\n"
	       "The table is the one FILE names (default %s, else \"natgw\").\n"
	       "\n"
	       "Exit status: 0 success, 2 usage error, 3 system or kernel error.\n",
	       NATGW_DEFAULT_CONFIG);
}

int cmd_show(struct cli *cli, int argc, char **argv)
{
	char table[NGW_TABLE_MAX + 1];
	struct session s = { 0 };
	struct cli_msgs msgs;
	int status = cli_parse_plain(cli, argc, argv, "show", show_help);

	if (status >= 0)
		return status;
	if (optind < argc)
		return cli_usage_error("show", "unexpected argument '%s'", argv[optind]);
	struct ctl_request req = { .type = CTL_SHOW, .json = cli->json,
				   .verbosity = cli->verbosity };
	if (cli_daemon_request(&req, &status))
		return status;	/* the daemon answered */
	cli_msgs_init(&msgs, NULL);
	status = cli_table_name(cli, &msgs.d, table, sizeof(table));
	if (status == EXIT_OK)
		status = session_open_existing(&s, &msgs.d, table, 1u << KSET_EI_UNMAPPED);
	if (status == EXIT_OK)
		show_print(stdout, cli->json, &s.st, table);
	cli_fail(cli, &msgs, status);
	session_close(&s);
	cli_msgs_free(&msgs);
	return status;
}
