/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Checks within one rule that involve more than one key. */
#include <stdio.h>

#include "validate.h"

static const char *family_name(uint8_t family)
{
	return family == NGW_FAMILY_IPV4 ? "IPv4" : "IPv6";
}

static unsigned range_size(const struct ngw_port_range *r)
{
	return (unsigned)r->hi - r->lo + 1;
}

/* Every prefix of list must be of the family of target (no NAT46). */
static bool families_match(const struct ngw_prefixes *list, const struct ngw_addr *target,
			   const char *target_noun, const char *kind, const char *name,
			   struct ngw_pos at, const char *key, struct ngw_diags *d)
{
	char p[NGW_ADDRSTRLEN], t[NGW_ADDRSTRLEN];

	for (size_t i = 0; i < list->n; i++) {
		if (list->v[i].addr.family == target->family)
			continue;
		diags_add(d, NGW_ERROR, at, "%s \"%s\": %s: %s is %s but %s %s is %s; "
			  "natgw does not translate between IPv4 and IPv6", kind, name, key,
			  prefix_format(&list->v[i], p), family_name(list->v[i].addr.family),
			  target_noun, addr_format(target, t), family_name(target->family));
		return false;
	}
	return true;
}

bool validate_forward(struct ngw_forward *f, struct ngw_diags *d)
{
	char a[NGW_ADDRSTRLEN], t[NGW_ADDRSTRLEN], r1[NGW_ADDRSTRLEN], r2[NGW_ADDRSTRLEN];
	bool ok = families_match(&f->from, &f->to, "the target", "forward", f->name, f->at.from, "from", d);

	if (f->address.family && f->address.family != f->to.family) {
		diags_add(d, NGW_ERROR, f->at.address, "forward \"%s\": address: %s is %s but "
			  "the target %s is %s; natgw does not translate between IPv4 and IPv6",
			  f->name, addr_format(&f->address, a), family_name(f->address.family),
			  addr_format(&f->to, t), family_name(f->to.family));
		ok = false;
	}

	if (f->to_port.lo == 0) {
		f->to_port = f->port;		/* no target port: the same as outside */
	} else if (range_size(&f->to_port) != 1 && range_size(&f->port) == 1) {
		diags_add(d, NGW_ERROR, f->at.to, "forward \"%s\": to: the single port %u "
			  "cannot map to the range %s; give a range of the same size in port",
			  f->name, f->port.lo, port_range_format(&f->to_port, r1));
		ok = false;
	} else if (range_size(&f->to_port) != 1 &&
		   range_size(&f->to_port) != range_size(&f->port)) {
		diags_add(d, NGW_ERROR, f->at.to, "forward \"%s\": to: port range %s has %u "
			  "ports but port %s has %u; ranges map one-to-one and must be the "
			  "same size", f->name, port_range_format(&f->to_port, r1),
			  range_size(&f->to_port), port_range_format(&f->port, r2),
			  range_size(&f->port));
		ok = false;
	}
	return ok;
}

bool validate_snat(struct ngw_snat *s, struct ngw_diags *d)
{
	bool ok = true;

	if (s->from_port.lo && s->proto == NGW_PROTO_ANY) {
		diags_add(d, NGW_ERROR, s->at.from, "snat \"%s\": from: a socket's port "
			  "is matched in TCP or UDP; set proto tcp, udp or both", s->name);
		ok = false;
	}
	/* ports to translate to (`ports`, or to ADDR:PORT-PORT) with proto any
	 * apply to the protocols that have ports, and every other protocol of
	 * the rule is translated without them (compile/kmodel.c) */
	if (s->endpoint_independent && s->proto != NGW_PROTO_UDP) {
		diags_add(d, NGW_ERROR, s->at.endpoint_independent, "snat \"%s\": "
			  "endpoint_independent applies to UDP only; set proto: udp", s->name);
		ok = false;
	}
	if (s->kind == NGW_SNAT_TO_ADDRESS)
		ok &= families_match(&s->from, &s->to_lo, "the translated address", "snat", s->name, s->at.from,
				     "from", d);
	return ok;
}
