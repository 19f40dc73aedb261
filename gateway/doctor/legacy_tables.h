/* SPDX-License-Identifier: GPL-2.0-or-later */
/* iptables-legacy's tables of this namespace: outside nftables, so natgw
 * cannot read their rules, but the kernel lists their names. */
#ifndef NATGW_LEGACY_TABLES_H
#define NATGW_LEGACY_TABLES_H

#include "checks.h"

/* A warning (not a block: what the table holds is unknown) per legacy
 * table, at the first forward of its family. 0 or -errno. */
int doctor_legacy_tables(const struct ngw_ruleset *rs, const struct doctor_sources *src,
			 struct doctor_report *r);

#endif
