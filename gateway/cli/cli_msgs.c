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
