/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The options every subcommand takes, and how a usage error is said. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

bool cli_global_option(struct cli *cli, int c, const char *arg)
{
	switch (c) {
	case 'c':
		cli->config = arg;
		return true;
	case 'J':
		cli->json = true;
		return true;
	case 'q':
		cli->verbosity = -1;
		return true;
	case 'v':
		cli->verbosity = cli->verbosity < 0 ? 1 : cli->verbosity + 1;
		return true;
	}
	return false;
}

int cli_parse_plain(struct cli *cli, int argc, char **argv, const char *cmd,
		    void (*help)(void))
{
	static const struct option opts[] = { CLI_GLOBAL_LONG, { 0, 0, 0, 0 } };
	int c;

	while ((c = getopt_long(argc, argv, CLI_GLOBAL_SHORT, opts, NULL)) != -1) {
		if (cli_global_option(cli, c, optarg))
			continue;
		if (c == 'h') {
			help();
			return EXIT_OK;
		}
		return cli_usage_error(cmd, "unknown or incomplete option '%s'", argv[optind - 1]);
	}
	return -1;
}

static bool json_asked;

void cli_json_asked(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--json"))
			json_asked = true;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	char message[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	fprintf(stderr, "natgw: %s\nTry 'natgw %s%s--help'.\n", message, cmd ? cmd : "",
		cmd ? " " : "");
	if (json_asked)
		diag_print_json_message(stdout, message);
	return EXIT_USAGE;
}
