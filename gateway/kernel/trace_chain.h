/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The chains `natgw doctor --trace` puts in natgw's table for as long as it
 * traces: they set nftrace on the packets of one forward (and their
 * replies), so the kernel reports each one's path through every table.
 * SPEC section 2: natgw touches its own table only, so they live there,
 * under names natgw's own chains never take (layout.c's are plain words;
 * these all begin "trace-"), and apply, plan and show leave them alone. */
#ifndef NATGW_TRACE_CHAIN_H
#define NATGW_TRACE_CHAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "natgw/rules.h"
#include "nl.h"

/* Marks originals before anything else sees them (even raw, -300). */
#define TRACE_CHAIN_FIRST "trace-first"
/* Marks the replies of their connections: after conntrack (-200), before
 * DNAT (-100) undoes anything; one on prerouting, one on output (a
 * loopback target's replies are the router's own packets). */
#define TRACE_CHAIN_REPLY "trace-reply"
#define TRACE_CHAIN_REPLY_LOCAL "trace-reply-local"
/* Empty, last on postrouting and input: a traced packet passing them is
 * one that left the router (or reached its own socket), as translated. */
#define TRACE_CHAIN_LEFT "trace-left"
#define TRACE_CHAIN_LOCAL "trace-local"
#define TRACE_N_CHAINS 5

extern const char *const trace_chain_names[TRACE_N_CHAINS];

/* Whether name is one of the chains above. */
bool trace_chain_is(const char *name);

/* Which packets to mark: one forward's, as the kernel sees them before
 * DNAT. */
struct trace_match {
	uint8_t family;			/* NGW_FAMILY_IPV4 or IPV6 */
	bool tcp, udp;
	struct ngw_port_range port;	/* the forward's external port(s) */
	struct ngw_addr address;	/* NONE: any of the router's */
	const struct ngw_ifaces *in;	/* NULL or n == 0: any interface */
	struct ngw_addr from;		/* NONE: any remote */
};

/* The trace chains found in table (chains set bits 1 << index into
 * trace_chain_names) and the comment of the first: who made them. */
struct trace_owner {
	unsigned chains;
	char comment[128];
};

/* Reads table's trace chains; *genid the generation read at. 0, -ENOENT
 * when there is no such table, or -errno. */
int trace_chains_read(struct nl *nl, const char *table, struct trace_owner *o, uint32_t *genid);

/* One transaction, refused (-ERESTART) when nftables changed since genid:
 * deletes the trace chains in o (a dead trace's leftovers), then creates
 * them anew for m, each chain carrying comment. -EEXIST when another
 * trace made them first; -EOPNOTSUPP when the kernel cannot trace. */
int trace_chains_add(struct nl *nl, const char *table, const struct trace_match *m,
		     const char *comment, const struct trace_owner *o, uint32_t genid);

/* Deletes the trace chains in o (flushing each first), refused (-ERESTART)
 * when nftables changed since genid (0: whatever changed): another trace
 * may have put its own in their place. 0 also when they are gone already,
 * or -errno. */
int trace_chains_del(struct nl *nl, const char *table, const struct trace_owner *o,
		     uint32_t genid);

#endif
