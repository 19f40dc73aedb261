/* SPDX-License-Identifier: GPL-2.0-or-later */
/* An snat rule's own port range (masquerade `ports`, `to: ADDR:LO-HI`)
 * sharing ports with the rest of the router:
 *
 *  - with a forward on the same external address ("forwarded_port",
 *    blocks). conntrack keeps connections apart by the whole 5-tuple, so the
 *    rule may give a LAN connection the forwarded port; from then on that
 *    remote socket's datagrams and connections to the forward are the LAN
 *    connection's replies and reach the LAN host, not the forward's target
 *    (seen on the kernel: 198.51.100.7:53 sending to forwarded udp 40000 got
 *    "port unreachable" from the LAN host, another remote socket reached
 *    the target). And when the remote is already using the forward and the
 *    range has no other port left, the LAN connection is dropped
 *    (insert_failed). The operator chose the range: it breaks a forward
 *    for some remotes, silently, and narrowing it costs nothing. Default
 *    masquerade (no `ports`) keeps LAN source ports and has the same
 *    exposure, but that is the kernel's choice, not a fault of the file.
 *    Endpoint-independent rules are left out: their mappings are never
 *    given a forwarded port, and `natgw check` says so.
 *
 *  - with the router's own dynamic ports, net.ipv4.ip_local_port_range
 *    (one range per network namespace, for IPv6 sockets as well; there is
 *    no IPv6 sysctl), less net.ipv4.ip_local_reserved_ports ("local_ports",
 *    blocks). Seen on the kernel: when the router connects from a port
 *    the rule gave a LAN connection to the same remote socket, its own
 *    connection leaves from another port, and the reverse way the rule
 *    picks another port; both work. What is left is the shared port space
 *    and a router socket on such a port (its resolver, a VPN on an
 *    automatic port) losing a remote's datagrams to the LAN host the rule
 *    gave the port for that remote. That is a service of the router losing
 *    traffic, which doctor counts as breakage (exit 1), as the issue of
 *    this cause asks; the fix, a dynamic range beside the rule's ports or
 *    the ports reserved, costs nothing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"

#define NPORTS 65536
#define MIN_DYNAMIC 1024	/* fewer dynamic ports left to the router's own
				 * connections would be a fault of its own */

/* Ports of the protocols both rules carry: an snat rule of every protocol
 * (`any`) has TCP and UDP ports. */
static unsigned snat_l4(const struct ngw_snat *s)
{
	return s->proto == NGW_PROTO_ANY ? NGW_L4_TCP | NGW_L4_UDP : (unsigned)s->proto;
}

static bool has_family(const struct ngw_prefixes *p, uint8_t family)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].addr.family == family)
			return true;
	return false;
}

static bool ifaces_meet(const struct ngw_ifaces *a, const struct ngw_ifaces *b)
{
	if (!a->n || !b->n)
		return true;		/* no restriction: every interface */
	for (size_t i = 0; i < a->n; i++)
		for (size_t k = 0; k < b->n; k++)
			if (!strcmp(a->name[i], b->name[k]))
				return true;
	return false;
}

/* The router's addresses now, with their interfaces: masquerade leaves
 * with an address of its egress interface, a forward without `address`
 * takes every local one. */
struct local_addrs {
	struct ifaddrs *list;
	bool read;
};

static bool local_on(struct local_addrs *l, const struct ngw_addr *a, const struct ngw_ifaces *on)
{
	if (!l->read) {
		if (getifaddrs(&l->list) < 0)
			l->list = NULL;	/* none known: nothing found to meet */
		l->read = true;
	}
	for (struct ifaddrs *i = l->list; i; i = i->ifa_next) {
		if (!i->ifa_addr)
			continue;
		const void *b = NULL;
		if (i->ifa_addr->sa_family == AF_INET && a->family == NGW_FAMILY_IPV4)
			b = &((const struct sockaddr_in *)(const void *)i->ifa_addr)->sin_addr;
		else if (i->ifa_addr->sa_family == AF_INET6 && a->family == NGW_FAMILY_IPV6)
			b = &((const struct sockaddr_in6 *)(const void *)i->ifa_addr)->sin6_addr;
		if (!b || memcmp(b, a->b, a->family == NGW_FAMILY_IPV4 ? 4 : 16))
			continue;
		struct ngw_ifaces one = { 1, (char (*)[NGW_IFNAMSIZ])i->ifa_name };
		if (!on || ifaces_meet(on, &one))
			return true;
	}
	return false;
}

/* Whether some local address lies in lo..hi. */
static bool local_in(struct local_addrs *l, const struct ngw_addr *lo, const struct ngw_addr *hi)
{
	struct ngw_addr a = *lo;

	/* a range of `to` is short (a few addresses): walk it */
	for (unsigned n = 0; n < 4096; n++) {
		if (local_on(l, &a, NULL))
			return true;
		if (addr_cmp(&a, hi) >= 0)
			break;
		for (int k = a.family == NGW_FAMILY_IPV4 ? 3 : 15; k >= 0 && !++a.b[k]; k--)
			;
	}
	return false;
}

/* Whether traffic to f's external address can be what s translates to. */
static bool address_meets(struct local_addrs *l, const struct ngw_snat *s,
			  const struct ngw_forward *f)
{
	if (s->kind == NGW_SNAT_MASQUERADE)
		return !f->address.family || local_on(l, &f->address, &s->out);
	if (f->address.family)
		return f->address.family == s->to_lo.family && addr_cmp(&f->address, &s->to_lo) >= 0 &&
		       addr_cmp(&f->address, &s->to_hi) <= 0;
	return local_in(l, &s->to_lo, &s->to_hi);	/* `to` not local: no forward sees it */
}

/* Whether s is the one socket f reaches: a phone's static source port
 * that is also forwarded to it (sip: 192.0.2.30:5060 leaves as :15060,
 * forward 15060 to 192.0.2.30:5060) gives the port to the socket the
 * forward reaches anyway. Any other socket of that host given the port
 * would take the forward's traffic from the one it reaches. */
static bool only_target(const struct ngw_snat *s, const struct ngw_forward *f)
{
	if (!s->from_port.lo || s->from_port.lo < f->to_port.lo || s->from_port.hi > f->to_port.hi)
		return false;
	for (size_t i = 0; i < s->from.n; i++) {
		const struct ngw_prefix *p = &s->from.v[i];
		if (p->addr.family != f->to.family ||
		    p->len != (p->addr.family == NGW_FAMILY_IPV4 ? 32 : 128) ||
		    addr_cmp(&p->addr, &f->to))
			return false;
	}
	return true;
}

static bool forward_meets(struct local_addrs *l, const struct ngw_snat *s,
			  const struct ngw_forward *f)
{
	return f->enabled && (f->proto & snat_l4(s)) && has_family(&s->from, f->to.family) &&
	       !only_target(s, f) &&
	       f->port.lo <= s->to_port.hi && s->to_port.lo <= f->port.hi &&
	       ifaces_meet(&s->out, &f->in) && address_meets(l, s, f);
}

/* One finding per snat rule whose range holds a forwarded port, naming the
 * first such forward. count[p]: forwarded ports below p, so a rule whose
 * range holds none costs nothing however many forwards there are. */
static void forwarded_ports(const struct ngw_ruleset *rs, struct doctor_report *r,
			    const uint32_t *count, struct local_addrs *l)
{
	for (size_t i = 0; i < rs->n_snats; i++) {
		const struct ngw_snat *s = &rs->snats[i];
		if (!s->to_port.lo || s->endpoint_independent ||
		    count[s->to_port.hi + 1] == count[s->to_port.lo])
			continue;
		const struct ngw_forward *first = NULL;
		size_t more = 0;
		for (size_t k = 0; k < rs->n_forwards; k++) {
			if (!forward_meets(l, s, &rs->forwards[k]))
				continue;
			if (first)
				more++;
			else
				first = &rs->forwards[k];
		}
		if (!first)
			continue;
		char range[NGW_ADDRSTRLEN], ports[NGW_ADDRSTRLEN], others[64] = "";
		bool one = first->port.lo == first->port.hi;
		if (more)
			snprintf(others, sizeof(others), " (and %zu more forward%s)", more,
				 more == 1 ? "" : "s");
		struct doctor_finding *f = doctor_add(r, true, "snat", s->name, s->at.rule,
						      "forwarded_port");
		snprintf(f->subject, sizeof(f->subject), "%s", s->name);
		char to[NGW_ADDRSTRLEN];
		snprintf(f->detail, sizeof(f->detail), "its port%s %s hold%s %s port%s %s of forward "
			 "\"%s\" on the same address%s: once a LAN connection leaves from %s, what "
			 "its remote sends to the forward goes to that LAN host, not to %s",
			 s->to_port.lo == s->to_port.hi ? "" : "s",
			 port_range_format(&s->to_port, range),
			 s->to_port.lo == s->to_port.hi ? "s" : "",
			 first->proto == NGW_PROTO_BOTH ? "tcp and udp" : proto_name(first->proto),
			 one ? "" : "s", port_range_format(&first->port, ports), first->name, others,
			 one ? "that port" : "one of them", addr_format(&first->to, to));
		snprintf(f->fix, sizeof(f->fix), "narrow the rule's ports to leave out %s, or move "
			 "the forward", ports);
	}
}

/* The longest run of lo..hi that no rule's range takes (taken[p + 1] -
 * taken[p]: whether p is taken): the dynamic range to suggest. *b == 0
 * when there is none. */
static void longest_free(const uint32_t *taken, unsigned lo, unsigned hi, unsigned *a,
			 unsigned *b)
{
	unsigned run = 0, best = 0;

	*a = *b = 0;
	for (unsigned p = lo; p <= hi; p++) {
		run = taken[p + 1] == taken[p] ? run + 1 : 0;
		if (run > best) {
			best = run;
			*a = p - run + 1;
			*b = p;
		}
	}
}

/* net.ipv4.ip_local_reserved_ports: "8080,9000-9010" into a bitmap. */
static void read_reserved(const char *proc, uint8_t *bits)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/sys/net/ipv4/ip_local_reserved_ports", proc);
	FILE *f = fopen(path, "re");
	unsigned lo, hi;
	int c;

	if (!f)
		return;		/* none reserved */
	for (;;) {
		if (fscanf(f, "%u", &lo) != 1)
			break;
		hi = lo;
		if ((c = fgetc(f)) == '-' && fscanf(f, "%u", &hi) == 1)
			c = fgetc(f);
		for (unsigned p = lo; p <= hi && p < NPORTS; p++)
			bits[p / 8] |= (uint8_t)(1u << (p % 8));
		if (c != ',')
			break;
	}
	fclose(f);
}

static int local_ports(const struct ngw_ruleset *rs, const struct doctor_sources *src,
		       struct doctor_report *r, uint32_t *taken)
{
	char path[256];
	unsigned lo, hi;
	snprintf(path, sizeof(path), "%s/sys/net/ipv4/ip_local_port_range", src->proc);
	FILE *f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;	/* no IPv4 stack: no range */
	int got = fscanf(f, "%u %u", &lo, &hi);
	fclose(f);
	if (got != 2 || lo > hi || hi >= NPORTS)
		return -EIO;

	uint8_t *reserved = calloc(NPORTS / 8, 1);
	if (!reserved)
		return -ENOMEM;
	read_reserved(src->proc, reserved);
	const struct ngw_snat *first = NULL;
	size_t more = 0;
	unsigned olo = 0, ohi = 0;	/* the first rule's overlap */
	memset(taken, 0, (NPORTS + 1) * sizeof(*taken));
	for (size_t i = 0; i < rs->n_snats; i++) {
		const struct ngw_snat *s = &rs->snats[i];
		unsigned a = s->to_port.lo > lo ? s->to_port.lo : lo;
		unsigned b = s->to_port.hi < hi ? s->to_port.hi : hi;
		bool overlaps = false;
		for (unsigned p = a; s->to_port.lo && p <= b; p++) {
			taken[p + 1] = 1;
			if (reserved[p / 8] & (1u << (p % 8)))
				continue;
			if (!overlaps && !first)
				olo = p;
			if (!first)
				ohi = p;
			overlaps = true;
		}
		if (overlaps && !first)
			first = s;
		else if (overlaps)
			more++;
	}
	free(reserved);
	if (!first)
		return 0;
	for (unsigned p = 1; p <= NPORTS; p++)
		taken[p] += taken[p - 1];

	unsigned a, b;
	char range[NGW_ADDRSTRLEN], others[64] = "", port_range[64];
	longest_free(taken, lo, hi, &a, &b);
	if (more)
		snprintf(others, sizeof(others), " (and %zu more snat rule%s)", more,
			 more == 1 ? "" : "s");
	struct doctor_finding *d = doctor_add(r, true, "snat", first->name, first->at.rule,
					      "local_ports");
	bool one = first->to_port.lo == first->to_port.hi;
	snprintf(d->detail, sizeof(d->detail), "its port%s %s overlap%s the router's own dynamic "
		 "ports (net.ipv4.ip_local_port_range %u-%u, for IPv6 too)%s; the kernel gives a "
		 "clashing connection another port, but a router socket on such a port loses a "
		 "remote's traffic to the LAN host the rule gave it for that remote", one ? "" : "s",
		 port_range_format(&first->to_port, range), one ? "s" : "", lo, hi, others);
	if (olo == ohi)
		snprintf(port_range, sizeof(port_range), "%u", olo);
	else
		snprintf(port_range, sizeof(port_range), "%u-%u", olo, ohi);
	/* a fix must leave the router's own connections ports enough */
	unsigned left = hi - lo + 1 - (taken[hi + 1] - taken[lo]);
	if (b && b - a + 1 >= MIN_DYNAMIC)
		snprintf(d->fix, sizeof(d->fix), "sysctl -w net.ipv4.ip_local_port_range=\"%u %u\" "
			 "or sysctl -w net.ipv4.ip_local_reserved_ports=%s, and set it in "
			 "/etc/sysctl.d; or narrow the rule's ports", a, b, port_range);
	else if (left >= MIN_DYNAMIC)
		snprintf(d->fix, sizeof(d->fix), "sysctl -w net.ipv4.ip_local_reserved_ports=%s, "
			 "and set it in /etc/sysctl.d; or narrow the rule's ports", port_range);
	else
		snprintf(d->fix, sizeof(d->fix), "narrow the rule's ports to leave out %u-%u, the "
			 "router's own", lo, hi);
	return 0;
}

int doctor_check_ports(const struct ngw_ruleset *rs, const struct doctor_sources *src,
		       struct doctor_report *r)
{
	uint32_t *count = calloc(NPORTS + 1, sizeof(*count));
	struct local_addrs l = { 0 };

	if (!count)
		return -ENOMEM;
	/* each forward's range once (as +1 at its start and -1 after its
	 * end), then which ports are forwarded, then how many below each */
	int32_t *edge = (int32_t *)count;
	for (size_t k = 0; k < rs->n_forwards; k++) {
		if (rs->forwards[k].enabled) {
			edge[rs->forwards[k].port.lo]++;
			edge[rs->forwards[k].port.hi + 1]--;
		}
	}
	int32_t depth = 0;
	for (unsigned p = 0; p < NPORTS; p++) {
		depth += edge[p];
		count[p] = depth > 0;
	}
	count[NPORTS] = 0;
	for (unsigned p = NPORTS; p > 0; p--)	/* count[p]: forwarded ports below p */
		count[p] = count[p - 1];
	count[0] = 0;
	for (unsigned p = 1; p <= NPORTS; p++)
		count[p] += count[p - 1];
	forwarded_ports(rs, r, count, &l);
	int e = local_ports(rs, src, r, count);
	if (l.list)
		freeifaddrs(l.list);
	free(count);
	return e;
}
