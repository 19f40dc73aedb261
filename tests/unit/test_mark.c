/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Rule marks (gateway/compile/mark.h): what an operator and an HA peer rely on. A
 * rule's mark depends on the table's name and the set of rule names only;
 * marks are unique; two tables of different slots never share one. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "compile/mark.h"

#define N_BIG 100000

static void names_of(size_t n, char (*buf)[24], const char **names)
{
	for (size_t i = 0; i < n; i++) {
		snprintf(buf[i], 24, "r%zu", i);
		names[i] = buf[i];
	}
}

static uint32_t mark_in(const char *table, const char *const *names, size_t n, const char *who)
{
	uint32_t *marks = calloc(n, sizeof(*marks));
	uint32_t m = 0;

	CHECK(mark_assign(table, names, n, marks) == 0, "assign %zu", n);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(names[i], who))
			m = marks[i];
	free(marks);
	return m;
}

/* The same names in any order, and with other rules beside them, give
 * the same marks; every mark is unique and carries the table's scope. */
static void test_order_and_history(void)
{
	static char buf[N_BIG][24];
	static const char *names[N_BIG], *reversed[N_BIG];
	uint32_t *a = calloc(N_BIG, sizeof(*a)), *b = calloc(N_BIG, sizeof(*b));
	uint8_t *seen = calloc(MARK_ID_MAX + 1, 1);

	names_of(N_BIG, buf, names);
	for (size_t i = 0; i < N_BIG; i++)
		reversed[i] = names[N_BIG - 1 - i];
	CHECK(mark_assign("natgw", names, N_BIG, a) == 0, "100,000 rules fit");
	CHECK(mark_assign("natgw", reversed, N_BIG, b) == 0, "reversed");
	size_t same = 0, unique = 0, scoped = 0;
	for (size_t i = 0; i < N_BIG; i++) {
		same += a[i] == b[N_BIG - 1 - i];
		scoped += (a[i] & MARK_SCOPE_MASK) == mark_scope("natgw") &&
			  (a[i] & MARK_ID_MASK) != 0 && !(a[i] & MARK_HAIRPIN);
		unique += !seen[a[i] & MARK_ID_MASK];
		seen[a[i] & MARK_ID_MASK] = 1;
	}
	CHECK(same == N_BIG, "order changed %zu marks", N_BIG - same);
	CHECK(unique == N_BIG, "%zu marks shared", N_BIG - unique);
	CHECK(scoped == N_BIG, "%zu marks outside the table's scope", N_BIG - scoped);

	/* a rule keeps its mark when others come and go (unless their hash
	 * collides with it: see below) */
	const char *few[] = { "web", "dns", "ssh" };
	const char *more[] = { "ssh", "game", "web", "mail", "dns" };
	CHECK(mark_in("natgw", few, 3, "web") == mark_in("natgw", more, 5, "web"), "web moved");
	CHECK(mark_in("natgw", few, 3, "dns") == mark_in("natgw", more, 5, "dns"), "dns moved");
	free(a);
	free(b);
	free(seen);
}

/* "a44476" hashes to web's id: the name first in order takes it, the other
 * the next id; remove the first and the other has its own id back. The
 * kernel test kernel.marks relies on this pair. */
static void test_collision(void)
{
	const char *alone[] = { "web" };
	const char *both[] = { "web", "a44476" };
	uint32_t home = mark_in("natgw", alone, 1, "web");

	CHECK(mark_in("natgw", alone, 1, "web") == home, "stable");
	CHECK(mark_in("natgw", both, 2, "a44476") == home, "a44476 takes web's home id");
	CHECK(mark_in("natgw", both, 2, "web") == (home & ~MARK_ID_MASK) + (home & MARK_ID_MASK) + 1,
	      "web goes to the next id: %#x", mark_in("natgw", both, 2, "web"));
}

/* Tables: the slot is a hash of the name; natgw and guest2 share one (the
 * kernel test's refused pair), natgw and other do not. */
static void test_tables(void)
{
	const char *one[] = { "web" };

	CHECK(mark_table_slot("natgw") == mark_table_slot("guest2"), "natgw ~ guest2");
	CHECK(mark_table_slot("natgw") != mark_table_slot("other"), "natgw !~ other");
	CHECK(mark_in("natgw", one, 1, "web") != mark_in("other", one, 1, "web"),
	      "web in two tables");
	CHECK((mark_in("other", one, 1, "web") & MARK_SCOPE_MASK) == mark_scope("other"), "scope");
	for (unsigned s = 0; s < MARK_TABLE_SLOTS; s++)
		CHECK(((MARK_TAG | (s << MARK_TABLE_SHIFT)) & ~MARK_SCOPE_MASK) == 0, "slot %u fits", s);
}

int main(void)
{
	test_order_and_history();
	test_collision();
	test_tables();
	return check_summary();
}
