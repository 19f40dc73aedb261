/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Whether a base chain of another table would drop a packet of a forward:
 * the rules of kernel/ruleset_read.h run on a packet of which some parts
 * are known (the protocol, the target, the port) and others not (the
 * client's address, the LAN interface). Pure: no system is read.
 *
 * The decision on what cannot be evaluated (a match on an unknown part, a
 * rate limit, a verdict map): both ways are followed, and a chain is said
 * to drop the packet only when every way ends in a drop. A rule natgw
 * cannot read never makes a chain look as if it dropped; it can only hide
 * a drop. doctor prefers saying nothing to a false alarm. */
#ifndef NATGW_FW_VERDICT_H
#define NATGW_FW_VERDICT_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/ruleset_read.h"

/* The packet, as the chain sees it at its hook and priority. */
struct fw_packet {
	uint8_t family;			/* NFPROTO_IPV4 or NFPROTO_IPV6 */
	uint8_t l4;			/* IPPROTO_TCP or IPPROTO_UDP */
	const char *iif, *oif;		/* NULL: unknown */
	const uint8_t *saddr, *daddr;	/* 4 or 16 bytes; NULL: unknown */
	int sport, dport;		/* -1: unknown */
	bool ct;			/* conntrack has seen it */
	uint8_t ctinfo;			/* IP_CT_NEW, IP_CT_ESTABLISHED(_REPLY) */
	uint32_t status;		/* the connection's IPS_* bits */
};

enum fw_tri { FW_FALSE, FW_TRUE, FW_UNKNOWN };

/* Whether m matches p. */
enum fw_tri fw_match_eval(const struct fw_match *m, const struct fw_packet *p);

/* Whether base chain c of table t drops p: FW_TRUE whatever the parts of
 * the rules natgw cannot evaluate turn out to be, FW_FALSE when no way
 * through it drops, FW_UNKNOWN when some ways do. *by_policy: the drop is
 * the chain's policy's (no rule's). Each rule run adds one to *work. */
enum fw_tri fw_chain_drops(const struct fw_table *t, const struct fw_chain *c,
			   const struct fw_packet *p, bool *by_policy, unsigned long *work);

/* Whether anything reachable from base chain c can drop a packet at all
 * (a drop or reject, a drop policy, a verdict decided elsewhere): a chain
 * that cannot is not worth running per forward. */
bool fw_chain_may_drop(const struct fw_table *t, const struct fw_chain *c);

#endif
