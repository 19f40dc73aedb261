/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which packets `natgw doctor --trace RULE [--from ADDR]` marks. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "trace.h"

int trace_target(const struct ngw_ruleset *rs, const char *rule, const struct ngw_addr *from,
		 const struct ngw_forward **fw, struct trace_match *m, char *why, size_t size)
{
	const struct ngw_forward *f = NULL;

	for (size_t i = 0; i < rs->n_forwards && !f; i++)
		if (!strcmp(rs->forwards[i].name, rule))
			f = &rs->forwards[i];
	if (!f) {
		for (size_t i = 0; i < rs->n_snats; i++)
			if (!strcmp(rs->snats[i].name, rule)) {
				snprintf(why, size, "\"%s\" is an snat rule; --trace follows the "
					 "packets of a forward", rule);
				return -EINVAL;
			}
		snprintf(why, size, "%s has no forward named \"%s\"", rs->file, rule);
		return -ENOENT;
	}
	if (!f->enabled) {
		snprintf(why, size, "forward \"%s\" is disabled (enabled: false): it is not in the "
			 "kernel, there is nothing to trace", rule);
		return -ENOENT;
	}
	if (from && from->family && from->family != f->to.family) {
		snprintf(why, size, "--from is an IPv%u address, forward \"%s\" is IPv%u",
			 from->family, rule, f->to.family);
		return -EINVAL;
	}
	*fw = f;
	*m = (struct trace_match){
		.family = f->to.family,
		.tcp = f->proto & NGW_PROTO_TCP,
		.udp = f->proto & NGW_PROTO_UDP,
		.port = f->port,
		.address = f->address,
		.in = &f->in,
	};
	if (from)
		m->from = *from;
	return 0;
}
