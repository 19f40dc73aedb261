/* SPDX-License-Identifier: GPL-2.0-or-later */
/* natgw confirm: keep the ruleset of a pending `natgw apply --confirm`. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "apply/confirm_timer.h"
#include "ctl/ctl.h"
#include "apply/session.h"

static void confirm_help(void)
{
	printf("Usage: natgw confirm [-c FILE]\n"
	       "\n"
	       "Keep the ruleset of a pending `natgw apply --confirm SECONDS`. Without it,\n"
	       "the previous ruleset comes back when the time is up. The timer runs in\n"
	       "the daemon (natgw run) when it runs, else in a process of its own, so it\n"
	       "fires even if the terminal that applied is gone.\n"
	       "\n"
	       "  -c, --config FILE  the configuration naming the table (default %s)\n"
	       "\n"
	       "Exit status: 0 confirmed, 2 usage error, 3 nothing was waiting (never\n"
	       "applied with --confirm, already confirmed, or already rolled back).\n",
	       NATGW_DEFAULT_CONFIG);
}

int cmd_confirm(struct cli *cli, int argc, char **argv)
{
	char table[NGW_TABLE_MAX + 1], path[512];
	int status = cli_parse_plain(cli, argc, argv, "confirm", confirm_help);

	if (status >= 0)
		return status;
	if (optind < argc)
		return cli_usage_error("confirm", "unexpected argument '%s'", argv[optind]);
	if (cli->json)
		return cli_usage_error("confirm", "--json: confirm prints no data, only a message");
	struct ctl_request req = { .type = CTL_CONFIRM, .verbosity = cli->verbosity };

	/* the daemon keeps the timer when it runs */
	if (cli_daemon_request(&req, &status))
		return status;
	struct cli_msgs msgs;
	cli_msgs_init(&msgs, NULL);
	status = cli_table_name(cli, &msgs.d, table, sizeof(table));
	cli_msgs_free(&msgs);
	if (status != EXIT_OK)
		return status;
	int fd = confirm_timer_socket_path(table, path, sizeof(path));
	if (fd == 0)
		fd = ctl_connect(path);
	if (fd == -ENOENT || fd == -ECONNREFUSED) {
		fprintf(stderr, "natgw: no apply of table inet %s is waiting for confirmation "
			"(already confirmed, or rolled back)\n", table);
		return EXIT_SYSTEM;
	}
	if (fd < 0) {
		fprintf(stderr, "natgw: cannot reach the confirm timer of table inet %s at %s: "
			"%s\n", table, path, strerror(-fd));
		return EXIT_SYSTEM;
	}
	status = cli_daemon_exchange(fd, &req);
	close(fd);
	return status;
}
