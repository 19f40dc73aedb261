/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "config.h"
#include "applied.h"
#include "session.h"

double session_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int session_open(struct session *s)
{
	memset(s, 0, sizeof(*s));
	int r = nl_open(&s->nl);
	if (r == -EPERM || r == -EACCES) {
		fprintf(stderr, "natgw: netlink: %s: natgw needs root (CAP_NET_ADMIN)\n",
			strerror(-r));
		return EXIT_SYSTEM;
	}
	if (r < 0) {
		fprintf(stderr, "natgw: netlink: %s%s\n", strerror(-r),
			r == -EPROTONOSUPPORT ? ": this kernel has no nf_tables" : "");
		return EXIT_SYSTEM;
	}
	return EXIT_OK;
}

int session_read(struct session *s, const char *table, unsigned sets_mask)
{
	double start = session_now_ms();
	int r = kstate_read(&s->nl, table, sets_mask, &s->st);

	s->read_ms = session_now_ms() - start;
	if (r == -EPERM) {
		fprintf(stderr, "natgw: reading table inet %s: %s: natgw needs root "
			"(CAP_NET_ADMIN)\n", table, strerror(-r));
		return EXIT_SYSTEM;
	}
	if (r < 0) {
		fprintf(stderr, "natgw: reading table inet %s: %s\n", table, strerror(-r));
		return EXIT_SYSTEM;
	}
	if (s->st.exists && !s->st.ours) {
		fprintf(stderr, "natgw: table inet %s exists and was not made by natgw; natgw "
			"does not touch other tables. Set gateway.table to another name, or "
			"remove it yourself (nft delete table inet %s).\n", table, table);
		return EXIT_SYSTEM;
	}
	return EXIT_OK;
}

static int kmodel_rule_cmp(const void *a, const void *b)
{
	return strcmp(((const struct kmodel_rule *)a)->name, ((const struct kmodel_rule *)b)->name);
}

/* Whether the record of the last apply, compiled as old, is what the kernel
 * holds: rule_counters holds exactly old's rules, each with the digest of
 * the elements old gives it, the same mark and the same description. */
static bool record_verified(const struct kstate *st, const struct kmodel *old)
{
	struct kmodel_rule *sorted = calloc(old->n_rules + 1, sizeof(*sorted));
	size_t matched = 0;
	bool ok = true;

	if (!sorted)
		abort();
	memcpy(sorted, old->rules, old->n_rules * sizeof(*sorted));
	qsort(sorted, old->n_rules, sizeof(*sorted), kmodel_rule_cmp);
	for (size_t i = 0; ok && i < st->n_counters; i++) {
		const struct kstate_counter *c = &st->counters[i];
		struct kmodel_rule key;
		snprintf(key.name, sizeof(key.name), "%s", c->name);
		const struct kmodel_rule *r = bsearch(&key, sorted, old->n_rules, sizeof(*sorted),
						      kmodel_rule_cmp);
		ok = r && c->digest && c->digest == r->digest && c->mark == r->mark &&
		     !strcmp(c->comment, r->desc);
		matched++;
	}
	free(sorted);
	return ok && matched == old->n_rules;
}

/* The kernel's elements: from the record of the last apply when the
 * kernel vouches for it, else read back in full (slow for large tables:
 * the kernel's set dumps are not linear in the number of elements). */
static int elements_load(struct session *s, const char *table, const struct kmark *marks,
			 size_t n_marks)
{
	const unsigned small = 1u << KSET_LAN;	/* read every time, it is tiny */
	struct ngw_ruleset *old = NULL;

	if (s->st.same_layout && !s->full_read && applied_load(table, &old) == 0) {
		struct kmodel om;
		if (kmodel_compile(old, marks, n_marks, &om) == 0 && record_verified(&s->st, &om)) {
			kstate_adopt_model(&s->st, &om, small);
			s->from_record = true;
		}
		kmodel_free(&om);
		ruleset_free(old);
	}
	if (s->from_record)
		return 0;
	return kstate_read_elems(&s->nl, table, KSTATE_ALL_SETS & ~small, &s->st);
}

int session_plan(struct session *s, const struct ngw_ruleset *rs)
{
	const char *table = rs->gateway.table;
	double start = session_now_ms();
	int status = session_read(s, table, 1u << KSET_LAN);
	if (status != EXIT_OK)
		return status;

	struct kmark *marks = NULL;
	size_t n = s->st.exists ? kstate_marks(&s->st, &marks) : 0;
	if (s->st.exists) {
		int r = elements_load(s, table, marks, n);
		if (r < 0) {
			fprintf(stderr, "natgw: reading table inet %s: %s\n", table, strerror(-r));
			free(marks);
			return EXIT_SYSTEM;
		}
	}
	s->read_ms = session_now_ms() - start;

	start = session_now_ms();
	int r = s->st.exists || !s->mark_hint ? kmodel_compile(rs, marks, n, &s->m)
					      : kmodel_compile(rs, s->mark_hint, s->n_mark_hint, &s->m);
	free(marks);
	if (r < 0) {
		fprintf(stderr, "natgw: more rules than ct mark ids (%u)\n", MARK_ID_MAX);
		return EXIT_INVALID;
	}
	kplan_compute(&s->st, &s->m, &s->plan);
	s->compile_ms = session_now_ms() - start;
	return EXIT_OK;
}

void session_close(struct session *s)
{
	kplan_free(&s->plan);
	kmodel_free(&s->m);
	kstate_free(&s->st);
	nl_close(&s->nl);
}

int session_table_name(const struct cli *cli, char *table, size_t size)
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
		fprintf(stderr, "natgw: cannot read %s: %s\n", config, strerror(-r));
		return EXIT_SYSTEM;
	}
	if (!rs) {
		fprintf(stderr, "natgw: %s is not valid (see natgw check); cannot tell which "
			"table it names\n", config_display_name(config));
		return EXIT_INVALID;
	}
	snprintf(table, size, "%s", rs->gateway.table);
	ruleset_free(rs);
	return EXIT_OK;
}

int session_open_table(struct session *s, const struct cli *cli, unsigned sets_mask,
		       char *table, size_t size)
{
	int status = EXIT_OK;

	if (cli->table)
		snprintf(table, size, "%s", cli->table);
	else
		status = session_table_name(cli, table, size);

	memset(s, 0, sizeof(*s));
	if (status == EXIT_OK)
		status = session_open(s);
	if (status == EXIT_OK)
		status = session_read(s, table, sets_mask);
	return status;
}
