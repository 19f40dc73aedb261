/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "record.h"
#include "apply.h"
#include "conntrack/ei.h"
#include "conntrack/ei_settle.h"
#include "conntrack/flush.h"
#include "kernel/kplan_emit.h"
#include "kernel/nftev.h"
#include "conntrack/remark.h"
#include "ctl/rundir.h"
#include "natgw/xalloc.h"

#define MAX_ERRORS 16

/* Each kernel error, named after the rule behind it where there is one. */
static void report_errors(const struct kbatch *kb, const struct nl_error *errs, size_t n,
			  struct ngw_diags *msgs)
{
	for (size_t i = 0; i < n; i++) {
		const struct nl_error *e = &errs[i];
		uint32_t owner = kbatch_error_owner(kb, e);
		char detail[300] = "";
		if (e->text[0])
			snprintf(detail, sizeof(detail), " (%s)", e->text);
		if (owner != KRULE_NO_OWNER) {
			const struct kmodel_rule *r = &kb->m->rules[owner];
			diags_add(msgs, NGW_ERROR, r->pos, "%s \"%s\": the kernel rejected it: %s%s",
				  r->snat ? "snat" : "forward", r->name, strerror(e->err), detail);
		} else {
			diags_add_system(msgs, NGW_ERROR, "the kernel rejected the transaction: %s%s",
				strerror(e->err), detail);
		}
	}
}

/* -ERESTART when another transaction was committed since the plan began
 * (nothing was applied: plan again), else 0 or NGW_FAILED in a->status
 * after the kernel's errors. */
static int send_plan(struct apply_run *a)
{
	struct kbatch kb;
	struct nl_error errs[MAX_ERRORS];
	size_t n_errs = 0;

	kbatch_init(&kb, &a->s.nl, &a->s.m, a->s.genid);
	kplan_emit(&a->s.plan, &a->s.st, &kb);
	a->messages = kb.nb.n_objects;
	double tx = session_now_ms();
	int r = nl_batch_send(&a->s.nl, &kb.nb, errs, MAX_ERRORS, &n_errs);
	a->tx_ms = session_now_ms() - tx;
	a->bytes = nl_batch_size(&kb.nb);
	a->genid_after = kb.nb.genid_after;
	if (r == -ERESTART) {
		kbatch_free(&kb);
		return r;
	}
	if (r < 0) {
		a->err = -r;
		report_errors(&kb, errs, n_errs, a->msgs);
		if (!n_errs)
			diags_add_system(a->msgs, NGW_ERROR, "sending the transaction: %s", strerror(a->err));
		diags_add_system(a->msgs, NGW_ERROR, "nothing was applied; the previous ruleset is in place");
		a->status = NGW_FAILED;
	}
	kbatch_free(&kb);
	return 0;
}

/* flush_on_change: the mappings of rules changed or removed go, so the next
 * packet of a flow is translated by the rules just applied. */
static void flush_changed(struct apply_run *a)
{
	const struct kplan *p = &a->s.plan;
	uint32_t *marks = xcalloc(p->n_rules + 1, sizeof(*marks));
	size_t n = 0;

	for (size_t i = 0; i < p->n_rules; i++) {
		const struct kplan_rule *r = &p->rules[i];
		if ((r->change == KCHANGE_MODIFY || r->change == KCHANGE_REMOVE) && r->old_mark)
			marks[n++] = r->old_mark;
	}
	/* what could not be deleted is the caller's to say (and an error) */
	int r = n ? flush_marks(0, marks, n, &a->flushed, &a->flush_left) : 0;
	if (r < 0)
		a->flush_err = -r;
	size_t withdrawn = 0;
	r = n ? ei_withdraw(&a->s.nl, a->s.m.table, marks, n, &withdrawn) : 0;
	if (r < 0)
		diags_add_system(a->msgs, NGW_WARNING, "applied, but withdrawing the endpoint-independent "
			"mappings of changed rules failed: %s", strerror(-r));
	a->flushed += withdrawn;
	free(marks);
}

static void snapshot_pick(const struct xlat_mapping *m, void *arg)
{
	struct apply_run *a = arg;
	a->ei_before = grow(a->ei_before, &a->cap_ei_before, a->n_ei_before, sizeof(*a->ei_before));
	a->ei_before[a->n_ei_before++] = *m;
}

/* The full-cone mappings a rebuild is about to empty, to write back after
 * it (a mapping that idles out in between comes back for the time it had
 * left). */
static void snapshot_mappings(struct apply_run *a, const char *table)
{
	a->n_ei_before = 0;
	int r = ei_read(&a->s.nl, table, snapshot_pick, a);
	if (r < 0) {
		diags_add_system(a->msgs, NGW_WARNING, "reading the full-cone mappings before the "
			"rebuild: %s; they come back with their next datagram", strerror(-r));
		a->n_ei_before = 0;
	}
}

/* The full-cone maps after the transaction (ei_settle.h): after a rebuild
 * the mappings as they were and the other flows' external sockets, and
 * off the ports forwards now take. The ruleset is applied either way: a
 * failure is a warning. */
static void settle_full_cone(struct apply_run *a, const struct ngw_ruleset *rs)
{
	bool any = false;
	for (size_t i = 0; i < rs->n_snats; i++)
		any |= rs->snats[i].endpoint_independent;
	if (!any)
		return;
	if (a->s.plan.create || a->s.plan.rebuild) {
		struct ei_restored got;
		int r = ei_restore(&a->s.nl, a->s.m.table, rs, a->ei_before,
				   a->s.plan.rebuild ? a->n_ei_before : 0, &got);
		if (r < 0)
			diags_add_system(a->msgs, NGW_WARNING, "applied, but writing the full-cone mappings "
				"back from conntrack failed: %s; they come back with their next "
				"datagram", strerror(-r));
		a->restored = got.mappings;
	}
	/* a mapping can only stand on a forward's port when the forward is
	 * new (or changed): other applies need not read the maps */
	bool forward_came = false;
	for (size_t i = 0; i < a->s.plan.n_rules; i++) {
		const struct kplan_rule *pr = &a->s.plan.rules[i];
		forward_came |= !pr->snat && (pr->change == KCHANGE_ADD ||
					      pr->change == KCHANGE_MODIFY);
	}
	if (!forward_came)
		return;
	int r = ei_yield_to_forwards(&a->s.nl, a->s.m.table, rs, &a->yielded);
	if (r < 0)
		diags_add_system(a->msgs, NGW_WARNING, "applied, but moving full-cone mappings off "
			"forwarded ports failed: %s", strerror(-r));
}

/* Rules whose mark moved (mark.h) take their live connections along. */
static void remark_moved(struct apply_run *a)
{
	struct remark_result res;

	remark_rules(&a->s.nl, a->s.m.table, &a->s.plan, &res);
	a->remarked = res.entries + res.mappings;
	a->remark_left = res.entries_failed;
	a->remark_err = -res.err;	/* the ruleset is applied: the caller says it */
}

/* commit-confirm needs the ruleset in the kernel now, exactly. */
static int keep_previous(struct apply_run *a, const char *table)
{
	if (!a->s.st.exists) {
		a->previous_none = true;
		return NGW_OK;
	}
	if (a->s.from_record && record_load(table, &a->previous, NULL) == 0)
		return NGW_OK;
	diags_add_system(a->msgs, NGW_ERROR, "--confirm must be able to put back the ruleset in the kernel "
		"now, and natgw has no verified record of it (table inet %s was changed by "
		"another program, or made by another natgw); nothing was applied. Apply once "
		"without --confirm, then try again.", table);
	return NGW_FAILED;
}

int apply_lock(const char *table, int *fd, struct ngw_diags *msgs)
{
	char why[600];
	bool waited = false;
	int r = rundir_ensure(why, sizeof(why));

	*fd = -1;
	if (r < 0) {
		diags_add_system(msgs, NGW_ERROR, "%s%s; nothing was applied", why,
			r == -EACCES && geteuid() ? ": natgw needs root (CAP_NET_ADMIN)" : "");
		return NGW_FAILED;
	}
	r = rundir_lock(table, 0, &waited);
	if (r == -EWOULDBLOCK) {
		diags_add_system(msgs, NGW_NOTE, "waiting for another natgw applying to table inet %s",
			table);
		r = rundir_lock(table, APPLY_LOCK_WAIT_MS, &waited);
	}
	if (r == -EWOULDBLOCK) {
		diags_add_system(msgs, NGW_ERROR, "another natgw has been applying to table inet %s for %u s; "
			"nothing was applied", table, APPLY_LOCK_WAIT_MS / 1000);
		return NGW_FAILED;
	}
	if (r < 0) {
		diags_add_system(msgs, NGW_ERROR, "cannot take the apply lock of table inet %s in %s: %s; "
			"nothing was applied", table, rundir(), strerror(-r));
		return NGW_FAILED;
	}
	*fd = r;
	return NGW_OK;
}

/* After the kernel refused a transaction because the ruleset's generation
 * moved on: whether every commit since touched other tables only (nothing
 * natgw planned against changed), with *now the generation to plan
 * against. False when natgw's table was touched, events were lost, or the
 * events do not reach the current generation in time. */
static bool only_others_committed(struct nftev *ev, struct nl *nl, const char *table,
				  uint32_t *now, bool *ours)
{
	struct nftev_seen seen = { 0 };

	*ours = false;
	if (!ev || nl_genid(nl, now) < 0 || !*now)
		return false;
	/* each commit's events end with its NEWGEN: read up to the one of
	 * the generation just asked for */
	for (int waited = 0; waited < 500; waited += 10) {
		if (nftev_read(ev, table, &seen) < 0 || seen.table || seen.lost) {
			*ours = seen.table;
			return false;
		}
		if (seen.genid == *now)
			return true;
		poll(&(struct pollfd){ .fd = nftev_fd(ev), .events = POLLIN }, 1, 10);
	}
	return false;
}

/* Plans against the kernel as it is now and sends the plan. When another
 * program committed in between, the kernel refuses the transaction: if
 * that program touched other tables only, the same plan is sent again
 * against the new generation; if it touched natgw's table, natgw plans
 * again. A few times each. */
static void plan_and_send(const struct ngw_ruleset *rs, const struct apply_opts *o, struct apply_run *a, bool *changes)
{
	const char *table = rs->gateway.table;
	struct nftev *ev = nftev_open();	/* before the plan's generation is read */
	int plans = 0, sends = 0, refused = 0;
	bool plan = true, ours = false;

	for (;;) {
		if (plan) {
			plan = false;
			plans++;
			sends = 0;
			a->status = session_open(&a->s, a->msgs);	/* zeroes a->s */
			a->s.full_read = o->full_read;
			a->s.exact_sizes = o->rollback;
			if (a->status == NGW_OK)
				a->status = session_plan(&a->s, rs);
			if (a->status == NGW_OK && o->keep_previous)
				a->status = keep_previous(a, table);
			if (a->status != NGW_OK)
				break;
			*changes = !kplan_empty(&a->s.plan);
		}
		if (*changes && a->s.plan.rebuild)
			snapshot_mappings(a, table);
		if (!*changes || send_plan(a) != -ERESTART)
			break;
		refused++;
		uint32_t now;
		if (++sends < APPLY_RESENDS &&
		    only_others_committed(ev, &a->s.nl, table, &now, &ours)) {
			/* another natgw table may be among them: its marks */
			a->status = session_check_peers(&a->s, table);
			if (a->status != NGW_OK)
				break;
			a->s.genid = now;	/* the plan holds: send it again */
			continue;
		}
		if (plans == APPLY_ATTEMPTS) {
			if (!ours)	/* other tables, or no telling which */
				diags_add_system(a->msgs, NGW_ERROR, "other programs committed to nftables %d times "
					"while natgw was applying to table inet %s; nothing was "
					"applied. Run it again.", refused, table);
			else
				diags_add_system(a->msgs, NGW_ERROR, "table inet %s was changed by another program "
					"while natgw was applying, %d times in a row; nothing was "
					"applied. Run it again.", table, APPLY_ATTEMPTS);
			a->status = NGW_FAILED;
			break;
		}
		plan = true;
		ruleset_free(a->previous);
		a->previous = NULL;
		a->previous_none = false;
		session_close(&a->s);
	}
	nftev_close(ev);
}

int apply_ruleset(const struct ngw_ruleset *rs, const struct apply_opts *o, struct apply_run *a)
{
	double start = session_now_ms();
	bool changes = false;
	int lock;

	memset(a, 0, sizeof(*a));
	a->msgs = o->msgs;
	/* one apply per table and namespace at a time: the loser waits, then
	 * plans against what the winner left */
	a->status = apply_lock(rs->gateway.table, &lock, a->msgs);
	if (a->status != NGW_OK)
		return a->status;
	plan_and_send(rs, o, a, &changes);
	if (a->status != NGW_OK) {
		close(lock);
		return a->status;
	}
	a->planned = true;
	struct record_draft draft;
	record_draft_start(&draft, rs);
	if (a->status == NGW_OK && changes && rs->gateway.flush_on_change)
		flush_changed(a);
	if (a->status == NGW_OK && changes)
		settle_full_cone(a, rs);
	if (a->status == NGW_OK && a->s.plan.n_remark)
		remark_moved(a);
	a->ms = session_now_ms() - start;
	if (a->status == NGW_OK) {
		/* the record may name the generation only when this apply was
		 * the one commit since the plan began (or there was none), and
		 * none came after it (withdrawing mappings is one too) */
		uint32_t genid = !changes ? a->s.genid :
				 a->s.genid && a->genid_after == a->s.genid + 1 ? a->genid_after : 0;
		uint32_t now = 0;
		if (nl_genid(&a->s.nl, &now) < 0 || now != genid)
			genid = 0;
		int r = record_save(a->s.m.table, &draft, &a->s.m, genid);
		if (r < 0)
			diags_add_system(a->msgs, NGW_WARNING, "cannot record this apply in %s: %s; the "
				"next apply reads the table back in full", rundir(),
				strerror(-r));
	} else {
		record_draft_drop(&draft);
	}
	rundir_clean(rs->gateway.table);
	close(lock);
	return a->status;
}

int apply_remove_table(const char *table, bool *removed, struct ngw_diags *msgs)
{
	struct session s;
	int lock, status = apply_lock(table, &lock, msgs);

	*removed = false;
	if (status != NGW_OK)
		return status;
	status = session_open(&s, msgs);
	if (status == NGW_OK)
		status = session_read(&s, table, 0);
	if (status == NGW_OK && s.st.exists) {
		struct kmodel m = { 0 };
		struct kbatch kb;
		struct nl_error err;
		size_t n_errs = 0;

		snprintf(m.table, sizeof(m.table), "%s", table);
		kbatch_init(&kb, &s.nl, &m, 0);	/* whatever it holds now */
		kbatch_table_del(&kb, table);
		int r = nl_batch_send(&s.nl, &kb.nb, &err, 1, &n_errs);
		if (r < 0) {
			diags_add_system(msgs, NGW_ERROR, "removing table inet %s: %s%s%s", table,
				strerror(-r), n_errs && err.text[0] ? ": " : "",
				n_errs ? err.text : "");
			status = NGW_FAILED;
		} else {
			record_remove(table);
			*removed = true;
		}
		kbatch_free(&kb);
	}
	session_close(&s);
	close(lock);
	return status;
}

void apply_run_free(struct apply_run *a)
{
	free(a->ei_before);
	a->ei_before = NULL;
	a->n_ei_before = a->cap_ei_before = 0;
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
	char remarked[96] = "";
	if (p->n_remark)
		snprintf(remarked, sizeof(remarked), ", %zu rule%s ct mark moved (%zu live "
			 "mapping%s followed)", p->n_remark, p->n_remark == 1 ? "'s" : "s'",
			 a->remarked, a->remarked == 1 ? "" : "s");
	char cone[128] = "";
	int len = 0;
	if (a->restored)
		len = snprintf(cone, sizeof(cone), ", %zu full-cone mapping%s back from conntrack",
			       a->restored, a->restored == 1 ? "" : "s");
	if (a->yielded && len >= 0 && (size_t)len < sizeof(cone))
		snprintf(cone + len, sizeof(cone) - (size_t)len, ", %zu full-cone mapping%s gave "
			 "way to forwards", a->yielded, a->yielded == 1 ? "" : "s");
	char table[200] = "";
	if (p->create)
		snprintf(table, sizeof(table), ", new table");
	else if (p->rebuild)
		snprintf(table, sizeof(table), ", table rebuilt (%s)", p->rebuild_reason);
	snprintf(buf, size, "applied +%zu -%zu ~%zu in %.1f ms%s%s%s%s", p->n_add, p->n_remove,
		 p->n_modify, a->ms, flushed, remarked, cone, table);
}
