/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A configuration loaded for an apply, its diagnostics rendered. */
#ifndef NATGW_CONFIG_LOAD_H
#define NATGW_CONFIG_LOAD_H

#include <stdbool.h>
#include <stdio.h>

#include "natgw/rules.h"
#include "apply/status.h"

/* The name diagnostics use for path ("<stdin>" for "-"). */
const char *config_display_name(const char *path);

/* Loads and validates path, its diagnostics (text) to err. Returns NGW_OK
 * with *rs set, NGW_INVALID, or NGW_FAILED when unreadable. */
int config_load(const char *path, struct ngw_ruleset **rs, FILE *err);

/* config_load(), and with json (--json: NULL when not asked for) a failure
 * written there too, as diag_print_json_error(): the file's diagnostics,
 * or why it cannot be read. */
int config_load_json(const char *path, struct ngw_ruleset **rs, FILE *err, FILE *json);

/* Warns on err about what the configuration asks for that is only done
 * when the daemon runs (daemon: it is the daemon applying). */
void config_warn_unsupported(FILE *err, const struct ngw_ruleset *rs, const char *path,
			     bool daemon);

#endif
