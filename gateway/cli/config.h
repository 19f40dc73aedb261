/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which configuration file a command reads. */
#ifndef NATGW_CONFIG_H
#define NATGW_CONFIG_H

#include "cli.h"
#include "natgw/rules.h"

/* The file to use: -c, else the one positional argument left at optind,
 * else the default. NULL (after a usage message, *status = EXIT_USAGE) when
 * the arguments disagree. */
const char *config_path(const struct cli *cli, const char *cmd, int argc, char **argv,
			int *status);

#endif
