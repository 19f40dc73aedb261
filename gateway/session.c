/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "config.h"
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

int session_plan(struct session *s, const struct ngw_ruleset *rs)
{
	int status = session_read(s, rs->gateway.table, KSTATE_ALL_SETS);
	if (status != EXIT_OK)
		return status;

	double start = session_now_ms();
	struct kmark *marks = NULL;
	size_t n = s->st.exists ? kstate_marks(&s->st, &marks) : 0;
	int r = kmodel_compile(rs, marks, n, &s->m);
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

int session_table_name(const char *config, bool config_given, char *table, size_t size)
{
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
