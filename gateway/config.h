/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Loading the configuration for a command: which file, and the diagnostics
 * printed the same way by check, plan and apply. */
#ifndef NATGW_CONFIG_H
#define NATGW_CONFIG_H

#include "cli.h"
#include "natgw/rules.h"

/* The file to use: -c, else the one positional argument left at optind,
 * else the default. NULL (after a usage message, *status = EXIT_USAGE) when
 * the arguments disagree. */
const char *config_path(const struct cli *cli, const char *cmd, int argc, char **argv,
			int *status);

/* The name diagnostics use for path ("<stdin>" for "-"). */
const char *config_display_name(const char *path);

/* Loads and validates path, printing diagnostics (text) to stderr. Returns
 * EXIT_OK with *rs set, EXIT_INVALID, or EXIT_SYSTEM when unreadable. */
int config_load(const char *path, struct ngw_ruleset **rs);

/* Warns on stderr about what the configuration asks for that is only done
 * when the daemon runs (daemon: it is the daemon applying). */
void config_warn_unsupported(const struct ngw_ruleset *rs, const char *path, bool daemon);

#endif
