/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Rules as nft text: what `natgw plan --nft` writes and `nft -f` reads back. */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "krule.h"
#include "fnv.h"
#include "natgw/xalloc.h"

static const char *l4_name(uint8_t l4)
{
	switch (l4) {
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_DCCP:
		return "dccp";
	case IPPROTO_SCTP:
		return "sctp";
	case IPPROTO_UDPLITE:
		return "udplite";
	}
	return "tcp";
}

static const char *field_expr(enum kfield f)
{
	switch (f) {
	case KF_IFNAME:
		return "iifname";
	case KF_NFPROTO:
		return "meta nfproto";
	case KF_L4PROTO:
		return "meta l4proto";
	case KF_PORT:
		return "th dport";
	case KF_IPV4:
		return "ip daddr";
	case KF_IPV6:
		return "ip6 daddr";
	case KF_MARK:
	case KF_MARK_BE:
		break;
	}
	return "ct mark";
}

static void mode_text(enum ngw_snat_mode m, FILE *out)
{
	if (m != NGW_MODE_DEFAULT)
		fprintf(out, " %s", snat_mode_name(m));
}

static void snat_target_text(const struct kop *o, FILE *out)
{
	char lo[NGW_ADDRSTRLEN], hi[NGW_ADDRSTRLEN], pr[NGW_ADDRSTRLEN];
	bool v6 = o->family == NGW_FAMILY_IPV6, range = addr_cmp(&o->lo, &o->hi) != 0;

	addr_format(&o->lo, lo);
	addr_format(&o->hi, hi);
	if (o->ports.lo)
		port_range_format(&o->ports, pr);
	if (v6 && o->ports.lo)
		fprintf(out, range ? "[%s]-[%s]" : "[%s]", lo, hi);
	else
		fprintf(out, range ? "%s-%s" : "%s", lo, hi);
	if (o->ports.lo)
		fprintf(out, ":%s", pr);
}

static const char *ip_name(uint8_t family)
{
	return family == NGW_FAMILY_IPV4 ? "ip" : "ip6";
}

/* The internal socket X and the external socket E of a connection X made,
 * as conntrack holds them after the source translation. */
static void ei_socket_text(bool external, uint8_t family, FILE *out)
{
	if (external)
		fprintf(out, "ct reply %s daddr . ct reply proto-dst", ip_name(family));
	else
		fprintf(out, "ct original %s saddr . ct original proto-src", ip_name(family));
}

/* ei_snat: X -> E; ei_dnat: E -> X; ei_mark: E -> the connection's mark. */
static void ei_update_text(const struct kop *o, FILE *out)
{
	bool snat = o->set == KSET_EI_SNAT4 || o->set == KSET_EI_SNAT6;
	bool mark = o->set == KSET_EI_MARK4 || o->set == KSET_EI_MARK6;

	fprintf(out, "update @%s { ", kset_defs[o->set].name);
	ei_socket_text(!snat, o->family, out);
	fprintf(out, " timeout %us : ", o->val);
	if (mark)
		fputs("ct mark", out);
	else
		ei_socket_text(snat, o->family, out);
	fputs(" }", out);
}

static void ei_shape_text(enum ei_shape shape, uint8_t family, FILE *out)
{
	const char *ip = ip_name(family);

	switch (shape) {
	case EIS_X:
	case EIS_E:
		ei_socket_text(shape == EIS_E, family, out);
		break;
	case EIS_HOST:
		fprintf(out, "ct mark . ct original %s saddr", ip);
		break;
	case EIS_FWD_ANY:
		fputs("meta nfproto . meta l4proto . ct reply proto-dst", out);
		break;
	case EIS_FWD_IN:
		fputs("oifname . meta nfproto . meta l4proto . ct reply proto-dst", out);
		break;
	case EIS_FWD_ADDR:
		fprintf(out, "ct reply %s daddr . meta l4proto . ct reply proto-dst", ip);
		break;
	case EIS_FWD_IN_ADDR:
		fprintf(out, "oifname . ct reply %s daddr . meta l4proto . ct reply proto-dst", ip);
		break;
	case EIS_E_IN:
		fprintf(out, "ct original %s daddr . ct original proto-dst", ip);
		break;
	case EIS_E_PORT:
		fputs("ct reply proto-dst", out);
		break;
	}
}

static void op_text(const struct kop *o, FILE *out)
{
	const struct kset_def *s = &kset_defs[o->set];
	char buf[NGW_ADDRSTRLEN];

	switch (o->kind) {
	case KOP_FIB_LOCAL:
		fputs("fib daddr type local", out);
		break;
	case KOP_FIB_NOT_ON_IIF:
		fputs("fib daddr . iif type != local", out);
		break;
	case KOP_OIFNAME:
		fprintf(out, "oifname \"%s\"", o->ifname);
		break;
	case KOP_SADDR:
		if (o->prefix.len == (o->family == NGW_FAMILY_IPV4 ? 32 : 128))
			addr_format(&o->prefix.addr, buf);
		else
			prefix_format(&o->prefix, buf);
		fprintf(out, "%s saddr %s", o->family == NGW_FAMILY_IPV4 ? "ip" : "ip6", buf);
		break;
	case KOP_L4PROTO:
		fprintf(out, "meta l4proto %s", l4_name(o->l4));
		break;
	case KOP_L4PROTO_PORTS: {
		static const uint8_t ported[KRULE_N_PORTED_L4] = KRULE_PORTED_L4;
		fputs("meta l4proto {", out);
		for (unsigned i = 0; i < KRULE_N_PORTED_L4; i++)
			fprintf(out, "%s %s", i ? "," : "", l4_name(ported[i]));
		fputs(" }", out);
		break;
	}
	case KOP_SPORT:
		fprintf(out, "%s sport %u", l4_name(o->l4), o->port);
		break;
	case KOP_IIF_LAN:
	case KOP_OIF_LAN:
		fprintf(out, "%s %s@%s", o->kind == KOP_IIF_LAN ? "iifname" : "oifname",
			o->neg ? "!= " : "", kset_defs[KSET_LAN].name);
		break;
	case KOP_MARK_EQ:
		fprintf(out, "ct mark and 0x%08x == 0x%08x", o->mask, o->val);
		break;
	case KOP_MARK_NEQ:
		fprintf(out, "ct mark and 0x%08x != 0x%08x", o->mask, o->val);
		break;
	case KOP_MARK_SET:
		fprintf(out, "ct mark set 0x%08x", o->val);
		break;
	case KOP_MARK_OR:
		fprintf(out, "ct mark set ct mark or 0x%08x", o->val);
		break;
	case KOP_MARK_MAP:
		fputs("ct mark set ", out);
		for (unsigned i = 0; i < s->n_key; i++)
			fprintf(out, "%s%s", i ? " . " : "", field_expr(s->key[i]));
		fprintf(out, " map @%s", s->name);
		break;
	case KOP_MARK_IN:
		fprintf(out, "ct mark and 0x%08x @%s", o->mask, s->name);
		break;
	case KOP_SOURCE_NOT_IN:
		fprintf(out, "ct mark and 0x%08x . %s saddr != @%s", o->mask,
			o->family == NGW_FAMILY_IPV4 ? "ip" : "ip6", s->name);
		break;
	case KOP_DNAT_MAP:
		fprintf(out, "dnat %s to ct mark and 0x%08x . %s dport map @%s",
			o->family == NGW_FAMILY_IPV4 ? "ip" : "ip6", o->mask, l4_name(o->l4),
			s->name);
		break;
	case KOP_MASQ:
		fputs("masquerade", out);
		if (o->ports.lo)
			fprintf(out, " to :%s", port_range_format(&o->ports, buf));
		mode_text(o->mode, out);
		break;
	case KOP_SNAT:
		fprintf(out, "snat %s to ", o->family == NGW_FAMILY_IPV4 ? "ip" : "ip6");
		snat_target_text(o, out);
		mode_text(o->mode, out);
		break;
	case KOP_NFPROTO:
		fprintf(out, "meta nfproto %s", o->family == NGW_FAMILY_IPV4 ? "ipv4" : "ipv6");
		break;
	case KOP_CT_ORIG_SNAT:
		fputs("ct direction original ct status snat", out);
		break;
	case KOP_EI_SNAT:
		fprintf(out, "snat %s to %s saddr . udp sport map @%s", ip_name(o->family),
			ip_name(o->family), s->name);
		break;
	case KOP_EI_MARK:
		fprintf(out, "ct mark set %s daddr . udp dport map @%s", ip_name(o->family),
			s->name);
		break;
	case KOP_EI_DNAT:
		fprintf(out, "dnat %s to %s daddr . udp dport map @%s", ip_name(o->family),
			ip_name(o->family), s->name);
		break;
	case KOP_EI_UPDATE:
		ei_update_text(o, out);
		break;
	case KOP_CT_NEW:
		fputs("ct state new", out);
		break;
	case KOP_CT_ORIGINAL:
		fputs("ct direction original", out);
		break;
	case KOP_CT_SNAT:
		fputs("ct status snat", out);
		break;
	case KOP_IIFNAME:
		fprintf(out, "iifname \"%s\"", o->ifname);
		break;
	case KOP_FIB_RPF_MISSING:
		fputs("fib saddr . iif oif missing", out);
		break;
	case KOP_EI_IN:
		ei_shape_text(o->shape, o->family, out);
		fprintf(out, " %s@%s", o->neg ? "!= " : "", s->name);
		break;
	case KOP_EI_ADD:
		fprintf(out, "%s @%s { ", o->update ? "update" : "add", s->name);
		ei_shape_text(o->shape, o->family, out);
		if (o->count)
			fprintf(out, " ct count over %u", o->count);
		else if (o->val)
			fprintf(out, " timeout %us", o->val);
		fputs(" }", out);
		break;
	case KOP_CT_DNAT:
		fputs("ct status dnat", out);
		break;
	case KOP_SOCKET:
		fprintf(out, "socket transparent %u", o->val);
		break;
	case KOP_DROP:
		fputs("drop", out);
		break;
	case KOP_RETURN:
		fputs("return", out);
		break;
	}
}

void krule_text(const struct krule *r, FILE *out)
{
	for (unsigned i = 0; i < r->n_ops; i++) {
		if (i)
			fputc(' ', out);
		op_text(&r->ops[i], out);
	}
}

/* FNV-1a over the text: stable across runs and versions of natgw that
 * render the rule the same way, which is what "unchanged" means here. */
uint64_t krule_fingerprint(const struct krule *r, const char *comment)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = xalloc_check(open_memstream(&text, &len));

	krule_text(r, f);
	if (comment)
		fprintf(f, " comment \"%s\"", comment);
	fclose(f);
	uint64_t h = fnv64(FNV64_BASIS, text, len);
	free(text);
	return h;
}
