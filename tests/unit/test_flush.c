/* SPDX-License-Identifier: GPL-2.0-or-later */
/* flush_marks against a conntrack of stubs (no kernel): every entry is
 * tried, also after one the kernel refuses; the refused are counted as
 * left and the first reason returned; ENOENT (ended by itself meanwhile)
 * is neither deleted nor left; a failed dump deletes nothing. */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "conntrack/ct.h"
#include "conntrack/flush.h"
#include "compile/layout.h"

#define SCOPE (MARK_TAG | (3u << MARK_TABLE_SHIFT))
#define RULE_A (SCOPE | 1)
#define RULE_B (SCOPE | 2)
#define OTHER_TABLE (MARK_TAG | (4u << MARK_TABLE_SHIFT) | 1)

/* The conntrack table: each entry's mark, and what deleting it answers. */
static struct {
	uint32_t mark;
	int answer;
	bool tried;
} table[8];
static size_t n_table;
static int dump_answer;

struct ct_sock {
	int unused;
};

struct ct_sock *ct_open(bool events)
{
	static struct ct_sock s;
	(void)events;
	return &s;
}

void ct_close(struct ct_sock *s)
{
	(void)s;
}

int ct_dump(struct ct_sock *s, uint32_t mark, uint32_t mask,
	    void (*cb)(const struct ct_entry *e, void *arg), void *arg)
{
	(void)s;
	for (size_t i = 0; i < n_table; i++) {
		if ((table[i].mark & mask) != (mark & mask))
			continue;	/* the kernel's mark filter */
		struct ct_entry e;
		memset(&e, 0, sizeof(e));
		e.id = (uint32_t)i;
		e.mark = table[i].mark;
		e.has_orig = e.has_reply = true;
		cb(&e, arg);
	}
	return dump_answer;
}

int ct_delete(struct ct_sock *s, const struct ct_entry *e)
{
	(void)s;
	table[e->id].tried = true;
	return table[e->id].answer;
}

static void set_table(const uint32_t *marks, const int *answers, size_t n)
{
	memset(table, 0, sizeof(table));
	for (size_t i = 0; i < n; i++) {
		table[i].mark = marks[i];
		table[i].answer = answers[i];
	}
	n_table = n;
	dump_answer = 0;
}

static size_t tried(void)
{
	size_t n = 0;
	for (size_t i = 0; i < n_table; i++)
		n += table[i].tried;
	return n;
}

int main(void)
{
	size_t flushed, left;
	uint32_t rule_a = RULE_A, both[] = { RULE_B, RULE_A };

	/* issue 13: an ICMP entry refused (EINVAL) first stopped the flush */
	const uint32_t marks1[] = { RULE_A, RULE_A, RULE_A, RULE_A, RULE_A, RULE_B };
	const int answers1[] = { -EINVAL, 0, -ENOENT, -EPERM, 0, 0 };
	set_table(marks1, answers1, 6);
	int r = flush_marks(SCOPE, &rule_a, 1, &flushed, &left);
	CHECK(r == -EINVAL, "the first refusal is returned (%d)", r);
	CHECK(flushed == 2 && left == 2, "2 deleted, 2 left (ENOENT is neither): %zu, %zu",
	      flushed, left);
	CHECK(tried() == 5 && !table[5].tried, "every entry of the rule was tried, no other "
	      "(%zu tried)", tried());

	set_table(marks1, answers1, 6);
	r = flush_marks(SCOPE, NULL, 0, &flushed, &left);
	/* (checked below) */
	CHECK(r == -EINVAL && flushed == 3 && left == 2 && tried() == 6,
	      "every rule: all 6 tried, 3 deleted, 2 left (%d, %zu, %zu, %zu tried)", r,
	      flushed, left, tried());

	const uint32_t marks2[] = { RULE_A, RULE_B, 0x12345678, RULE_A | MARK_HAIRPIN };
	const int answers2[] = { 0, 0, 0, 0 };
	set_table(marks2, answers2, 4);
	r = flush_marks(SCOPE, both, 2, &flushed, &left);
	CHECK(r == 0 && flushed == 3 && left == 0, "two rules: 3 deleted, none left (%d, %zu, %zu)",
	      r, flushed, left);
	CHECK(!table[2].tried, "another program's entry is not touched");

	set_table(marks2, answers2, 4);
	dump_answer = -EIO;
	r = flush_marks(SCOPE, &rule_a, 1, &flushed, &left);
	CHECK(r == -EIO && flushed == 0 && left == 0 && tried() == 0,
	      "a failed dump: its error, nothing deleted, nothing counted as left");

	/* issue 13: two tables in one namespace; a flush of one (every rule
	 * of it) leaves the other table's entries alone */
	const uint32_t marks3[] = { RULE_A, OTHER_TABLE, RULE_B | MARK_HAIRPIN, OTHER_TABLE };
	set_table(marks3, answers2, 4);
	r = flush_marks(SCOPE, NULL, 0, &flushed, &left);
	CHECK(r == 0 && flushed == 2 && left == 0, "one table's: 2 deleted (%d, %zu, %zu)", r,
	      flushed, left);
	CHECK(!table[1].tried && !table[3].tried, "the other table's entries are not touched");

	return check_summary();
}
