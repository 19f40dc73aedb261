/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Forwards that also take connections to the router itself. A forward
 * with no ingress interface (neither `in` nor gateway.wan) and no
 * `address` matches its port on every interface, to every address local
 * to the router (kmodel.c: `fib daddr type local` and the match_any map),
 * so a LAN client connecting to the router's own LAN address on that port
 * (its SSH, its web interface) reaches the forward's target instead. A
 * forward that admits only some sources (`from`, without a /0) is left
 * alone: natgw cannot tell whether they are on the LAN. Said once, at the
 * first such forward, with how many more there are: the usual cause is
 * one missing gateway.wan. */
#include <stdio.h>

#include "validate.h"

static bool every_source(const struct ngw_forward *f)
{
	for (size_t i = 0; i < f->from.n; i++)
		if (f->from.v[i].len == 0)
			return true;
	return f->from.n == 0;
}

void validate_forward_scope(const struct ngw_ruleset *rs, const bool *forward_ok,
			    struct ngw_diags *d)
{
	const struct ngw_forward *first = NULL;
	size_t more = 0;

	for (size_t i = 0; i < rs->n_forwards; i++) {
		const struct ngw_forward *f = &rs->forwards[i];
		if (!forward_ok[i] || !f->enabled || f->in.n || f->address.family ||
		    !every_source(f))
			continue;
		if (first)
			more++;
		else
			first = f;
	}
	if (!first)
		return;

	char ports[NGW_ADDRSTRLEN], to[NGW_ADDRSTRLEN], others[64] = "";
	bool one = first->port.lo == first->port.hi;
	if (more)
		snprintf(others, sizeof(others), " (%zu more forward%s the same)", more,
			 more == 1 ? " does" : "s do");
	diags_add(d, NGW_WARNING, first->at.rule, "forward \"%s\": with no gateway.wan, in or "
		  "address, it takes %s port%s %s on every interface, so connections from the "
		  "LAN to the router's own addresses on %s go to %s as well%s; set gateway.wan "
		  "(the WAN interface), or give %s in or address", first->name,
		  first->proto == NGW_PROTO_BOTH ? "tcp and udp" : proto_name(first->proto),
		  one ? "" : "s", port_range_format(&first->port, ports),
		  one ? "that port" : "those ports", addr_format(&first->to, to), others,
		  more ? "each forward" : "the forward");
}
