/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What `check` says of endpoint-independent rules beyond each rule alone:
 *  - a forwarded UDP port is never given to a mapping (the kernel drops the
 *    datagram that would take it and gives its socket another port), so a
 *    full-cone socket sending from one does not keep its port: said once
 *    per rule, naming the first such forward;
 *  - a rule with neither an egress interface nor gateway.lan cannot tell a
 *    WAN host that its `from` covers from a LAN host. */
#include <stdio.h>

#include "validate.h"

static bool ifaces_meet(const struct ngw_ifaces *a, const struct ngw_ifaces *b)
{
	if (!a->n || !b->n)
		return true;		/* any interface */
	for (size_t i = 0; i < a->n; i++)
		for (size_t k = 0; k < b->n; k++)
			if (!strcmp(a->name[i], b->name[k]))
				return true;
	return false;
}

static bool has_family(const struct ngw_prefixes *p, uint8_t family)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].addr.family == family)
			return true;
	return false;
}

/* Whether f's external address can be one s translates to. */
static bool address_meets(const struct ngw_snat *s, const struct ngw_forward *f)
{
	if (f->address.family == NGW_FAMILY_NONE || s->kind == NGW_SNAT_MASQUERADE)
		return true;
	return f->address.family == s->to_lo.family && addr_cmp(&f->address, &s->to_lo) >= 0 &&
	       addr_cmp(&f->address, &s->to_hi) <= 0;
}

static bool ports_meet(const struct ngw_snat *s, const struct ngw_forward *f)
{
	struct ngw_port_range r = s->to_port.lo ? s->to_port : (struct ngw_port_range){ 1, 65535 };
	return f->port.lo <= r.hi && r.lo <= f->port.hi;
}

static void lan_unknown(const struct ngw_ruleset *rs, const struct ngw_snat *s,
			struct ngw_diags *d)
{
	if (s->out.n || rs->gateway.lan.n)
		return;
	diags_add(d, NGW_WARNING, s->at.endpoint_independent, "snat \"%s\": with neither `out` "
		  "(or gateway.wan) nor gateway.lan, natgw cannot tell a WAN host that `from` "
		  "covers from a LAN host; only the route back to its source is checked. Name "
		  "the LAN in gateway.lan", s->name);
}

void validate_fullcone(const struct ngw_ruleset *rs, const bool *forward_ok,
		       const bool *snat_ok, struct ngw_diags *d)
{
	for (size_t i = 0; i < rs->n_snats; i++) {
		const struct ngw_snat *s = &rs->snats[i];
		const struct ngw_forward *first = NULL;
		size_t n = 0;
		if (!snat_ok[i] || !s->endpoint_independent)
			continue;
		lan_unknown(rs, s, d);
		for (size_t k = 0; k < rs->n_forwards; k++) {
			const struct ngw_forward *f = &rs->forwards[k];
			if (!forward_ok[k] || !f->enabled || f->proto == NGW_PROTO_TCP ||
			    !has_family(&s->from, f->to.family) || !ifaces_meet(&s->out, &f->in) ||
			    !address_meets(s, f) || !ports_meet(s, f))
				continue;
			if (!first)
				first = f;
			n++;
		}
		if (!first)
			continue;
		char ports[NGW_ADDRSTRLEN], more[48] = "";
		if (n > 1)
			snprintf(more, sizeof(more), " (and %zu more forward%s)", n - 1,
				 n == 2 ? "" : "s");
		diags_add(d, NGW_WARNING, s->at.endpoint_independent, "snat \"%s\": forward \"%s\" "
			  "(%s:%u:%u) takes udp port%s %s%s; endpoint-independent mappings are "
			  "never given a forwarded port, so a full-cone socket sending from one "
			  "gets another", s->name, first->name, rs->file, first->at.rule.line,
			  first->at.rule.col, first->port.lo == first->port.hi ? "" : "s",
			  port_range_format(&first->port, ports), more);
	}
}
