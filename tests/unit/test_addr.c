/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the address, prefix, port, range and socket parsers. */
#include <string.h>

#include "check.h"
#include "natgw/addr.h"

static void test_addr(void)
{
	static const struct { const char *in, *out; int family; } good[] = {
		{ "192.0.2.1", "192.0.2.1", 4 },
		{ "0.0.0.0", "0.0.0.0", 4 },
		{ "255.255.255.255", "255.255.255.255", 4 },
		{ "2001:db8::1", "2001:db8::1", 6 },
		{ "2001:DB8:0:0:0:0:0:1", "2001:db8::1", 6 },
		{ "::", "::", 6 },
		{ "::1", "::1", 6 },
		{ "::ffff:192.0.2.1", "::ffff:192.0.2.1", 6 },
		{ "2001:db8:1:2:3:4:5:6", "2001:db8:1:2:3:4:5:6", 6 },
	};
	static const struct { const char *in, *why; } bad[] = {
		{ "", "empty address" },
		{ "192.0.2", "invalid IPv4 address" },
		{ "192.0.2.256", "invalid IPv4 address" },
		{ "192.0.2.1.5", "invalid IPv4 address" },
		{ "192.0.2.-1", "invalid IPv4 address" },
		{ "192.0.02.1", "invalid IPv4 address" },
		{ " 192.0.2.1", "invalid IPv4 address" },
		{ "192.0.2.1 ", "invalid IPv4 address" },
		{ "0x7f.0.0.1", "not an address" },
		{ "router.example", "does not resolve host names" },
		{ "2001:db8:::1", "invalid IPv6 address" },
		{ "2001:db8::1::2", "invalid IPv6 address" },
		{ "2001:db8:1:2:3:4:5:6:7", "invalid IPv6 address" },
		{ "2001:db8::g", "invalid IPv6 address" },
		{ "fe80::1%eth0", "zones are not supported" },
		{ "12345::", "invalid IPv6 address" },
		{ "1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17.18.19.20.21.22.23.24.25", "invalid address" },
	};
	char err[NGW_ERRLEN], buf[NGW_ADDRSTRLEN];
	struct ngw_addr a;

	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++) {
		int r = addr_parse(good[i].in, &a, err);
		CHECK(r == 0, "addr_parse(\"%s\"): %s", good[i].in, err);
		CHECK(a.family == good[i].family, "family of %s is %d", good[i].in, a.family);
		CHECK(!strcmp(addr_format(&a, buf), good[i].out), "%s prints as %s", good[i].in, buf);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		err[0] = '\0';
		CHECK(addr_parse(bad[i].in, &a, err) < 0, "addr_parse(\"%s\") accepted", bad[i].in);
		CHECK(strstr(err, bad[i].why), "addr_parse(\"%s\") said \"%s\"", bad[i].in, err);
	}
}

static void test_addr_class(void)
{
	static const struct { const char *in; enum ngw_addr_class c; } cases[] = {
		{ "192.0.2.1", NGW_ADDR_UNICAST },
		{ "1.0.0.0", NGW_ADDR_UNICAST },
		{ "126.255.255.255", NGW_ADDR_UNICAST },
		{ "128.0.0.0", NGW_ADDR_UNICAST },
		{ "223.255.255.255", NGW_ADDR_UNICAST },
		{ "240.0.0.1", NGW_ADDR_UNICAST },
		{ "255.255.255.254", NGW_ADDR_UNICAST },
		{ "0.0.0.0", NGW_ADDR_UNSPECIFIED },
		{ "0.0.0.1", NGW_ADDR_THIS_NETWORK },
		{ "0.255.255.255", NGW_ADDR_THIS_NETWORK },
		{ "127.0.0.1", NGW_ADDR_LOOPBACK },
		{ "127.255.255.255", NGW_ADDR_LOOPBACK },
		{ "224.0.0.1", NGW_ADDR_MULTICAST },
		{ "239.255.255.255", NGW_ADDR_MULTICAST },
		{ "255.255.255.255", NGW_ADDR_BROADCAST },
		{ "2001:db8::1", NGW_ADDR_UNICAST },
		{ "::2", NGW_ADDR_UNICAST },
		{ "::fffe:7f00:1", NGW_ADDR_UNICAST },
		{ "fe80::1", NGW_ADDR_UNICAST },
		{ "::", NGW_ADDR_UNSPECIFIED },
		{ "::1", NGW_ADDR_LOOPBACK },
		{ "::ffff:127.0.0.1", NGW_ADDR_V4MAPPED },
		{ "::ffff:192.0.2.1", NGW_ADDR_V4MAPPED },
		{ "ff02::1", NGW_ADDR_MULTICAST },
		{ "feff::1", NGW_ADDR_UNICAST },
	};
	static const struct { const char *lo, *hi, *block; enum ngw_addr_class c; } ranges[] = {
		{ "192.0.2.1", "192.0.2.9", NULL, NGW_ADDR_UNICAST },
		{ "126.0.0.1", "128.0.0.1", "127.0.0.0/8", NGW_ADDR_LOOPBACK },
		{ "127.255.255.255", "128.0.0.0", "127.0.0.0/8", NGW_ADDR_LOOPBACK },
		{ "223.255.255.250", "224.0.0.5", "224.0.0.0/4", NGW_ADDR_MULTICAST },
		{ "240.0.0.0", "255.255.255.255", "255.255.255.255/32", NGW_ADDR_BROADCAST },
		{ "240.0.0.0", "255.255.255.254", NULL, NGW_ADDR_UNICAST },
		{ "0.0.0.0", "0.0.0.9", "0.0.0.0/32", NGW_ADDR_UNSPECIFIED },
		{ "::1", "::5", "::1/128", NGW_ADDR_LOOPBACK },
		{ "::2", "::5", NULL, NGW_ADDR_UNICAST },
		{ "::fffe:0:0", "::ffff:0:1", "::ffff:0.0.0.0/96", NGW_ADDR_V4MAPPED },
		{ "2001:db8::1", "2001:db8::9", NULL, NGW_ADDR_UNICAST },
		{ "fe00::", "ff00::", "ff00::/8", NGW_ADDR_MULTICAST },
	};
	char err[NGW_ERRLEN], buf[NGW_ADDRSTRLEN];
	struct ngw_addr a, b;
	struct ngw_prefix block;

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		CHECK(addr_parse(cases[i].in, &a, err) == 0, "%s: %s", cases[i].in, err);
		CHECK(addr_class(&a) == cases[i].c, "%s: class %d, expected %d", cases[i].in,
		      addr_class(&a), cases[i].c);
	}
	for (size_t i = 0; i < sizeof(ranges) / sizeof(*ranges); i++) {
		CHECK(addr_parse(ranges[i].lo, &a, err) == 0, "%s: %s", ranges[i].lo, err);
		CHECK(addr_parse(ranges[i].hi, &b, err) == 0, "%s: %s", ranges[i].hi, err);
		enum ngw_addr_class c = addr_range_class(&a, &b, &block);
		CHECK(c == ranges[i].c, "%s-%s: class %d, expected %d", ranges[i].lo,
		      ranges[i].hi, c, ranges[i].c);
		if (ranges[i].block && c == ranges[i].c)
			CHECK(!strcmp(prefix_format(&block, buf), ranges[i].block),
			      "%s-%s meets %s, expected %s", ranges[i].lo, ranges[i].hi, buf,
			      ranges[i].block);
	}
	CHECK(addr_parse("::ffff:192.0.2.1", &a, err) == 0, "%s", err);
	b = addr_v4mapped_inner(&a);
	CHECK(!strcmp(addr_format(&b, buf), "192.0.2.1"), "inner of ::ffff:192.0.2.1: %s", buf);
}

static void test_prefix(void)
{
	static const struct { const char *in, *out; } good[] = {
		{ "192.0.2.0/24", "192.0.2.0/24" },
		{ "192.0.2.7", "192.0.2.7/32" },
		{ "0.0.0.0/0", "0.0.0.0/0" },
		{ "192.0.2.128/25", "192.0.2.128/25" },
		{ "192.0.2.1/32", "192.0.2.1/32" },
		{ "2001:db8::/32", "2001:db8::/32" },
		{ "2001:db8::1", "2001:db8::1/128" },
		{ "::/0", "::/0" },
		{ "2001:db8:8000::/33", "2001:db8:8000::/33" },
	};
	static const struct { const char *in, *why; } bad[] = {
		{ "192.0.2.0/33", "out of range (0-32)" },
		{ "2001:db8::/129", "out of range (0-128)" },
		{ "192.0.2.0/", "invalid prefix length" },
		{ "192.0.2.0/x", "invalid prefix length" },
		{ "192.0.2.0/-1", "invalid prefix length" },
		{ "192.0.2.0/24/8", "invalid prefix length" },
		{ "192.0.2.0/99999999999999999999", "out of range" },
		{ "192.0.2.1/24", "did you mean 192.0.2.0/24?" },
		{ "2001:db8::1/64", "did you mean 2001:db8::/64?" },
		{ "10.0.0.0.0/8", "invalid IPv4 address" },
		{ "/24", "empty address" },
		{ "fe80::/10%eth0", "invalid" },
	};
	char err[NGW_ERRLEN], buf[NGW_ADDRSTRLEN];
	struct ngw_prefix p;

	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++) {
		CHECK(prefix_parse(good[i].in, &p, err) == 0, "prefix_parse(\"%s\"): %s",
		      good[i].in, err);
		CHECK(!strcmp(prefix_format(&p, buf), good[i].out), "%s prints as %s",
		      good[i].in, buf);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		err[0] = '\0';
		CHECK(prefix_parse(bad[i].in, &p, err) < 0, "prefix_parse(\"%s\") accepted",
		      bad[i].in);
		CHECK(strstr(err, bad[i].why), "prefix_parse(\"%s\") said \"%s\"", bad[i].in, err);
	}

	struct ngw_addr a;
	prefix_parse("192.0.2.0/24", &p, err);
	addr_parse("192.0.2.200", &a, err);
	CHECK(prefix_contains(&p, &a), "192.0.2.0/24 contains 192.0.2.200");
	addr_parse("192.0.3.1", &a, err);
	CHECK(!prefix_contains(&p, &a), "192.0.2.0/24 does not contain 192.0.3.1");
	addr_parse("2001:db8::1", &a, err);
	CHECK(!prefix_contains(&p, &a), "an IPv4 prefix does not contain IPv6");
}

static void test_port(void)
{
	static const struct { const char *in; unsigned l4; int port; } good[] = {
		{ "1", NGW_L4_TCP, 1 },
		{ "443", NGW_L4_TCP, 443 },
		{ "65535", NGW_L4_UDP, 65535 },
		{ "0443", NGW_L4_TCP, 443 },
		{ "https", NGW_L4_TCP, 443 },
		{ "ssh", NGW_L4_TCP, 22 },
		{ "domain", NGW_L4_TCP | NGW_L4_UDP, 53 },
		{ "domain", 0, 53 },
	};
	static const struct { const char *in; unsigned l4; const char *why; } bad[] = {
		{ "0", NGW_L4_TCP, "port 0 is out of range (1-65535)" },
		{ "65536", NGW_L4_TCP, "port 65536 is out of range" },
		{ "-1", NGW_L4_TCP, "port -1 is out of range" },
		{ "99999999999999999999", NGW_L4_TCP, "port 99999999999999999999 is out of range" },
		{ "", NGW_L4_TCP, "empty port" },
		{ "8o80", NGW_L4_TCP, "invalid port" },
		{ "80.5", NGW_L4_TCP, "invalid port" },
		{ "+80", NGW_L4_TCP, "invalid port" },
		{ " 80", NGW_L4_TCP, "invalid port" },
		{ "0x50", NGW_L4_TCP, "invalid port" },
		{ "htps", NGW_L4_TCP, "unknown service \"htps\"" },
		{ "no-such-service-name", NGW_L4_UDP, "unknown service" },
		{ "no-such-service-name", 0, "unknown service" },
		{ "ssh", NGW_L4_UDP, "unknown service \"ssh\" for udp" },
	};
	char err[NGW_ERRLEN];
	uint16_t port;

	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++) {
		CHECK(port_parse(good[i].in, good[i].l4, &port, err) == 0, "port_parse(\"%s\"): %s",
		      good[i].in, err);
		CHECK(port == good[i].port, "%s is %u", good[i].in, port);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		err[0] = '\0';
		CHECK(port_parse(bad[i].in, bad[i].l4, &port, err) < 0, "port_parse(\"%s\") accepted",
		      bad[i].in);
		CHECK(strstr(err, bad[i].why), "port_parse(\"%s\") said \"%s\"", bad[i].in, err);
	}
}

static void test_port_range(void)
{
	static const struct { const char *in; int lo, hi; } good[] = {
		{ "80", 80, 80 },
		{ "8000-8099", 8000, 8099 },
		{ "1-65535", 1, 65535 },
		{ "5000-5000", 5000, 5000 },
		{ "https", 443, 443 },
	};
	static const struct { const char *in, *why; } bad[] = {
		{ "8099-8000", "port range 8099-8000 is reversed; did you mean 8000-8099?" },
		{ "0-10", "port 0 is out of range" },
		{ "10-70000", "port 70000 is out of range" },
		{ "8000-", "invalid port range" },
		{ "8000-x", "invalid port range" },
		{ "8000-8099-9000", "invalid port range" },
		{ "8000 - 8099", "invalid port" },
		{ "-8000", "port -8000 is out of range" },
		{ "http-https", "unknown service" },
	};
	char err[NGW_ERRLEN], buf[NGW_ADDRSTRLEN];
	struct ngw_port_range r;

	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++) {
		CHECK(port_range_parse(good[i].in, NGW_L4_TCP, &r, err) == 0,
		      "port_range_parse(\"%s\"): %s", good[i].in, err);
		CHECK(r.lo == good[i].lo && r.hi == good[i].hi, "%s is %u-%u", good[i].in, r.lo, r.hi);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		err[0] = '\0';
		CHECK(port_range_parse(bad[i].in, NGW_L4_TCP, &r, err) < 0,
		      "port_range_parse(\"%s\") accepted", bad[i].in);
		CHECK(strstr(err, bad[i].why), "port_range_parse(\"%s\") said \"%s\"", bad[i].in, err);
	}
	r = (struct ngw_port_range){ 8000, 8099 };
	CHECK(!strcmp(port_range_format(&r, buf), "8000-8099"), "range prints as %s", buf);
	r = (struct ngw_port_range){ 443, 443 };
	CHECK(!strcmp(port_range_format(&r, buf), "443"), "port prints as %s", buf);
}

static void test_socket(void)
{
	static const struct { const char *in, *out; int lo, hi; } good[] = {
		{ "192.0.2.10", "192.0.2.10", 0, 0 },
		{ "192.0.2.10:8443", "192.0.2.10:8443", 8443, 8443 },
		{ "192.0.2.10:9000-9099", "192.0.2.10:9000-9099", 9000, 9099 },
		{ "192.0.2.10:https", "192.0.2.10:443", 443, 443 },
		{ "[2001:db8::10]", "2001:db8::10", 0, 0 },
		{ "[2001:db8::10]:8443", "[2001:db8::10]:8443", 8443, 8443 },
		{ "[2001:db8::10]:9000-9099", "[2001:db8::10]:9000-9099", 9000, 9099 },
		{ "2001:db8::10", "2001:db8::10", 0, 0 },
	};
	static const struct { const char *in, *why; } bad[] = {
		{ "192.0.2.10:", "missing port after ':'" },
		{ "192.0.2.10:0", "port 0 is out of range" },
		{ "192.0.2.10:70000", "port 70000 is out of range" },
		{ "192.0.2.10:9099-9000", "reversed" },
		{ "192.0.2.300:80", "invalid IPv4 address \"192.0.2.300\"" },
		{ "[2001:db8::10", "missing ']'" },
		{ "[2001:db8::10]8443", "unexpected \"8443\" after the address" },
		{ "[2001:db8::10]:", "missing port" },
		{ "[192.0.2.10]:80", "brackets are for IPv6 addresses" },
		{ "[]:80", "empty address" },
		{ "[2001:db8::zz]:80", "invalid IPv6 address" },
		{ "host.example:80", "does not resolve host names" },
		{ ":80", "empty address" },
	};
	char err[NGW_ERRLEN], buf[NGW_ADDRSTRLEN];
	struct ngw_port_range r;
	struct ngw_addr a;

	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++) {
		CHECK(socket_parse(good[i].in, NGW_L4_TCP, &a, &r, err) == 0,
		      "socket_parse(\"%s\"): %s", good[i].in, err);
		CHECK(r.lo == good[i].lo && r.hi == good[i].hi, "%s ports %u-%u", good[i].in,
		      r.lo, r.hi);
		CHECK(!strcmp(socket_format(&a, &r, buf), good[i].out), "%s prints as %s",
		      good[i].in, buf);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		err[0] = '\0';
		CHECK(socket_parse(bad[i].in, NGW_L4_TCP, &a, &r, err) < 0,
		      "socket_parse(\"%s\") accepted", bad[i].in);
		CHECK(strstr(err, bad[i].why), "socket_parse(\"%s\") said \"%s\"", bad[i].in, err);
	}
}

static void test_addr_range_socket(void)
{
	static const struct { const char *in, *lo, *hi; int plo, phi; } good[] = {
		{ "203.0.113.5", "203.0.113.5", "203.0.113.5", 0, 0 },
		{ "203.0.113.5-203.0.113.9", "203.0.113.5", "203.0.113.9", 0, 0 },
		{ "203.0.113.5:15060", "203.0.113.5", "203.0.113.5", 15060, 15060 },
		{ "203.0.113.5-203.0.113.9:20000-29999", "203.0.113.5", "203.0.113.9", 20000, 29999 },
		{ "[2001:db8::5]", "2001:db8::5", "2001:db8::5", 0, 0 },
		{ "[2001:db8::5]:1000", "2001:db8::5", "2001:db8::5", 1000, 1000 },
		{ "[2001:db8::5]-[2001:db8::9]:1000-2000", "2001:db8::5", "2001:db8::9", 1000, 2000 },
		{ "2001:db8::5-2001:db8::9", "2001:db8::5", "2001:db8::9", 0, 0 },
		{ "2001:db8::5", "2001:db8::5", "2001:db8::5", 0, 0 },
	};
	static const struct { const char *in, *why; } bad[] = {
		{ "203.0.113.9-203.0.113.5", "is reversed" },
		{ "203.0.113.5-2001:db8::9", "mixes IPv4 and IPv6" },
		{ "[2001:db8::5]-203.0.113.9", "[first]-[last]" },
		{ "[2001:db8::5]-[203.0.113.9]", "brackets are for IPv6" },
		{ "203.0.113.5-", "empty address" },
		{ "203.0.113.5:0", "out of range" },
		{ "203.0.113.5:2000-1000", "reversed" },
		{ "[2001:db8::9]-[2001:db8::5]", "reversed" },
		{ "masqerade", "does not resolve host names" },
	};
	char err[NGW_ERRLEN], buf[NGW_ADDRSTRLEN];
	struct ngw_addr lo, hi;
	struct ngw_port_range r;

	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++) {
		CHECK(addr_range_socket_parse(good[i].in, NGW_L4_UDP, &lo, &hi, &r, err) == 0,
		      "addr_range_socket_parse(\"%s\"): %s", good[i].in, err);
		CHECK(!strcmp(addr_format(&lo, buf), good[i].lo), "%s: first %s", good[i].in, buf);
		CHECK(!strcmp(addr_format(&hi, buf), good[i].hi), "%s: last %s", good[i].in, buf);
		CHECK(r.lo == good[i].plo && r.hi == good[i].phi, "%s: ports %u-%u", good[i].in,
		      r.lo, r.hi);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		err[0] = '\0';
		CHECK(addr_range_socket_parse(bad[i].in, NGW_L4_UDP, &lo, &hi, &r, err) < 0,
		      "addr_range_socket_parse(\"%s\") accepted", bad[i].in);
		CHECK(strstr(err, bad[i].why), "addr_range_socket_parse(\"%s\") said \"%s\"",
		      bad[i].in, err);
	}
}

int main(void)
{
	test_addr();
	test_addr_class();
	test_prefix();
	test_port();
	test_port_range();
	test_socket();
	test_addr_range_socket();
	return check_summary();
}
