/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "config.h"

const char *config_path(const struct cli *cli, const char *cmd, int argc, char **argv,
			int *status)
{
	const char *file = cli->config ? cli->config : NATGW_DEFAULT_CONFIG;

	if (argc - optind > 1) {
		*status = cli_usage_error(cmd, "one configuration file at a time");
		return NULL;
	}
	if (optind < argc) {
		if (cli->config && strcmp(cli->config, argv[optind])) {
			*status = cli_usage_error(cmd, "the file is given twice (-c %s and %s)",
						  cli->config, argv[optind]);
			return NULL;
		}
		file = argv[optind];
	}
	return file;
}
