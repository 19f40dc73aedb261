/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The packets of a forward as a chain of another table sees them, by the
 * chain's hook and priority:
 *  - forward: translated (daddr the target, dport the target port); its
 *    new connections, their later packets, and the replies;
 *  - prerouting: after natgw's dstnat (priority > -100) as at forward;
 *    before it the original (dport the forward's port), and before
 *    conntrack (priority <= -200) without a connection at all;
 *  - input: only for a target that is an address of the router itself,
 *    where the translated packet is delivered instead of forwarded;
 *  - postrouting: as at forward; a reply's source is the target's before
 *    natgw's DNAT is undone (priority 100, srcnat), unknown after.
 * The interface towards the target (the LAN's) is what the router's route
 * to it says: the original's output interface, the reply's input one.
 * Pure. */
#ifndef NATGW_FW_PACKETS_H
#define NATGW_FW_PACKETS_H

#include <stdbool.h>

#include "fw_verdict.h"
#include "natgw/rules.h"

enum fw_kind {
	FW_NEW,			/* a new connection's first packet */
	FW_LATER,		/* its later packets, client to target */
	FW_REPLY,		/* target to client */
	FW_KINDS,
};

#define NF_PRI_DSTNAT (-100)	/* natgw's prerouting: NF_IP_PRI_NAT_DST */
#define NF_PRI_CONNTRACK (-200)
#define NF_PRI_SRCNAT 100	/* where a reply's translation is undone */

/* One packet of forward f: kind, for its protocol l4 (IPPROTO_*), the
 * end of its port range (hi), arriving on iif (NULL: any), its target
 * reached by lan_if (NULL: not known), at base chain c of a table of
 * family (NFPROTO_IPV4/IPV6). False when chain c never sees such a packet
 * (a nat chain a reply, the input hook a forwarded one). */
bool fw_packet_of(const struct ngw_forward *f, bool local_target, uint8_t l4, bool hi,
		  const char *iif, const char *lan_if, const struct fw_chain *c, enum fw_kind kind,
		  struct fw_packet *p);

/* Whether chain c sees the forward's original packets untranslated. */
bool fw_before_dstnat(const struct fw_chain *c);

#endif
