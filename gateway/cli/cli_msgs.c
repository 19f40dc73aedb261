/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>

#include "cli.h"

void cli_msgs_init(struct cli_msgs *m, const char *file)
{
	diags_init(&m->d);
	m->sink = (struct diag_sink){ .out = stderr, .file = file ? file : "natgw" };
	diag_sink_attach(&m->d, &m->sink);
}

void cli_msgs_free(struct cli_msgs *m)
{
	diags_free(&m->d);
}

int cli_fail(const struct cli *cli, const struct cli_msgs *m, int status)
{
	if (cli->json && status != EXIT_OK && status != EXIT_USAGE)
		diag_print_json_error(stdout, &m->d);
	return status;
}
