/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "nft_script.h"

static const char *field_type(enum kfield f)
{
	static const char *const names[] = {
		[KF_IFNAME] = "ifname", [KF_NFPROTO] = "nf_proto", [KF_L4PROTO] = "inet_proto",
		[KF_PORT] = "inet_service", [KF_IPV4] = "ipv4_addr", [KF_IPV6] = "ipv6_addr",
		[KF_MARK] = "mark", [KF_MARK_BE] = "mark",
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

static void write_set(const struct kmodel *m, enum kset s, size_t count, FILE *out)
{
	bool first = true;

	fprintf(out, "\t%s %s {\n\t\t", kset_defs[s].data == KD_NONE ? "set" : "map",
		kset_defs[s].name);
	kset_type_text(s, out);
	fputc('\n', out);
	if (kset_defs[s].size)
		fprintf(out, "\t\tsize %u\n", kset_defs[s].size);
	if (kset_defs[s].dynamic)
		fputs("\t\tflags dynamic,timeout\n", out);
	else if (kset_defs[s].conn_count)
		fputs("\t\tflags dynamic\n", out);
	else
		fprintf(out, "\t\tsize %u\n", kset_capacity(count));
	if (kset_defs[s].interval)
		fputs("\t\tflags interval\n", out);
	if (kset_defs[s].counted)
		fputs("\t\tcounter\n", out);
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
			kelem_data_text(e, out);
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

static void write_chain(const struct kmodel *m, enum kchain chain, const char *head, FILE *out)
{
	fprintf(out, "\tchain %s {\n\t\t%s\n", kchain_names[chain], head);
	for (size_t i = 0; i < m->n_chain_rules; i++)
		if (m->chain_rules[i].chain == (uint32_t)chain)
			write_rule(m, &m->chain_rules[i], out);
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
	size_t counts[KSET_COUNT];
	kmodel_set_counts(m, counts);
	for (int s = 0; s < KSET_COUNT; s++)
		write_set(m, (enum kset)s, counts[s], out);
	write_chain(m, KCHAIN_PREROUTING,
		    "type nat hook prerouting priority dstnat; policy accept;", out);
	write_chain(m, KCHAIN_POSTROUTING,
		    "type nat hook postrouting priority srcnat; policy accept;", out);
	write_chain(m, KCHAIN_COUNT_FWD,
		    "type filter hook forward priority mangle; policy accept;", out);
	write_chain(m, KCHAIN_EI_REFRESH,
		    "type filter hook postrouting priority srcnat + 1; policy accept;", out);
	write_chain(m, KCHAIN_EI_PLAIN,
		    "type filter hook postrouting priority srcnat + 2; policy accept;", out);
	write_chain(m, KCHAIN_EI_SPOOF,
		    "type filter hook forward priority filter - 10; policy accept;", out);
	fputs("}\n", out);
	return ferror(out) ? -1 : 0;
}
