/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One item of `forwards:` (port forwarding, DNAT). Called by load.c; the
 * start of the item and inherited interfaces come from load_rule.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load_forward.h"
#include "natgw/xalloc.h"

static const char *const forward_keys[] = { "name", "proto", "port", "to", "from", "in",
					    "address", "hairpin", "enabled", "comment" };
enum { F_NAME, F_PROTO, F_PORT, F_TO, F_FROM, F_IN, F_ADDRESS, F_HAIRPIN, F_ENABLED,
       F_COMMENT, F_COUNT };

static const char *const forward_protos[] = { "tcp", "udp", "both" };
static const enum ngw_proto forward_proto_values[] = { NGW_PROTO_TCP, NGW_PROTO_UDP,
						       NGW_PROTO_BOTH };

#define COMMENT_MAX 128		/* what fits in a kernel element comment */

static void load_port(struct loader *L, const struct ynode *v, struct ngw_forward *f)
{
	const char *s = value_string(L, "port", v);
	char err[NGW_ERRLEN];

	if (s && port_range_parse(s, f->proto, &f->port, err) < 0)
		lerr(L, v->pos, "%s", err);
}

/* A target no packet can be sent to, said per kind. */
static void target_refused(struct loader *L, struct ngw_pos pos, const struct ngw_addr *a,
			   enum ngw_addr_class c)
{
	char s[NGW_ADDRSTRLEN], v4[NGW_ADDRSTRLEN];
	const char *what = addr_class_noun(c, false);
	struct ngw_addr inner;

	if (c == NGW_ADDR_UNICAST)
		return;
	addr_format(a, s);
	switch (c) {
	case NGW_ADDR_UNSPECIFIED:
		lerr(L, pos, "to: %s is %s: no host has it; a forward needs the address of "
		     "one host", s, what);
		break;
	case NGW_ADDR_THIS_NETWORK:
		lerr(L, pos, "to: %s is %s: the kernel drops packets forwarded to it (a "
		     "martian); a forward needs the address of one host", s, what);
		break;
	case NGW_ADDR_LOOPBACK:
		lerr(L, pos, "to: %s is %s: the kernel drops packets forwarded to it (a "
		     "martian); for a service on the router itself, forward to one of the "
		     "router's own addresses", s, what);
		break;
	case NGW_ADDR_MULTICAST:
		lerr(L, pos, "to: %s is %s: a forward needs the unicast address of one host, "
		     "not a group", s, what);
		break;
	case NGW_ADDR_BROADCAST:
		lerr(L, pos, "to: %s is %s: the kernel does not forward to it; a forward needs "
		     "the unicast address of one host", s, what);
		break;
	case NGW_ADDR_V4MAPPED:
		inner = addr_v4mapped_inner(a);
		if (addr_class(&inner) == NGW_ADDR_UNICAST)
			lerr(L, pos, "to: %s is %s: it never appears in a packet, and natgw does "
			     "not translate between IPv4 and IPv6; for the IPv4 host write %s",
			     s, what, addr_format(&inner, v4));
		else
			lerr(L, pos, "to: %s is %s: it never appears in a packet, and natgw does "
			     "not translate between IPv4 and IPv6", s, what);
		break;
	case NGW_ADDR_UNICAST:
		break;
	}
}

static void load_to(struct loader *L, const struct ynode *v, struct ngw_forward *f)
{
	const char *s = value_string(L, "to", v);
	char err[NGW_ERRLEN];

	if (!s)
		return;
	if (socket_parse(s, f->proto, &f->to, &f->to_port, err) < 0) {
		lerr(L, v->pos, "to: %s", err);
		return;
	}
	target_refused(L, v->pos, &f->to, addr_class(&f->to));
}

static void load_address(struct loader *L, const struct ynode *v, struct ngw_forward *f)
{
	const char *s = value_string(L, "address", v);
	char err[NGW_ERRLEN], a[NGW_ADDRSTRLEN];

	if (!s)
		return;
	if (strchr(s, '/')) {
		lerr(L, v->pos, "address: \"%.64s\" is a prefix; address takes one "
		     "external address", s);
		return;
	}
	if (addr_parse(s, &f->address, err) < 0) {
		lerr(L, v->pos, "address: %s", err);
		return;
	}
	enum ngw_addr_class c = addr_class(&f->address);
	if (c == NGW_ADDR_UNICAST)
		return;
	addr_format(&f->address, a);
	if (c == NGW_ADDR_UNSPECIFIED)
		lerr(L, v->pos, "address: %s is %s; leave address out to match every address "
		     "of the router", a, addr_class_noun(c, false));
	else if (c == NGW_ADDR_MULTICAST || c == NGW_ADDR_BROADCAST)
		lerr(L, v->pos, "address: %s is %s; address takes one unicast address of the "
		     "router", a, addr_class_noun(c, false));
	else
		lerr(L, v->pos, "address: %s is %s: no packet from outside is addressed to it, "
		     "so the forward would never match", a, addr_class_noun(c, false));
}

static void load_comment(struct loader *L, const struct ynode *v, struct ngw_forward *f)
{
	const char *s = value_string(L, "comment", v);

	if (!s)
		return;
	if (strlen(s) > COMMENT_MAX) {
		lerr(L, v->pos, "comment is %zu bytes; the limit is %d", strlen(s), COMMENT_MAX);
		return;
	}
	for (const char *p = s; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			lerr(L, v->pos, "comment: control characters (0x%02x) are not allowed",
			     (unsigned char)*p);
			return;
		}
	}
	f->comment = xstrdup(s);
}

bool load_forward(struct loader *L, const struct ynode *item, size_t index,
		  struct ngw_forward *f)
{
	const struct ngw_gateway *g = &L->rs->gateway;
	const struct ynode *val[F_COUNT];
	struct ngw_pos at[F_COUNT];
	struct keys k = KEYS(forward_keys, val, at);

	memset(f, 0, sizeof(*f));
	f->proto = NGW_PROTO_TCP;
	f->hairpin = g->hairpin;
	f->enabled = true;
	f->at.rule = item->pos;
	static const int required[] = { F_NAME, F_PORT, F_TO };
	if (!rule_open(L, "forward", item, index, &k, required, 3, f->name))
		return false;

	f->at.name = value_pos(val[F_NAME], item);
	f->at.proto = value_pos(val[F_PROTO], item);
	f->at.port = value_pos(val[F_PORT], item);
	f->at.to = value_pos(val[F_TO], item);
	f->at.from = value_pos(val[F_FROM], item);
	f->at.in = value_pos(val[F_IN], item);
	f->at.address = value_pos(val[F_ADDRESS], item);
	f->at.hairpin = value_pos(val[F_HAIRPIN], item);
	f->at.enabled = value_pos(val[F_ENABLED], item);
	f->at.comment = value_pos(val[F_COMMENT], item);

	if (val[F_NAME])
		value_name(L, val[F_NAME], f->name);
	/* proto first: service names in port and to are looked up per protocol */
	if (val[F_PROTO]) {
		int p = value_enum(L, "proto", val[F_PROTO], forward_protos, 3);
		if (p >= 0)
			f->proto = forward_proto_values[p];
	}
	if (val[F_PORT])
		load_port(L, val[F_PORT], f);
	if (val[F_TO])
		load_to(L, val[F_TO], f);
	if (val[F_FROM])
		value_prefixes(L, "from", val[F_FROM], &f->from);
	if (val[F_IN])
		value_ifaces(L, "in", val[F_IN], false, &f->in);
	else
		ifaces_copy(&f->in, &g->wan);
	if (val[F_ADDRESS])
		load_address(L, val[F_ADDRESS], f);
	if (val[F_HAIRPIN])
		value_bool(L, "hairpin", val[F_HAIRPIN], &f->hairpin);
	if (val[F_ENABLED])
		value_bool(L, "enabled", val[F_ENABLED], &f->enabled);
	if (val[F_COMMENT])
		load_comment(L, val[F_COMMENT], f);
	return !L->rule_failed;
}
