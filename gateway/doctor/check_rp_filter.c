/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A strict reverse-path filter (rp_filter=1) that drops a forward's
 * traffic: on the WAN interface, a remote's packets when the router's
 * route back to the remote leaves by another interface (a second WAN, with
 * the default route on the first; policy routing); on the interface the
 * target is reached by, the target's replies when the router's route back
 * to the target leaves elsewhere.
 *
 * The kernel applies max(conf/all/rp_filter, conf/IFACE/rp_filter) when it
 * routes a packet that came in on IFACE, and RTM_GETROUTE with RTA_IIF
 * runs that very check: it refuses the packet (EINVAL) where the filter
 * would drop it. The remote is not known, so it stands in as an address
 * the router routes by its default route (routes.h), which is where a
 * remote of the internet is answered; a forward that names its remotes
 * (`from`) is asked with the first of them instead. So the ordinary
 * one-WAN router with rp_filter=1 (the commented-out line of Debian's
 * sysctl.conf; systemd's 50-default.conf sets 2, loose) is not reported:
 * its default route leaves by the WAN. Without a default route nothing
 * stands for "the internet", and only forwards with `from` are judged.
 *
 * IPv6 has no rp_filter sysctl: its reverse-path filter is a rule of the
 * firewall (nft `fib saddr . iif oif missing drop`, ip6tables rpfilter),
 * which is another table's business, not this check's. */
#include <dirent.h>
#include <errno.h>
#include <linux/rtnetlink.h>	/* RTN_UNICAST: the asking is kernel/'s */
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "routes.h"
#include "natgw/xalloc.h"

/* The questions asked about one interface: [0] the packet as it comes in
 * on it (refused: dropped by the filter); [1] the route back to its
 * source, for the words; [2] the router's own packet to the same
 * destination (refused too: no route at all, check_routes.c's). */
struct ask {
	size_t fwd;			/* the first forward it concerns */
	char name[NGW_IFNAMSIZ];	/* the interface */
	int rp_all, rp_one;		/* conf/all, conf/NAME */
	bool reply;			/* the target's replies coming in on it */
	bool internet;			/* the source stands for the internet */
	struct route_query q[3];
	struct route_answer a[3];
};

struct asks {
	struct ask *v;
	size_t n, cap;
};

static struct ask *ask_add(struct asks *k, size_t fwd, const char *name, bool reply,
			   bool internet, int all, int one)
{
	for (size_t i = 0; i < k->n; i++)
		if (k->v[i].reply == reply && !strcmp(k->v[i].name, name))
			return NULL;	/* said once per interface and side */
	k->v = grow(k->v, &k->cap, k->n, sizeof(*k->v));
	struct ask *a = &k->v[k->n++];
	*a = (struct ask){ .fwd = fwd, .rp_all = all, .rp_one = one, .reply = reply,
			   .internet = internet };
	snprintf(a->name, sizeof(a->name), "%s", name);
	for (size_t i = 0; i < 3; i++)
		a->q[i].family = NGW_FAMILY_IPV4;
	return a;
}

static int rp_of(const char *proc, const char *name)
{
	char key[320];

	snprintf(key, sizeof(key), "net/ipv4/conf/%s/rp_filter", name);
	return doctor_read_int(proc, key);
}

/* The remote of forward f: its first `from` address, else the internet's
 * stand-in (only when the router has a default route). */
static bool remote_of(const struct ngw_forward *f, const uint8_t internet[16], bool have,
		      uint8_t remote[16], bool *stands_in)
{
	route_remote_of(f, internet, remote);
	*stands_in = !memcmp(remote, internet, 16);
	return have || !*stands_in;
}

/* The WAN side: each interface of a forward's `in` that filters. */
static void ask_wan(const struct ngw_ruleset *rs, const char *proc, int all,
		    const uint8_t internet[16], bool have, struct asks *k)
{
	for (size_t i = 0; i < rs->n_forwards; i++) {
		const struct ngw_forward *f = &rs->forwards[i];
		uint8_t remote[16];
		bool stands_in;
		if (!f->enabled || f->to.family != NGW_FAMILY_IPV4 ||
		    !remote_of(f, internet, have, remote, &stands_in))
			continue;
		for (size_t w = 0; w < f->in.n; w++) {
			unsigned index = strchr(f->in.name[w], '+') ? 0 : if_nametoindex(f->in.name[w]);
			int one = index ? rp_of(proc, f->in.name[w]) : -ENODEV;
			if (one < 0 || (all > one ? all : one) == 0)
				continue;
			struct ask *a = ask_add(k, i, f->in.name[w], false, stands_in, all, one);
			if (!a)
				continue;
			memcpy(a->q[0].dst, f->to.b, 16);
			memcpy(a->q[0].src, remote, 16);
			a->q[0].iif = index;
			memcpy(a->q[1].dst, remote, 16);
			memcpy(a->q[2].dst, f->to.b, 16);
		}
	}
}

/* Whether any interface filters strictly: only then are the targets'
 * routes worth asking for the LAN side. */
static bool any_strict(const char *proc, int all)
{
	char path[256];
	struct dirent *d;
	bool strict = all == 1;

	snprintf(path, sizeof(path), "%s/sys/net/ipv4/conf", proc);
	DIR *dir = opendir(path);
	while (dir && !strict && (d = readdir(dir)))
		strict = d->d_name[0] != '.' && rp_of(proc, d->d_name) == 1;
	if (dir)
		closedir(dir);
	return strict;
}

static bool in_wan(const struct ngw_forward *f, const char *name)
{
	for (size_t i = 0; i < f->in.n; i++)
		if (route_iface_matches(f->in.name[i], name))
			return true;
	return false;
}

/* The LAN side: the interface each target is reached by, when it filters
 * strictly, asked for the target's replies. */
static int ask_lan(const struct ngw_ruleset *rs, const char *proc, int all,
		   const uint8_t internet[16], bool have, struct asks *k)
{
	size_t n = 0;
	struct route_query *q = xcalloc(rs->n_forwards ? rs->n_forwards : 1, sizeof(*q));

	for (size_t i = 0; i < rs->n_forwards; i++) {
		const struct ngw_forward *f = &rs->forwards[i];
		if (f->enabled && f->to.family == NGW_FAMILY_IPV4) {
			q[n] = (struct route_query){ .family = NGW_FAMILY_IPV4 };
			memcpy(q[n++].dst, f->to.b, 16);
		}
	}
	n = route_query_unique(q, n);
	struct route_answer *a = xcalloc(n ? n : 1, sizeof(*a));
	int e = route_lookup(q, a, n);
	for (size_t i = 0; i < rs->n_forwards && e >= 0; i++) {
		const struct ngw_forward *f = &rs->forwards[i];
		uint8_t remote[16];
		bool stands_in;
		char name[IF_NAMESIZE];
		if (!f->enabled || f->to.family != NGW_FAMILY_IPV4 ||
		    !remote_of(f, internet, have, remote, &stands_in))
			continue;
		struct route_query key = { .family = NGW_FAMILY_IPV4 };
		memcpy(key.dst, f->to.b, 16);
		const struct route_query *hit = bsearch(&key, q, n, sizeof(*q), route_query_cmp);
		const struct route_answer *to = &a[hit - q];
		/* a target routed out of the WAN is check_routes.c's; the
		 * router's own address is delivered to it, not by a LAN */
		if (to->err || to->type != RTN_UNICAST || !to->oif ||
		    !if_indextoname(to->oif, name) || in_wan(f, name))
			continue;
		int one = rp_of(proc, name);
		if (one < 0 || (all > one ? all : one) != 1)
			continue;
		struct ask *x = ask_add(k, i, name, true, stands_in, all, one);
		if (!x)
			continue;
		memcpy(x->q[0].dst, remote, 16);
		memcpy(x->q[0].src, f->to.b, 16);
		x->q[0].iif = to->oif;
		/* the route back to the target, as for the forward's traffic */
		memcpy(x->q[1].dst, f->to.b, 16);
		memcpy(x->q[1].src, remote, 16);
		x->q[1].iif = f->in.n && !strchr(f->in.name[0], '+') ? if_nametoindex(f->in.name[0]) : 0;
		if (!x->q[1].iif)
			memset(x->q[1].src, 0, 16);
		memcpy(x->q[2].dst, remote, 16);
	}
	free(q);
	free(a);
	return e;
}

/* A refusal of the packet that the router's own packet to the same place
 * does not meet: the filter's (EINVAL is what the kernel answers for a
 * source it drops). */
static bool dropped(const struct ask *k)
{
	return k->a[0].err == -EINVAL && !k->a[2].err;
}

static void say(struct doctor_report *r, const struct ngw_ruleset *rs, const struct ask *k)
{
	const struct ngw_forward *fw = &rs->forwards[k->fwd];
	char sysctl[64], who[96], addr[64], via[IF_NAMESIZE], back[160];
	int rp = k->rp_all > k->rp_one ? k->rp_all : k->rp_one;
	const struct route_answer *b = &k->a[1];

	route_rp_sysctl(sysctl, sizeof(sysctl), k->name);
	/* whom the route back is to: the remote (WAN side), the target */
	route_addr_str(NGW_FAMILY_IPV4, k->q[0].src, addr, sizeof(addr));
	if (!k->reply && k->internet)
		snprintf(who, sizeof(who), "the internet (%s stands for it)", addr);
	else
		snprintf(who, sizeof(who), "%s", addr);
	if (b->err || !b->oif)
		snprintf(back, sizeof(back), "the router has no route back to %s", who);
	else
		snprintf(back, sizeof(back), "the router's route back to %s leaves by %s", who,
			 if_indextoname(b->oif, via) ? via : "another interface");

	struct doctor_finding *f = doctor_add(r, true, "forward", fw->name, fw->at.rule, "rp_filter");
	snprintf(f->subject, sizeof(f->subject), "%s%s", k->reply ? "reply:" : "", k->name);
	snprintf(f->detail, sizeof(f->detail), "%s rp_filter on %s (net.ipv4.conf.all.rp_filter=%d, "
		 "%s=%d) drops %s, as %s, not %s", rp == 1 ? "strict" : "loose", k->name,
		 k->rp_all, sysctl, k->rp_one,
		 k->reply ? "the target's replies that come in on it" :
			    "the forward's traffic that comes in on it",
		 back, k->name);
	if (rp == 1)
		snprintf(f->fix, sizeof(f->fix), "sysctl -w %s=2, loose, and set it in /etc/sysctl.d",
			 sysctl);
	else
		snprintf(f->fix, sizeof(f->fix), "give the router a route back to %s by %s", addr,
			 k->name);
}

int doctor_check_rp_filter(const struct ngw_ruleset *rs, const struct doctor_sources *src,
			   struct doctor_report *r)
{
	int all = doctor_read_int(src->proc, "net/ipv4/conf/all/rp_filter");
	uint8_t internet[16];
	struct asks k = { 0 };

	if (all < 0)
		return 0;	/* no IPv4 here: nothing filtered */
	int have = route_internet_sample(internet);
	if (have < 0)
		return have;
	ask_wan(rs, src->proc, all, internet, have, &k);
	int e = any_strict(src->proc, all) ? ask_lan(rs, src->proc, all, internet, have, &k) : 0;
	/* every question in one go */
	struct route_query *q = xcalloc(k.n * 3 + 1, sizeof(*q));
	struct route_answer *a = xcalloc(k.n * 3 + 1, sizeof(*a));
	for (size_t i = 0; i < k.n; i++)
		memcpy(&q[i * 3], k.v[i].q, sizeof(k.v[i].q));
	if (e >= 0)
		e = route_lookup(q, a, k.n * 3);
	for (size_t i = 0; i < k.n && e >= 0; i++) {
		memcpy(k.v[i].a, &a[i * 3], sizeof(k.v[i].a));
		if (dropped(&k.v[i]))
			say(r, rs, &k.v[i]);
	}
	free(q);
	free(a);
	free(k.v);
	return e < 0 ? e : 0;
}
