/* SPDX-License-Identifier: GPL-2.0-or-later */
/* An interface the file names that does not exist (a warning: a ppp or
 * VPN interface appears later, and natgw keeps working when it does). */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "checks.h"

static bool iface_exists(const char *sys, const char *name)
{
	char path[256];
	struct stat st;

	if (strchr(name, '+'))
		return true;		/* a wildcard: any may match, later */
	snprintf(path, sizeof(path), "%s/class/net/%s", sys, name);
	return stat(path, &st) == 0;
}

/* One finding per missing name, at the first rule naming it. */
static void check_iface(struct doctor_report *r, const char *sys, const char *kind,
			const char *rule, struct ngw_pos pos, const struct ngw_ifaces *l)
{
	for (size_t i = 0; i < l->n; i++) {
		if (iface_exists(sys, l->name[i]))
			continue;
		if (doctor_said(r, "interface", l->name[i]))
			continue;
		struct doctor_finding *f = doctor_add(r, false, kind, rule, pos, "interface");
		snprintf(f->subject, sizeof(f->subject), "%s", l->name[i]);
		snprintf(f->detail, sizeof(f->detail), "interface \"%s\" does not exist now; the "
			 "rule matches nothing on it until it appears, and natgw keeps working "
			 "when it does", l->name[i]);
		snprintf(f->fix, sizeof(f->fix), "check the name against `ip link`; a ppp or VPN "
			 "interface appears only once connected");
	}
}

int doctor_check_interfaces(const struct ngw_ruleset *rs, const struct doctor_sources *src,
			    struct doctor_report *r)
{
	for (size_t i = 0; i < rs->n_forwards; i++)
		if (rs->forwards[i].enabled)
			check_iface(r, src->sys, "forward", rs->forwards[i].name,
				    rs->forwards[i].at.rule, &rs->forwards[i].in);
	for (size_t i = 0; i < rs->n_snats; i++)
		check_iface(r, src->sys, "snat", rs->snats[i].name, rs->snats[i].at.rule,
			    &rs->snats[i].out);
	check_iface(r, src->sys, "", "", (struct ngw_pos){ 0, 0 }, &rs->gateway.lan);
	return 0;
}
