/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A forward's target the router cannot route (no route, an unreachable,
 * prohibit or blackhole route or rule), or routes back out of the
 * interface the forward's traffic comes in on (a typo'd target, or a LAN
 * subnet the router has no route for, so the default route wins).
 *
 * The kernel says it, not a model of its tables: RTM_GETROUTE for the
 * target as a packet that came in on the forward's interface (RTA_IIF,
 * from a remote's address), which is what DNAT hands to routing: every
 * routing rule for that interface counts, and an interface without an
 * address works as well. One lookup per distinct target, interface and
 * source, however many forwards share them. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "routes.h"
#include "natgw/xalloc.h"

/* An interface of the forwards' `in` lists. */
struct iface {
	const char *name;
	unsigned index;		/* 0: a wildcard, or none such now */
	int forwarding;		/* conf/NAME/forwarding (IPv4); -errno */
	int rp_filter;		/* the reverse-path filter on it; -errno */
};

/* One forward as it comes in on one of its interfaces. */
struct probe {
	size_t fwd;
	long iface;		/* into the iface list; -1: no `in` at all */
	struct route_query q;
};

struct group {			/* one finding: the forwards sharing a cause */
	enum route_verdict v;
	int err;
	unsigned iif, oif;
	bool has_gateway;
	uint8_t gateway[16];
	size_t finding;		/* its index in the report */
	size_t first;		/* the unique query that made it */
	size_t more;		/* other targets of the same cause */
};

static size_t iface_of(struct iface **v, size_t *n, size_t *cap, const char *name,
		       const char *proc)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i].name, name))
			return i;
	*v = grow(*v, cap, *n, sizeof(**v));
	struct iface *f = &(*v)[*n];
	f->name = name;
	f->index = strchr(name, '+') ? 0 : if_nametoindex(name);
	char key[96];
	snprintf(key, sizeof(key), "net/ipv4/conf/%s/forwarding", name);
	f->forwarding = doctor_read_int(proc, key);
	f->rp_filter = route_rp_filter(proc, name);
	return (*n)++;
}

/* The kernel refuses a packet from this interface for a reason another
 * check names: forwarding off on it (EHOSTUNREACH; the forwarding check
 * names ip_forward), or its reverse-path filter (EINVAL, as for any source
 * it refuses; check_rp_filter.c's). */
static bool excused(const struct iface *i, const struct route_query *q, int err)
{
	if (q->family != NGW_FAMILY_IPV4)
		return false;	/* IPv6 routing has neither */
	return (err == -EHOSTUNREACH && i->forwarding == 0) || (err == -EINVAL && i->rp_filter > 0);
}

/* The probes of every enabled forward: one per `in` interface. */
static size_t collect(const struct ngw_ruleset *rs, const char *proc, const uint8_t internet[16],
		      struct probe **out, struct iface **ifs, size_t *n_ifs)
{
	size_t n = 0, cap = 0, ifcap = 0;
	struct probe *v = NULL;

	for (size_t i = 0; i < rs->n_forwards; i++) {
		const struct ngw_forward *f = &rs->forwards[i];
		if (!f->enabled)
			continue;
		for (size_t k = 0; k < (f->in.n ? f->in.n : 1); k++) {
			v = grow(v, &cap, n, sizeof(*v));
			struct probe *p = &v[n++];
			memset(p, 0, sizeof(*p));
			p->fwd = i;
			p->iface = -1;
			p->q.family = f->to.family;
			memcpy(p->q.dst, f->to.b, 16);
			if (f->in.n) {
				p->iface = (long)iface_of(ifs, n_ifs, &ifcap, f->in.name[k], proc);
				p->q.iif = (*ifs)[p->iface].index;
			}
			/* a forwarded packet has a remote's source; the
			 * router's own packet has none of its choosing */
			if (p->q.iif)
				route_remote_of(f, internet, p->q.src);
		}
	}
	*out = v;
	return n;
}

struct wan_arg {
	const struct ngw_forward *f;
	const struct probe *p;
};

/* The route leaves by the interface the packet came in on; without one
 * known (a wildcard, none such now), by any of the forward's. */
static bool leaves_by_wan(unsigned oif, const void *arg)
{
	const struct wan_arg *w = arg;
	char name[IF_NAMESIZE];

	if (w->p->q.iif)
		return oif == w->p->q.iif;
	if (!if_indextoname(oif, name))
		return false;
	for (size_t i = 0; i < w->f->in.n; i++)
		if (route_iface_matches(w->f->in.name[i], name))
			return true;
	return false;
}

static const char *ifname(unsigned index, char *buf)
{
	if (!if_indextoname(index, buf))
		snprintf(buf, IF_NAMESIZE, "#%u", index);
	return buf;
}

/* "has no route to 192.0.2.10", "has an unreachable route (or rule) for
 * 192.0.2.10" */
static void refusal(char *buf, size_t size, int err, const char *to)
{
	const char *type = route_reject(err);

	if (type)
		snprintf(buf, size, "has %s %s route (or rule) for %s",
			 type[0] == 'u' ? "an" : "a", type, to);
	else if (err == -ENETUNREACH)
		snprintf(buf, size, "has no route to %s", to);
	else
		snprintf(buf, size, "cannot route to %s (%s)", to, strerror(-err));
}

static void describe(struct doctor_finding *f, const struct group *g, uint8_t family,
		     const uint8_t *dst)
{
	char to[64], hop[64], gw[80], oif[IF_NAMESIZE], iif[IF_NAMESIZE], more[64] = "",
	     why[128];
	const char *ip = family == NGW_FAMILY_IPV4 ? "ip" : "ip -6", *type = route_reject(g->err);

	route_addr_str(family, dst, to, sizeof(to));
	refusal(why, sizeof(why), g->err, to);
	if (g->more)
		snprintf(more, sizeof(more), " (and %zu more target%s of forwards)", g->more,
			 g->more == 1 ? "" : "s");
	switch (g->v) {
	case ROUTE_UNROUTABLE:
		snprintf(f->detail, sizeof(f->detail), "the router %s%s, so the forward's traffic "
			 "is dropped", why, more);
		if (type)
			snprintf(f->fix, sizeof(f->fix), "remove that route or rule (`%s route show "
				 "table all type %s`, `%s rule`), or correct the target", ip, type, ip);
		else
			snprintf(f->fix, sizeof(f->fix), "correct the target, or give the router a "
				 "route to it by the LAN: `%s route add %s via LAN-ROUTER`", ip, to);
		break;
	case ROUTE_UNROUTABLE_IIF:
		snprintf(f->detail, sizeof(f->detail), "for traffic that comes in on %s, the router "
			 "%s%s, so the forward's traffic is dropped", ifname(g->iif, iif), why, more);
		snprintf(f->fix, sizeof(f->fix), "remove the routing rule for %s that `%s rule` "
			 "shows, or correct the target", iif, ip);
		break;
	default:
		if (g->has_gateway)
			snprintf(gw, sizeof(gw), " via %s",
				 route_addr_str(family, g->gateway, hop, sizeof(hop)));
		else
			snprintf(gw, sizeof(gw), " (a subnet of that interface)");
		snprintf(f->detail, sizeof(f->detail), "the router routes %s out of %s%s, the "
			 "interface the forward's traffic comes in on, so it never reaches the "
			 "target%s", to, ifname(g->oif, oif), gw, more);
		snprintf(f->fix, sizeof(f->fix), "correct the target, or give the router a route "
			 "to it by the LAN: `%s route add %s via LAN-ROUTER`", ip, to);
	}
}

/* Forwarding off on one interface while ip_forward is on (which turns it
 * on for all of them: someone turned this one off again): the router
 * forwards nothing that comes in on it. Said once per interface. */
static void forwarding_off(struct doctor_report *r, const char *proc, const struct iface *i,
			   const struct ngw_forward *fw)
{
	char name[NGW_IFNAMSIZ];

	if (doctor_read_int(proc, "net/ipv4/ip_forward") != 1 || doctor_said(r, "forwarding", i->name))
		return;	/* off for all: the forwarding check says so */
	snprintf(name, sizeof(name), "%s", i->name);
	for (char *c = name; *c; c++)
		if (*c == '.')
			*c = '/';	/* sysctl(8) spelling of a VLAN's name */
	struct doctor_finding *f = doctor_add(r, true, "forward", fw->name, fw->at.rule, "forwarding");
	snprintf(f->subject, sizeof(f->subject), "%s", i->name);
	snprintf(f->detail, sizeof(f->detail), "net.ipv4.conf.%s.forwarding is 0, so the router "
		 "forwards nothing that comes in on %s", name, i->name);
	snprintf(f->fix, sizeof(f->fix), "sysctl -w net.ipv4.conf.%s.forwarding=1, and set it in "
		 "/etc/sysctl.d", name);
}

static const char *cause_of(enum route_verdict v)
{
	return v == ROUTE_OUT_WAN ? "route-out-wan" : "unroutable";
}

/* The group of this cause (found or made). */
static struct group *group_of(struct group **gs, size_t *n, size_t *cap, struct doctor_report *r,
			      const struct ngw_forward *fw, enum route_verdict v,
			      const struct route_answer *a, unsigned iif, size_t uq)
{
	bool by_iif = v == ROUTE_UNROUTABLE_IIF, by_hop = v == ROUTE_OUT_WAN;

	for (size_t i = 0; i < *n; i++) {
		struct group *g = &(*gs)[i];
		if (g->v == v && g->err == a->err && (!by_iif || g->iif == iif) &&
		    (!by_hop || (g->oif == a->oif && g->has_gateway == a->has_gateway &&
				 !memcmp(g->gateway, a->gateway, 16))))
			return g;
	}
	*gs = grow(*gs, cap, *n, sizeof(**gs));
	struct group *g = &(*gs)[(*n)++];
	*g = (struct group){ .v = v, .err = a->err, .iif = iif, .oif = a->oif,
			     .has_gateway = a->has_gateway, .finding = r->n, .first = uq };
	memcpy(g->gateway, a->gateway, 16);
	doctor_add(r, true, "forward", fw->name, fw->at.rule, cause_of(v));
	return g;
}

/* Answers: to the queries as forwarded (uq, ua), and for the router's
 * own packets to the targets where those failed (oq, oa). */
struct answers {
	struct route_query *uq, *oq;
	struct route_answer *ua, *oa;
	size_t nu, no;
};

static const struct route_answer *answer(const struct route_query *q, size_t n,
					 const struct route_answer *a, const struct route_query *key)
{
	/* bsearch must not be given NULL, even for none */
	const struct route_query *hit = n ? bsearch(key, q, n, sizeof(*q), route_query_cmp) : NULL;
	return hit ? &a[hit - q] : NULL;
}

static int ask(struct answers *an, struct probe *p, size_t n)
{
	an->uq = xcalloc(n, sizeof(*an->uq));
	for (size_t i = 0; i < n; i++)
		an->uq[i] = p[i].q;
	an->nu = route_query_unique(an->uq, n);
	an->ua = xcalloc(an->nu, sizeof(*an->ua));
	int e = route_lookup(an->uq, an->ua, an->nu);
	if (e < 0)
		return e;
	/* the ones refused as forwarded: the router's own packet tells a
	 * target it cannot route from a refusal of that interface only */
	an->oq = xcalloc(an->nu, sizeof(*an->oq));
	for (size_t i = 0; i < an->nu; i++) {
		if (an->uq[i].iif && an->ua[i].err) {
			struct route_query *o = &an->oq[an->no++];
			*o = (struct route_query){ .family = an->uq[i].family };
			memcpy(o->dst, an->uq[i].dst, 16);
		}
	}
	an->no = route_query_unique(an->oq, an->no);
	an->oa = xcalloc(an->no ? an->no : 1, sizeof(*an->oa));
	return route_lookup(an->oq, an->oa, an->no);
}

int doctor_check_routes(const struct ngw_ruleset *rs, const struct doctor_sources *src,
			struct doctor_report *r)
{
	uint8_t internet[16];
	struct iface *ifs = NULL;
	size_t n_ifs = 0, n_groups = 0, cap_groups = 0;
	struct probe *p = NULL;
	struct group *gs = NULL;
	struct answers an = { 0 };

	int e = route_internet_sample(internet);
	size_t n = e < 0 ? 0 : collect(rs, src->proc, internet, &p, &ifs, &n_ifs);
	if (n)
		e = ask(&an, p, n);
	/* a target shared by many forwards (or reached from several
	 * interfaces) counts once: the queries are sorted by target, and
	 * counted[] is set at the first query of each */
	bool *counted = xcalloc(an.nu ? an.nu : 1, sizeof(*counted));
	size_t *target = xcalloc(an.nu ? an.nu : 1, sizeof(*target));
	for (size_t k = 1; k < an.nu; k++)
		target[k] = memcmp(an.uq[k - 1].dst, an.uq[k].dst, 16) ? k : target[k - 1];
	for (size_t i = 0; i < n && e >= 0; i++) {
		const struct ngw_forward *fw = &rs->forwards[p[i].fwd];
		const struct route_answer *fa = answer(an.uq, an.nu, an.ua, &p[i].q), *own = NULL, *a;
		size_t uq = (size_t)(fa - an.ua);
		if (!p[i].q.iif) {
			own = fa;	/* asked as the router's own packet */
			fa = NULL;
		} else if (fa->err) {
			struct route_query k = { .family = p[i].q.family };
			memcpy(k.dst, p[i].q.dst, 16);
			own = answer(an.oq, an.no, an.oa, &k);
		}
		struct wan_arg w = { fw, &p[i] };
		bool exc = fa && fa->err && excused(&ifs[p[i].iface], &p[i].q, fa->err);
		if (exc && fa->err == -EHOSTUNREACH)
			forwarding_off(r, src->proc, &ifs[p[i].iface], fw);
		enum route_verdict v = route_judge(fa, own, exc, leaves_by_wan, &w, &a);
		if (v == ROUTE_FINE)
			continue;
		struct group *g = group_of(&gs, &n_groups, &cap_groups, r, fw, v, a, p[i].q.iif, uq);
		size_t t = target[uq];
		if (!counted[t]) {
			counted[t] = true;
			g->more += memcmp(an.uq[g->first].dst, an.uq[t].dst, 16) != 0;
		}
	}
	for (size_t k = 0; k < n_groups; k++) {
		struct doctor_finding *f = &r->v[gs[k].finding];
		snprintf(f->subject, sizeof(f->subject), "%zu", k);
		describe(f, &gs[k], an.uq[gs[k].first].family, an.uq[gs[k].first].dst);
	}
	free(counted);
	free(target);
	free(gs);
	free(an.uq);
	free(an.ua);
	free(an.oq);
	free(an.oa);
	free(p);
	free(ifs);
	return e < 0 ? e : 0;
}
