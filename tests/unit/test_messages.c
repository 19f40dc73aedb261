/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What library code says reaches the operator as it always read: a
 * message about the system as "natgw: ...", a warning as "natgw: warning:
 * ...", a kernel refusal at its rule's file:line:col; each handed on the
 * moment it is added (progress), in order. And commit-confirm's state
 * machine: armed, confirmed once, expired on time. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "apply/confirm.h"
#include "out/diag_print.h"

static char *render_live(void (*say)(struct ngw_diags *d), size_t *n_seen)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct diag_sink sink = { .out = f, .file = "natgw.yaml" };
	struct ngw_diags d;

	diags_init(&d);
	diag_sink_attach(&d, &sink);
	say(&d);
	*n_seen = d.n;
	diags_free(&d);
	fclose(f);
	return text;
}

static void say_three(struct ngw_diags *d)
{
	diags_add_system(d, NGW_NOTE, "waiting for another natgw applying to table inet %s",
			 "natgw");
	diags_add(d, NGW_ERROR, (struct ngw_pos){ 7, 5 },
		  "forward \"web\": the kernel rejected it: %s", "File exists");
	diags_add_system(d, NGW_WARNING, "applied, but %d things", 2);
	diags_add_system(d, NGW_ERROR, "nothing was applied");
}

static size_t seen_at_add;

static void count_added(const struct ngw_diag *g, void *arg)
{
	(void)g;
	(void)arg;
	seen_at_add++;
}

static void messages(void)
{
	size_t n;
	char *text = render_live(say_three, &n);

	CHECK(n == 4, "%zu diagnostics", n);
	CHECK(!strcmp(text, "natgw: waiting for another natgw applying to table inet natgw\n"
			    "natgw.yaml:7:5: error: forward \"web\": the kernel rejected it: "
			    "File exists\n"
			    "natgw: warning: applied, but 2 things\n"
			    "natgw: nothing was applied\n"), "rendered:\n%s", text);
	free(text);

	/* a note is no problem: the counts a summary line shows leave it out */
	struct ngw_diags d;
	diags_init(&d);
	d.added = count_added;
	say_three(&d);
	CHECK(seen_at_add == 4, "the hook saw %zu as they came", seen_at_add);
	CHECK(d.errors == 2 && d.warnings == 1, "%zu errors, %zu warnings", d.errors,
	      d.warnings);
	diags_free(&d);
	CHECK(d.added == NULL && d.n == 0, "freed lists start afresh");
}

static void confirm_machine(void)
{
	struct confirm c = { 0 };
	char answer[160];

	snprintf(c.table, sizeof(c.table), "%s", "edge");
	CHECK(confirm_accept(&c, answer, sizeof(answer)) == NGW_FAILED,
	      "nothing pending: refused");
	CHECK(!strcmp(answer, "no apply of table inet edge is waiting for confirmation "
			      "(already confirmed, or rolled back)"), "%s", answer);

	/* previous is the confirm's from now on (valgrind: freed once) */
	struct ngw_ruleset *previous = calloc(1, sizeof(*previous));
	confirm_arm(&c, "edge", previous, 30);
	double now = session_now_ms();
	CHECK(c.pending, "armed");
	CHECK(!confirm_expired(&c, now), "not at once");
	CHECK(!confirm_expired(&c, now + 29000), "not after 29 s");
	CHECK(confirm_expired(&c, now + 30001), "after 30 s");
	CHECK(confirm_accept(&c, answer, sizeof(answer)) == NGW_OK, "confirmed");
	CHECK(!strcmp(answer, "confirmed; table inet edge keeps the ruleset just applied"),
	      "%s", answer);
	CHECK(!c.pending && !c.previous, "settled");
	CHECK(!confirm_expired(&c, now + 60000), "a confirmed apply never expires");
	CHECK(confirm_accept(&c, answer, sizeof(answer)) == NGW_FAILED, "confirmed once only");

	/* armed again over a pending one: the older previous is not leaked */
	confirm_arm(&c, "edge", calloc(1, sizeof(*previous)), 5);
	confirm_arm(&c, "edge", NULL, 5);	/* there was no table */
	CHECK(c.pending && !c.previous, "NULL previous: the table goes on expiry");
	confirm_free(&c);
	CHECK(!c.pending, "freed");
}

int main(void)
{
	messages();
	confirm_machine();
	return check_summary();
}
