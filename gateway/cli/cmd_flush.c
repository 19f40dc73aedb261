/* SPDX-License-Identifier: GPL-2.0-or-later */
/* natgw flush [--rule NAME]: delete the conntrack entries (mappings) of one
 * rule, or of every natgw rule, and say how many. */
#include <getopt.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "conntrack/flush.h"
#include "out/json.h"
#include "conntrack/rule_index.h"
#include "apply/session.h"

static void flush_help(void)
{
	printf("Usage: natgw flush [-c FILE] [--rule NAME] [--json] [-q]\n"
	       "\n"
	       "Delete the live mappings (conntrack entries) of one rule, or of every\n"
	       "natgw rule, so their next packets are translated afresh by the rules in\n"
	       "the kernel now. Entries other tools made are not touched.\n"
	       "\n"
	       "  -r, --rule NAME  only this rule's mappings\n"
	       "      --json       print {\"rule\": ..., \"flushed\": N, \"left\": M,\n"
	       "                   \"error\": ..., \"diagnostics\": [...]}\n"
	       "  -q, --quiet      say nothing when every mapping was deleted\n"
	       "\n"
	       "Every mapping is tried, also after one the kernel refused; those left\n"
	       "are counted and the first reason said.\n"
	       "\n"
	       "Exit status: 0 success (every mapping deleted), 2 usage error, 3 system\n"
	       "or kernel error (\"N deleted, M left\": M mappings are still there).\n");
}

int cmd_flush(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_GLOBAL_LONG,
		{ "rule", required_argument, 0, 'r' },
		{ 0, 0, 0, 0 },
	};
	const char *rule = NULL;
	int c;

	while ((c = getopt_long(argc, argv, CLI_GLOBAL_SHORT "r:", opts, NULL)) != -1) {
		if (cli_global_option(cli, c, optarg))
			continue;
		if (c == 'h') {
			flush_help();
			return EXIT_OK;
		}
		if (c == 'r') {
			rule = optarg;
			continue;
		}
		return cli_usage_error("flush", "unknown or incomplete option '%s'",
				       argv[optind - 1]);
	}
	if (optind < argc)
		return cli_usage_error("flush", "unexpected argument '%s'", argv[optind]);

	char table[NGW_TABLE_MAX + 1];
	struct session s;
	struct cli_msgs msgs;
	struct rule_index ri = { 0 };
	const struct rule_entry *r = NULL;
	cli_msgs_init(&msgs, NULL);
	int status = cli_open_table(&s, &msgs.d, cli, 0, table, sizeof(table));
	if (status == EXIT_OK && rule) {
		rule_index_build(&ri, &s.st);
		if (!(r = rule_index_by_name(&ri, rule)))
			status = cli_usage_error("flush", "there is no rule '%s' in table inet %s",
						 rule, table);
	}
	if (status == EXIT_OK) {
		size_t flushed = 0, left = 0;
		int e = flush_marks(mark_scope(table), r ? &r->mark : NULL, r ? 1 : 0, &flushed,
				    &left);
		if (e < 0) {
			const char *of = rule ? "rule " : "every natgw rule", *name = rule ? rule : "";
			if (left)	/* each was tried: these the kernel refused */
				diags_add_system(&msgs.d, NGW_ERROR, "flushing the mappings of %s%s: "
						 "%zu deleted, %zu left: %s", of, name, flushed, left,
						 strerror(-e));
			else		/* conntrack could not be read: none was tried */
				diags_add_system(&msgs.d, NGW_ERROR, "flushing the mappings of %s%s: "
						 "%s (%zu deleted)", of, name, strerror(-e), flushed);
			status = EXIT_SYSTEM;
		}
		if (cli->json) {
			const char *error = diag_first_error(&msgs.d);
			struct json j;
			json_init(&j, stdout);
			json_object_begin(&j);
			json_key(&j, "rule");
			json_string(&j, rule ? rule : "");
			json_key(&j, "flushed");
			json_uint(&j, flushed);
			json_key(&j, "left");
			json_uint(&j, left);
			json_key(&j, "error");
			json_string(&j, error ? error : "");
			json_key(&j, "diagnostics");
			diag_print_json(&j, &msgs.d);
			json_object_end(&j);
			json_finish(&j);
		} else if (e == 0 && cli->verbosity >= 0) {
			printf("natgw: flushed %zu mapping%s of %s%s\n", flushed,
			       flushed == 1 ? "" : "s", rule ? "rule " : "every natgw rule",
			       rule ? rule : "");
		}
	} else {
		cli_fail(cli, &msgs, status);
	}
	rule_index_free(&ri);
	session_close(&s);
	cli_msgs_free(&msgs);
	return status;
}
