/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Addresses and prefixes: "192.0.2.1", "2001:db8::1", "198.51.100.0/24". */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "natgw/addr.h"
#include "parse_err.h"

static unsigned family_bits(uint8_t family)
{
	return family == NGW_FAMILY_IPV4 ? 32 : 128;
}

int addr_parse(const char *s, struct ngw_addr *a, char *err)
{
	memset(a, 0, sizeof(*a));
	if (!*s)
		return parse_fail(err, "empty address");
	if (strlen(s) >= INET6_ADDRSTRLEN + 16)
		return parse_fail(err, "invalid address \"%.64s...\"", s);
	if (strchr(s, '%'))
		return parse_fail(err, "scoped IPv6 address \"%s\": zones are not supported; "
			    "use a global address", s);
	if (strchr(s, ':')) {
		if (inet_pton(AF_INET6, s, a->b) != 1)
			return parse_fail(err, "invalid IPv6 address \"%s\"", s);
		a->family = NGW_FAMILY_IPV6;
		return 0;
	}
	if (inet_pton(AF_INET, s, a->b) != 1) {
		if (strpbrk(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"))
			return parse_fail(err, "\"%s\" is not an address "
					  "(natgw does not resolve host names)", s);
		return parse_fail(err, "invalid IPv4 address \"%s\"", s);
	}
	a->family = NGW_FAMILY_IPV4;
	return 0;
}

static bool host_bits_clear(const struct ngw_addr *a, unsigned len)
{
	for (unsigned bit = len; bit < family_bits(a->family); bit++)
		if (a->b[bit / 8] & (0x80u >> (bit % 8)))
			return false;
	return true;
}

static void clear_host_bits(struct ngw_addr *a, unsigned len)
{
	for (unsigned bit = len; bit < family_bits(a->family); bit++)
		a->b[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
}

int prefix_parse(const char *s, struct ngw_prefix *p, char *err)
{
	char host[INET6_ADDRSTRLEN + 16];
	const char *slash = strchr(s, '/');
	size_t hlen = slash ? (size_t)(slash - s) : strlen(s);

	memset(p, 0, sizeof(*p));
	if (hlen >= sizeof(host))
		return parse_fail(err, "invalid prefix \"%.64s...\"", s);
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (addr_parse(host, &p->addr, err) < 0)
		return -1;

	unsigned max = family_bits(p->addr.family);
	if (!slash) {
		p->len = (uint8_t)max;
		return 0;
	}
	const char *l = slash + 1;
	unsigned len = 0;
	size_t digits = strspn(l, "0123456789");
	if (digits == 0 || l[digits] != '\0')
		return parse_fail(err, "invalid prefix length in \"%s\"", s);
	for (size_t i = 0; i < digits && len <= max; i++)
		len = len * 10 + (unsigned)(l[i] - '0');
	if (len > max) {
		return parse_fail(err, "prefix length in \"%s\" is out of range (0-%u)",
				  s, max);
	}
	p->len = (uint8_t)len;
	if (!host_bits_clear(&p->addr, len)) {
		struct ngw_prefix net = *p;
		char buf[NGW_ADDRSTRLEN];
		clear_host_bits(&net.addr, len);
		return parse_fail(err, "prefix \"%s\" has host bits set; did you mean %s?",
				  s, prefix_format(&net, buf));
	}
	return 0;
}

/* The blocks of addresses no host has, first and last address, in
 * address order; where two start at one address the narrower comes
 * first, so 0.0.0.0 is "unspecified" and 0.1.2.3 "this network". */
#define V4(a, b, c, d)	{ NGW_FAMILY_IPV4, { a, b, c, d } }
#define ONES6		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
static const struct {
	struct ngw_addr first, last;
	uint8_t len;
	enum ngw_addr_class class;
} special[] = {
	{ V4(0, 0, 0, 0), V4(0, 0, 0, 0), 32, NGW_ADDR_UNSPECIFIED },
	{ V4(0, 0, 0, 0), V4(0, 255, 255, 255), 8, NGW_ADDR_THIS_NETWORK },
	{ V4(127, 0, 0, 0), V4(127, 255, 255, 255), 8, NGW_ADDR_LOOPBACK },
	{ V4(224, 0, 0, 0), V4(239, 255, 255, 255), 4, NGW_ADDR_MULTICAST },
	{ V4(255, 255, 255, 255), V4(255, 255, 255, 255), 32, NGW_ADDR_BROADCAST },
	{ { NGW_FAMILY_IPV6, { 0 } }, { NGW_FAMILY_IPV6, { 0 } }, 128, NGW_ADDR_UNSPECIFIED },
	{ { NGW_FAMILY_IPV6, { [15] = 1 } }, { NGW_FAMILY_IPV6, { [15] = 1 } }, 128,
	  NGW_ADDR_LOOPBACK },
	{ { NGW_FAMILY_IPV6, { [10] = 0xff, [11] = 0xff } },
	  { NGW_FAMILY_IPV6, { [10] = 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } }, 96,
	  NGW_ADDR_V4MAPPED },
	{ { NGW_FAMILY_IPV6, { 0xff } }, { NGW_FAMILY_IPV6, { 0xff, ONES6 } }, 8,
	  NGW_ADDR_MULTICAST },
};
#undef V4
#undef ONES6

enum ngw_addr_class addr_class(const struct ngw_addr *a)
{
	uint8_t first = a->b[0];

	/* most addresses start with a byte no block above starts with */
	if (a->family == NGW_FAMILY_IPV4 ? first != 0 && first != 127 && first < 224 :
					   first != 0 && first != 0xff)
		return NGW_ADDR_UNICAST;
	return addr_range_class(a, a, NULL);
}

enum ngw_addr_class addr_range_class(const struct ngw_addr *lo, const struct ngw_addr *hi,
				     struct ngw_prefix *block)
{
	for (size_t i = 0; i < sizeof(special) / sizeof(*special); i++) {
		if (special[i].first.family != lo->family ||
		    addr_cmp(lo, &special[i].last) > 0 || addr_cmp(&special[i].first, hi) > 0)
			continue;
		if (block)
			*block = (struct ngw_prefix){ special[i].first, special[i].len };
		return special[i].class;
	}
	return NGW_ADDR_UNICAST;
}

const char *addr_class_noun(enum ngw_addr_class c, bool plural)
{
	switch (c) {
	case NGW_ADDR_UNSPECIFIED:
		return "the unspecified address";
	case NGW_ADDR_THIS_NETWORK:
		return plural ? "the \"this network\" addresses" :
				"a \"this network\" address (0.0.0.0/8)";
	case NGW_ADDR_LOOPBACK:
		return plural ? "the loopback addresses" : "a loopback address";
	case NGW_ADDR_MULTICAST:
		return plural ? "the multicast addresses" : "a multicast address";
	case NGW_ADDR_BROADCAST:
		return "the broadcast address";
	case NGW_ADDR_V4MAPPED:
		return plural ? "the IPv4-mapped IPv6 addresses" : "an IPv4-mapped IPv6 address";
	case NGW_ADDR_UNICAST:
		break;
	}
	return plural ? "unicast addresses" : "a unicast address";
}

struct ngw_addr addr_v4mapped_inner(const struct ngw_addr *a)
{
	struct ngw_addr v4 = { .family = NGW_FAMILY_IPV4 };
	memcpy(v4.b, a->b + 12, 4);
	return v4;
}

int addr_cmp(const struct ngw_addr *a, const struct ngw_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->b, b->b, a->family == NGW_FAMILY_IPV4 ? 4 : 16);
}

bool prefix_contains(const struct ngw_prefix *p, const struct ngw_addr *a)
{
	if (p->addr.family != a->family)
		return false;
	for (unsigned bit = 0; bit < p->len; bit++) {
		unsigned m = 0x80u >> (bit % 8);
		if ((p->addr.b[bit / 8] & m) != (a->b[bit / 8] & m))
			return false;
	}
	return true;
}

const char *addr_format(const struct ngw_addr *a, char *buf)
{
	if (a->family == NGW_FAMILY_NONE)
		snprintf(buf, NGW_ADDRSTRLEN, "any");
	else
		inet_ntop(a->family == NGW_FAMILY_IPV4 ? AF_INET : AF_INET6,
			  a->b, buf, NGW_ADDRSTRLEN);
	return buf;
}

const char *prefix_format(const struct ngw_prefix *p, char *buf)
{
	char a[NGW_ADDRSTRLEN];
	snprintf(buf, NGW_ADDRSTRLEN, "%.46s/%u", addr_format(&p->addr, a), p->len);
	return buf;
}
