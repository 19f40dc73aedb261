/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Ports and port ranges: "443", "https", "8000-8099". */
#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "natgw/addr.h"
#include "parse_err.h"

static bool all_digits(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* Saturates instead of overflowing so "99999999999999999999" is reported
 * as out of range rather than wrapping into a valid port. */
static unsigned long digits_value(const char *s, size_t n)
{
	unsigned long v = 0;
	for (size_t i = 0; i < n; i++) {
		v = v * 10 + (unsigned long)(s[i] - '0');
		if (v > 65535)
			return 65536;
	}
	return v;
}

static bool service_name_shape(const char *s)
{
	if (!isalpha((unsigned char)s[0]))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("-_.+/", *s))
			return false;
	return true;
}

static int service_lookup(const char *s, unsigned l4, uint16_t *port, char *err)
{
	int found = -1;

	if (strlen(s) > 64 || !service_name_shape(s))
		return parse_fail(err, "invalid port \"%.64s\"", s);
	for (unsigned bit = NGW_L4_TCP; bit <= NGW_L4_UDP; bit <<= 1) {
		const char *pn = bit == NGW_L4_TCP ? "tcp" : "udp";
		if (l4 && !(l4 & bit))
			continue;
		struct servent *se = getservbyname(s, pn);
		if (!se) {
			if (!l4)
				continue;
			return parse_fail(err, "unknown service \"%s\" for %s "
					  "(not in the system's services list)", s, pn);
		}
		int p = ntohs((uint16_t)se->s_port);
		if (found >= 0 && found != p)
			return parse_fail(err, "service \"%s\" is port %d for tcp but %d "
					  "for udp; write the number", s, found, p);
		found = p;
	}
	if (found <= 0)
		return parse_fail(err, "unknown service \"%s\" "
				  "(not in the system's services list)", s);
	*port = (uint16_t)found;
	return 0;
}

static int number_value(const char *s, size_t n, uint16_t *port, char *err)
{
	unsigned long v = digits_value(s, n);
	if (v == 0 || v > 65535)
		return parse_fail(err, "port %.*s is out of range (1-65535)",
				  (int)(n > 32 ? 32 : n), s);
	*port = (uint16_t)v;
	return 0;
}

int port_parse(const char *s, unsigned l4, uint16_t *port, char *err)
{
	size_t n = strlen(s);

	if (n == 0)
		return parse_fail(err, "empty port");
	if (all_digits(s, n))
		return number_value(s, n, port, err);
	if (s[0] == '-' && all_digits(s + 1, n - 1))
		return parse_fail(err, "port %.32s is out of range (1-65535)", s);
	return service_lookup(s, l4, port, err);
}

int port_range_parse(const char *s, unsigned l4, struct ngw_port_range *r, char *err)
{
	const char *dash = strchr(s, '-');

	r->lo = r->hi = 0;
	if (dash && dash != s && all_digits(s, (size_t)(dash - s))) {
		const char *hi = dash + 1;
		size_t hn = strlen(hi);
		if (!all_digits(hi, hn))
			return parse_fail(err, "invalid port range \"%.64s\"", s);
		if (number_value(s, (size_t)(dash - s), &r->lo, err) < 0 ||
		    number_value(hi, hn, &r->hi, err) < 0)
			return -1;
		if (r->lo > r->hi) {
			uint16_t lo = r->hi, hi_port = r->lo;
			r->lo = r->hi = 0;
			return parse_fail(err, "port range %.64s is reversed; did you mean %u-%u?",
					  s, lo, hi_port);
		}
		return 0;
	}
	if (port_parse(s, l4, &r->lo, err) < 0)
		return -1;
	r->hi = r->lo;
	return 0;
}

const char *port_range_format(const struct ngw_port_range *r, char *buf)
{
	if (r->lo == r->hi)
		snprintf(buf, NGW_ADDRSTRLEN, "%u", r->lo);
	else
		snprintf(buf, NGW_ADDRSTRLEN, "%u-%u", r->lo, r->hi);
	return buf;
}
