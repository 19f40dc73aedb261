/* SPDX-License-Identifier: GPL-2.0-or-later */
/* max_per_host over the mappings the kernel holds: which hosts are at
 * their rule's limit, and which mappings are past it. Pure: the daemon
 * (ei_guard.c) reads the maps and writes the answer. */
#ifndef NATGW_EI_CAP_H
#define NATGW_EI_CAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xlat.h"

struct ei_cap_rule {
	uint32_t mark;
	unsigned per_host;
};

struct ei_cap_mapping {
	uint32_t mark;
	struct xlat_socket x, e;
	unsigned timeout;		/* seconds left */
	bool known;			/* was there at the last count */
	bool evict;			/* out: past the host's limit */
};

struct ei_cap_host {
	uint32_t mark;
	struct ngw_addr host;
	size_t count;			/* its mappings, before evictions */
	size_t evicted;
};

/* Sorts v by rule and host. For each host holding at least its rule's
 * per_host mappings, appends it to *full (realloc'd; *n_full counted),
 * and marks for eviction the mappings past per_host: those not known at
 * the last count first (the newest), then the least recently used (least
 * time left). Mappings of marks no rule names are left alone. */
void ei_cap_plan(const struct ei_cap_rule *rules, size_t n_rules, struct ei_cap_mapping *v,
		 size_t n, struct ei_cap_host **full, size_t *n_full);

#endif
