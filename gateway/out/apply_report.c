/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What an apply says it did: one summary line or one JSON object, the
 * plan with -v, and an "applied, but" when what follows the transaction did
 * not all happen. The same for `natgw apply` and the daemon's answer. */
#include <stdio.h>
#include <string.h>

#include "apply_report.h"
#include "diag_print.h"
#include "json.h"
#include "compile/layout.h"
#include "plan_print.h"

static void report_json(FILE *out, const struct apply_run *a, unsigned confirm)
{
	char failure[512];
	const char *error = a->msgs ? diag_first_error(a->msgs) : NULL;
	struct json j;

	if (!error && apply_partial_failure(a, failure, sizeof(failure)))
		error = failure;
	json_init(&j, out);
	json_object_begin(&j);
	json_key(&j, "applied");
	json_bool(&j, a->status == NGW_OK);
	json_key(&j, "added");
	json_uint(&j, a->s.plan.n_add);
	json_key(&j, "removed");
	json_uint(&j, a->s.plan.n_remove);
	json_key(&j, "changed");
	json_uint(&j, a->s.plan.n_modify);
	json_key(&j, "new_table");
	json_bool(&j, a->s.plan.create);
	json_key(&j, "rebuild_reason");
	json_string(&j, a->s.plan.rebuild ? a->s.plan.rebuild_reason : "");
	json_key(&j, "ms");
	json_number(&j, a->ms, 1);
	json_key(&j, "flushed");
	json_uint(&j, a->flushed);
	json_key(&j, "remarked");
	json_uint(&j, a->remarked);
	json_key(&j, "full_cone_restored");
	json_uint(&j, a->restored);
	json_key(&j, "full_cone_yielded");
	json_uint(&j, a->yielded);
	json_key(&j, "flush_left");
	json_uint(&j, a->flush_left);
	json_key(&j, "flush_error");
	json_string(&j, a->flush_err ? strerror(a->flush_err) : "");
	json_key(&j, "confirm");
	json_uint(&j, confirm);
	json_key(&j, "error");
	json_string(&j, error ? error : "");
	json_key(&j, "diagnostics");
	if (a->msgs) {
		diag_print_json(&j, a->msgs);
	} else {
		json_array_begin(&j);
		json_array_end(&j);
	}
	json_key(&j, "rules");
	plan_print_json(&a->s.plan, &j);
	json_object_end(&j);
	json_finish(&j);
}

static void report_text(FILE *out, FILE *err, int verbosity, const struct apply_run *a,
			unsigned confirm)
{
	char summary[512];

	apply_summary(a, summary, sizeof(summary));
	fprintf(out, "natgw: %s\n", summary);
	if (confirm)
		fprintf(out, "natgw: run `natgw confirm` within %u s to keep it; otherwise the "
			"previous ruleset comes back\n", confirm);
	if (verbosity > 0) {
		plan_print_text(&a->s.plan, false, out);
		/* whole lines in order also when out and err are one file */
		fflush(out);
		fprintf(err, "natgw: read %.1f ms, compile and diff %.1f ms, transaction "
			"%.1f ms (%zu messages, %zu bytes)%s\n", a->s.read_ms, a->s.compile_ms,
			a->tx_ms, a->messages, a->bytes,
			!a->s.from_record ? "" :
			a->s.record_unchanged ? ", elements from the record of the last apply "
						"(nothing committed to nftables since)" :
			", elements from the verified record of the last apply");
	}
}

/* Whether natgw flush --rule NAME reaches the mappings flush_on_change left
 * of a rule: it must still be in the table, under the same mark. */
static bool flush_rule_reaches(const struct apply_run *a, const struct kplan_rule *pr)
{
	if (pr->change != KCHANGE_MODIFY)
		return false;
	for (size_t i = 0; i < a->s.m.n_rules; i++)
		if (!strcmp(a->s.m.rules[i].name, pr->name))
			return (a->s.m.rules[i].mark & MARK_RULE_MASK) ==
			       (pr->old_mark & MARK_RULE_MASK);
	return false;
}

bool apply_partial_failure(const struct apply_run *a, char *buf, size_t size)
{
	const struct kplan *p = &a->s.plan;
	char names[256] = "";
	size_t n_names = 0, used = 0;
	bool reachable = true;

	if (a->status != NGW_OK || (!a->flush_err && !a->remark_err))
		return false;
	if (!a->flush_err) {
		snprintf(buf, size, "applied, but %zu live connection%s of rules whose ct mark "
			 "moved could not be given the new mark: %s; they are counted and listed "
			 "under no rule until they end", a->remark_left,
			 a->remark_left == 1 ? "" : "s", strerror(a->remark_err));
		return true;
	}
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct kplan_rule *pr = &p->rules[i];
		if ((pr->change != KCHANGE_MODIFY && pr->change != KCHANGE_REMOVE) || !pr->old_mark)
			continue;	/* not flushed */
		if (!flush_rule_reaches(a, pr)) {
			reachable = false;
			continue;
		}
		int w = snprintf(names + used, sizeof(names) - used, "%s%s", n_names ? ", " : "",
				 pr->name);
		if (w > 0 && (size_t)w < sizeof(names) - used)
			used += (size_t)w;
		n_names++;
	}
	int w;
	if (a->flush_left)
		w = snprintf(buf, size, "applied, but %zu mapping%s of changed rules could not be "
			     "deleted: %s; ", a->flush_left, a->flush_left == 1 ? "" : "s",
			     strerror(a->flush_err));
	else	/* conntrack could not be read */
		w = snprintf(buf, size, "applied, but the mappings of changed rules could not be "
			     "flushed: %s; ", strerror(a->flush_err));
	if (w < 0 || (size_t)w >= size)
		return true;
	if (reachable && n_names == 1)
		snprintf(buf + w, size - (size_t)w, "flush them with `natgw flush --rule %s`",
			 names);
	else if (reachable && n_names)
		snprintf(buf + w, size - (size_t)w, "flush them with `natgw flush --rule NAME` "
			 "for %s", names);
	else	/* a removed rule's, or one whose mark moved: only all at once */
		snprintf(buf + w, size - (size_t)w, "`natgw flush` deletes them (and every "
			 "other natgw mapping)");
	return true;
}

void apply_report_print(FILE *out, FILE *err, bool json, int verbosity,
			const struct apply_run *a, unsigned confirm)
{
	char failure[512];

	if (!a->planned) {
		/* what stopped it has been said; --json says it too */
		if (json && a->msgs)
			diag_print_json_error(out, a->msgs);
		return;
	}
	if (json)
		report_json(out, a, confirm);
	else if (a->status == NGW_OK && verbosity >= 0)
		report_text(out, err, verbosity, a, confirm);
	/* an error: said also with -q and --json, after the summary */
	if (apply_partial_failure(a, failure, sizeof(failure))) {
		fflush(out);
		fprintf(err, "natgw: %s\n", failure);
	}
}

