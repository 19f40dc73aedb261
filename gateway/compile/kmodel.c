/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fnv.h"
#include "kmodel.h"
#include "kmodel_build.h"
#include "name_map.h"
#include "natgw/xalloc.h"

/* prerouting: classify a new connection (ct mark = its forward), then
 * translate it; postrouting: hairpin masquerade first; count: per rule. */
static void fixed_rules_head(struct kmodel *m, bool any_ei)
{
	static const enum kset by_key[] = { KSET_MATCH4_ADDR, KSET_MATCH4_IN_ADDR,
					    KSET_MATCH6_ADDR, KSET_MATCH6_IN_ADDR };
	struct krule *r;

	/* "any address local to the router": no address in the ruleset, so a
	 * new WAN address needs no apply */
	r = km_rule(m, KCHAIN_PREROUTING, KRULE_NO_OWNER);
	km_op(r, KOP_FIB_LOCAL);
	km_op_set(r, KOP_MARK_MAP, KSET_MATCH_ANY, 0);
	r = km_rule(m, KCHAIN_PREROUTING, KRULE_NO_OWNER);
	km_op(r, KOP_FIB_LOCAL);
	km_op_set(r, KOP_MARK_MAP, KSET_MATCH_IN, 0);
	for (size_t i = 0; i < sizeof(by_key) / sizeof(*by_key); i++) {
		r = km_rule(m, KCHAIN_PREROUTING, KRULE_NO_OWNER);
		km_op_set(r, KOP_MARK_MAP, by_key[i], 0);
	}
	/* hairpin: a LAN client to an address of the router that is not on
	 * its own interface, i.e. to an external address */
	r = km_rule(m, KCHAIN_PREROUTING, KRULE_NO_OWNER);
	km_op(r, KOP_FIB_NOT_ON_IIF);
	km_op(r, KOP_FIB_LOCAL);
	km_op_set(r, KOP_MARK_MAP, KSET_HAIRPIN_IN, 0);
	r = km_rule(m, KCHAIN_PREROUTING, KRULE_NO_OWNER);
	km_op(r, KOP_FIB_NOT_ON_IIF);
	km_op_set(r, KOP_MARK_MAP, KSET_HAIRPIN4_IN_ADDR, 0);
	r = km_rule(m, KCHAIN_PREROUTING, KRULE_NO_OWNER);
	km_op(r, KOP_FIB_NOT_ON_IIF);
	km_op_set(r, KOP_MARK_MAP, KSET_HAIRPIN6_IN_ADDR, 0);
	/* a datagram a socket of the router itself takes (a VPN's port) is
	 * never sent on to an endpoint-independent mapping */
	for (uint32_t transparent = 0; any_ei && transparent <= 1; transparent++) {
		r = km_rule(m, KCHAIN_PREROUTING, KRULE_NO_OWNER);
		km_op(r, KOP_L4PROTO)->l4 = IPPROTO_UDP;
		km_op(r, KOP_SOCKET)->val = transparent;
		km_op(r, KOP_RETURN);
	}
	/* a connection to the external socket of an endpoint-independent
	 * mapping: the snat rule that made it (see layout.h) */
	for (int v6 = 0; v6 <= 1; v6++) {
		r = km_rule(m, KCHAIN_PREROUTING, KRULE_NO_OWNER);
		km_op_mark(r, KOP_MARK_NEQ, MARK_TAG_MASK, MARK_TAG);
		km_op(r, KOP_L4PROTO)->l4 = IPPROTO_UDP;
		struct kop *o = km_op_set(r, KOP_EI_MARK, v6 ? KSET_EI_MARK6 : KSET_EI_MARK4, 0);
		o->family = v6 ? NGW_FAMILY_IPV6 : NGW_FAMILY_IPV4;
	}
	/* every forward reached from the LAN gets the hairpin bit, so its
	 * replies are masqueraded back through the router ... */
	r = km_rule(m, KCHAIN_PREROUTING, KRULE_NO_OWNER);
	km_op(r, KOP_IIF_LAN);
	km_op_mark(r, KOP_MARK_EQ, MARK_TAG_MASK | MARK_HAIRPIN, MARK_TAG);
	km_op_mark(r, KOP_MARK_OR, 0, MARK_HAIRPIN);
	/* ... unless the forward says hairpin: false */
	r = km_rule(m, KCHAIN_PREROUTING, KRULE_NO_OWNER);
	km_op(r, KOP_IIF_LAN);
	km_op_set(r, KOP_MARK_IN, KSET_NO_HAIRPIN, MARK_RULE_MASK);
	km_op_mark(r, KOP_MARK_SET, 0, 0);
	/* a forward with `from` loses its mark (is not forwarded) unless
	 * (mark . source address) is in one of its allowed prefixes: two
	 * lookups, whatever the number of forwards and prefixes */
	for (int v6 = 0; v6 <= 1; v6++) {
		r = km_rule(m, KCHAIN_PREROUTING, KRULE_NO_OWNER);
		km_op_set(r, KOP_MARK_IN, KSET_SOURCE_CHECKED, MARK_RULE_MASK);
		km_op_set(r, KOP_SOURCE_NOT_IN, v6 ? KSET_SOURCE6 : KSET_SOURCE4,
		       MARK_RULE_MASK)->family = v6 ? NGW_FAMILY_IPV6 : NGW_FAMILY_IPV4;
		km_op_mark(r, KOP_MARK_SET, 0, 0);
	}
	for (int v6 = 0; v6 <= 1; v6++) {
		for (int udp = 0; udp <= 1; udp++) {
			r = km_rule(m, KCHAIN_PREROUTING, KRULE_NO_OWNER);
			struct kop *o = km_op(r, KOP_DNAT_MAP);
			o->family = v6 ? NGW_FAMILY_IPV6 : NGW_FAMILY_IPV4;
			o->l4 = udp ? IPPROTO_UDP : IPPROTO_TCP;
			o->set = v6 ? KSET_TARGET6 : KSET_TARGET4;
			o->mask = MARK_RULE_MASK;
		}
	}

	/* ... and whatever any remote sends to an endpoint-independent
	 * mapping's external socket goes to its internal socket */
	for (int v6 = 0; v6 <= 1; v6++) {
		r = km_rule(m, KCHAIN_PREROUTING, KRULE_NO_OWNER);
		km_op(r, KOP_L4PROTO)->l4 = IPPROTO_UDP;
		struct kop *o = km_op_set(r, KOP_EI_DNAT, v6 ? KSET_EI_DNAT6 : KSET_EI_DNAT4, 0);
		o->family = v6 ? NGW_FAMILY_IPV6 : NGW_FAMILY_IPV4;
	}

	r = km_rule(m, KCHAIN_POSTROUTING, KRULE_NO_OWNER);
	km_op_mark(r, KOP_MARK_EQ, MARK_TAG_MASK | MARK_HAIRPIN, MARK_TAG | MARK_HAIRPIN);
	km_op(r, KOP_MASQ);

	/* the lookup counts the packet on the rule's element; other traffic
	 * stops at the tag, before the lookup */
	r = km_rule(m, KCHAIN_COUNT_FWD, KRULE_NO_OWNER);
	km_op_mark(r, KOP_MARK_EQ, MARK_TAG_MASK, MARK_TAG);
	km_op_set(r, KOP_MARK_IN, KSET_RULE_COUNTERS, MARK_RULE_MASK);
}

/* ---- forwards ---------------------------------------------------------- */

static uint16_t target_port(const struct ngw_forward *f, uint16_t port)
{
	if (f->to_port.lo == f->to_port.hi)
		return f->to_port.lo;			/* many-to-one */
	return (uint16_t)(f->to_port.lo + (port - f->port.lo));	/* one-to-one by offset */
}

static void classify_elem(struct kmodel *m, enum kset set, uint32_t rule, const char *iface,
			  const struct ngw_forward *f, uint8_t l4, uint16_t port, uint32_t mark)
{
	struct kelem *e = km_elem(m, set, rule);
	struct key_builder k = { e->key, 0 };

	if (iface)
		km_put_ifname(&k, iface);
	if (f->address.family)
		km_put_addr(&k, &f->address);
	else
		km_put_u8(&k, f->to.family == NGW_FAMILY_IPV4 ? NFPROTO_IPV4 : NFPROTO_IPV6);
	km_put_u8(&k, l4);
	km_put_port(&k, port);
	e->key_len = k.len;
	km_elem_data_mark(e, mark);
}

static enum kset classify_set(const struct ngw_forward *f, bool iface, bool hairpin)
{
	bool v4 = f->to.family == NGW_FAMILY_IPV4;

	if (hairpin)
		return !f->address.family ? KSET_HAIRPIN_IN :
		       v4 ? KSET_HAIRPIN4_IN_ADDR : KSET_HAIRPIN6_IN_ADDR;
	if (!f->address.family)
		return iface ? KSET_MATCH_IN : KSET_MATCH_ANY;
	if (iface)
		return v4 ? KSET_MATCH4_IN_ADDR : KSET_MATCH6_IN_ADDR;
	return v4 ? KSET_MATCH4_ADDR : KSET_MATCH6_ADDR;
}

static bool iface_listed(const struct ngw_ifaces *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->name[i], name))
			return true;
	return false;
}

static void compile_forward(struct kmodel *m, const struct ngw_ruleset *rs,
			    const struct ngw_forward *f, uint32_t idx)
{
	const struct ngw_ifaces *lan = &rs->gateway.lan;
	uint32_t mark = m->rules[idx].mark;
	/* hairpin for a forward bound to interfaces: the LAN interfaces get
	 * elements of their own, which match only external addresses */
	bool hairpin_elems = f->hairpin && f->in.n > 0;

	static const uint8_t l4s[] = { IPPROTO_TCP, IPPROTO_UDP };
	for (size_t j = 0; j < 2; j++) {
		uint8_t l4 = l4s[j];
		if (!(f->proto & (l4 == IPPROTO_TCP ? NGW_L4_TCP : NGW_L4_UDP)))
			continue;
		for (uint32_t p = f->port.lo; p <= f->port.hi; p++) {
			if (f->in.n == 0)
				classify_elem(m, classify_set(f, false, false), idx, NULL, f, l4,
					      (uint16_t)p, mark);
			for (size_t i = 0; i < f->in.n; i++)
				classify_elem(m, classify_set(f, true, false), idx, f->in.name[i],
					      f, l4, (uint16_t)p, mark);
			for (size_t i = 0; hairpin_elems && i < lan->n; i++)
				if (!iface_listed(&f->in, lan->name[i]))
					classify_elem(m, classify_set(f, true, true), idx,
						      lan->name[i], f, l4, (uint16_t)p,
						      mark | MARK_HAIRPIN);
		}
	}

	/* the target, per external port: the same for tcp and udp */
	bool v4 = f->to.family == NGW_FAMILY_IPV4;
	for (uint32_t p = f->port.lo; p <= f->port.hi; p++) {
		struct kelem *e = km_elem(m, v4 ? KSET_TARGET4 : KSET_TARGET6, idx);
		struct key_builder k = { e->key, 0 }, d = { e->data, 0 };
		km_put_mark(&k, mark);
		km_put_port(&k, (uint16_t)p);
		e->key_len = k.len;
		km_put_addr(&d, &f->to);
		km_put_port(&d, target_port(f, (uint16_t)p));
		e->data_len = d.len;
	}

	if (f->from.n) {
		struct kelem *e = km_elem(m, KSET_SOURCE_CHECKED, idx);
		struct key_builder k = { e->key, 0 };
		km_put_mark(&k, mark);
		e->key_len = k.len;
		for (size_t i = 0; i < f->from.n; i++) {
			const struct ngw_prefix *p = &f->from.v[i];
			e = km_elem(m, p->addr.family == NGW_FAMILY_IPV4 ? KSET_SOURCE4 :
				     KSET_SOURCE6, idx);
			k = (struct key_builder){ e->key, 0 };
			for (int last = 0; last <= 1; last++) {
				km_put_mark_be(&k, mark);
				km_put_prefix_end(&k, p, last);
			}
			e->key_len = k.len;
		}
	}
	if (!f->hairpin && f->in.n == 0) {
		struct kelem *e = km_elem(m, KSET_NO_HAIRPIN, idx);
		struct key_builder k = { e->key, 0 };
		km_put_mark(&k, mark);
		e->key_len = k.len;
	}
}

/* ---- snat rules -------------------------------------------------------- */

/* One snat rule becomes, per egress interface, source prefix and protocol,
 * two nft rules: the first stamps its mark unless a forward already did,
 * the second translates (two do with ports for any protocol, below). The
 * first snat rule to match a packet wins. */
/* The translation of snat rule s for a source prefix, in mode. */
static struct kop *translate(struct krule *r, const struct ngw_snat *s,
			     const struct ngw_prefix *from, enum ngw_snat_mode mode)
{
	struct kop *t = km_op(r, s->kind == NGW_SNAT_MASQUERADE ? KOP_MASQ : KOP_SNAT);
	t->family = s->kind == NGW_SNAT_MASQUERADE ? from->addr.family : s->to_lo.family;
	t->lo = s->to_lo;
	t->hi = s->to_hi;
	t->ports = s->to_port;
	t->mode = mode;
	return t;
}

/* The last rule of s for an egress interface, source prefix and protocol
 * l4 (0: any): the translation. With ports and any protocol, two (SPEC
 * section 2): the protocols with ports take the range,
 *   ... meta l4proto { tcp, udp, dccp, sctp, udplite } masquerade to :20000-29999
 * and every other one (ICMP, GRE, ...) is translated without it,
 *   ... masquerade
 * where one rule would give ICMP echo ids from the range (krule.h). */
static void translation_rules(struct kmodel *m, const struct ngw_snat *s, uint32_t idx,
			      const char *out, const struct ngw_prefix *from, uint8_t l4)
{
	struct krule *r = km_rule(m, KCHAIN_POSTROUTING, idx);

	km_snat_matches(r, s, out, from, l4);
	if (l4 || !s->to_port.lo) {
		translate(r, s, from, s->mode);
		return;
	}
	km_op(r, KOP_L4PROTO_PORTS);
	translate(r, s, from, s->mode);
	r = km_rule(m, KCHAIN_POSTROUTING, idx);
	km_snat_matches(r, s, out, from, 0);
	translate(r, s, from, s->mode)->ports = (struct ngw_port_range){ 0, 0 };
}

static void compile_snat(struct kmodel *m, const struct ngw_snat *s, uint32_t idx)
{
	uint8_t l4s[2] = { 0, 0 };
	size_t n_l4 = 1;

	if (s->proto == NGW_PROTO_TCP)
		l4s[0] = IPPROTO_TCP;
	else if (s->proto == NGW_PROTO_UDP)
		l4s[0] = IPPROTO_UDP;
	else if (s->proto == NGW_PROTO_BOTH)
		l4s[0] = IPPROTO_TCP, l4s[1] = IPPROTO_UDP, n_l4 = 2;

	for (size_t o = 0; o < (s->out.n ? s->out.n : 1); o++) {
		const char *out = s->out.n ? s->out.name[o] : NULL;
		for (size_t p = 0; p < s->from.n; p++) {
			const struct ngw_prefix *from = &s->from.v[p];
			uint8_t fam = from->addr.family;
			for (size_t i = 0; i < n_l4; i++) {
				struct krule *r = km_rule(m, KCHAIN_POSTROUTING, idx);
				km_snat_matches(r, s, out, from, l4s[i]);
				km_op_mark(r, KOP_MARK_NEQ, MARK_TAG_MASK, MARK_TAG);
				km_op_mark(r, KOP_MARK_SET, 0, m->rules[idx].mark);

				if (s->endpoint_independent) {
					/* X keeps the external socket it already has */
					r = km_rule(m, KCHAIN_POSTROUTING, idx);
					km_snat_matches(r, s, out, from, l4s[i]);
					km_op_set(r, KOP_EI_SNAT, fam == NGW_FAMILY_IPV4 ?
					       KSET_EI_SNAT4 : KSET_EI_SNAT6, 0)->family = fam;
				}
				if (km_ei_retries(s, l4s[i])) {
					/* a socket whose datagram was dropped because
					 * the port it was given belongs to a mapping
					 * tries a random one */
					r = km_rule(m, KCHAIN_POSTROUTING, idx);
					km_snat_matches(r, s, out, from, l4s[i] ? l4s[i] : IPPROTO_UDP);
					struct kop *x = km_op_set(r, KOP_EI_IN, fam == NGW_FAMILY_IPV4 ?
								  KSET_EI_RETRY4 : KSET_EI_RETRY6, 0);
					x->family = fam;
					x->shape = EIS_X;
					translate(r, s, from, NGW_MODE_FULLY_RANDOM);
				}
				translation_rules(m, s, idx, out, from, l4s[i]);
			}
		}
	}
}

/* ---- descriptions (kept with the rule's counter) ------------------------------ */

static void list_ifaces(FILE *f, const char *word, const struct ngw_ifaces *l)
{
	for (size_t i = 0; i < l->n; i++)
		fprintf(f, "%s%s", i ? "," : word, l->name[i]);
}

static void list_prefixes(FILE *f, const struct ngw_prefixes *l, bool summarize)
{
	char buf[NGW_ADDRSTRLEN];

	if (summarize) {
		fprintf(f, " from %zu prefixes", l->n);
		return;
	}
	for (size_t i = 0; i < l->n; i++)
		fprintf(f, "%s%s", i ? "," : " from ", prefix_format(&l->v[i], buf));
}

static void describe_forward(const struct ngw_forward *f, bool summarize, FILE *out)
{
	char a[NGW_ADDRSTRLEN], b[NGW_ADDRSTRLEN];

	fprintf(out, "forward %s %s -> %s", proto_name(f->proto), port_range_format(&f->port, a),
		socket_format(&f->to, &f->to_port, b));
	list_ifaces(out, " in ", &f->in);
	if (f->address.family)
		fprintf(out, " address %s", addr_format(&f->address, a));
	if (f->from.n)
		list_prefixes(out, &f->from, summarize);
	if (!f->hairpin)
		fputs(" no-hairpin", out);
}

static void describe_snat(const struct ngw_snat *s, bool summarize, FILE *out)
{
	char a[NGW_ADDRSTRLEN], b[NGW_ADDRSTRLEN];

	fputs("snat", out);
	if (s->from_port.lo)
		fprintf(out, " from %s", socket_format(&s->from.v[0].addr, &s->from_port, a));
	else
		list_prefixes(out, &s->from, summarize);
	list_ifaces(out, " out ", &s->out);
	fprintf(out, " %s -> ", proto_name(s->proto));
	if (s->kind == NGW_SNAT_MASQUERADE) {
		fputs("masquerade", out);
	} else {
		fputs(addr_format(&s->to_lo, a), out);
		if (addr_cmp(&s->to_lo, &s->to_hi))
			fprintf(out, "-%s", addr_format(&s->to_hi, b));
	}
	if (s->to_port.lo)
		fprintf(out, " ports %s", port_range_format(&s->to_port, a));
	if (s->mode != NGW_MODE_DEFAULT)
		fprintf(out, " %s", snat_mode_name(s->mode));
}

/* The description fits a kernel comment; long source lists are counted
 * rather than cut off mid-word. */
static void describe(struct kmodel_rule *kr, const struct ngw_forward *f,
		     const struct ngw_snat *s)
{
	for (int summarize = 0; summarize <= 1; summarize++) {
		FILE *out = xalloc_check(fmemopen(kr->desc, sizeof(kr->desc), "w"));
		setvbuf(out, NULL, _IONBF, 0);
		if (f)
			describe_forward(f, summarize, out);
		else
			describe_snat(s, summarize, out);
		long len = ftell(out);
		fclose(out);
		if (len >= 0 && (size_t)len < sizeof(kr->desc) - 1)
			return;
	}
	kr->desc[sizeof(kr->desc) - 1] = '\0';
}

/* ---- marks ------------------------------------------------------------- */

/* Each rule's mark, from the table's name and the rules' names alone
 * (mark.h): the same file gives the same marks on every router, whatever
 * was applied before. */
static int assign_marks(struct kmodel *m)
{
	const char **names = xcalloc(m->n_rules + 1, sizeof(*names));
	uint32_t *marks = xcalloc(m->n_rules + 1, sizeof(*marks));

	for (size_t i = 0; i < m->n_rules; i++)
		names[i] = m->rules[i].name;
	int r = mark_assign(m->table, names, m->n_rules, marks);
	for (size_t i = 0; r == 0 && i < m->n_rules; i++)
		m->rules[i].mark = marks[i];
	free(names);
	free(marks);
	return r;
}

/* ---- digests ----------------------------------------------------------- */


/* A mark inside an element, as the digest sees it: only the hairpin bit,
 * since which rule it names is the rule's mark, compared on its own. */
static void unmark(uint8_t *p, bool big_endian)
{
	uint32_t v;
	memcpy(&v, p, 4);
	v = big_endian ? htonl(ntohl(v) & MARK_HAIRPIN) : v & MARK_HAIRPIN;
	memcpy(p, &v, 4);
}

/* The element's key and data with every mark reduced by unmark(). */
static void elem_unmarked(const struct kelem *e, uint8_t *key, uint8_t *data)
{
	const struct kset_def *d = &kset_defs[e->set];
	unsigned one = kset_key_len(e->set);

	memcpy(key, e->key, e->key_len);
	memcpy(data, e->data, e->data_len);
	for (unsigned base = 0; base + one <= e->key_len; base += one) {
		unsigned off = base;
		for (unsigned f = 0; f < d->n_key; off += kfield_size(d->key[f++]))
			if (d->key[f] == KF_MARK || d->key[f] == KF_MARK_BE)
				unmark(key + off, d->key[f] == KF_MARK_BE);
	}
	if (d->data == KD_MARK && e->data_len == 4)
		unmark(data, false);
}

/* FNV-1a over each rule's elements in compile order: set, key and data,
 * with the marks in them reduced to the hairpin bit; the rule's name and
 * description are hashed too. The digest says what a rule does, not which
 * mark it has: a rule whose mark moved (mark.h) but which does the same
 * keeps its digest, and its connections are re-marked, not flushed. */
static void digest_rules(struct kmodel *m)
{
	uint8_t key[KELEM_KEY_MAX], data[KELEM_DATA_MAX];

	for (size_t i = 0; i < m->n_rules; i++) {
		struct kmodel_rule *r = &m->rules[i];
		r->digest = fnv64(FNV64_BASIS, r->name, strlen(r->name) + 1);
		r->digest = fnv64(r->digest, r->desc, strlen(r->desc) + 1);
	}
	for (size_t i = 0; i < m->n_elems; i++) {
		const struct kelem *e = &m->elems[i];
		if (e->rule == KRULE_NO_OWNER)
			continue;
		uint64_t *h = &m->rules[e->rule].digest;
		elem_unmarked(e, key, data);
		*h = fnv64(*h, &e->set, 1);
		*h = fnv64(*h, &e->key_len, 1);
		*h = fnv64(*h, key, e->key_len);
		*h = fnv64(*h, &e->data_len, 1);
		*h = fnv64(*h, data, e->data_len);
	}
}

/* ---- the whole table --------------------------------------------------- */

int kmodel_compile(const struct ngw_ruleset *rs, struct kmodel *m)
{
	size_t n = 0;

	memset(m, 0, sizeof(*m));
	snprintf(m->table, sizeof(m->table), "%s", rs->gateway.table);
	m->rules = xcalloc(rs->n_forwards + rs->n_snats + 1, sizeof(*m->rules));
	for (size_t i = 0; i < rs->n_forwards; i++) {
		const struct ngw_forward *f = &rs->forwards[i];
		if (!f->enabled)
			continue;
		struct kmodel_rule *kr = &m->rules[n++];
		snprintf(kr->name, sizeof(kr->name), "%s", f->name);
		kr->pos = f->at.rule;
		describe(kr, f, NULL);
	}
	for (size_t i = 0; i < rs->n_snats; i++) {
		struct kmodel_rule *kr = &m->rules[n++];
		snprintf(kr->name, sizeof(kr->name), "%s", rs->snats[i].name);
		kr->snat = true;
		kr->pos = rs->snats[i].at.rule;
		describe(kr, NULL, &rs->snats[i]);
	}
	m->n_rules = n;
	int r = assign_marks(m);
	if (r < 0)
		return r;

	for (size_t i = 0; i < rs->gateway.lan.n; i++) {
		struct kelem *e = km_elem(m, KSET_LAN, KRULE_NO_OWNER);
		struct key_builder k = { e->key, 0 };
		km_put_ifname(&k, rs->gateway.lan.name[i]);
		e->key_len = k.len;
	}
	bool any_ei = false;
	for (size_t i = 0; i < rs->n_snats; i++)
		any_ei |= rs->snats[i].endpoint_independent;
	fixed_rules_head(m, any_ei);
	n = 0;
	for (size_t i = 0; i < rs->n_forwards; i++)
		if (rs->forwards[i].enabled)
			compile_forward(m, rs, &rs->forwards[i], (uint32_t)n++);
	for (size_t i = 0; i < rs->n_snats; i++) {
		uint32_t idx = (uint32_t)n++;
		compile_snat(m, &rs->snats[i], idx);
		if (rs->snats[i].proto != NGW_PROTO_TCP)
			km_ei_spoof(m, &rs->snats[i], idx);
		if (rs->snats[i].endpoint_independent)
			km_ei_rule(m, rs, &rs->snats[i], idx);
	}
	if (any_ei)
		km_ei_plain(m);
	for (size_t i = 0; i < m->n_rules; i++)
		km_elem_mark(m, KSET_RULE_COUNTERS, (uint32_t)i, m->rules[i].mark);
	digest_rules(m);
	return 0;
}

void kmodel_set_counts(const struct kmodel *m, size_t counts[KSET_COUNT])
{
	memset(counts, 0, KSET_COUNT * sizeof(*counts));
	for (size_t i = 0; i < m->n_elems; i++)
		counts[m->elems[i].set]++;
}

void kmodel_free(struct kmodel *m)
{
	free(m->rules);
	free(m->elems);
	free(m->chain_rules);
	memset(m, 0, sizeof(*m));
}


/* ---- element text ------------------------------------------------------ */

static void field_text(enum kfield f, const uint8_t *p, FILE *out)
{
	char buf[NGW_ADDRSTRLEN];
	struct ngw_addr a = { 0 };
	uint32_t mark;

	switch (f) {
	case KF_IFNAME:
		fprintf(out, "\"%.*s\"", (int)strnlen((const char *)p, 16), (const char *)p);
		break;
	case KF_NFPROTO:
		fputs(p[0] == NFPROTO_IPV4 ? "ipv4" : "ipv6", out);
		break;
	case KF_L4PROTO:
		fputs(p[0] == IPPROTO_UDP ? "udp" : "tcp", out);
		break;
	case KF_PORT:
		fprintf(out, "%u", (unsigned)p[0] << 8 | p[1]);
		break;
	case KF_IPV4:
	case KF_IPV6:
		a.family = f == KF_IPV4 ? NGW_FAMILY_IPV4 : NGW_FAMILY_IPV6;
		memcpy(a.b, p, f == KF_IPV4 ? 4 : 16);
		fputs(addr_format(&a, buf), out);
		break;
	case KF_MARK:
	case KF_MARK_BE:
		memcpy(&mark, p, 4);
		fprintf(out, "0x%08x", f == KF_MARK ? mark : ntohl(mark));
		break;
	}
}

/* The prefix length of the range [lo, hi], as nft prints it. */
static unsigned range_prefix_len(const uint8_t *lo, const uint8_t *hi, unsigned bytes)
{
	unsigned len = 0;
	while (len < bytes * 8 && !((lo[len / 8] ^ hi[len / 8]) & (0x80u >> (len % 8))))
		len++;
	return len;
}

void kelem_key_text(const struct kelem *e, FILE *out)
{
	const struct kset_def *s = &kset_defs[e->set];
	unsigned off = 0;

	for (unsigned i = 0; i < s->n_key; i++) {
		unsigned size = kfield_size(s->key[i]);
		if (i)
			fputs(" . ", out);
		field_text(s->key[i], e->key + off, out);
		/* a range of addresses (natgw's ranges are prefixes): a host
		 * prints as its address, as nft lists it */
		if (s->interval && (s->key[i] == KF_IPV4 || s->key[i] == KF_IPV6)) {
			unsigned len = range_prefix_len(e->key + off,
							e->key + kset_key_len(e->set) + off, size);
			if (len < size * 8)
				fprintf(out, "/%u", len);
		}
		off += size;
	}
}

void kelem_data_text(const struct kelem *e, FILE *out)
{
	switch (kset_defs[e->set].data) {
	case KD_NONE:
		break;
	case KD_MARK:
		field_text(KF_MARK, e->data, out);
		break;
	case KD_TARGET4:
		field_text(KF_IPV4, e->data, out);
		fputs(" . ", out);
		field_text(KF_PORT, e->data + 4, out);
		break;
	case KD_TARGET6:
		field_text(KF_IPV6, e->data, out);
		fputs(" . ", out);
		field_text(KF_PORT, e->data + 16, out);
		break;
	}
}
