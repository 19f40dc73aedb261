/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Sockets and address ranges as written in `to` and `from`:
 * "192.0.2.1:80", "[2001:db8::1]:80-90", "203.0.113.5-203.0.113.9:20000". */
#include <stdio.h>
#include <string.h>

#include "natgw/addr.h"
#include "parse_err.h"

#define PART_MAX 80	/* longer than any address text */

static size_t count_char(const char *s, char c)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == c;
	return n;
}

static int copy_part(const char *s, size_t n, char *out, const char *whole, char *err)
{
	if (n >= PART_MAX)
		return parse_fail(err, "invalid address in \"%.64s...\"", whole);
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

/* "[2001:db8::1]" at s; *rest points past the ']'. */
static int bracketed_parse(const char *s, struct ngw_addr *a, const char **rest,
			   const char *whole, char *err)
{
	char part[PART_MAX];
	const char *close = strchr(s, ']');

	if (!close)
		return parse_fail(err, "missing ']' in \"%.64s\"", whole);
	if (copy_part(s + 1, (size_t)(close - s - 1), part, whole, err) < 0 ||
	    addr_parse(part, a, err) < 0)
		return -1;
	if (a->family != NGW_FAMILY_IPV6)
		return parse_fail(err, "brackets are for IPv6 addresses: write %s", part);
	*rest = close + 1;
	return 0;
}

/* What follows the address: nothing, or ":PORT" / ":LO-HI". */
static int ports_suffix_parse(const char *rest, unsigned l4, struct ngw_port_range *ports,
			      const char *whole, char *err)
{
	ports->lo = ports->hi = 0;
	if (*rest == '\0')
		return 0;
	if (*rest != ':')
		return parse_fail(err, "unexpected \"%.32s\" after the address in \"%.64s\"",
				  rest, whole);
	if (rest[1] == '\0')
		return parse_fail(err, "missing port after ':' in \"%.64s\"", whole);
	return port_range_parse(rest + 1, l4, ports, err);
}

int socket_parse(const char *s, unsigned l4, struct ngw_addr *a,
		 struct ngw_port_range *ports, char *err)
{
	char part[PART_MAX];
	const char *rest;

	ports->lo = ports->hi = 0;
	if (s[0] == '[') {
		if (bracketed_parse(s, a, &rest, s, err) < 0)
			return -1;
		return ports_suffix_parse(rest, l4, ports, s, err);
	}
	if (count_char(s, ':') >= 2)		/* a bare IPv6 address, no port */
		return addr_parse(s, a, err);
	const char *colon = strchr(s, ':');
	size_t alen = colon ? (size_t)(colon - s) : strlen(s);
	if (copy_part(s, alen, part, s, err) < 0 || addr_parse(part, a, err) < 0)
		return -1;
	return ports_suffix_parse(s + alen, l4, ports, s, err);
}

static int range_check(const struct ngw_addr *lo, const struct ngw_addr *hi,
		       const char *whole, char *err)
{
	if (lo->family != hi->family)
		return parse_fail(err, "address range \"%.64s\" mixes IPv4 and IPv6", whole);
	if (addr_cmp(lo, hi) > 0)
		return parse_fail(err, "address range \"%.64s\" is reversed", whole);
	return 0;
}

int addr_range_socket_parse(const char *s, unsigned l4, struct ngw_addr *lo,
			    struct ngw_addr *hi, struct ngw_port_range *ports,
			    char *err)
{
	char part[PART_MAX];
	const char *rest;

	ports->lo = ports->hi = 0;
	if (s[0] == '[') {
		if (bracketed_parse(s, lo, &rest, s, err) < 0)
			return -1;
		*hi = *lo;
		if (rest[0] == '-') {
			if (rest[1] != '[')
				return parse_fail(err, "write an IPv6 range as "
						  "[first]-[last] in \"%.64s\"", s);
			if (bracketed_parse(rest + 1, hi, &rest, s, err) < 0)
				return -1;
		}
		if (range_check(lo, hi, s, err) < 0)
			return -1;
		return ports_suffix_parse(rest, l4, ports, s, err);
	}

	const char *colon = strchr(s, ':');
	size_t alen = colon ? (size_t)(colon - s) : strlen(s);
	if (count_char(s, ':') >= 2) {		/* bare IPv6 (range), no port */
		colon = NULL;
		alen = strlen(s);
	}
	const char *dash = memchr(s, '-', alen);
	size_t lolen = dash ? (size_t)(dash - s) : alen;
	if (copy_part(s, lolen, part, s, err) < 0 || addr_parse(part, lo, err) < 0)
		return -1;
	*hi = *lo;
	if (dash) {
		if (copy_part(dash + 1, alen - lolen - 1, part, s, err) < 0 ||
		    addr_parse(part, hi, err) < 0)
			return -1;
	}
	if (range_check(lo, hi, s, err) < 0)
		return -1;
	return ports_suffix_parse(s + alen, l4, ports, s, err);
}

const char *socket_format(const struct ngw_addr *a, const struct ngw_port_range *ports,
			  char *buf)
{
	char addr[NGW_ADDRSTRLEN], pr[NGW_ADDRSTRLEN];

	addr_format(a, addr);
	if (!ports || ports->lo == 0)
		snprintf(buf, NGW_ADDRSTRLEN, "%s", addr);
	else if (a->family == NGW_FAMILY_IPV6)	/* precisions: the longest texts possible */
		snprintf(buf, NGW_ADDRSTRLEN, "[%.46s]:%.11s", addr, port_range_format(ports, pr));
	else
		snprintf(buf, NGW_ADDRSTRLEN, "%.46s:%.11s", addr, port_range_format(ports, pr));
	return buf;
}
