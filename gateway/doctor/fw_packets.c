/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <string.h>

#include "fw_packets.h"

bool fw_before_dstnat(const struct fw_chain *c)
{
	/* at natgw's own priority the order is the kernel's: taken as before */
	return c->hook == NF_INET_PRE_ROUTING && c->prio <= NF_PRI_DSTNAT;
}

bool fw_packet_of(const struct ngw_forward *f, bool local_target, uint8_t l4, bool hi,
		  const char *iif, const char *lan_if, const struct fw_chain *c, enum fw_kind kind,
		  struct fw_packet *p)
{
	/* the connection's status once natgw's dstnat translated it */
	static const uint32_t later = IPS_DST_NAT | IPS_CONFIRMED | IPS_SEEN_REPLY | IPS_ASSURED;
	int port = hi ? f->port.hi : f->port.lo;
	int to_port = f->to_port.lo + (f->to_port.hi != f->to_port.lo ? port - f->port.lo : 0);

	bool routed = c->hook == NF_INET_FORWARD || c->hook == NF_INET_POST_ROUTING;

	switch (c->hook) {
	case NF_INET_FORWARD:
	case NF_INET_POST_ROUTING:
		if (local_target)
			return false;	/* delivered to the router: input, output */
		break;
	case NF_INET_LOCAL_IN:
		if (!local_target || kind == FW_REPLY)
			return false;	/* the replies leave through output */
		break;
	case NF_INET_PRE_ROUTING:
		break;
	default:
		return false;
	}
	if (c->nat && kind != FW_NEW)
		return false;	/* a nat chain sees the first packet only */

	memset(p, 0, sizeof(*p));
	p->family = f->to.family == NGW_FAMILY_IPV4 ? NFPROTO_IPV4 : NFPROTO_IPV6;
	p->l4 = l4;
	p->sport = p->dport = -1;
	/* no output interface is chosen yet before routing */
	p->oif = routed ? lan_if : "";
	p->ct = c->hook != NF_INET_PRE_ROUTING || c->prio > NF_PRI_CONNTRACK;
	bool translated = !fw_before_dstnat(c);

	if (kind == FW_REPLY) {
		/* from the target; its source is translated back only at
		 * postrouting, after every hook looked at here */
		bool undone = c->hook == NF_INET_POST_ROUTING && c->prio > NF_PRI_SRCNAT;
		p->saddr = undone ? NULL : f->to.b;
		p->sport = undone ? -1 : to_port;
		p->iif = lan_if;
		if (routed)
			p->oif = iif;	/* back out where the client came from */
		p->ctinfo = IP_CT_ESTABLISHED_REPLY;
		p->status = later;
		return true;
	}
	p->iif = iif;
	p->ctinfo = kind == FW_NEW ? IP_CT_NEW : IP_CT_ESTABLISHED;
	if (translated) {
		p->daddr = f->to.b;
		p->dport = to_port;
		p->status = kind == FW_NEW ? IPS_DST_NAT : later;
	} else {
		p->daddr = f->address.family != NGW_FAMILY_NONE ? f->address.b : NULL;
		p->dport = port;
		p->status = kind == FW_NEW ? 0 : later;
	}
	return true;
}
