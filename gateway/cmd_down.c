/* SPDX-License-Identifier: GPL-2.0-or-later */
/* natgw down: remove natgw's table, and nothing else. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "applied.h"
#include "cli.h"
#include "session.h"

static void down_help(void)
{
	printf("Usage: natgw down [-c FILE]\n"
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
	struct session s;
	int status = cli_parse_plain(cli, argc, argv, "down", down_help);

	if (status >= 0)
		return status;
	if (optind < argc)
		return cli_usage_error("down", "unexpected argument '%s'", argv[optind]);
	status = session_open_table(&s, cli, 0, table, sizeof(table));
	if (status == EXIT_OK && !s.st.exists) {
		if (cli->verbosity >= 0)
			printf("natgw: there is no table inet %s; nothing to remove\n", table);
	} else if (status == EXIT_OK) {
		struct kmodel m = { 0 };
		struct kbatch kb;
		struct nl_error err;
		size_t n_errs = 0;

		snprintf(m.table, sizeof(m.table), "%s", table);
		kbatch_init(&kb, &s.nl, &m);
		kbatch_table_del(&kb, table);
		int r = nl_batch_send(&s.nl, &kb.nb, &err, 1, &n_errs);
		if (r < 0) {
			fprintf(stderr, "natgw: removing table inet %s: %s%s%s\n", table,
				strerror(-r), n_errs && err.text[0] ? ": " : "",
				n_errs ? err.text : "");
			status = EXIT_SYSTEM;
		} else {
			applied_remove(table);
			if (cli->verbosity >= 0)
				printf("natgw: removed table inet %s\n", table);
		}
		kbatch_free(&kb);
	}
	session_close(&s);
	return status;
}
