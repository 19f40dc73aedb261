/* SPDX-License-Identifier: GPL-2.0-or-later */
/* natgw down: remove natgw's table, and nothing else. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "apply/apply.h"
#include "cli.h"
#include "apply/confirm_timer.h"
#include "ctl/ctl.h"
#include "apply/session.h"

static void down_help(void)
{
	printf("Usage: natgw down [-c FILE] [-q]\n"
	       "\n"
	       "Remove natgw's nftables table (the one FILE names; default %s, else\n"
	       "\"natgw\"). No other table is touched. Connections already translated\n"
	       "keep their conntrack entries until they end.\n"
	       "\n"
	       "Exit status: 0 removed or not there, 2 usage error, 3 system or kernel error.\n",
	       NATGW_DEFAULT_CONFIG);
}

int cmd_down(struct cli *cli, int argc, char **argv)
{
	char table[NGW_TABLE_MAX + 1];
	int status = cli_parse_plain(cli, argc, argv, "down", down_help);
	bool removed;

	if (status >= 0)
		return status;
	if (optind < argc)
		return cli_usage_error("down", "unexpected argument '%s'", argv[optind]);
	if (cli->json)
		return cli_usage_error("down", "--json: down prints no data, only a message");
	struct cli_msgs msgs;
	cli_msgs_init(&msgs, NULL);
	status = cli_table_name(cli, &msgs.d, table, sizeof(table));
	cli_msgs_free(&msgs);
	if (status != EXIT_OK)
		return status;
	if (ctl_daemon_running()) {
		fprintf(stderr, "natgw: natgw run is serving %s and would put table inet %s "
			"back; stop it first (systemctl stop natgw), then run natgw down\n",
			ctl_socket_display(), table);
		return EXIT_SYSTEM;
	}
	if (confirm_timer_pending(table)) {	/* its timer would put a table back */
		fprintf(stderr, "natgw: an apply --confirm of table inet %s is waiting for `natgw "
			"confirm`; confirm it (or let it roll back) first. Nothing was removed.\n",
			table);
		return EXIT_SYSTEM;
	}
	cli_msgs_init(&msgs, NULL);
	status = apply_remove_table(table, &removed, &msgs.d);
	cli_msgs_free(&msgs);
	if (status == EXIT_OK && cli->verbosity >= 0)
		printf(removed ? "natgw: removed table inet %s\n"
			       : "natgw: there is no table inet %s; nothing to remove\n", table);
	return status;
}
