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
	static const struct option opts[] = { CLI_GLOBAL_LONG, { 0, 0, 0, 0 } };
	char table[NGW_TABLE_MAX + 1];
	int c, status;

	while ((c = getopt_long(argc, argv, CLI_GLOBAL_SHORT, opts, NULL)) != -1) {
		if (cli_global_option(cli, c, optarg))
			continue;
		if (c == 'h') {
			down_help();
			return EXIT_OK;
		}
		return cli_usage_error("down", "unknown or incomplete option '%s'",
				       argv[optind - 1]);
	}
	if (optind < argc)
		return cli_usage_error("down", "unexpected argument '%s'", argv[optind]);
	status = session_table_name(cli->config ? cli->config : NATGW_DEFAULT_CONFIG,
				    cli->config != NULL, table, sizeof(table));
	if (status != EXIT_OK)
		return status;

	struct session s;
	status = session_open(&s);
	if (status == EXIT_OK)
		status = session_read(&s, table, 0);
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
