/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "record.h"
#include "compile/name_map.h"
#include "ctl/rundir.h"
#include "session.h"
#include "status.h"

double session_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int session_open(struct session *s, struct ngw_diags *msgs)
{
	memset(s, 0, sizeof(*s));
	s->msgs = msgs;
	int r = nl_open(&s->nl);
	if (r == -EPERM || r == -EACCES) {
		diags_add_system(s->msgs, NGW_ERROR, "netlink: %s: natgw needs root (CAP_NET_ADMIN)",
			strerror(-r));
		return NGW_FAILED;
	}
	if (r < 0) {
		diags_add_system(s->msgs, NGW_ERROR, "netlink: %s%s", strerror(-r),
			r == -EPROTONOSUPPORT ? ": this kernel has no nf_tables" : "");
		return NGW_FAILED;
	}
	return NGW_OK;
}

int session_read(struct session *s, const char *table, unsigned sets_mask)
{
	double start = session_now_ms();
	int r = kstate_read(&s->nl, table, sets_mask, &s->st);

	s->read_ms = session_now_ms() - start;
	if (r == -EPERM) {
		diags_add_system(s->msgs, NGW_ERROR, "reading table inet %s: %s: natgw needs root "
			"(CAP_NET_ADMIN)", table, strerror(-r));
		return NGW_FAILED;
	}
	if (r < 0) {
		diags_add_system(s->msgs, NGW_ERROR, "reading table inet %s: %s", table, strerror(-r));
		return NGW_FAILED;
	}
	if (s->st.exists && !s->st.ours) {
		diags_add_system(s->msgs, NGW_ERROR, "table inet %s exists and was not made by natgw; natgw "
			"does not touch other tables. Set gateway.table to another name, or "
			"remove it yourself (nft delete table inet %s).", table, table);
		return NGW_FAILED;
	}
	return NGW_OK;
}

/* Whether the record of the last apply, compiled as old, is what the kernel
 * holds: rule_counters holds exactly old's rules, each with the digest of
 * the elements old gives it, the same mark and the same description. */
static bool record_verified(const struct kstate *st, const struct kmodel *old)
{
	struct name_map by_name;
	bool ok = st->n_counters == old->n_rules;

	name_map_init(&by_name, old->n_rules);
	for (size_t i = 0; i < old->n_rules; i++)
		name_map_put(&by_name, old->rules[i].name, i);
	for (size_t i = 0; ok && i < st->n_counters; i++) {
		const struct kstate_counter *c = &st->counters[i];
		long r = name_map_get(&by_name, c->name);
		const struct kmodel_rule *k = r >= 0 ? &old->rules[r] : NULL;
		ok = k && c->digest && c->digest == k->digest && c->mark == k->mark &&
		     !strcmp(c->comment, k->desc);
	}
	name_map_free(&by_name);
	return ok;
}

/* The record's rules, compiled; false when the record does not hold
 * together (the marks it names are not the ones its rules get). */
static bool compile_record(const struct ngw_ruleset *old, const struct record_meta *meta,
			   struct kmodel *om)
{
	if (kmodel_compile(old, om) < 0)
		return false;
	bool ok = om->n_rules == meta->n_marks;
	for (size_t i = 0; ok && i < om->n_rules; i++)
		ok = om->rules[i].mark == meta->marks[i].mark &&
		     !strcmp(om->rules[i].name, meta->marks[i].name);
	return ok;
}

/* The kernel's elements: from the record of the last apply when the
 * kernel vouches for it, else read back in full (slow for large tables:
 * the kernel's set dumps are not linear in the number of elements). Two
 * ways to vouch: nothing at all was committed to nftables since natgw's
 * own apply (the generation is the one the record names), so not even
 * rule_counters is read; or rule_counters holds exactly the record's rules
 * with the digests of their elements. */
static int elements_load(struct session *s, const char *table, const struct ngw_ruleset *old,
			 const struct record_meta *meta, bool counters_skipped, bool unchanged)
{
	const unsigned small = 1u << KSET_LAN;	/* read every time, it is tiny */
	struct kmodel om;
	int r = 0;

	if (old && unchanged && s->st.same_layout && compile_record(old, meta, &om)) {
		kstate_adopt_model(&s->st, &om, small);
		kstate_adopt_counters(&s->st, &om);
		s->from_record = s->record_unchanged = true;
	}
	if (old && unchanged && s->st.same_layout)
		kmodel_free(&om);
	if (s->from_record)
		return 0;
	if (counters_skipped)	/* but the record does not hold after all */
		r = kstate_read_counters(&s->nl, table, &s->st);
	if (r == 0 && old && s->st.same_layout) {
		if (kmodel_compile(old, &om) == 0 && record_verified(&s->st, &om)) {
			kstate_adopt_model(&s->st, &om, small | KSTATE_COUNTERS);
			s->from_record = true;
		}
		kmodel_free(&om);
	}
	if (r < 0 || s->from_record)
		return r;
	return kstate_read_elems(&s->nl, table, KSTATE_ALL_SETS & ~small, &s->st);
}

static bool slot_taken(const struct kstate *st, unsigned slot)
{
	for (size_t i = 0; i < st->n_peers; i++)
		if (mark_table_slot(st->peers[i]) == slot)
			return true;
	return false;
}

/* Another natgw table in this namespace whose marks would be this one's
 * (mark.h): refused, with a name that would do. NGW_OK or NGW_FAILED. */
static int refuse_shared_marks(const struct kstate *st, const char *table,
			       struct ngw_diags *msgs)
{
	unsigned slot = mark_table_slot(table);
	const char *peer = NULL;
	char other[NGW_TABLE_MAX + 8] = "";

	for (size_t i = 0; !peer && i < st->n_peers; i++)
		if (mark_table_slot(st->peers[i]) == slot)
			peer = st->peers[i];
	if (!peer)
		return NGW_OK;
	for (unsigned n = 2; n < 1000; n++) {
		char base[NGW_TABLE_MAX + 1];
		snprintf(base, sizeof(base), "%.*s", NGW_TABLE_MAX - 4, table);
		snprintf(other, sizeof(other), "%.*s-%u", NGW_TABLE_MAX - 4, base, n % 1000);
		if (!slot_taken(st, mark_table_slot(other)))
			break;
	}
	diags_add_system(msgs, NGW_ERROR, "table inet %s would share its connections' ct marks "
		"with natgw's table inet %s in this network namespace (both names hash to mark slot %u of "
		"%u), so each would count, list and flush the other's connections; nothing was "
		"applied. Give gateway.table another name (\"%s\" would do).", table, peer,
		slot, MARK_TABLE_SLOTS, other);
	return NGW_FAILED;
}

int session_check_peers(struct session *s, const char *table)
{
	struct kstate st;
	int r = kstate_read_tables(&s->nl, table, &st);

	if (r < 0) {
		diags_add_system(s->msgs, NGW_ERROR, "reading the tables of this namespace: %s", strerror(-r));
		kstate_free(&st);
		return NGW_FAILED;
	}
	int status = refuse_shared_marks(&st, table, s->msgs);
	kstate_free(&st);
	return status;
}

int session_plan(struct session *s, const struct ngw_ruleset *rs)
{
	const char *table = rs->gateway.table;
	double start = session_now_ms();
	struct ngw_ruleset *old = NULL;
	struct record_meta meta = { 0 };
	char why[600];

	/* the record is read from the runtime directory only when it is root's */
	if (rundir_check(why, sizeof(why)) == -EPERM) {
		diags_add_system(s->msgs, NGW_ERROR, "%s", why);
		return NGW_FAILED;
	}

	int status, r = 0;
	for (int attempt = 1;; attempt++) {
		if (nl_genid(&s->nl, &s->genid) < 0)
			s->genid = 0;
		/* the record's first line says whether rule_counters need be read */
		bool unchanged = !s->full_read && record_current(table, s->genid);
		status = session_read(s, table, (1u << KSET_LAN) |
				      (unchanged ? KSTATE_NO_COUNTERS : 0));
		if (status == NGW_OK)
			status = refuse_shared_marks(&s->st, table, s->msgs);
		if (status == NGW_OK && s->st.exists) {
			if (!s->full_read && s->st.same_layout &&
			    record_load(table, &old, &meta) < 0)
				old = NULL;
			r = elements_load(s, table, old, &meta, unchanged,
					  unchanged && old && meta.genid == s->genid);
		}
		ruleset_free(old);
		old = NULL;
		record_meta_free(&meta);
		/* another program committed while the elements were read */
		if (status == NGW_OK && r == -EINTR && attempt < KSTATE_READ_ATTEMPTS) {
			kstate_free(&s->st);
			s->from_record = s->record_unchanged = false;
			r = 0;
			continue;
		}
		break;
	}
	if (status == NGW_OK && r < 0) {
		diags_add_system(s->msgs, NGW_ERROR, "reading table inet %s: %s", table, strerror(-r));
		status = NGW_FAILED;
	}
	if (status != NGW_OK)
		return status;
	s->read_ms = session_now_ms() - start;

	start = session_now_ms();
	r = kmodel_compile(rs, &s->m);
	if (r < 0) {
		diags_add_system(s->msgs, NGW_ERROR, "more rules than ct mark ids (%u)", MARK_ID_MAX);
		return NGW_INVALID;
	}
	kplan_compute(&s->st, &s->m, s->exact_sizes, &s->plan);
	s->compile_ms = session_now_ms() - start;
	return NGW_OK;
}

void session_close(struct session *s)
{
	kplan_free(&s->plan);
	kmodel_free(&s->m);
	kstate_free(&s->st);
	nl_close(&s->nl);
}

int session_open_existing(struct session *s, struct ngw_diags *msgs, const char *table,
			  unsigned sets_mask)
{
	int status = session_open(s, msgs);

	if (status == NGW_OK)
		status = session_read(s, table, sets_mask);
	if (status == NGW_OK && !s->st.exists) {
		diags_add_system(msgs, NGW_ERROR, "there is no table inet %s (nothing applied yet?)",
				 table);
		status = NGW_FAILED;
	}
	return status;
}
