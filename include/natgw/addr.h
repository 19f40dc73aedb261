/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Addresses, prefixes, ports and sockets as written in natgw.yaml.
 *
 * Pure parsers: no allocation, no I/O except the services list for port
 * names. Each returns 0 on success or -1 with a one-line reason in err. */
#ifndef NATGW_ADDR_H
#define NATGW_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NGW_ERRLEN 192

enum ngw_family {
	NGW_FAMILY_NONE = 0,
	NGW_FAMILY_IPV4 = 4,
	NGW_FAMILY_IPV6 = 6,
};

/* Transport protocols a port is looked up for (service names differ per
 * protocol in /etc/services). */
enum {
	NGW_L4_TCP = 1,
	NGW_L4_UDP = 2,
};

struct ngw_addr {
	uint8_t family;		/* enum ngw_family; NONE = no address */
	uint8_t b[16];		/* network order; IPv4 uses b[0..3] */
};

struct ngw_prefix {
	struct ngw_addr addr;
	uint8_t len;
};

/* lo == 0 means "no port"; lo == hi a single port. */
struct ngw_port_range {
	uint16_t lo;
	uint16_t hi;
};

/* A bare address: "192.0.2.1" or "2001:db8::1" (no brackets). */
int addr_parse(const char *s, struct ngw_addr *a, char *err);

/* "192.0.2.0/24", "2001:db8::/32", or a bare address meaning /32 or /128.
 * Host bits set below the length are an error that names the network. */
int prefix_parse(const char *s, struct ngw_prefix *p, char *err);

/* "443" or a service name ("https") resolved for every protocol in l4
 * (NGW_L4_TCP | NGW_L4_UDP); with both, the name must mean the same port. */
int port_parse(const char *s, unsigned l4, uint16_t *port, char *err);

/* "443", "https" or "8000-8099". */
int port_range_parse(const char *s, unsigned l4, struct ngw_port_range *r, char *err);

/* A socket: "192.0.2.1", "192.0.2.1:80", "192.0.2.1:80-90", "[2001:db8::1]",
 * "[2001:db8::1]:80", "[2001:db8::1]:80-90" or a bare "2001:db8::1".
 * ports->lo == 0 when no port was written. */
int socket_parse(const char *s, unsigned l4, struct ngw_addr *a,
		 struct ngw_port_range *ports, char *err);

/* An snat target: an address or an address range, optionally with a port or
 * port range: "203.0.113.5", "203.0.113.5-203.0.113.9:20000-29999",
 * "[2001:db8::5]-[2001:db8::9]:1000", "2001:db8::5-2001:db8::9". */
int addr_range_socket_parse(const char *s, unsigned l4, struct ngw_addr *lo,
			    struct ngw_addr *hi, struct ngw_port_range *ports,
			    char *err);

/* Addresses no host has: where a packet cannot be sent (a forward's
 * target), nor come from (an snat address). */
enum ngw_addr_class {
	NGW_ADDR_UNICAST,		/* none of the below: a host can have it */
	NGW_ADDR_UNSPECIFIED,		/* 0.0.0.0, :: */
	NGW_ADDR_THIS_NETWORK,		/* 0.0.0.0/8 but 0.0.0.0 ("this network") */
	NGW_ADDR_LOOPBACK,		/* 127.0.0.0/8, ::1 */
	NGW_ADDR_MULTICAST,		/* 224.0.0.0/4, ff00::/8 */
	NGW_ADDR_BROADCAST,		/* 255.255.255.255 */
	NGW_ADDR_V4MAPPED,		/* ::ffff:0:0/96, never in a packet (RFC 4291 2.5.5.2) */
};

enum ngw_addr_class addr_class(const struct ngw_addr *a);

/* The first of the blocks above (in address order) that the range lo..hi
 * meets, with the block in *block when not NULL; UNICAST when none. */
enum ngw_addr_class addr_range_class(const struct ngw_addr *lo, const struct ngw_addr *hi,
				     struct ngw_prefix *block);

/* For messages: "a loopback address"; plural: "the loopback addresses". */
const char *addr_class_noun(enum ngw_addr_class c, bool plural);

/* The IPv4 address inside an IPv4-mapped IPv6 one (::ffff:192.0.2.1). */
struct ngw_addr addr_v4mapped_inner(const struct ngw_addr *a);

int addr_cmp(const struct ngw_addr *a, const struct ngw_addr *b);
bool prefix_contains(const struct ngw_prefix *p, const struct ngw_addr *a);

/* Formatting. Buffers of NGW_ADDRSTRLEN hold any output of these. */
#define NGW_ADDRSTRLEN 112
const char *addr_format(const struct ngw_addr *a, char *buf);
const char *prefix_format(const struct ngw_prefix *p, char *buf);
/* "192.0.2.1:80", "[2001:db8::1]:80-90", or the bare address without ports. */
const char *socket_format(const struct ngw_addr *a, const struct ngw_port_range *ports,
			  char *buf);
/* "80" or "80-90". */
const char *port_range_format(const struct ngw_port_range *r, char *buf);

#endif
