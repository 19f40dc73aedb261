/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kernel lists iptables-legacy's tables of the current namespace in
 * /proc/net/ip_tables_names and ip6_tables_names. A table is there only
 * once iptables-legacy (or ip6tables-legacy) has been used in this
 * namespace, even only to list it: with iptable_filter built in or loaded,
 * a new namespace lists none (kernels since 5.15 make them on first use),
 * so a name here is a namespace where legacy iptables has been run. Even
 * `iptables-legacy -L` leaves a table: one with no rule and accepting
 * policies is left unsaid (no false alarm on a router where someone only
 * looked). Any other natgw does not evaluate: said as a warning, not a
 * block, also when it cannot be read at all. */
#include <errno.h>
#include <sys/socket.h>
#include <stdio.h>
#include <string.h>

#include "kernel/legacy_read.h"
#include "legacy_tables.h"

static const struct ngw_forward *first_forward(const struct ngw_ruleset *rs, uint8_t family)
{
	for (size_t i = 0; i < rs->n_forwards; i++)
		if (rs->forwards[i].enabled && rs->forwards[i].to.family == family)
			return &rs->forwards[i];
	return NULL;
}

int doctor_legacy_tables(const struct ngw_ruleset *rs, const struct doctor_sources *src,
			 struct doctor_report *r)
{
	static const struct { const char *file, *tool; uint8_t family; int af; } lists[] = {
		{ "net/ip_tables_names", "iptables-legacy", NGW_FAMILY_IPV4, AF_INET },
		{ "net/ip6_tables_names", "ip6tables-legacy", NGW_FAMILY_IPV6, AF_INET6 },
	};

	for (size_t i = 0; i < sizeof(lists) / sizeof(*lists); i++) {
		const struct ngw_forward *fw = first_forward(rs, lists[i].family);
		char path[512], name[40];
		if (!fw)
			continue;
		snprintf(path, sizeof(path), "%s/%s", src->proc, lists[i].file);
		FILE *f = fopen(path, "re");
		if (!f) {
			if (errno == ENOENT)
				continue;	/* no legacy iptables in this kernel */
			return -errno;
		}
		while (fgets(name, sizeof(name), f)) {
			name[strcspn(name, "\n")] = '\0';
			bool idle = false;
			if (!name[0] || (legacy_table_idle(lists[i].af, name, &idle) == 0 && idle))
				continue;
			struct doctor_finding *x = doctor_add(r, false, "forward", fw->name, fw->at.rule,
							      "iptables-legacy");
			snprintf(x->subject, sizeof(x->subject), "%s %.32s", lists[i].tool, name);
			snprintf(x->detail, sizeof(x->detail),
				 "%s table %s has rules or a drop policy in this namespace; natgw "
				 "does not evaluate them, and a drop there stops the "
				 "forward whatever natgw's table accepts", lists[i].tool, name);
			snprintf(x->fix, sizeof(x->fix),
				 "check `%s -t %s -L -n -v` for a drop on the forward's traffic, or move "
				 "its rules to %s-nft", lists[i].tool, name,
				 lists[i].family == NGW_FAMILY_IPV4 ? "iptables" : "ip6tables");
		}
		fclose(f);
	}
	return 0;
}
