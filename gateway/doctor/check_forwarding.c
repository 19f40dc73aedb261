/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Forwarding off for a family the rules use: the router forwards nothing. */
#include <errno.h>
#include <stdio.h>

#include "checks.h"

/* The first rule that needs family forwarded: a forward to it, else an
 * snat rule translating it. */
static bool first_of_family(const struct ngw_ruleset *rs, uint8_t family, const char **kind,
			    const char **name, struct ngw_pos *pos)
{
	for (size_t i = 0; i < rs->n_forwards; i++) {
		const struct ngw_forward *f = &rs->forwards[i];
		if (f->enabled && f->to.family == family) {
			*kind = "forward", *name = f->name, *pos = f->at.rule;
			return true;
		}
	}
	for (size_t i = 0; i < rs->n_snats; i++) {
		const struct ngw_snat *s = &rs->snats[i];
		for (size_t p = 0; p < s->from.n; p++) {
			if (s->from.v[p].addr.family == family) {
				*kind = "snat", *name = s->name, *pos = s->at.rule;
				return true;
			}
		}
	}
	return false;
}

int doctor_check_forwarding(const struct ngw_ruleset *rs, const struct doctor_sources *src,
			    struct doctor_report *r)
{
	static const struct { uint8_t family; const char *file, *sysctl; } fam[] = {
		{ NGW_FAMILY_IPV4, "net/ipv4/ip_forward", "net.ipv4.ip_forward" },
		{ NGW_FAMILY_IPV6, "net/ipv6/conf/all/forwarding", "net.ipv6.conf.all.forwarding" },
	};

	for (size_t i = 0; i < sizeof(fam) / sizeof(*fam); i++) {
		const char *kind, *name;
		struct ngw_pos pos;
		if (!first_of_family(rs, fam[i].family, &kind, &name, &pos))
			continue;
		int on = doctor_read_int(src->proc, fam[i].file);
		if (on == -ENOENT && fam[i].family == NGW_FAMILY_IPV6)
			on = 0;		/* no IPv6 at all: nothing forwarded either */
		if (on < 0)
			return on;
		if (on)
			continue;
		struct doctor_finding *f = doctor_add(r, true, kind, name, pos, "forwarding");
		snprintf(f->subject, sizeof(f->subject), "%s", fam[i].sysctl);
		snprintf(f->detail, sizeof(f->detail), "%s is 0, so the router forwards nothing",
			 fam[i].sysctl);
		snprintf(f->fix, sizeof(f->fix), "sysctl -w %s=1, and set it in /etc/sysctl.d",
			 fam[i].sysctl);
	}
	return 0;
}
