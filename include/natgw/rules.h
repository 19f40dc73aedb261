/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The rule model: a validated natgw.yaml, ready for the kernel side.
 *
 * rules_load() runs the whole pipeline — read file, YAML tree, model,
 * validation — and hands back a ruleset only when there is no error.
 * Everything in it is resolved: inherited defaults (gateway.wan,
 * gateway.hairpin), service names, target ports. Positions stay with each
 * field so later stages can map a kernel error back to its YAML line. */
#ifndef NATGW_RULES_H
#define NATGW_RULES_H

#include <stdbool.h>
#include <stdio.h>

#include "natgw/addr.h"
#include "natgw/diag.h"

#define NGW_NAME_MAX	32		/* rule names: [a-z0-9][a-z0-9_-]{0,31} */
#define NGW_TABLE_MAX	32		/* nftables table name */
#define NGW_IFNAMSIZ	16		/* the kernel's IFNAMSIZ, with the NUL */
#define NGW_EI_TIMEOUT_DEFAULT	300	/* RFC 4787 REQ-5: at least 120, 300 recommended */
#define NGW_EI_TIMEOUT_ADVISED	120
#define NGW_EI_TIMEOUT_MAX	86400
#define NGW_EI_PER_HOST_DEFAULT	256
#define NGW_EI_PER_HOST_MAX	65535
#define NGW_FILE_MAX	(16u << 20)	/* largest configuration file read */

enum ngw_proto {
	NGW_PROTO_TCP  = NGW_L4_TCP,
	NGW_PROTO_UDP  = NGW_L4_UDP,
	NGW_PROTO_BOTH = NGW_L4_TCP | NGW_L4_UDP,
	NGW_PROTO_ANY  = 4,		/* snat only: every protocol */
};

enum ngw_snat_mode {
	NGW_MODE_DEFAULT,
	NGW_MODE_RANDOM,
	NGW_MODE_FULLY_RANDOM,
	NGW_MODE_PERSISTENT,
};

struct ngw_ifaces {
	size_t n;			/* 0: no restriction */
	char (*name)[NGW_IFNAMSIZ];
};

struct ngw_prefixes {
	size_t n;			/* 0: no restriction */
	struct ngw_prefix *v;
};

struct ngw_gateway {
	char table[NGW_TABLE_MAX + 1];
	struct ngw_ifaces wan;
	struct ngw_ifaces lan;
	bool hairpin;
	bool flush_on_change;
};

struct ngw_forward {
	char name[NGW_NAME_MAX + 1];
	enum ngw_proto proto;		/* TCP, UDP or BOTH */
	struct ngw_port_range port;	/* external port(s) */
	struct ngw_addr to;		/* target host */
	struct ngw_port_range to_port;	/* same size as port, or one port */
	struct ngw_prefixes from;	/* allowed sources */
	struct ngw_ifaces in;		/* ingress, resolved from gateway.wan */
	struct ngw_addr address;	/* external address; NONE: any local */
	bool hairpin;			/* resolved from gateway.hairpin */
	bool enabled;
	char *comment;			/* NULL when none */
	struct {
		struct ngw_pos rule, name, proto, port, to, from, in,
			       address, hairpin, enabled, comment;
	} at;
};

enum ngw_snat_kind {
	NGW_SNAT_MASQUERADE,
	NGW_SNAT_TO_ADDRESS,		/* one address or a range to_lo..to_hi */
};

struct ngw_snat {
	char name[NGW_NAME_MAX + 1];
	struct ngw_prefixes from;	/* source prefixes (never empty) */
	struct ngw_port_range from_port; /* set: from is one socket, from.v[0] a host */
	struct ngw_ifaces out;		/* egress, resolved from gateway.wan */
	enum ngw_proto proto;
	enum ngw_snat_kind kind;
	struct ngw_addr to_lo, to_hi;	/* TO_ADDRESS: to_hi == to_lo for one */
	struct ngw_port_range to_port;	/* ":PORT" of to, or `ports` of masquerade */
	enum ngw_snat_mode mode;
	bool endpoint_independent;
	unsigned idle_timeout;		/* seconds an endpoint-independent mapping
					 * lives without outbound traffic */
	unsigned max_per_host;		/* endpoint-independent mappings of one
					 * internal address at most */
	struct {
		struct ngw_pos rule, name, from, out, proto, to, ports, mode,
			       endpoint_independent, idle_timeout, max_per_host;
	} at;
};

struct ngw_ruleset {
	char *file;			/* the path as given, for diagnostics */
	struct ngw_gateway gateway;
	struct ngw_forward *forwards;
	size_t n_forwards;
	struct ngw_snat *snats;
	size_t n_snats;
};

/* Loads and validates path ("-" reads standard input).
 * Returns 0 with *out set when the file is valid (warnings may be in d);
 * 0 with *out NULL when it is not (errors in d);
 * -errno when the file cannot be read at all. */
int rules_load(const char *path, struct ngw_ruleset **out, struct ngw_diags *d);

/* Reads path ("-": standard input) whole, as rules_load() does. 0 with *buf
 * (the caller frees it), -errno, or -EFBIG past NGW_FILE_MAX. */
int rules_read(const char *path, char **buf, size_t *len);

/* The same from a buffer already in memory; name is used in positions. */
int rules_load_buffer(const char *name, const char *buf, size_t len,
		      struct ngw_ruleset **out, struct ngw_diags *d);

void ruleset_free(struct ngw_ruleset *rs);

/* The canonical form: every default filled in, one rule per block. Loading
 * it gives the same ruleset; printing that again gives the same text. */
int rules_print(const struct ngw_ruleset *rs, FILE *out);

size_t ruleset_count_enabled_forwards(const struct ngw_ruleset *rs);

const char *proto_name(enum ngw_proto p);
const char *snat_mode_name(enum ngw_snat_mode m);

#endif
