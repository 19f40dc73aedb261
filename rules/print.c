/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The canonical form of a ruleset: every default written out, numbers for
 * service names, one rule per block, keys in a fixed order. It is what
 * natgw would apply, and it loads back to the same ruleset. */
#include <stdio.h>
#include <string.h>

#include "natgw/rules.h"

/* Whether s can be written as a plain YAML scalar and read back as the
 * same string by any YAML reader (not a number, boolean, null or key). */
static bool plain_safe(const char *s)
{
	static const char *const reserved[] = { "null", "Null", "NULL", "~", "true", "True",
		"TRUE", "false", "False", "FALSE", "yes", "Yes", "YES", "no", "No", "NO",
		"on", "On", "ON", "off", "Off", "OFF", "y", "Y", "n", "N" };
	size_t len = strlen(s);

	if (len == 0 || strspn(s, "0123456789") == len)
		return false;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
	      (s[0] >= '0' && s[0] <= '9')))
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || strchr("._/-:", c);
		if (!ok)
			return false;
	}
	if (s[len - 1] == ':')
		return false;
	for (size_t i = 0; i < sizeof(reserved) / sizeof(*reserved); i++)
		if (!strcmp(s, reserved[i]))
			return false;
	return true;
}

/* The code point of the UTF-8 sequence at s, and its length in *len. The
 * loader only lets valid UTF-8 through; a broken sequence is taken a byte
 * at a time all the same, so nothing is read past the string's end. */
static unsigned utf8_decode(const unsigned char *s, int *len)
{
	int want = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3 :
		   (s[0] & 0xf8) == 0xf0 ? 4 : 0;
	for (int i = 1; i < want; i++)
		if ((s[i] & 0xc0) != 0x80)
			want = 0;
	if (want <= 1) {
		*len = 1;
		return s[0];
	}
	if ((s[0] & 0xe0) == 0xc0) {
		*len = 2;
		return (s[0] & 0x1fu) << 6 | (s[1] & 0x3fu);
	}
	if ((s[0] & 0xf0) == 0xe0) {
		*len = 3;
		return (s[0] & 0x0fu) << 12 | (s[1] & 0x3fu) << 6 | (s[2] & 0x3fu);
	}
	*len = 4;
	return (s[0] & 0x07u) << 18 | (s[1] & 0x3fu) << 12 | (s[2] & 0x3fu) << 6 | (s[3] & 0x3fu);
}

/* Whether a YAML reader gives back code point c written as it is inside
 * double quotes: YAML's printable characters, less its line breaks (NEL,
 * U+2028, U+2029, which it folds to a space) and the byte order mark. */
static bool yaml_keeps(unsigned c)
{
	if (c == 0x85 || c == 0x2028 || c == 0x2029 || c == 0xfeff)
		return false;
	return (c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xd7ff) ||
	       (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

static void put_quoted(FILE *out, const char *s)
{
	fputc('"', out);
	while (*s) {
		int len;
		unsigned c = utf8_decode((const unsigned char *)s, &len);
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", (char)c);
		else if (c < 0x100 && !yaml_keeps(c))
			fprintf(out, "\\x%02x", c);
		else if (c < 0x10000 && !yaml_keeps(c))
			fprintf(out, "\\u%04x", c);
		else if (!yaml_keeps(c))
			fprintf(out, "\\U%08x", c);
		else
			fwrite(s, 1, (size_t)len, out);
		s += len;
	}
	fputc('"', out);
}

static void put_string(FILE *out, const char *s)
{
	if (plain_safe(s))
		fputs(s, out);
	else
		put_quoted(out, s);
}

static void put_key_string(FILE *out, const char *indent, const char *key, const char *s)
{
	fprintf(out, "%s%s: ", indent, key);
	put_string(out, s);
	fputc('\n', out);
}

static void put_ports(FILE *out, const char *indent, const char *key,
		      const struct ngw_port_range *r)
{
	if (r->lo == r->hi)
		fprintf(out, "%s%s: %u\n", indent, key, r->lo);
	else
		fprintf(out, "%s%s: \"%u-%u\"\n", indent, key, r->lo, r->hi);
}

static void put_ifaces(FILE *out, const char *indent, const char *key,
		       const struct ngw_ifaces *l, bool always)
{
	if (l->n == 0 && !always)
		return;
	fprintf(out, "%s%s: [", indent, key);
	for (size_t i = 0; i < l->n; i++) {
		fputs(i ? ", " : "", out);
		put_string(out, l->name[i]);
	}
	fputs("]\n", out);
}

static void put_prefixes(FILE *out, const char *indent, const char *key,
			 const struct ngw_prefixes *l)
{
	char buf[NGW_ADDRSTRLEN];

	if (l->n == 0)
		return;
	fprintf(out, "%s%s: [", indent, key);
	for (size_t i = 0; i < l->n; i++) {
		fputs(i ? ", " : "", out);
		put_string(out, prefix_format(&l->v[i], buf));
	}
	fputs("]\n", out);
}

static const char *bool_name(bool b)
{
	return b ? "true" : "false";
}

static void print_forward(FILE *out, const struct ngw_forward *f)
{
	char buf[NGW_ADDRSTRLEN];
	const char *in = "    ";

	fputs("  - name: ", out);
	put_string(out, f->name);
	fputc('\n', out);
	fprintf(out, "%sproto: %s\n", in, proto_name(f->proto));
	put_ports(out, in, "port", &f->port);
	put_key_string(out, in, "to", socket_format(&f->to, &f->to_port, buf));
	put_prefixes(out, in, "from", &f->from);
	put_ifaces(out, in, "in", &f->in, false);
	if (f->address.family)
		put_key_string(out, in, "address", addr_format(&f->address, buf));
	fprintf(out, "%shairpin: %s\n", in, bool_name(f->hairpin));
	fprintf(out, "%senabled: %s\n", in, bool_name(f->enabled));
	if (f->comment) {
		fprintf(out, "%scomment: ", in);
		put_quoted(out, f->comment);	/* free text: always quoted */
		fputc('\n', out);
	}
}

static const char *snat_to_format(const struct ngw_snat *s, char *buf, size_t size)
{
	char lo[NGW_ADDRSTRLEN], hi[NGW_ADDRSTRLEN], pr[NGW_ADDRSTRLEN];
	bool v6 = s->to_lo.family == NGW_FAMILY_IPV6, range = addr_cmp(&s->to_lo, &s->to_hi);
	bool ports = s->to_port.lo != 0;

	addr_format(&s->to_lo, lo);
	addr_format(&s->to_hi, hi);
	if (ports)
		port_range_format(&s->to_port, pr);
	/* precisions: the longest address and port texts possible */
	if (v6 && ports && range)
		snprintf(buf, size, "[%.46s]-[%.46s]:%.11s", lo, hi, pr);
	else if (v6 && ports)
		snprintf(buf, size, "[%.46s]:%.11s", lo, pr);
	else if (range && ports)
		snprintf(buf, size, "%.46s-%.46s:%.11s", lo, hi, pr);
	else if (ports)
		snprintf(buf, size, "%.46s:%.11s", lo, pr);
	else if (range)
		snprintf(buf, size, "%.46s-%.46s", lo, hi);
	else
		snprintf(buf, size, "%.46s", lo);
	return buf;
}

static void print_snat(FILE *out, const struct ngw_snat *s)
{
	char buf[2 * NGW_ADDRSTRLEN + 16];
	const char *in = "    ";

	fputs("  - name: ", out);
	put_string(out, s->name);
	fputc('\n', out);
	if (s->from_port.lo)
		put_key_string(out, in, "from", socket_format(&s->from.v[0].addr, &s->from_port,
							       buf));
	else
		put_prefixes(out, in, "from", &s->from);
	put_ifaces(out, in, "out", &s->out, false);
	fprintf(out, "%sproto: %s\n", in, proto_name(s->proto));
	if (s->kind == NGW_SNAT_MASQUERADE) {
		fprintf(out, "%sto: masquerade\n", in);
		if (s->to_port.lo)
			put_ports(out, in, "ports", &s->to_port);
	} else {
		put_key_string(out, in, "to", snat_to_format(s, buf, sizeof(buf)));
	}
	fprintf(out, "%smode: %s\n", in, snat_mode_name(s->mode));
	fprintf(out, "%sendpoint_independent: %s\n", in, bool_name(s->endpoint_independent));
	if (s->endpoint_independent)
		fprintf(out, "%sidle_timeout: %u\n%smax_per_host: %u\n", in, s->idle_timeout, in,
			 s->max_per_host);
}

int rules_print(const struct ngw_ruleset *rs, FILE *out)
{
	const struct ngw_gateway *g = &rs->gateway;

	fputs("version: 1\ngateway:\n", out);
	put_key_string(out, "  ", "table", g->table);
	put_ifaces(out, "  ", "wan", &g->wan, true);
	put_ifaces(out, "  ", "lan", &g->lan, true);
	fprintf(out, "  hairpin: %s\n", bool_name(g->hairpin));
	fprintf(out, "  flush_on_change: %s\n", bool_name(g->flush_on_change));

	fputs(rs->n_forwards ? "forwards:\n" : "forwards: []\n", out);
	for (size_t i = 0; i < rs->n_forwards; i++)
		print_forward(out, &rs->forwards[i]);
	fputs(rs->n_snats ? "snat:\n" : "snat: []\n", out);
	for (size_t i = 0; i < rs->n_snats; i++)
		print_snat(out, &rs->snats[i]);
	return ferror(out) ? -1 : 0;
}
