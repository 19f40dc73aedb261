/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/rtnetlink.h>	/* RTN_* route types only: the asking is kernel/'s */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "routes.h"

enum route_verdict route_judge(const struct route_answer *fwd, const struct route_answer *own,
			       bool iif_excused, bool (*wan)(unsigned oif, const void *arg),
			       const void *arg, const struct route_answer **used)
{
	/* judged by the forwarded packet's answer; when that failed, by the
	 * router's own (asked for that reason) */
	const struct route_answer *a = fwd && !fwd->err ? fwd : own ? own : fwd;

	*used = a;
	if (a->err)
		return ROUTE_UNROUTABLE;
	/* the router itself can, a packet from the WAN cannot: a routing
	 * rule for that interface, unless forwarding or the reverse-path
	 * filter explain it (their own checks name those) */
	if (fwd && fwd->err && fwd->err != -ENODEV && !iif_excused) {
		*used = fwd;
		return ROUTE_UNROUTABLE_IIF;
	}
	/* a local target (the router's own address, SPEC 2) is delivered to
	 * the router: that is what such a forward means */
	if (a->type != RTN_UNICAST)
		return ROUTE_FINE;
	return a->oif && wan(a->oif, arg) ? ROUTE_OUT_WAN : ROUTE_FINE;
}

int route_query_cmp(const void *a, const void *b)
{
	const struct route_query *x = a, *y = b;
	int c = memcmp(x->dst, y->dst, 16);

	if (!c)
		c = memcmp(x->src, y->src, 16);
	if (!c)
		c = (x->iif > y->iif) - (x->iif < y->iif);
	if (!c)
		c = x->family - y->family;
	if (!c)
		c = x->fib_match - y->fib_match;
	return c;
}

size_t route_query_unique(struct route_query *v, size_t n)
{
	size_t k = 0;

	if (n)	/* qsort must not be given NULL, even for none */
		qsort(v, n, sizeof(*v), route_query_cmp);
	for (size_t i = 0; i < n; i++)
		if (!k || route_query_cmp(&v[k - 1], &v[i]))
			v[k++] = v[i];
	return k;
}

const char *route_reject(int err)
{
	switch (err) {
	case -EHOSTUNREACH:
		return "unreachable";
	case -EACCES:
		return "prohibit";
	case -EINVAL:
		return "blackhole";
	default:
		return NULL;
	}
}

bool route_iface_matches(const char *pattern, const char *name)
{
	size_t n = strlen(pattern);

	if (n && pattern[n - 1] == '+')
		return !strncmp(pattern, name, n - 1);
	return !strcmp(pattern, name);
}

void route_remote_of(const struct ngw_forward *f, const uint8_t internet[16], uint8_t src[16])
{
	memset(src, 0, 16);
	for (size_t i = 0; i < f->from.n; i++) {
		const struct ngw_prefix *p = &f->from.v[i];
		unsigned bits = p->addr.family == NGW_FAMILY_IPV4 ? 32 : 128;
		if (p->addr.family != f->to.family)
			continue;
		memcpy(src, p->addr.b, 16);
		/* a host of the prefix, not its network address: the
		 * kernel may keep that as a broadcast address */
		if (p->len + 2u <= bits)
			src[bits / 8 - 1] |= 1;
		return;
	}
	/* IPv6 needs no source to be routed, and has no rp_filter */
	if (f->to.family == NGW_FAMILY_IPV4)
		memcpy(src, internet, 4);
}

int route_internet_sample(uint8_t out[16])
{
	/* A remote is any address of the internet, and the router answers
	 * it by its default route. Stand-ins that no host has, so no route
	 * of their own either (nothing is sent to them): 192.88.99.1, the
	 * withdrawn 6to4 relay address (RFC 7526), and 240.0.0.1 of the
	 * reserved 240/4. The first the kernel routes by a /0 entry is the
	 * sample; one a bogon filter covers is skipped. */
	static const uint8_t cand[][4] = { { 192, 88, 99, 1 }, { 240, 0, 0, 1 } };
	enum { N = sizeof(cand) / sizeof(*cand) };
	struct route_query q[N];
	struct route_answer a[N];

	memset(q, 0, sizeof(q));
	for (size_t i = 0; i < N; i++) {
		q[i].family = 4;
		q[i].fib_match = true;
		memcpy(q[i].dst, cand[i], 4);
	}
	int e = route_lookup(q, a, N);
	memset(out, 0, 16);
	memcpy(out, cand[0], 4);
	if (e < 0)
		return e;
	for (size_t i = 0; i < N; i++) {
		if (!a[i].err && a[i].type == RTN_UNICAST && a[i].dst_len == 0) {
			memcpy(out, cand[i], 4);
			return 1;
		}
	}
	return 0;
}

int route_rp_filter(const char *proc, const char *ifname)
{
	char name[96];

	int all = doctor_read_int(proc, "net/ipv4/conf/all/rp_filter");
	if (all < 0)
		return all;
	snprintf(name, sizeof(name), "net/ipv4/conf/%s/rp_filter", ifname);
	int one = doctor_read_int(proc, name);
	if (one < 0)
		return one;
	return all > one ? all : one;
}

void route_rp_sysctl(char *buf, size_t size, const char *ifname)
{
	char name[NGW_IFNAMSIZ];

	snprintf(name, sizeof(name), "%s", ifname);
	for (char *p = name; *p; p++)
		if (*p == '.')
			*p = '/';
	snprintf(buf, size, "net.ipv4.conf.%s.rp_filter", name);
}

const char *route_addr_str(uint8_t fam, const uint8_t *b, char *buf, size_t size)
{
	if (!inet_ntop(fam == NGW_FAMILY_IPV4 ? AF_INET : AF_INET6, b, buf, (socklen_t)size))
		snprintf(buf, size, "?");
	return buf;
}
