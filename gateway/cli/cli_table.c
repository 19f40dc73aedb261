/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which table a command is about, when it has no configuration to apply:
 * the one -c's file names, the default file's, or "natgw". */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "out/config_load.h"
#include "apply/session.h"

int cli_table_name(const struct cli *cli, struct ngw_diags *msgs, char *table, size_t size)
{
	const char *config = cli->config ? cli->config : NATGW_DEFAULT_CONFIG;
	bool config_given = cli->config != NULL;
	struct ngw_ruleset *rs = NULL;
	struct ngw_diags d;

	snprintf(table, size, "natgw");
	diags_init(&d);
	int r = rules_load(config, &rs, &d);
	diags_free(&d);
	if (r == -ENOENT && !config_given)
		return EXIT_OK;		/* no config installed: the default name */
	if (r < 0) {
		diags_add_system(msgs, NGW_ERROR, "cannot read %s: %s", config, strerror(-r));
		return EXIT_SYSTEM;
	}
	if (!rs) {
		diags_add_system(msgs, NGW_ERROR, "%s is not valid (see natgw check); cannot tell "
				 "which table it names", config_display_name(config));
		return EXIT_INVALID;
	}
	snprintf(table, size, "%s", rs->gateway.table);
	ruleset_free(rs);
	return EXIT_OK;
}

int cli_open_table(struct session *s, struct ngw_diags *msgs, const struct cli *cli,
		   unsigned sets_mask, char *table, size_t size)
{
	int status = cli_table_name(cli, msgs, table, size);

	memset(s, 0, sizeof(*s));
	if (status == EXIT_OK)
		status = session_open(s, msgs);
	if (status == EXIT_OK)
		status = session_read(s, table, sets_mask);
	return status;
}
