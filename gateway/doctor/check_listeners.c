/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The router's own service listening on a forwarded port: the forward
 * takes the port away from it. */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "kernel/sock_v6only.h"
#include "listeners.h"

static bool loopback(const struct listener *l)
{
	static const uint8_t one[16] = { [15] = 1 };
	return l->family == 4 ? l->addr[0] == 127 : !memcmp(l->addr, one, 16);
}

static bool any_address(const struct listener *l)
{
	static const uint8_t zero[16];
	return !memcmp(l->addr, zero, l->family == 4 ? 4 : 16);
}

/* Whether traffic the forward takes could have reached l: the same
 * protocol and port, an address of the router the forward matches (an
 * IPv6 socket on :: takes IPv4 too, unless it is IPv6-only). */
static bool shadows(const struct ngw_forward *f, const struct listener *l)
{
	uint8_t l4 = l->l4 == IPPROTO_TCP ? NGW_L4_TCP : NGW_L4_UDP;

	if (!(f->proto & l4) || l->port < f->port.lo || l->port > f->port.hi || loopback(l))
		return false;
	if (l->family == 4 && f->to.family != NGW_FAMILY_IPV4)
		return false;
	if (l->family == 6 && f->to.family == NGW_FAMILY_IPV4 && (!any_address(l) || l->v6only))
		return false;
	if (f->address.family == NGW_FAMILY_NONE || any_address(l))
		return true;
	size_t len = l->family == 4 ? 4 : 16;
	return f->address.family == (l->family == 4 ? NGW_FAMILY_IPV4 : NGW_FAMILY_IPV6) &&
	       !memcmp(f->address.b, l->addr, len);
}

/* Marks the IPv6-only ones, as sock_diag tells. Without it (no sock_diag
 * for a protocol), a socket on [::] counts as taking IPv4 too: what it
 * does unless made otherwise. */
static void mark_v6only(struct listener *v, size_t n)
{
	static const uint8_t l4s[] = { IPPROTO_TCP, IPPROTO_UDP };

	for (size_t p = 0; p < sizeof(l4s); p++) {
		unsigned long *only;
		size_t n_only;
		if (sock_v6only_read(l4s[p], &only, &n_only) < 0)
			continue;
		for (size_t i = 0; i < n; i++)
			for (size_t k = 0; v[i].family == 6 && v[i].l4 == l4s[p] && k < n_only; k++)
				v[i].v6only |= v[i].inode == only[k];
		free(only);
	}
}

int doctor_check_listeners(const struct ngw_ruleset *rs, const struct doctor_sources *src,
			   struct doctor_report *r)
{
	struct listener *v;
	size_t n;
	int e = listeners_read(src->proc, &v, &n);

	if (e < 0)
		return e;
	mark_v6only(v, n);
	for (size_t i = 0; i < rs->n_forwards; i++) {
		const struct ngw_forward *fw = &rs->forwards[i];
		const struct listener *hit = NULL;
		for (size_t k = 0; fw->enabled && k < n && !hit; k++)
			if (shadows(fw, &v[k]))
				hit = &v[k];
		if (!hit)
			continue;
		const char *proto = hit->l4 == IPPROTO_TCP ? "tcp" : "udp";
		char subject[sizeof(r->v->subject)];
		snprintf(subject, sizeof(subject), "%s port %u", proto, hit->port);
		if (doctor_said(r, "listener", subject))	/* at its first forward */
			continue;
		struct doctor_finding *f = doctor_add(r, true, "forward", fw->name, fw->at.rule,
						      "listener");
		snprintf(f->subject, sizeof(f->subject), "%s", subject);
		snprintf(f->detail, sizeof(f->detail), "the router's own %s listens on %s port %u; "
			 "the forward takes that port from the WAN%s, so it never reaches %s",
			 hit->process[0] ? hit->process : "service", proto, hit->port,
			 fw->hairpin ? " (and from the LAN, with hairpin)" : "",
			 hit->process[0] ? "it" : "the service");
		snprintf(f->fix, sizeof(f->fix), "move the service or the forward to another port, "
			 "or give the forward an address the service does not listen on");
	}
	free(v);
	return 0;
}
