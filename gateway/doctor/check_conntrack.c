/* SPDX-License-Identifier: GPL-2.0-or-later */
/* conntrack's table too small for the rules: every forwarded and every
 * translated connection is one of its entries, and when it is full the
 * kernel drops the first packet of each new connection it cannot make room
 * for (it evicts only unanswered ones).
 *
 * On Linux 6.18, net.netfilter.nf_conntrack_count is per network
 * namespace, net.netfilter.nf_conntrack_max one for the whole machine: a
 * namespace's count is held to it, and it is read-only outside the first
 * namespace. So the fix names the sysctl for the machine.
 *
 *  - "conntrack_full": the table at 90 % or more; it blocks. Full, new
 *    connections of every rule are being dropped now; at 90 %, the next
 *    burst (a scan, a peer-to-peer client) fills it, and nothing warns
 *    then: the time to act is before.
 *  - "conntrack_max": nf_conntrack_max below what the rules may need; it
 *    blocks, as the rules may fill the table by themselves. Only endpoint-independent rules state a need: each internal
 *    host may hold max_per_host mappings, each one a conntrack entry at
 *    least, and no more mappings than the rule has external sockets
 *    (addresses x ports). A forward or a plain snat rule states none (it
 *    takes one entry per connection, as many as the clients make), so
 *    nothing is asked for them.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include "checks.h"

#define NAT_PORTS 64512u	/* 1024-65535: where the kernel picks a port
				 * when the rule names none */

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
	return b && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

/* Addresses in lo..hi (the low 64 bits of IPv6 ones, which is plenty). */
static uint64_t addresses(const struct ngw_addr *lo, const struct ngw_addr *hi)
{
	uint64_t a = 0, b = 0;
	int from = lo->family == NGW_FAMILY_IPV4 ? 0 : 8, to = lo->family == NGW_FAMILY_IPV4 ? 4 : 16;

	for (int k = from; k < to; k++) {
		a = a << 8 | lo->b[k];
		b = b << 8 | hi->b[k];
	}
	return sat_add(b - a, 1);
}

/* What an endpoint-independent rule's mappings may take, per family. */
static uint64_t ei_need(const struct ngw_snat *s)
{
	uint64_t need = 0;
	uint64_t ports = s->to_port.lo ? s->to_port.hi - s->to_port.lo + 1u : NAT_PORTS;

	for (uint8_t fam = NGW_FAMILY_IPV4; fam <= NGW_FAMILY_IPV6; fam += 2) {
		uint64_t hosts = 0, sockets;
		unsigned bits = fam == NGW_FAMILY_IPV4 ? 32 : 128;
		for (size_t i = 0; i < s->from.n; i++)
			if (s->from.v[i].addr.family == fam)
				hosts = sat_add(hosts, bits - s->from.v[i].len >= 64 ? UINT64_MAX :
						(uint64_t)1 << (bits - s->from.v[i].len));
		if (!hosts)
			continue;
		if (s->kind == NGW_SNAT_MASQUERADE)
			sockets = ports;	/* one address: the egress interface's */
		else if (s->to_lo.family == fam)
			sockets = sat_mul(addresses(&s->to_lo, &s->to_hi), ports);
		else
			continue;
		uint64_t mappings = sat_mul(hosts, s->max_per_host);
		need = sat_add(need, mappings < sockets ? mappings : sockets);
	}
	return need;
}

static void too_small(const struct ngw_ruleset *rs, struct doctor_report *r, int max)
{
	const struct ngw_snat *first = NULL;
	uint64_t need = 0;

	for (size_t i = 0; i < rs->n_snats; i++) {
		if (!rs->snats[i].endpoint_independent)
			continue;
		need = sat_add(need, ei_need(&rs->snats[i]));
		if (!first)
			first = &rs->snats[i];
	}
	if (!first || need <= (uint64_t)max)
		return;
	struct doctor_finding *f = doctor_add(r, true, "snat", first->name, first->at.rule,
					      "conntrack_max");
	snprintf(f->detail, sizeof(f->detail), "net.netfilter.nf_conntrack_max is %d, below the "
		 "%llu entries the endpoint-independent mappings may take (max_per_host for "
		 "each internal host, at most one per external socket); once they fill the table "
		 "the kernel drops new connections of every rule", max, (unsigned long long)need);
	snprintf(f->fix, sizeof(f->fix), "sysctl -w net.netfilter.nf_conntrack_max=%llu (global: "
		 "on the host, not in a container), and set it in /etc/sysctl.d; or lower "
		 "max_per_host", (unsigned long long)(need > INT32_MAX ? INT32_MAX : need));
}

int doctor_check_conntrack(const struct ngw_ruleset *rs, const struct doctor_sources *src,
			   struct doctor_report *r)
{
	const char *kind = "forward", *name = NULL;
	struct ngw_pos pos;

	for (size_t i = 0; i < rs->n_forwards && !name; i++)
		if (rs->forwards[i].enabled)
			name = rs->forwards[i].name, pos = rs->forwards[i].at.rule;
	if (!name && rs->n_snats)
		kind = "snat", name = rs->snats[0].name, pos = rs->snats[0].at.rule;
	if (!name)
		return 0;		/* no rule: no connection of natgw's */

	int max = doctor_read_int(src->proc, "net/netfilter/nf_conntrack_max");
	int count = doctor_read_int(src->proc, "net/netfilter/nf_conntrack_count");
	if (max == -ENOENT || count == -ENOENT)
		return 0;		/* conntrack not loaded: natgw's apply loads it, empty */
	if (max < 0 || count < 0)
		return max < 0 ? max : count;
	if (max == 0)
		return 0;		/* 0: no limit */

	too_small(rs, r, max);
	if ((uint64_t)count * 10 < (uint64_t)max * 9)
		return 0;
	bool full = count >= max;
	struct doctor_finding *f = doctor_add(r, true, kind, name, pos, "conntrack_full");
	if (full)
		snprintf(f->detail, sizeof(f->detail), "the conntrack table is full (%d of %d "
			 "entries, net.netfilter.nf_conntrack_count and nf_conntrack_max): the "
			 "kernel drops the first packet of every new connection it cannot make "
			 "room for, forwarded or translated", count, max);
	else
		snprintf(f->detail, sizeof(f->detail), "the conntrack table is %d%% full (%d of %d "
			 "entries, net.netfilter.nf_conntrack_count and nf_conntrack_max); once it "
			 "is full the kernel drops new connections, forwarded or translated",
			 (int)((uint64_t)count * 100 / (uint64_t)max), count, max);
	snprintf(f->fix, sizeof(f->fix), "sysctl -w net.netfilter.nf_conntrack_max=%lld (global: "
		 "on the host, not in a container), and set it in /etc/sysctl.d; `conntrack -L` "
		 "shows what fills it", (long long)max * 2);
	return 0;
}
