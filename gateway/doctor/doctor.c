/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The examination: each check in turn, and what an apply says of it. */
#include <string.h>

#include "checks.h"

/* The checks, in the order their findings are printed. Each adds what it
 * finds; one that cannot look at all stops the examination. */
static doctor_check *const checks[] = {
	doctor_check_forwarding,
	doctor_check_listeners,
	doctor_check_interfaces,
	doctor_check_routes,
	doctor_check_rp_filter,
	doctor_check_ports,
	doctor_check_conntrack,
	doctor_check_tables,
};

int doctor_examine(const struct ngw_ruleset *rs, const struct doctor_sources *src,
		   struct doctor_report *r)
{
	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < sizeof(checks) / sizeof(*checks); i++) {
		int e = checks[i](rs, src, r);
		if (e < 0)
			return e;
	}
	return 0;
}

int doctor_after_apply(const struct ngw_ruleset *rs, struct ngw_diags *d,
		       struct doctor_report *r)
{
	int e = doctor_examine(rs, &DOCTOR_SYSTEM, r);

	if (e < 0) {
		if (d)
			diags_add_system(d, NGW_WARNING, "could not look for what would stop a "
					 "forward (natgw doctor): %s", strerror(-e));
		return e;
	}
	for (size_t i = 0; d && i < r->n; i++) {
		char text[sizeof(r->v[i].detail) + sizeof(r->v[i].fix) + NGW_NAME_MAX + 32];
		doctor_finding_text(&r->v[i], text, sizeof(text));
		diags_add(d, NGW_WARNING, r->v[i].pos, "%s", text);
	}
	return 0;
}
