/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Stage 3: checks that need a whole rule (validate_rule.c) or the whole
 * ruleset (validate.c: names; overlap.c: forwards that would collide). */
#ifndef NATGW_VALIDATE_H
#define NATGW_VALIDATE_H

#include <stdbool.h>
#include <string.h>

#include "natgw/rules.h"

/* Resolves what depends on several keys (a target port left out) and
 * reports families and sizes that do not fit. False on an error. */
bool validate_forward(struct ngw_forward *f, struct ngw_diags *d);
bool validate_snat(struct ngw_snat *s, struct ngw_diags *d);

/* Rule names unique across forwards and snat. */
void validate_names(const struct ngw_ruleset *rs, struct ngw_diags *d);

/* Two enabled forwards that would take the same packets. O(n log n). */
void validate_overlaps(const struct ngw_ruleset *rs, const bool *forward_ok,
		       struct ngw_diags *d);

/* Warnings for endpoint-independent rules (fullcone_checks.c): forwarded
 * UDP ports their mappings could otherwise be given, and rules that cannot
 * tell the LAN from the WAN. */
void validate_fullcone(const struct ngw_ruleset *rs, const bool *forward_ok,
		       const bool *snat_ok, struct ngw_diags *d);

/* A warning for forwards with neither an ingress interface nor an address,
 * which take connections to the router's own LAN addresses too
 * (forward_scope.c). */
void validate_forward_scope(const struct ngw_ruleset *rs, const bool *forward_ok,
			    struct ngw_diags *d);

/* Warnings for snat rules that never match because one earlier rule takes
 * all of their traffic (snat_shadow.c). */
void validate_snat_shadow(const struct ngw_ruleset *rs, const bool *snat_ok,
			  struct ngw_diags *d);

/* Runs all of the above. */
void validate_ruleset(struct ngw_ruleset *rs, bool *forward_ok, bool *snat_ok,
		      struct ngw_diags *d);

#endif
