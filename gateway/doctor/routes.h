/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What check_routes.c and check_rp_filter.c share: the kernel's answers
 * for a forward's target (kernel/route_lookup.h) judged as the operator
 * needs them, the address that stands for "a remote on the internet", and
 * the reverse-path filter's setting of an interface. */
#ifndef NATGW_DOCTOR_ROUTES_H
#define NATGW_DOCTOR_ROUTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/route_lookup.h"
#include "natgw/rules.h"

enum route_verdict {
	ROUTE_FINE,		/* it reaches the target, or the router itself */
	ROUTE_UNROUTABLE,	/* the kernel drops it: no route, unreachable,
				 * prohibit, blackhole */
	ROUTE_UNROUTABLE_IIF,	/* only when it comes in on that interface
				 * (a routing rule for it) */
	ROUTE_OUT_WAN,		/* it leaves by the interface it came in on */
};

/* What stops a forwarded packet to the target. fwd: the kernel's answer
 * for it as forwarded (came in on the WAN), NULL when it could not be
 * asked; own: for the router's own packet to the target, NULL unless fwd
 * is NULL or failed. iif_excused: a failure of fwd is another check's to
 * name (forwarding off on that interface, strict rp_filter). wan: whether
 * the interface the route leaves by is one the traffic comes in on.
 * *used: the answer judged. */
enum route_verdict route_judge(const struct route_answer *fwd, const struct route_answer *own,
			       bool iif_excused, bool (*wan)(unsigned oif, const void *arg),
			       const void *arg, const struct route_answer **used);

/* Queries in an order (target first), and v sorted in it with each query
 * once: returns how many are left. */
int route_query_cmp(const void *a, const void *b);
size_t route_query_unique(struct route_query *v, size_t n);

/* The type of route (or rule) behind the kernel's refusal: "unreachable",
 * "prohibit", "blackhole"; NULL for none at all (ENETUNREACH) or another. */
const char *route_reject(int err);

/* Whether the interface name matches pattern as the file writes it
 * ("ppp+": any name starting "ppp", as nftables reads it). */
bool route_iface_matches(const char *pattern, const char *name);

/* A source address for the forward's traffic: the first host of its first
 * `from` prefix of the target's family, else internet (the sample below;
 * IPv6: none). */
void route_remote_of(const struct ngw_forward *f, const uint8_t internet[16], uint8_t src[16]);

/* The IPv4 address that stands for "a remote on the internet": one the
 * router routes by its default route. 1 with out set, 0 when none is
 * (no default route: out is set all the same, not to be judged by),
 * -errno when the kernel could not be asked. */
int route_internet_sample(uint8_t out[16]);

/* The reverse-path filter the kernel applies to packets coming in on
 * ifname: max(conf/all, conf/IFNAME); 1 strict, 2 loose, 0 none. -errno
 * when it cannot be read (no such interface, no IPv4). */
int route_rp_filter(const char *proc, const char *ifname);

/* net.ipv4.conf.IFNAME.rp_filter as sysctl(8) spells it: a dot of the
 * name (a VLAN, "eth0.100") is written "/". */
void route_rp_sysctl(char *buf, size_t size, const char *ifname);

/* dst of family fam ("192.0.2.10", "2001:db8::10") into buf. */
const char *route_addr_str(uint8_t fam, const uint8_t *b, char *buf, size_t size);

#endif
