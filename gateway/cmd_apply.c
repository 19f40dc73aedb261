/* SPDX-License-Identifier: GPL-2.0-or-later */
/* natgw apply [-c FILE] [FILE]: make the kernel's table what the config
 * says, in one transaction; only what changed is sent. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <stdlib.h>

#include "applied.h"
#include "flush.h"
#include "cli.h"
#include "config.h"
#include "plan_print.h"
#include "session.h"

#define MAX_ERRORS 16

static void apply_help(void)
{
	printf("Usage: natgw apply [-c FILE] [--json] [-q] [-v] [FILE]\n"
	       "\n"
	       "Make natgw's nftables table match the configuration, as one atomic\n"
	       "transaction: the kernel holds the old ruleset or the new one, never a mix.\n"
	       "Only what changed is sent; applying an unchanged file sends nothing.\n"
	       "\n"
	       "  -c, --config FILE  the configuration (default %s)\n"
	       "      --json         print the result as one JSON object\n"
	       "  -v, --verbose      list the rules that changed, and where the time went\n"
	       "\n"
	       "Exit status: 0 applied (or nothing to do), 1 invalid configuration,\n"
	       "2 usage error, 3 system or kernel error (nothing was applied).\n",
	       NATGW_DEFAULT_CONFIG);
}

/* Each kernel error, named after the rule behind it where there is one. */
static void report_errors(const struct kbatch *kb, const struct nl_error *errs, size_t n,
			  const char *file)
{
	for (size_t i = 0; i < n; i++) {
		const struct nl_error *e = &errs[i];
		uint32_t owner = kbatch_error_owner(kb, e);
		char detail[300] = "";
		if (e->text[0])
			snprintf(detail, sizeof(detail), " (%s)", e->text);
		if (owner != KRULE_NO_OWNER) {
			const struct kmodel_rule *r = &kb->m->rules[owner];
			fprintf(stderr, "%s:%u:%u: error: %s \"%s\": the kernel rejected it: %s%s\n",
				file, r->pos.line, r->pos.col, r->snat ? "snat" : "forward", r->name,
				strerror(e->err), detail);
		} else {
			fprintf(stderr, "natgw: the kernel rejected the transaction: %s%s\n",
				strerror(e->err), detail);
		}
	}
}

static const char *flushed_text(size_t n)
{
	static char buf[64];
	snprintf(buf, sizeof(buf), ", flushed %zu mapping%s", n, n == 1 ? "" : "s");
	return buf;
}

static void report_json(const struct session *s, bool applied, double ms, int err,
			size_t flushed)
{
	struct json j;

	json_init(&j, stdout);
	json_object_begin(&j);
	json_key(&j, "applied");
	json_bool(&j, applied);
	json_key(&j, "added");
	json_uint(&j, s->plan.n_add);
	json_key(&j, "removed");
	json_uint(&j, s->plan.n_remove);
	json_key(&j, "changed");
	json_uint(&j, s->plan.n_modify);
	json_key(&j, "ms");
	json_number(&j, ms, 1);
	json_key(&j, "flushed");
	json_uint(&j, flushed);
	json_key(&j, "error");
	json_string(&j, err ? strerror(err) : "");
	json_key(&j, "rules");
	plan_print_json(&s->plan, &j);
	json_object_end(&j);
	json_finish(&j);
}

int cmd_apply(struct cli *cli, int argc, char **argv)
{
	int status = cli_parse_plain(cli, argc, argv, "apply", apply_help);

	if (status >= 0)
		return status;
	const char *file = config_path(cli, "apply", argc, argv, &status);
	if (!file)
		return status;

	double start = session_now_ms();
	struct ngw_ruleset *rs = NULL;
	status = config_load(file, &rs);
	if (status != EXIT_OK)
		return status;
	config_warn_unsupported(rs, file);

	struct session s;
	status = session_open(&s);
	if (status == EXIT_OK)
		status = session_plan(&s, rs);
	if (status != EXIT_OK) {
		session_close(&s);
		ruleset_free(rs);
		return status;
	}

	int err = 0;
	size_t bytes = 0, messages = 0;
	double tx_ms = 0;
	if (!kplan_empty(&s.plan)) {
		struct kbatch kb;
		struct nl_error errs[MAX_ERRORS];
		size_t n_errs = 0;

		kbatch_init(&kb, &s.nl, &s.m);
		kplan_emit(&s.plan, &s.st, &kb);
		messages = kb.nb.n_objects;
		double tx = session_now_ms();
		int r = nl_batch_send(&s.nl, &kb.nb, errs, MAX_ERRORS, &n_errs);
		tx_ms = session_now_ms() - tx;
		bytes = nl_batch_size(&kb.nb);
		if (r < 0) {
			err = -r;
			report_errors(&kb, errs, n_errs, config_display_name(file));
			if (!n_errs)
				fprintf(stderr, "natgw: sending the transaction: %s\n", strerror(err));
			fprintf(stderr, "natgw: nothing was applied; the previous ruleset is "
				"in place\n");
			status = EXIT_SYSTEM;
		}
		kbatch_free(&kb);
	}
	/* flush_on_change: the mappings of rules changed or removed go, so the
	 * next packet of a flow is translated by the rules just applied */
	size_t flushed = 0;
	bool flush = status == EXIT_OK && rs->gateway.flush_on_change && !kplan_empty(&s.plan);
	if (flush) {
		uint32_t *marks = calloc(s.plan.n_rules + 1, sizeof(*marks));
		size_t n = 0;
		if (!marks)
			abort();
		for (size_t i = 0; i < s.plan.n_rules; i++) {
			const struct kplan_rule *r = &s.plan.rules[i];
			if ((r->change == KCHANGE_MODIFY || r->change == KCHANGE_REMOVE) && r->old_mark)
				marks[n++] = r->old_mark;
		}
		int r = n ? flush_marks(marks, n, &flushed) : 0;
		if (r < 0)
			fprintf(stderr, "natgw: warning: applied, but flushing the mappings of "
				"changed rules failed: %s\n", strerror(-r));
		free(marks);
	}
	double ms = session_now_ms() - start;
	if (status == EXIT_OK) {
		int r = applied_save(s.m.table, rs);
		if (r < 0)
			fprintf(stderr, "natgw: warning: cannot record this apply in %s: %s; the "
				"next apply reads the table back in full\n", NATGW_RUN_DIR,
				strerror(-r));
	}

	if (cli->json) {
		report_json(&s, status == EXIT_OK, ms, err, flushed);
	} else if (status == EXIT_OK && cli->verbosity >= 0) {
		if (kplan_empty(&s.plan))
			printf("natgw: no changes (%zu rules in table inet %s)\n", s.m.n_rules,
			       s.m.table);
		else
			printf("natgw: applied +%zu -%zu ~%zu in %.1f ms%s\n", s.plan.n_add,
			       s.plan.n_remove, s.plan.n_modify, ms,
			       flushed ? flushed_text(flushed) : "");
		if (cli->verbosity > 0) {
			plan_print_text(&s.plan, false, stdout);
			fprintf(stderr, "natgw: read %.1f ms, compile and diff %.1f ms, "
				"transaction %.1f ms (%zu messages, %zu bytes)%s%s\n", s.read_ms,
				s.compile_ms, tx_ms, messages, bytes,
				s.plan.create ? ", new table" : s.plan.rebuild ? ", table rebuilt" : "",
				s.from_record ? ", elements from the verified record of the last apply"
					      : "");
		}
	}
	session_close(&s);
	ruleset_free(rs);
	return status;
}
