/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applied.h"
#include "apply.h"
#include "ei.h"
#include "flush.h"
#include "rundir.h"

#define MAX_ERRORS 16

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

static void send_plan(struct apply_run *a, const char *file)
{
	struct kbatch kb;
	struct nl_error errs[MAX_ERRORS];
	size_t n_errs = 0;

	kbatch_init(&kb, &a->s.nl, &a->s.m);
	kplan_emit(&a->s.plan, &a->s.st, &kb);
	a->messages = kb.nb.n_objects;
	double tx = session_now_ms();
	int r = nl_batch_send(&a->s.nl, &kb.nb, errs, MAX_ERRORS, &n_errs);
	a->tx_ms = session_now_ms() - tx;
	a->bytes = nl_batch_size(&kb.nb);
	a->genid_after = kb.nb.genid_after;
	if (r < 0) {
		a->err = -r;
		report_errors(&kb, errs, n_errs, file);
		if (!n_errs)
			fprintf(stderr, "natgw: sending the transaction: %s\n", strerror(a->err));
		fprintf(stderr, "natgw: nothing was applied; the previous ruleset is in place\n");
		a->status = EXIT_SYSTEM;
	}
	kbatch_free(&kb);
}

/* flush_on_change: the mappings of rules changed or removed go, so the next
 * packet of a flow is translated by the rules just applied. */
static void flush_changed(struct apply_run *a)
{
	const struct kplan *p = &a->s.plan;
	uint32_t *marks = calloc(p->n_rules + 1, sizeof(*marks));
	size_t n = 0;

	if (!marks)
		abort();
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct kplan_rule *r = &p->rules[i];
		if ((r->change == KCHANGE_MODIFY || r->change == KCHANGE_REMOVE) && r->old_mark)
			marks[n++] = r->old_mark;
	}
	int r = n ? flush_marks(marks, n, &a->flushed) : 0;
	if (r < 0)
		fprintf(stderr, "natgw: warning: applied, but flushing the mappings of changed "
			"rules failed: %s\n", strerror(-r));
	size_t withdrawn = 0;
	r = n ? ei_withdraw(&a->s.nl, a->s.m.table, marks, n, &withdrawn) : 0;
	if (r < 0)
		fprintf(stderr, "natgw: warning: applied, but withdrawing the endpoint-independent "
			"mappings of changed rules failed: %s\n", strerror(-r));
	a->flushed += withdrawn;
	free(marks);
}

/* commit-confirm needs the ruleset in the kernel now, exactly. */
static int keep_previous(struct apply_run *a, const char *table)
{
	if (!a->s.st.exists) {
		a->previous_none = true;
		return EXIT_OK;
	}
	if (a->s.from_record && applied_load(table, &a->previous, NULL) == 0)
		return EXIT_OK;
	fprintf(stderr, "natgw: --confirm must be able to put back the ruleset in the kernel "
		"now, and natgw has no verified record of it (table inet %s was changed by "
		"another program, or made by another natgw); nothing was applied. Apply once "
		"without --confirm, then try again.\n", table);
	return EXIT_SYSTEM;
}

int apply_ruleset(const struct ngw_ruleset *rs, const char *file, const struct apply_opts *o,
		  struct apply_run *a)
{
	double start = session_now_ms();

	memset(a, 0, sizeof(*a));
	a->status = session_open(&a->s);	/* zeroes a->s */
	a->s.full_read = o->full_read;
	a->s.mark_hint = o->mark_hint;
	a->s.n_mark_hint = o->n_mark_hint;
	if (a->status == EXIT_OK)
		a->status = session_plan(&a->s, rs);
	if (a->status == EXIT_OK && o->keep_previous)
		a->status = keep_previous(a, rs->gateway.table);
	if (a->status != EXIT_OK)
		return a->status;
	a->planned = true;
	bool changes = !kplan_empty(&a->s.plan);
	struct applied_draft draft;
	applied_draft_start(&draft, rs);
	if (changes)
		send_plan(a, file);
	if (a->status == EXIT_OK && changes && rs->gateway.flush_on_change)
		flush_changed(a);
	a->ms = session_now_ms() - start;
	if (a->status == EXIT_OK) {
		/* the record may name the generation only when this apply was
		 * the one commit since the plan began (or there was none), and
		 * none came after it (withdrawing mappings is one too) */
		uint32_t genid = !changes ? a->s.genid :
				 a->s.genid && a->genid_after == a->s.genid + 1 ? a->genid_after : 0;
		uint32_t now = 0;
		if (nl_genid(&a->s.nl, &now) < 0 || now != genid)
			genid = 0;
		int r = applied_save(a->s.m.table, &draft, &a->s.m, genid);
		if (r < 0)
			fprintf(stderr, "natgw: warning: cannot record this apply in %s: %s; the "
				"next apply reads the table back in full\n", rundir(),
				strerror(-r));
	} else {
		applied_draft_drop(&draft);
	}
	return a->status;
}

int apply_remove_table(const char *table, bool *removed)
{
	struct session s;
	int status = session_open(&s);

	*removed = false;
	if (status == EXIT_OK)
		status = session_read(&s, table, 0);
	if (status == EXIT_OK && s.st.exists) {
		struct kmodel m = { 0 };
		struct kbatch kb;
		struct nl_error err;
		size_t n_errs = 0;

		snprintf(m.table, sizeof(m.table), "%s", table);
		kbatch_init(&kb, &s.nl, &m);
		kbatch_table_del(&kb, table);
		int r = nl_batch_send(&s.nl, &kb.nb, &err, 1, &n_errs);
		if (r < 0) {
			fprintf(stderr, "natgw: removing table inet %s: %s%s%s\n", table,
				strerror(-r), n_errs && err.text[0] ? ": " : "",
				n_errs ? err.text : "");
			status = EXIT_SYSTEM;
		} else {
			applied_remove(table);
			*removed = true;
		}
		kbatch_free(&kb);
	}
	session_close(&s);
	return status;
}

void apply_run_free(struct apply_run *a)
{
	ruleset_free(a->previous);
	a->previous = NULL;
	session_close(&a->s);
}

void apply_summary(const struct apply_run *a, char *buf, size_t size)
{
	const struct kplan *p = &a->s.plan;

	if (kplan_empty(p)) {
		snprintf(buf, size, "no changes (%zu rules in table inet %s)", a->s.m.n_rules,
			 a->s.m.table);
		return;
	}
	char flushed[64] = "";
	if (a->flushed)
		snprintf(flushed, sizeof(flushed), ", flushed %zu mapping%s", a->flushed,
			 a->flushed == 1 ? "" : "s");
	snprintf(buf, size, "applied +%zu -%zu ~%zu in %.1f ms%s%s", p->n_add, p->n_remove,
		 p->n_modify, a->ms, flushed,
		 p->create ? ", new table" : p->rebuild ? ", table rebuilt" : "");
}
