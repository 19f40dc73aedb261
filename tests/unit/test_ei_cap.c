/* SPDX-License-Identifier: GPL-2.0-or-later */
/* max_per_host over a list of mappings: which hosts are at their rule's
 * limit, and which mappings past it go (the newest first, then the least
 * recently used); hosts and rules are counted apart; marks of no rule are
 * left alone. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "conntrack/ei_cap.h"

#define RULE_A 0x4e580001u
#define RULE_B 0x4e580002u

static struct ei_cap_mapping mapping(uint32_t mark, const char *host, uint16_t port,
				     unsigned timeout, bool known)
{
	struct ei_cap_mapping m = { .mark = mark, .timeout = timeout, .known = known };
	char err[128];
	addr_parse(host, &m.x.addr, err);
	m.x.port = port;
	m.e = m.x;
	return m;
}

static size_t evicted(const struct ei_cap_mapping *v, size_t n, uint16_t *ports)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (v[i].evict)
			ports[k++] = v[i].x.port;
	return k;
}

static void test_limits(void)
{
	const struct ei_cap_rule rules[] = { { RULE_A, 2 }, { RULE_B, 3 } };
	struct ei_cap_mapping v[] = {
		mapping(RULE_A, "192.0.2.40", 1000, 250, true),
		mapping(RULE_A, "192.0.2.40", 1001, 290, false),	/* new, recent */
		mapping(RULE_A, "192.0.2.40", 1002, 100, true),		/* known, least used */
		mapping(RULE_A, "192.0.2.40", 1003, 10, false),		/* new, least used */
		mapping(RULE_A, "192.0.2.41", 2000, 300, false),	/* another host: 1 */
		mapping(RULE_B, "192.0.2.40", 3000, 300, false),	/* another rule: 2 of 3 */
		mapping(RULE_B, "192.0.2.40", 3001, 300, false),
		mapping(RULE_A, "2001:db8:1::40", 4000, 300, true),	/* IPv6: exactly 2 */
		mapping(RULE_A, "2001:db8:1::40", 4001, 200, true),
		mapping(0x4e580009u, "192.0.2.40", 5000, 1, false),	/* no rule's */
		mapping(0x4e580009u, "192.0.2.40", 5001, 1, false),
		mapping(0x4e580009u, "192.0.2.40", 5002, 1, false),
	};
	size_t n = sizeof(v) / sizeof(*v), n_full = 0;
	struct ei_cap_host *full = NULL;
	uint16_t ports[16];

	ei_cap_plan(rules, 2, v, n, &full, &n_full);
	CHECK(n_full == 2, "two hosts at their limit (%zu)", n_full);
	char want[64];
	bool v4 = false, v6 = false;
	for (size_t i = 0; i < n_full; i++) {
		addr_format(&full[i].host, want);
		if (!strcmp(want, "192.0.2.40")) {
			v4 = true;
			CHECK(full[i].mark == RULE_A && full[i].count == 4 && full[i].evicted == 2,
			      "192.0.2.40 under rule A: 4 held, 2 past (%zu, %zu)", full[i].count,
			      full[i].evicted);
		} else if (!strcmp(want, "2001:db8:1::40")) {
			v6 = true;
			CHECK(full[i].count == 2 && full[i].evicted == 0,
			      "2001:db8:1::40: at its limit, nothing past (%zu)", full[i].evicted);
		}
	}
	CHECK(v4 && v6, "the hosts at their limit are 192.0.2.40 and 2001:db8:1::40");
	size_t k = evicted(v, n, ports);
	CHECK(k == 2, "two mappings go (%zu)", k);
	/* known ones stay (1000, 1002); of the new, the least recently used
	 * goes first, then the other new one */
	bool has1001 = false, has1003 = false;
	for (size_t i = 0; i < k; i++) {
		has1001 |= ports[i] == 1001;
		has1003 |= ports[i] == 1003;
	}
	CHECK(has1001 && has1003, "the two new mappings go, the known ones stay");
	free(full);
}

static void test_nothing(void)
{
	const struct ei_cap_rule rules[] = { { RULE_A, 4 } };
	struct ei_cap_mapping v[] = { mapping(RULE_A, "192.0.2.40", 1000, 1, false) };
	struct ei_cap_host *full = (void *)1;
	size_t n_full = 7;

	ei_cap_plan(rules, 1, NULL, 0, &full, &n_full);
	CHECK(!full && n_full == 0, "no mappings: nobody at a limit");
	ei_cap_plan(rules, 1, v, 1, &full, &n_full);
	CHECK(n_full == 0 && !v[0].evict, "one of four: nothing to do");
	free(full);
}

int main(void)
{
	test_limits();
	test_nothing();
	return check_summary();
}
