/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Another table's chain that drops a forward's traffic. In nftables every
 * base chain on a hook runs, and a drop in any of them is final: natgw's
 * accept cannot override a firewall's `policy drop` on forward (nft(8),
 * "overall evaluation of the ruleset"). So a firewalld, ufw, Docker or fw4
 * table makes a forward silently do nothing. Each such chain is said once,
 * at the first forward it stops, with the rule that lets natgw's traffic
 * through. iptables-legacy tables, which natgw cannot read, are said to
 * exist (legacy_tables.c). */
#include <errno.h>
#include <net/if.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "kernel/route_lookup.h"
#include "fw_packets.h"
#include "fw_verdict.h"
#include "fw_words.h"
#include "kernel/nl.h"
#include "kernel/ruleset_read.h"
#include "legacy_tables.h"
#include "natgw/xalloc.h"

/* The router's own addresses: a forward to one of them is delivered
 * (input hook), not forwarded. */
struct locals {
	struct ngw_addr *v;
	size_t n;
};

static void locals_read(struct locals *l)
{
	struct ifaddrs *all, *a;

	memset(l, 0, sizeof(*l));
	if (getifaddrs(&all) < 0)
		return;		/* then every target is taken as forwarded */
	for (a = all; a; a = a->ifa_next)
		l->n++;
	l->v = calloc(l->n ? l->n : 1, sizeof(*l->v));
	l->n = 0;
	for (a = all; a && l->v; a = a->ifa_next) {
		if (!a->ifa_addr)
			continue;
		struct ngw_addr *x = &l->v[l->n];
		if (a->ifa_addr->sa_family == AF_INET) {
			x->family = NGW_FAMILY_IPV4;
			memcpy(x->b, &((struct sockaddr_in *)a->ifa_addr)->sin_addr, 4);
			l->n++;
		} else if (a->ifa_addr->sa_family == AF_INET6) {
			x->family = NGW_FAMILY_IPV6;
			memcpy(x->b, &((struct sockaddr_in6 *)a->ifa_addr)->sin6_addr, 16);
			l->n++;
		}
	}
	freeifaddrs(all);
}

static bool is_local(const struct locals *l, const struct ngw_addr *a)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].family == a->family && !memcmp(l->v[i].b, a->b, 16))
			return true;
	return false;
}

/* A chain's run on a forward's packet with the parts that differ between
 * forwards (addresses, ports) unknown: what every forward of that kind,
 * protocol, family and interface may come to. When no way drops (or every
 * way does) that is the answer for each of them, without running the
 * chain per forward. Sound: an unknown part only adds ways. */
struct generic {
	uint8_t kind, l4, family;
	const char *iif, *oif;
	enum fw_tri drops;
	bool by_policy;
};

/* One chain examined against the forwards. */
struct chain_run {
	const struct fw_table *t;
	const struct fw_chain *c;
	struct generic *g;
	size_t n_g;
	unsigned long work;		/* rules run */
};

/* rules run per chain before doctor gives up on it: a second or two */
#define CHAIN_WORK_MAX 50000000ul

/* Interface names as packets carry them: NULL (unknown) only equals NULL. */
static bool same_if(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static enum fw_tri generic(struct chain_run *cr, const struct fw_packet *p, enum fw_kind kind,
			   bool *by_policy)
{
	for (size_t i = 0; i < cr->n_g; i++) {
		const struct generic *g = &cr->g[i];
		if (g->kind == kind && g->l4 == p->l4 && g->family == p->family &&
		    same_if(g->iif, p->iif) && same_if(g->oif, p->oif)) {
			*by_policy = g->by_policy;
			return g->drops;
		}
	}
	struct fw_packet q = *p;
	q.saddr = q.daddr = NULL;
	q.sport = q.dport = -1;
	cr->g = xreallocarray(cr->g, cr->n_g + 1, sizeof(*cr->g));
	struct generic *g = &cr->g[cr->n_g++];
	*g = (struct generic){ .kind = (uint8_t)kind, .l4 = p->l4, .family = p->family,
			       .iif = p->iif, .oif = p->oif };
	g->drops = fw_chain_drops(cr->t, cr->c, &q, &g->by_policy, &cr->work);
	*by_policy = g->by_policy;
	return g->drops;
}

static bool chain_drops(struct chain_run *cr, const struct ngw_forward *f, bool local,
			const char *lan_if, struct drops *d)
{
	static const uint8_t l4s[] = { IPPROTO_TCP, IPPROTO_UDP };
	static const unsigned bits[] = { NGW_L4_TCP, NGW_L4_UDP };
	size_t n_in = f->in.n ? f->in.n : 1;
	bool any = false;

	memset(d, 0, sizeof(*d));
	d->by_policy = true;
	for (size_t k = 0; k < FW_KINDS; k++)
		for (size_t i = 0; i < 2; i++)
			for (int hi = 0; hi < 2 && (f->proto & bits[i]); hi++)
				for (size_t in = 0; in < n_in && !d->kind[k]; in++) {
					struct fw_packet p;
					bool policy;
					const char *iif = f->in.n ? f->in.name[in] : NULL;
					if (!fw_packet_of(f, local, l4s[i], hi, iif, lan_if, cr->c, k,
							  &p) ||
					    (cr->t->family != NFPROTO_INET && cr->t->family != p.family))
						continue;
					enum fw_tri g = generic(cr, &p, k, &policy);
					if (g == FW_FALSE || (g == FW_UNKNOWN &&
					    fw_chain_drops(cr->t, cr->c, &p, &policy, &cr->work) != FW_TRUE))
						continue;
					if (!any)
						d->l4 = l4s[i], d->iif = f->in.n > 1 ? iif : NULL;
					d->kind[k] = any = true;
					d->by_policy &= policy;
				}
	d->family = f->to.family == NGW_FAMILY_IPV4 ? NFPROTO_IPV4 : NFPROTO_IPV6;
	d->port_lo = f->port.lo, d->port_hi = f->port.hi;
	d->target = f->to.b;
	d->target_port = f->to_port.lo;
	return any;
}

/* The base chains worth running per forward: another program's, on a hook
 * the forward's traffic passes, of an IP family, that can drop at all. */
static bool candidate(const struct fw_table *t, const struct fw_chain *c)
{
	if (t->natgw || !c->base || (t->family != NFPROTO_INET && t->family != NFPROTO_IPV4 &&
				     t->family != NFPROTO_IPV6))
		return false;
	if (c->hook != NF_INET_FORWARD && c->hook != NF_INET_PRE_ROUTING &&
	    c->hook != NF_INET_LOCAL_IN && c->hook != NF_INET_POST_ROUTING)
		return false;
	return fw_chain_may_drop(t, c);
}

static bool any_candidate(const struct fw_ruleset *fw)
{
	for (size_t ti = 0; ti < fw->n_tables; ti++)
		for (size_t ci = 0; ci < fw->tables[ti].n_chains; ci++)
			if (candidate(&fw->tables[ti], &fw->tables[ti].chains[ci]))
				return true;
	return false;
}

/* The interface each forward's target is reached by, as the router routes
 * it ("" when it cannot be told: the chains then take it as any). */
struct lan_ifs {
	char (*name)[IF_NAMESIZE];
};

static void lan_ifs_read(const struct ngw_ruleset *rs, struct lan_ifs *l)
{
	size_t n = rs->n_forwards;
	struct route_query *q = xcalloc(n ? n : 1, sizeof(*q));
	struct route_answer *a = xcalloc(n ? n : 1, sizeof(*a));

	l->name = xcalloc(n ? n : 1, sizeof(*l->name));
	for (size_t i = 0; i < n; i++) {
		const struct ngw_forward *f = &rs->forwards[i];
		q[i].family = f->to.family == NGW_FAMILY_IPV4 ? 4 : 6;
		memcpy(q[i].dst, f->to.b, 16);
	}
	if (route_lookup(q, a, n) == 0)
		for (size_t i = 0; i < n; i++)
			if (!a[i].err && a[i].oif && !if_indextoname(a[i].oif, l->name[i]))
				l->name[i][0] = 0;
	free(q);
	free(a);
}

int doctor_check_tables(const struct ngw_ruleset *rs, const struct doctor_sources *src,
			struct doctor_report *r)
{
	struct fw_ruleset fw;
	struct nl nl;
	int e = nl_open(&nl);

	if (e == -EPROTONOSUPPORT)	/* no nf_tables in this kernel: no table to drop */
		return doctor_legacy_tables(rs, src, r);
	if (e < 0)
		return e;
	e = fw_ruleset_read(&nl, &fw);
	nl_close(&nl);
	if (e < 0)
		return e;

	struct locals locals;
	struct lan_ifs lan = { 0 };
	locals_read(&locals);
	if (any_candidate(&fw))
		lan_ifs_read(rs, &lan);
	for (size_t ti = 0; ti < fw.n_tables; ti++) {
		const struct fw_table *t = &fw.tables[ti];
		for (size_t ci = 0; ci < t->n_chains; ci++) {
			const struct fw_chain *c = &t->chains[ci];
			if (!candidate(t, c))
				continue;
			/* the first forward it stops; one finding per chain */
			struct chain_run cr = { .t = t, .c = c };
			for (size_t i = 0; i < rs->n_forwards; i++) {
				const struct ngw_forward *f = &rs->forwards[i];
				struct drops d;
				if (cr.work > CHAIN_WORK_MAX) {
					fw_report_too_long(r, f, t, c, i, rs->n_forwards);
					break;
				}
				if (f->enabled && chain_drops(&cr, f, is_local(&locals, &f->to),
							      lan.name[i][0] ? lan.name[i] : NULL, &d)) {
					fw_report_drop(r, f, t, c, &d);
					break;
				}
			}
			free(cr.g);
		}
	}
	free(locals.v);
	free(lan.name);
	fw_ruleset_free(&fw);
	return doctor_legacy_tables(rs, src, r);
}
