/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One item of `snat:` (source NAT, masquerade, static source-port mapping).
 * Called by load.c; the start of the item and inherited interfaces come
 * from load_rule.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load_snat.h"
#include "suggest.h"
#include "natgw/xalloc.h"

static const char *const snat_keys[] = { "name", "from", "out", "proto", "to", "ports",
					 "mode", "endpoint_independent", "idle_timeout",
					 "max_per_host" };
enum { S_NAME, S_FROM, S_OUT, S_PROTO, S_TO, S_PORTS, S_MODE, S_EI, S_IDLE, S_PER_HOST,
       S_COUNT };

static const char *const snat_protos[] = { "any", "tcp", "udp", "both" };
static const enum ngw_proto snat_proto_values[] = { NGW_PROTO_ANY, NGW_PROTO_TCP,
						    NGW_PROTO_UDP, NGW_PROTO_BOTH };
static const char *const snat_modes[] = { "default", "random", "fully-random", "persistent" };

/* The l4 protocols to look service names up for: "any" looks in both. */
static unsigned proto_l4(enum ngw_proto p)
{
	return p == NGW_PROTO_ANY ? 0 : (unsigned)p;
}

/* "192.0.2.30:5060" or "[2001:db8::30]:5060", as opposed to a prefix. */
static bool socket_form(const char *s)
{
	if (s[0] == '[')
		return strstr(s, "]:") != NULL;
	const char *c = strchr(s, ':');
	return c && !strchr(c + 1, ':') && !strchr(s, '/');
}

static void load_from_socket(struct loader *L, const struct ynode *v, struct ngw_snat *s)
{
	const char *str = value_string(L, "from", v);
	char err[NGW_ERRLEN];
	struct ngw_addr a;

	if (!str)
		return;
	if (socket_parse(str, proto_l4(s->proto), &a, &s->from_port, err) < 0) {
		lerr(L, v->pos, "from: %s", err);
		return;
	}
	if (s->from_port.lo != s->from_port.hi) {
		lerr(L, v->pos, "from: a socket takes one port, not the range %u-%u",
		     s->from_port.lo, s->from_port.hi);
		s->from_port.lo = s->from_port.hi = 0;
		return;
	}
	s->from.v = xzalloc(sizeof(*s->from.v));
	s->from.v[0].addr = a;
	s->from.v[0].len = a.family == NGW_FAMILY_IPV4 ? 32 : 128;
	s->from.n = 1;
}

static void load_from(struct loader *L, const struct ynode *v, struct ngw_snat *s)
{
	if (v->kind == YNODE_SCALAR && !ynode_is_null(v) && socket_form(v->str)) {
		load_from_socket(L, v, s);
		return;
	}
	if (v->kind == YNODE_SEQ) {
		for (size_t i = 0; i < v->n; i++) {
			const struct ynode *it = v->items[i];
			if (it->kind != YNODE_SCALAR || ynode_is_null(it) || !socket_form(it->str))
				continue;
			if (v->n == 1) {
				load_from_socket(L, it, s);
			} else {
				lerr(L, it->pos, "from: a socket (address:port) must be the "
				     "only entry; list prefixes, or one socket");
			}
			return;
		}
	}
	value_prefixes(L, "from", v, &s->from);
}

/* An address (or a range meeting one) that no reply can come back to:
 * the peer, and every router on the way, drops a packet from it. */
static void source_refused(struct loader *L, struct ngw_pos pos, const struct ngw_snat *s)
{
	char lo[NGW_ADDRSTRLEN], hi[NGW_ADDRSTRLEN], b[NGW_ADDRSTRLEN];
	struct ngw_prefix block;
	enum ngw_addr_class c = addr_range_class(&s->to_lo, &s->to_hi, &block);

	if (c == NGW_ADDR_UNICAST)
		return;
	addr_format(&s->to_lo, lo);
	addr_format(&s->to_hi, hi);
	if (!addr_cmp(&s->to_lo, &s->to_hi)) {
		lerr(L, pos, "to: %s is %s: packets leaving with it as their source are dropped "
		     "as martians and never answered", lo, addr_class_noun(c, false));
		return;
	}
	bool one = block.len == (block.addr.family == NGW_FAMILY_IPV4 ? 32 : 128);
	lerr(L, pos, "to: the range %s-%s includes %s, %s: packets leaving with one of them "
	     "as their source would be dropped as martians and never answered", lo, hi,
	     one ? addr_format(&block.addr, b) : prefix_format(&block, b),
	     addr_class_noun(c, !one));
}

static void load_to(struct loader *L, const struct ynode *v, struct ngw_snat *s)
{
	static const char *const masq[] = { "masquerade" };
	const char *str = value_string(L, "to", v);
	char err[NGW_ERRLEN];

	if (!str)
		return;
	if (!strcmp(str, "masquerade")) {
		s->kind = NGW_SNAT_MASQUERADE;
		return;
	}
	if (suggest_closest(str, masq, 1)) {
		lerr(L, v->pos, "to: unknown value \"%s\"; did you mean \"masquerade\"?", str);
		return;
	}
	s->kind = NGW_SNAT_TO_ADDRESS;
	if (addr_range_socket_parse(str, proto_l4(s->proto), &s->to_lo, &s->to_hi,
				    &s->to_port, err) < 0) {
		lerr(L, v->pos, "to: %s", err);
		return;
	}
	source_refused(L, v->pos, s);
}

static void load_ports(struct loader *L, const struct ynode *v, struct ngw_snat *s)
{
	const char *str = value_string(L, "ports", v);
	char err[NGW_ERRLEN];

	if (str && port_range_parse(str, proto_l4(s->proto), &s->to_port, err) < 0)
		lerr(L, v->pos, "ports: %s", err);
}

bool load_snat(struct loader *L, const struct ynode *item, size_t index, struct ngw_snat *s)
{
	const struct ngw_gateway *g = &L->rs->gateway;
	const struct ynode *val[S_COUNT];
	struct ngw_pos at[S_COUNT];
	struct keys k = KEYS(snat_keys, val, at);

	memset(s, 0, sizeof(*s));
	s->proto = NGW_PROTO_ANY;
	s->kind = NGW_SNAT_MASQUERADE;
	s->mode = NGW_MODE_DEFAULT;
	s->at.rule = item->pos;
	static const int required[] = { S_NAME, S_FROM };
	if (!rule_open(L, "snat", item, index, &k, required, 2, s->name))
		return false;

	s->at.name = value_pos(val[S_NAME], item);
	s->at.from = value_pos(val[S_FROM], item);
	s->at.out = value_pos(val[S_OUT], item);
	s->at.proto = value_pos(val[S_PROTO], item);
	s->at.to = value_pos(val[S_TO], item);
	s->at.ports = value_pos(val[S_PORTS], item);
	s->at.mode = value_pos(val[S_MODE], item);
	s->at.endpoint_independent = value_pos(val[S_EI], item);
	s->at.idle_timeout = value_pos(val[S_IDLE], item);
	s->at.max_per_host = value_pos(val[S_PER_HOST], item);
	s->idle_timeout = NGW_EI_TIMEOUT_DEFAULT;
	s->max_per_host = NGW_EI_PER_HOST_DEFAULT;

	if (val[S_NAME])
		value_name(L, val[S_NAME], s->name);
	/* proto first: service names in from, to and ports are looked up per protocol */
	if (val[S_PROTO]) {
		int p = value_enum(L, "proto", val[S_PROTO], snat_protos, 4);
		if (p >= 0)
			s->proto = snat_proto_values[p];
	}
	if (val[S_FROM])
		load_from(L, val[S_FROM], s);
	if (val[S_OUT])
		value_ifaces(L, "out", val[S_OUT], false, &s->out);
	else
		ifaces_copy(&s->out, &g->wan);
	if (val[S_TO])
		load_to(L, val[S_TO], s);
	if (val[S_PORTS] && s->kind != NGW_SNAT_MASQUERADE)
		lerr(L, val[S_PORTS]->pos, "ports: only with \"to: masquerade\"; for an "
		     "address write the ports in to (ADDRESS:PORT-PORT)");
	else if (val[S_PORTS])
		load_ports(L, val[S_PORTS], s);
	if (val[S_MODE]) {
		int m = value_enum(L, "mode", val[S_MODE], snat_modes, 4);
		if (m >= 0)
			s->mode = (enum ngw_snat_mode)m;
	}
	if (val[S_EI])
		value_bool(L, "endpoint_independent", val[S_EI], &s->endpoint_independent);
	if (val[S_IDLE])
		value_uint(L, "idle_timeout", val[S_IDLE], 1, NGW_EI_TIMEOUT_MAX,
			   &s->idle_timeout);
	if (val[S_PER_HOST])
		value_uint(L, "max_per_host", val[S_PER_HOST], 1, NGW_EI_PER_HOST_MAX,
			   &s->max_per_host);
	/* they tune endpoint-independent mappings and mean nothing without */
	if ((val[S_IDLE] || val[S_PER_HOST]) && !s->endpoint_independent)
		lerr(L, (val[S_IDLE] ? val[S_IDLE] : val[S_PER_HOST])->pos, "%s: only with "
		     "endpoint_independent: true", val[S_IDLE] ? "idle_timeout" : "max_per_host");
	else if (val[S_IDLE] && s->idle_timeout < NGW_EI_TIMEOUT_ADVISED)
		lwarn(L, val[S_IDLE]->pos, "idle_timeout %u s is under the %u s RFC 4787 "
		      "(REQ-5) asks for; mappings may end while a peer still counts on them",
		      s->idle_timeout, NGW_EI_TIMEOUT_ADVISED);
	return !L->rule_failed;
}
