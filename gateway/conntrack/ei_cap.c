/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>

#include "ei_cap.h"
#include "natgw/xalloc.h"

static int u32_cmp(uint32_t a, uint32_t b)
{
	return (a > b) - (a < b);
}

/* rule, host; then the ones to keep first: known, most time left */
static int mapping_cmp(const void *pa, const void *pb)
{
	const struct ei_cap_mapping *a = pa, *b = pb;
	int c = u32_cmp(a->mark, b->mark);
	if (!c)
		c = addr_cmp(&a->x.addr, &b->x.addr);
	if (!c)
		c = (int)b->known - (int)a->known;
	if (!c)
		c = u32_cmp(b->timeout, a->timeout);
	if (!c)
		c = u32_cmp(a->x.port, b->x.port);
	return c;
}

static const struct ei_cap_rule *rule_of(const struct ei_cap_rule *rules, size_t n,
					 uint32_t mark)
{
	for (size_t i = 0; i < n; i++)
		if (rules[i].mark == mark)
			return &rules[i];
	return NULL;
}

void ei_cap_plan(const struct ei_cap_rule *rules, size_t n_rules, struct ei_cap_mapping *v,
		 size_t n, struct ei_cap_host **full, size_t *n_full)
{
	size_t cap = 0;

	*full = NULL;
	*n_full = 0;
	if (n)
		qsort(v, n, sizeof(*v), mapping_cmp);
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && v[j].mark == v[i].mark && !addr_cmp(&v[j].x.addr, &v[i].x.addr))
			j++;
		const struct ei_cap_rule *r = rule_of(rules, n_rules, v[i].mark);
		size_t count = j - i;
		if (r && count >= r->per_host) {
			*full = grow(*full, &cap, *n_full, sizeof(**full));
			struct ei_cap_host *h = &(*full)[(*n_full)++];
			*h = (struct ei_cap_host){ v[i].mark, v[i].x.addr, count, 0 };
			for (size_t k = i + r->per_host; k < j; k++) {
				v[k].evict = true;
				h->evicted++;
			}
		}
		i = j;
	}
}
