/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The rules natgw puts in its chains, as a short list of operations each.
 * One representation, two renderings: nft text (krule_text.c, for `plan
 * --nft`) and libnftnl expressions (kernel/krule_nftnl.c, for `apply`). Each op's
 * bytecode is the one nft generates for its text, so loading the script
 * with nft gives the same table as natgw's own apply. */
#ifndef NATGW_KRULE_H
#define NATGW_KRULE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "layout.h"
#include "natgw/rules.h"

enum kop_kind {
	KOP_FIB_LOCAL,		/* fib daddr type local */
	KOP_FIB_NOT_ON_IIF,	/* fib daddr . iif type != local */
	KOP_OIFNAME,		/* oifname "eth0" */
	KOP_SADDR,		/* ip saddr 192.0.2.0/24, ip6 saddr ... */
	KOP_L4PROTO,		/* meta l4proto tcp */
	KOP_L4PROTO_PORTS,	/* meta l4proto { tcp, udp, dccp, sctp, udplite }
				 * (KRULE_PORTED_L4): an anonymous set, nft's
				 * and the kernel's "__set%d", one per rule */
	KOP_SPORT,		/* udp sport 5060 (with its protocol check) */
	KOP_IIF_LAN,		/* iifname [!=] @lan */
	KOP_OIF_LAN,		/* oifname [!=] @lan */
	KOP_MARK_EQ,		/* ct mark and MASK == VAL */
	KOP_MARK_NEQ,		/* ct mark and MASK != VAL */
	KOP_MARK_SET,		/* ct mark set VAL */
	KOP_MARK_OR,		/* ct mark set ct mark or VAL */
	KOP_MARK_MAP,		/* ct mark set <the set's key> map @SET */
	KOP_MARK_IN,		/* ct mark and MASK @SET */
	KOP_SOURCE_NOT_IN,	/* ct mark and MASK . ip saddr != @SET */
	KOP_DNAT_MAP,		/* dnat ip to ct mark and MASK . tcp dport map @SET */
	KOP_MASQ,		/* masquerade [to :PORTS] [FLAGS] */
	KOP_SNAT,		/* snat ip to ADDR[-ADDR][:PORTS] [FLAGS] */
	KOP_NFPROTO,		/* meta nfproto ipv4 */
	KOP_CT_ORIG_SNAT,	/* ct direction original ct status snat */
	KOP_EI_SNAT,		/* snat ip to ip saddr . udp sport map @ei_snat4 */
	KOP_EI_MARK,		/* ct mark set ip daddr . udp dport map @ei_mark4 */
	KOP_EI_DNAT,		/* dnat ip to ip daddr . udp dport map @ei_dnat4 */
	KOP_EI_UPDATE,		/* update @ei_...4 { KEY timeout VALs : DATA } (below) */
	KOP_CT_NEW,		/* ct state new */
	KOP_CT_ORIGINAL,	/* ct direction original */
	KOP_CT_SNAT,		/* ct status snat */
	KOP_IIFNAME,		/* iifname "eth0" */
	KOP_FIB_RPF_MISSING,	/* fib saddr . iif oif missing */
	KOP_EI_IN,		/* SHAPE [!=] @SET (SHAPE: enum ei_shape) */
	KOP_EI_ADD,		/* add @SET { SHAPE timeout VALs }, "update" with
				 * update set; with count N: "ct count over N"
				 * and no timeout (look at such a set once per
				 * packet: a second look counts it again) */
	KOP_CT_DNAT,		/* ct status dnat */
	KOP_SOCKET,		/* socket transparent VAL (a local socket takes the packet) */
	KOP_DROP,		/* drop */
	KOP_RETURN,		/* return */
};

/* What a connection's EI_IN and EI_ADD key is made of; the family picks
 * ip or ip6. */
enum ei_shape {
	EIS_X,			/* ct original ip saddr . ct original proto-src */
	EIS_E,			/* ct reply ip daddr . ct reply proto-dst */
	EIS_HOST,		/* ct mark . ct original ip saddr */
	EIS_FWD_ANY,		/* meta nfproto . meta l4proto . ct reply proto-dst */
	EIS_FWD_IN,		/* oifname . meta nfproto . meta l4proto . ct reply proto-dst */
	EIS_FWD_ADDR,		/* ct reply ip daddr . meta l4proto . ct reply proto-dst */
	EIS_FWD_IN_ADDR,	/* oifname . ct reply ip daddr . meta l4proto . ct reply proto-dst */
	EIS_E_IN,		/* ct original ip daddr . ct original proto-dst: the E a
				 * remote's connection to a mapping was sent to */
	EIS_E_PORT,		/* ct reply proto-dst */
};

struct kop {
	enum kop_kind kind;
	uint32_t mask, val;		/* MARK_*, masks of the mark ops; EI_UPDATE,
					 * EI_ADD: val is the timeout in seconds */
	enum kset set;			/* MARK_MAP, MARK_IN, SOURCE_NOT_IN, DNAT_MAP, EI_* */
	uint8_t family;			/* NGW_FAMILY_*: SADDR, SOURCE_NOT_IN, DNAT_MAP, SNAT */
	uint8_t l4;			/* IPPROTO_TCP/UDP: L4PROTO, SPORT, DNAT_MAP */
	uint16_t port;			/* SPORT */
	char ifname[NGW_IFNAMSIZ];	/* OIFNAME, IIFNAME */
	struct ngw_prefix prefix;	/* SADDR */
	struct ngw_addr lo, hi;		/* SNAT */
	struct ngw_port_range ports;	/* MASQ, SNAT; lo == 0: none */
	enum ngw_snat_mode mode;	/* MASQ, SNAT */
	enum ei_shape shape;		/* EI_IN, EI_ADD */
	bool update;			/* EI_ADD */
	bool neg;			/* EI_IN, IIF_LAN, OIF_LAN: "!= @SET" */
	uint32_t count;			/* EI_ADD */
};

/* The protocols whose ports the kernel's NAT translates (nf_nat_core.c,
 * nf_nat_l4proto_unique_tuple): a port range given to masquerade or snat
 * is for them. Of the others it would put ICMP's echo id (and a PPTP GRE
 * key) in the range and leave the rest alone, so an snat rule for every
 * protocol translates these with the range and the others without
 * (kmodel.c). In protocol number order, as `nft list` prints a set of
 * them. A kernel whose conntrack no longer knows DCCP (6.18 tracks it
 * without ports) leaves DCCP's ports as they are. */
#define KRULE_PORTED_L4 { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_DCCP, IPPROTO_SCTP, IPPROTO_UDPLITE }
#define KRULE_N_PORTED_L4 5

#define KRULE_OPS_MAX	12
#define KRULE_NO_OWNER	UINT32_MAX

struct krule {
	uint32_t chain;			/* enum kchain */
	uint32_t owner;			/* index into kmodel.rules, or KRULE_NO_OWNER */
	uint8_t n_ops;
	struct kop ops[KRULE_OPS_MAX];
};

/* The rule as nft writes it, without its comment. */
void krule_text(const struct krule *r, FILE *out);

/* A fingerprint of the rule (of its text and comment), stored with it in
 * the kernel so the next apply can tell whether the rule changed. */
uint64_t krule_fingerprint(const struct krule *r, const char *comment);


#endif
