/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "nft_script.h"

static const char *field_type(enum kfield f)
{
	static const char *const names[] = {
		[KF_IFNAME] = "ifname", [KF_NFPROTO] = "nf_proto", [KF_L4PROTO] = "inet_proto",
		[KF_PORT] = "inet_service", [KF_IPV4] = "ipv4_addr", [KF_IPV6] = "ipv6_addr",
		[KF_MARK] = "mark",
	};
	return names[f];
}

void kset_type_text(enum kset s, FILE *out)
{
	const struct kset_def *d = &kset_defs[s];

	fputs("type ", out);
	for (unsigned i = 0; i < d->n_key; i++)
		fprintf(out, "%s%s", i ? " . " : "", field_type(d->key[i]));
	switch (d->data) {
	case KD_NONE:
		break;
	case KD_MARK:
		fputs(" : mark", out);
		break;
	case KD_TARGET4:
		fputs(" : ipv4_addr . inet_service", out);
		break;
	case KD_TARGET6:
		fputs(" : ipv6_addr . inet_service", out);
		break;
	case KD_VERDICT:
		fputs(" : verdict", out);
		break;
	case KD_COUNTER:
		fputs(" : counter", out);
		break;
	}
}

static void quoted(const char *s, FILE *out)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static void write_set(const struct kmodel *m, enum kset s, FILE *out)
{
	bool first = true;

	fprintf(out, "\t%s %s {\n\t\t", kset_defs[s].data == KD_NONE ? "set" : "map",
		kset_defs[s].name);
	kset_type_text(s, out);
	fputc('\n', out);
	if (kset_defs[s].dynamic)
		fputs("\t\tflags dynamic,timeout\n", out);
	for (size_t i = 0; i < m->n_elems; i++) {
		const struct kelem *e = &m->elems[i];
		if (e->set != s)
			continue;
		fputs(first ? "\t\telements = { " : ",\n\t\t\t     ", out);
		first = false;
		kelem_key_text(e, out);
		if (e->rule != KRULE_NO_OWNER) {
			fputs(" comment ", out);
			quoted(m->rules[e->rule].name, out);
		}
		if (kset_defs[s].data != KD_NONE) {
			fputs(" : ", out);
			kelem_data_text(m, e, out);
		}
	}
	if (!first)
		fputs(" }\n", out);
	fputs("\t}\n", out);
}

static void write_rule(const struct kmodel *m, const struct krule *r, FILE *out)
{
	fputs("\t\t", out);
	krule_text(r, out);
	if (r->owner != KRULE_NO_OWNER) {
		fputs(" comment ", out);
		quoted(m->rules[r->owner].name, out);
	}
	fputc('\n', out);
}

static void write_chain(const struct kmodel *m, uint32_t chain, uint32_t owner,
			const char *head, FILE *out)
{
	char name[NGW_NAME_MAX + 16];

	if (chain < KCHAIN_FIXED)
		snprintf(name, sizeof(name), "%s", kchain_names[chain]);
	else
		kmodel_source_chain_name(&m->rules[owner], name, sizeof(name));
	fprintf(out, "\tchain %s {\n", name);
	if (head)
		fprintf(out, "\t\t%s\n", head);
	for (size_t i = 0; i < m->n_chain_rules; i++) {
		const struct krule *r = &m->chain_rules[i];
		if (r->chain == chain && (chain < KCHAIN_FIXED || r->owner == owner))
			write_rule(m, r, out);
	}
	fputs("\t}\n", out);
}

int nft_script_write(const struct kmodel *m, FILE *out)
{
	fprintf(out, "#!/usr/sbin/nft -f\n"
		"# The table natgw builds from its configuration (natgw plan --nft).\n"
		"# Loading it replaces any previous table of this name atomically.\n"
		"add table inet %s\n"
		"delete table inet %s\n"
		"table inet %s {\n"
		"\tcomment ", m->table, m->table, m->table);
	quoted(NATGW_LAYOUT, out);
	fputc('\n', out);
	for (size_t i = 0; i < m->n_rules; i++) {
		char name[NGW_NAME_MAX + 16];
		kmodel_counter_name(&m->rules[i], name, sizeof(name));
		fprintf(out, "\tcounter %s {\n\t\tcomment ", name);
		quoted(m->rules[i].desc, out);
		fputs("\n\t}\n", out);
	}
	/* chains referenced by map elements come before the maps */
	for (size_t i = 0; i < m->n_rules; i++)
		if (m->rules[i].source_chain)
			write_chain(m, KCHAIN_FIXED, (uint32_t)i, NULL, out);
	for (int s = 0; s < KSET_COUNT; s++)
		write_set(m, (enum kset)s, out);
	write_chain(m, KCHAIN_PREROUTING, 0,
		    "type nat hook prerouting priority dstnat; policy accept;", out);
	write_chain(m, KCHAIN_POSTROUTING, 0,
		    "type nat hook postrouting priority srcnat; policy accept;", out);
	write_chain(m, KCHAIN_COUNT_FWD, 0,
		    "type filter hook forward priority mangle; policy accept;", out);
	write_chain(m, KCHAIN_EI_REFRESH, 0,
		    "type filter hook postrouting priority srcnat + 1; policy accept;", out);
	fputs("}\n", out);
	return ferror(out) ? -1 : 0;
}
