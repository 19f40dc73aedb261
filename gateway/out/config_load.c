/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Loading a configuration for an apply, with its diagnostics shown the way
 * check, plan and apply show them, to whatever stream the caller gives:
 * a terminal, or the daemon's answer to a client. */
#include <stdio.h>
#include <string.h>

#include "config_load.h"
#include "diag_print.h"

const char *config_display_name(const char *path)
{
	return strcmp(path, "-") ? path : "<stdin>";
}

void config_warn_unsupported(FILE *err, const struct ngw_ruleset *rs, const char *path, bool daemon)
{
	for (size_t i = 0; i < rs->n_snats; i++) {
		const struct ngw_snat *s = &rs->snats[i];
		if (s->endpoint_independent && !daemon)
			fprintf(err, "%s:%u:%u: warning: snat \"%s\": without natgw run, "
				"max_per_host counts only the mappings whose first connection "
				"is still open\n",
				config_display_name(path), s->at.endpoint_independent.line,
				s->at.endpoint_independent.col, s->name);
	}
}

int config_load_json(const char *path, struct ngw_ruleset **rs, FILE *err, FILE *json)
{
	struct ngw_diags d;

	diags_init(&d);
	int r = rules_load(path, rs, &d);
	if (r < 0) {
		fprintf(err, "natgw: cannot read %s: %s\n", path, strerror(-r));
		if (json) {
			char why[512];
			snprintf(why, sizeof(why), "cannot read %s: %s", path, strerror(-r));
			diag_print_json_message(json, why);
		}
		diags_free(&d);
		return NGW_FAILED;
	}
	diag_print_text(err, config_display_name(path), &d);
	if (!*rs && json)
		diag_print_json_error(json, &d);
	diags_free(&d);
	return *rs ? NGW_OK : NGW_INVALID;
}

int config_load(const char *path, struct ngw_ruleset **rs, FILE *err)
{
	return config_load_json(path, rs, err, NULL);
}
