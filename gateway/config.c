/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "diag_print.h"

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

const char *config_display_name(const char *path)
{
	return strcmp(path, "-") ? path : "<stdin>";
}

void config_warn_unsupported(const struct ngw_ruleset *rs, const char *path, bool daemon)
{
	for (size_t i = 0; i < rs->n_snats; i++) {
		const struct ngw_snat *s = &rs->snats[i];
		if (s->endpoint_independent && !daemon)
			fprintf(stderr, "%s:%u:%u: warning: snat \"%s\": without natgw run, "
				"max_per_host counts only the mappings whose first connection "
				"is still open\n",
				config_display_name(path), s->at.endpoint_independent.line,
				s->at.endpoint_independent.col, s->name);
	}
}

int config_load(const char *path, struct ngw_ruleset **rs)
{
	struct ngw_diags d;

	diags_init(&d);
	int r = rules_load(path, rs, &d);
	if (r < 0) {
		fprintf(stderr, "natgw: cannot read %s: %s\n", path, strerror(-r));
		diags_free(&d);
		return EXIT_SYSTEM;
	}
	diag_print_text(stderr, config_display_name(path), &d);
	diags_free(&d);
	return *rs ? EXIT_OK : EXIT_INVALID;
}
