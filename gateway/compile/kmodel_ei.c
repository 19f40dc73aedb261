/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Endpoint-independent ("full cone") UDP in the kernel: the rules that
 * give a mapping, keep it, and keep everyone else off it (layout.h). */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "kmodel_build.h"

#define EI_RETRY_S 60		/* a socket whose port was taken: random ports this long */

static enum kset fam_set(enum kset v4, uint8_t family)
{
	return family == NGW_FAMILY_IPV4 ? v4 : (enum kset)(v4 + 1);
}

static void shape_op(struct krule *r, enum kop_kind kind, enum kset v4, uint8_t family,
		     enum ei_shape shape)
{
	struct kop *o = km_op_set(r, kind, fam_set(v4, family), 0);
	o->family = family;
	o->shape = shape;
}

static void in(struct krule *r, enum kset v4, uint8_t family, enum ei_shape shape)
{
	shape_op(r, KOP_EI_IN, v4, family, shape);
}

static void not_in(struct krule *r, enum kset v4, uint8_t family, enum ei_shape shape)
{
	shape_op(r, KOP_EI_IN, v4, family, shape);
	r->ops[r->n_ops - 1].neg = true;
}

static void add(struct krule *r, enum kset v4, uint8_t family, enum ei_shape shape,
		unsigned timeout, bool update)
{
	shape_op(r, KOP_EI_ADD, v4, family, shape);
	r->ops[r->n_ops - 1].val = timeout;
	r->ops[r->n_ops - 1].update = update;
}

/* ei_snat X -> E, ei_dnat E -> X, ei_mark E -> the rule's mark, for
 * another timeout seconds: E first, so a full map leaves no half mapping. */
static void write_mapping(struct krule *r, uint8_t family, unsigned timeout, bool dnat_first)
{
	static const enum kset order[2][3] = {
		{ KSET_EI_SNAT4, KSET_EI_DNAT4, KSET_EI_MARK4 },
		{ KSET_EI_DNAT4, KSET_EI_SNAT4, KSET_EI_MARK4 },
	};
	for (int k = 0; k < 3; k++) {
		struct kop *o = km_op_set(r, KOP_EI_UPDATE, fam_set(order[dnat_first][k], family), 0);
		o->family = family;
		o->val = timeout;
	}
}

/* A connection of rule mark in family: its mark, translated, UDP. */
static struct krule *conn_rule(struct kmodel *m, uint32_t chain, uint32_t owner,
			       uint32_t mask, uint32_t mark, uint8_t family, bool new_only)
{
	struct krule *r = km_rule(m, chain, owner);
	km_op_mark(r, KOP_MARK_EQ, mask, mark);
	km_op(r, KOP_CT_SNAT);
	km_op(r, KOP_NFPROTO)->family = family;
	km_op(r, KOP_L4PROTO)->l4 = IPPROTO_UDP;
	if (new_only)
		km_op(r, KOP_CT_NEW);
	return r;
}

/* r holds conditions; it becomes two rules: the first writes (an add to
 * a set, which the kernel refuses when the set is full, ending the rule
 * there), the second decides. A full set so cannot let a packet through
 * that its conditions stop: the decision never depends on the write. */
static void write_then(struct kmodel *m, struct krule *r, enum kset v4, uint8_t fam,
		       enum ei_shape shape, unsigned timeout, enum kop_kind verdict)
{
	struct krule cond = *r;

	add(r, v4, fam, shape, timeout, false);
	struct krule *d = km_rule(m, cond.chain, cond.owner);	/* r may move */
	*d = cond;
	km_op(d, verdict);
}

/* The first datagram of a connection whose external socket E must not be
 * given to it is dropped before conntrack keeps the connection, so it
 * leaves no trace and nobody learns E from it; its socket's next datagram
 * gets a random port (the postrouting rule on ei_retry). */
static void retry(struct kmodel *m, struct krule *r, uint8_t family)
{
	write_then(m, r, KSET_EI_RETRY4, family, EIS_X, EI_RETRY_S, KOP_DROP);
}

/* A new connection of rule mark whose E is in set (by shape): dropped,
 * its socket retries with a random port. */
static void taken(struct kmodel *m, uint32_t idx, uint32_t mark, uint8_t fam, enum kset set,
		  enum ei_shape shape)
{
	struct krule *r = conn_rule(m, KCHAIN_EI_REFRESH, idx, 0xffffffffu, mark, fam, true);
	struct kop *o = km_op_set(r, KOP_EI_IN, set, 0);
	o->family = fam;
	o->shape = shape;
	retry(m, r, fam);
}

/* add @set { SHAPE ct count over N } */
static void count_over(struct krule *r, enum kset v4, uint8_t fam, enum ei_shape shape,
		       uint32_t n)
{
	add(r, v4, fam, shape, 0, false);
	r->ops[r->n_ops - 1].count = n;
}

bool km_ei_retries(const struct ngw_snat *s, uint8_t l4)
{
	if (l4 == IPPROTO_TCP)
		return false;
	return !(s->to_port.lo && s->to_port.lo == s->to_port.hi);
}

static void refresh_rules(struct kmodel *m, const struct ngw_snat *s, uint32_t idx,
			  uint8_t fam)
{
	static const struct { enum kset v4; enum ei_shape shape; } forwarded[] = {
		{ KSET_MATCH_ANY, EIS_FWD_ANY }, { KSET_MATCH_IN, EIS_FWD_IN },
		{ KSET_MATCH4_ADDR, EIS_FWD_ADDR }, { KSET_MATCH4_IN_ADDR, EIS_FWD_IN_ADDR },
	};
	uint32_t mark = m->rules[idx].mark, all = 0xffffffffu;
	unsigned t = s->idle_timeout;
	struct krule *r;

	/* X has a mapping and this connection uses it: every packet X sends
	 * keeps it another idle_timeout (REQ-6). Nothing else renews or
	 * creates one: a connection of X's from before, or a capped one,
	 * has no say. */
	r = conn_rule(m, KCHAIN_EI_REFRESH, idx, all, mark, fam, false);
	km_op(r, KOP_CT_ORIGINAL);
	in(r, KSET_EI_SNAT4, fam, EIS_X);
	in(r, KSET_EI_DNAT4, fam, EIS_E);
	write_mapping(r, fam, t, false);
	km_op(r, KOP_RETURN);

	/* From here on, the first packet of a socket X without a mapping.
	 * E belongs to another mapping (two hosts, one source port): drop. */
	taken(m, idx, mark, fam, fam_set(KSET_EI_DNAT4, fam), EIS_E);
	/* X past max_per_host: ordinary snat */
	r = conn_rule(m, KCHAIN_EI_REFRESH, idx, all, mark, fam, true);
	in(r, KSET_EI_CAPPED4, fam, EIS_X);
	km_op(r, KOP_RETURN);
	/* E is in use by a flow without a mapping, or a forward's port */
	taken(m, idx, mark, fam, fam_set(KSET_EI_BUSY4, fam), EIS_E);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(*forwarded); i++) {
		enum kset set = forwarded[i].v4;
		if (fam == NGW_FAMILY_IPV6 && set == KSET_MATCH4_ADDR)
			set = KSET_MATCH6_ADDR;
		else if (fam == NGW_FAMILY_IPV6 && set == KSET_MATCH4_IN_ADDR)
			set = KSET_MATCH6_IN_ADDR;
		taken(m, idx, mark, fam, set, forwarded[i].shape);
	}
	/* ... or a port the router itself listens on (natgw run keeps them) */
	taken(m, idx, mark, fam, KSET_EI_LOCAL_PORTS, EIS_E_PORT);
	/* the host holds max_per_host mappings (the daemon counts them) */
	r = conn_rule(m, KCHAIN_EI_REFRESH, idx, all, mark, fam, true);
	in(r, KSET_EI_FULL4, fam, EIS_HOST);
	write_then(m, r, KSET_EI_CAPPED4, fam, EIS_X, t, KOP_RETURN);
	/* ... or opened max_per_host of them with connections that are still
	 * there: a burst is held here, without a daemon. The connection that
	 * found no room is dropped, so it does not count; its socket's next
	 * datagram leaves as ordinary snat. A set with a ct count is looked at
	 * once per packet (a second look counts the connection again), so
	 * these two rules write and decide at once: ei_capped and ei_retry
	 * are made large enough (262,144) that no host fills them. */
	r = conn_rule(m, KCHAIN_EI_REFRESH, idx, all, mark, fam, true);
	count_over(r, KSET_EI_HOSTS4, fam, EIS_HOST, s->max_per_host);
	add(r, KSET_EI_CAPPED4, fam, EIS_X, t, false);
	km_op(r, KOP_DROP);
	/* two sockets given one E in the same instant (two CPUs) both passed
	 * the checks above: the first connection to count itself on E gets
	 * it, the other is dropped and retries */
	r = conn_rule(m, KCHAIN_EI_REFRESH, idx, all, mark, fam, true);
	count_over(r, KSET_EI_CLAIMS4, fam, EIS_E, 1);
	add(r, KSET_EI_RETRY4, fam, EIS_X, EI_RETRY_S, false);
	km_op(r, KOP_DROP);
	/* the mapping: X -> E, E -> X, E -> the rule */
	r = conn_rule(m, KCHAIN_EI_REFRESH, idx, all, mark, fam, true);
	write_mapping(r, fam, t, true);
	km_op(r, KOP_RETURN);
	/* the maps are full: ordinary snat, counted */
	r = conn_rule(m, KCHAIN_EI_REFRESH, idx, all, mark, fam, true);
	km_op_set(r, KOP_MARK_IN, KSET_EI_UNMAPPED, all);
	km_op(r, KOP_RETURN);
	/* a remote's connection to a mapping (the ei_dnat lookup) outlives
	 * it: its E stays off new mappings while the connection lives */
	r = km_rule(m, KCHAIN_EI_REFRESH, idx);
	km_op_mark(r, KOP_MARK_EQ, all, mark);
	km_op(r, KOP_CT_DNAT);
	km_op(r, KOP_NFPROTO)->family = fam;
	km_op(r, KOP_L4PROTO)->l4 = IPPROTO_UDP;
	not_in(r, KSET_EI_DNAT4, fam, EIS_E_IN);
	add(r, KSET_EI_BUSY4, fam, EIS_E_IN, NATGW_EI_BUSY_S, true);
}

static bool listed(const struct ngw_ifaces *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->name[i], name))
			return true;
	return false;
}

/* A UDP packet that would leave through snat rule s with a source the
 * route back does not confirm was not sent by a LAN host (a frame from the
 * WAN with a LAN source): dropped, for every snat rule, so nobody outside
 * makes, keeps or fills any of the sets the mappings rely on. */
void km_ei_spoof(struct kmodel *m, const struct ngw_snat *s, uint32_t idx)
{
	for (size_t o = 0; o < (s->out.n ? s->out.n : 1); o++) {
		const char *out = s->out.n ? s->out.name[o] : NULL;
		for (size_t p = 0; p < s->from.n; p++) {
			struct krule *r = km_rule(m, KCHAIN_EI_SPOOF, idx);
			km_snat_matches(r, s, out, &s->from.v[p], IPPROTO_UDP);
			km_op(r, KOP_FIB_RPF_MISSING);
			km_op(r, KOP_DROP);
		}
	}
}

/* And a full-cone mapping is made only from a LAN interface: not from one
 * of the rule's egress interfaces or of gateway.wan (a WAN host whose
 * address `from` covers). A rule with no egress interface at all leaves by
 * any: then gateway.lan, when set, is the LAN (gateway.lan lists where
 * hairpin clients are, not every LAN, so it is not used where the WAN side
 * is known). */
static void lan_only(struct kmodel *m, const struct ngw_ruleset *rs, const struct ngw_snat *s,
		     uint32_t idx)
{
	/* the WAN side: the rule's egress interfaces, then gateway.wan's others */
	size_t n_wan = s->out.n + rs->gateway.wan.n;

	for (size_t o = 0; o < (s->out.n ? s->out.n : 1); o++) {
		const char *out = s->out.n ? s->out.name[o] : NULL;
		for (size_t p = 0; p < s->from.n; p++) {
			struct krule *r;
			if (!out && rs->gateway.lan.n) {
				/* not from the LAN, and out of it: what goes into
				 * the LAN (replies, forwards) is no mapping's */
				r = km_rule(m, KCHAIN_EI_SPOOF, idx);
				km_op(r, KOP_IIF_LAN)->neg = true;
				km_op(r, KOP_OIF_LAN)->neg = true;
				km_snat_matches(r, s, out, &s->from.v[p], IPPROTO_UDP);
				km_op(r, KOP_DROP);
			}
			for (size_t w = 0; w < n_wan; w++) {
				bool mine = w < s->out.n;
				const char *in = mine ? s->out.name[w] :
					rs->gateway.wan.name[w - s->out.n];
				if (!mine && listed(&s->out, in))
					continue;
				r = km_rule(m, KCHAIN_EI_SPOOF, idx);
				snprintf(km_op(r, KOP_IIFNAME)->ifname, NGW_IFNAMSIZ, "%s", in);
				km_snat_matches(r, s, out, &s->from.v[p], IPPROTO_UDP);
				km_op(r, KOP_DROP);
			}
		}
	}
}

void km_ei_rule(struct kmodel *m, const struct ngw_ruleset *rs, const struct ngw_snat *s,
		uint32_t idx)
{
	bool has[2] = { false, false };

	for (size_t p = 0; p < s->from.n; p++)
		has[s->from.v[p].addr.family == NGW_FAMILY_IPV6] = true;
	for (int v6 = 0; v6 <= 1; v6++)
		if (has[v6])
			refresh_rules(m, s, idx, v6 ? NGW_FAMILY_IPV6 : NGW_FAMILY_IPV4);
	lan_only(m, rs, s, idx);
	km_elem_mark(m, KSET_EI_UNMAPPED, idx, m->rules[idx].mark);
}

void km_ei_plain(struct kmodel *m)
{
	/* this table's connections only: another natgw table's are its own */
	uint32_t mask = MARK_SCOPE_MASK | MARK_HAIRPIN, scope = mark_scope(m->table);

	for (int v6 = 0; v6 <= 1; v6++) {
		uint8_t fam = v6 ? NGW_FAMILY_IPV6 : NGW_FAMILY_IPV4;
		/* a new flow of any snat rule given a mapping's external socket
		 * (plain masquerade keeps a source port that a mapping holds) */
		struct krule *r = conn_rule(m, KCHAIN_EI_PLAIN, KRULE_NO_OWNER, mask, scope,
					    fam, true);
		not_in(r, KSET_EI_SNAT4, fam, EIS_X);
		in(r, KSET_EI_DNAT4, fam, EIS_E);
		retry(m, r, fam);
		/* every packet of a flow without a mapping keeps its external
		 * socket off new mappings */
		r = conn_rule(m, KCHAIN_EI_PLAIN, KRULE_NO_OWNER, mask, scope, fam, false);
		not_in(r, KSET_EI_SNAT4, fam, EIS_X);
		add(r, KSET_EI_BUSY4, fam, EIS_E, NATGW_EI_BUSY_S, true);
	}
}
