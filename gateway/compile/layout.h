/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The layout of natgw's nftables table: the names, the ct mark, and the
 * sets every apply fills. Bumping NATGW_LAYOUT makes the next apply rebuild
 * the table instead of patching it.
 *
 *   table inet natgw {
 *     map match_any ... map target6     forwards, as elements (see below)
 *     set source_checked                marks of the forwards with `from`
 *     set source4, source6              (mark . allowed source prefix), intervals
 *     set no_hairpin, set lan
 *     set rule_counters                 one element per rule, keyed by its mark,
 *                                       with its own packet and byte counter
 *     chain prerouting (nat, dstnat)    classify by map lookups, then dnat
 *     chain postrouting (nat, srcnat)   hairpin masquerade, then snat rules in order
 *     chain count (filter, forward)     per-rule packet and byte counters
 *     map ei_snat4 ... map ei_mark6     endpoint-independent UDP mappings,
 *     set ei_capped4 ... ei_claims6     and what guards them; written by
 *                                       the data path (and the daemon)
 *     set ei_unmapped                   per full-cone rule, a counter of
 *                                       connections the full maps left out
 *     chain ei_refresh (filter, postrouting, srcnat + 1)
 *     chain ei_plain (filter, postrouting, srcnat + 2)
 *     chain ei_spoof (filter, forward, filter - 10)
 *   }
 *
 * A new connection is classified once: one map lookup per key shape sets
 * its ct mark to the forward that takes it. That lookup is O(1) whatever
 * the number of forwards; the mark then selects the target, the source
 * check, the counter, and names the rule in conntrack.
 *
 * Nothing is one kernel object per rule: a rule is elements of sets, so
 * installing 100,000 of them is a few hundred netlink messages, and the
 * kernel's commit does not walk per-rule chains.
 *
 * Endpoint-independent snat rules (RFC 4787 "full cone" UDP): the first
 * datagram of an internal socket X leaves through the rule's translation,
 * which picks external socket E; right after it, before conntrack keeps
 * the connection, ei_refresh gives X the mapping (ei_snat X -> E, ei_dnat
 * E -> X, ei_mark E -> the rule's mark) unless E is taken (by a mapping,
 * a flow without one, or a forward: the datagram is dropped and X's next
 * one gets a random port) or X's host is at max_per_host. Every packet X
 * sends through its mapping renews it for the idle timeout; the kernel
 * expires it after. Spoofed sources are dropped before (ei_spoof); flows
 * without a mapping keep their external sockets off mappings (ei_plain).
 * kmodel_ei.c builds these rules; docs/kernel.md explains each. */
#ifndef NATGW_LAYOUT_H
#define NATGW_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mark.h"

#define NATGW_LAYOUT "managed by natgw (layout 4): edit natgw.yaml and apply, not this table"
#define NATGW_LAYOUT_PREFIX "managed by natgw "

/* The ct mark that names a rule: mark.h. */

/* A UDP flow without an endpoint-independent mapping keeps its external
 * socket off new mappings this long after its last packet (ei_busy):
 * longer than conntrack keeps it by default (30 s, 120 s once answered). */
#define NATGW_EI_BUSY_S 180

/* Fields of set keys and data, in netlink layout each padded to 4 bytes. */
enum kfield {
	KF_IFNAME,	/* 16 bytes, NUL-padded */
	KF_NFPROTO,	/* 1 byte: NFPROTO_IPV4 (2) or NFPROTO_IPV6 (10) */
	KF_L4PROTO,	/* 1 byte: IPPROTO_TCP or IPPROTO_UDP */
	KF_PORT,	/* 2 bytes, network order */
	KF_IPV4,	/* 4 bytes, network order */
	KF_IPV6,	/* 16 bytes */
	KF_MARK,	/* 4 bytes, host order */
	KF_MARK_BE,	/* 4 bytes, network order: a mark in an interval key */
};

enum kdata {
	KD_NONE,	/* a plain set */
	KD_MARK,
	KD_TARGET4,	/* ipv4_addr . inet_service */
	KD_TARGET6,	/* ipv6_addr . inet_service */
};

enum kset {
	KSET_LAN,
	KSET_MATCH_ANY,
	KSET_MATCH_IN,
	KSET_MATCH4_ADDR,
	KSET_MATCH4_IN_ADDR,
	KSET_MATCH6_ADDR,
	KSET_MATCH6_IN_ADDR,
	KSET_HAIRPIN_IN,
	KSET_HAIRPIN4_IN_ADDR,
	KSET_HAIRPIN6_IN_ADDR,
	KSET_TARGET4,
	KSET_TARGET6,
	KSET_SOURCE_CHECKED,
	KSET_SOURCE4,
	KSET_SOURCE6,
	KSET_NO_HAIRPIN,
	KSET_RULE_COUNTERS,
	KSET_EI_UNMAPPED,	/* per endpoint-independent rule (its mark), a
				 * counter of the sockets the full ei_ maps
				 * left without a mapping */
	/* the sets the data path (and the daemon) write, never apply: */
	KSET_EI_SNAT4,		/* X -> E */
	KSET_EI_SNAT6,
	KSET_EI_DNAT4,		/* E -> X */
	KSET_EI_DNAT6,
	KSET_EI_MARK4,		/* E -> the rule's mark */
	KSET_EI_MARK6,
	KSET_EI_CAPPED4,	/* X past its host's max_per_host: no mapping */
	KSET_EI_CAPPED6,
	KSET_EI_RETRY4,		/* X whose datagram was dropped because the
				 * port it was given is taken: its next one
				 * gets a random port */
	KSET_EI_RETRY6,
	KSET_EI_BUSY4,		/* E of a flow without a mapping (plain snat,
				 * capped): no mapping may take it */
	KSET_EI_BUSY6,
	KSET_EI_FULL4,		/* rule mark . host at max_per_host (the daemon's) */
	KSET_EI_FULL6,
	KSET_EI_HOSTS4,		/* rule mark . host, counting the connections
				 * that opened its mappings (ct count) */
	KSET_EI_HOSTS6,
	KSET_EI_CLAIMS4,	/* E, counting the connections claiming it at once
				 * (ct count): the first one gets it */
	KSET_EI_CLAIMS6,
	KSET_EI_LOCAL_PORTS,	/* UDP ports the router itself listens on (the
				 * daemon's): no mapping takes them */
	KSET_COUNT,
};

/* The sets apply fills come first: masks of them (bit 1 << set) fit 31
 * bits. Those from KSET_FIRST_DYNAMIC on belong to the data path. */
#define KSET_FIRST_DYNAMIC KSET_EI_SNAT4
_Static_assert(KSET_FIRST_DYNAMIC <= 31, "masks of the sets apply fills take 31 bits");
#define kset_is_dynamic(s) ((s) >= KSET_FIRST_DYNAMIC)

#define KSET_KEY_MAX 4

struct kset_def {
	const char *name;
	enum kfield key[KSET_KEY_MAX];
	uint8_t n_key;
	enum kdata data;
	bool dynamic;			/* flags dynamic,timeout: the data path
					 * adds and refreshes elements */
	bool conn_count;		/* flags dynamic, no timeout: each element
					 * counts connections (ct count), and the
					 * kernel drops it when none is left */
	uint32_t size;			/* dynamic: how many elements it takes
					 * (0: the kernel's 65,535) */
	bool interval;			/* flags interval: an element is a range,
					 * its key the first and last key */
	bool counted;			/* every element has a counter */
};

extern const struct kset_def kset_defs[KSET_COUNT];

enum kchain {
	KCHAIN_PREROUTING,
	KCHAIN_POSTROUTING,
	KCHAIN_COUNT_FWD,
	KCHAIN_EI_REFRESH,
	KCHAIN_EI_PLAIN,
	KCHAIN_EI_SPOOF,
	KCHAIN_COUNT,
};

extern const char *const kchain_names[KCHAIN_COUNT];

/* How many elements a set natgw fills is made for, when it holds n: the
 * kernel sizes its hash table once instead of growing it element by
 * element, and refuses more; an apply that needs more rebuilds the table. */
uint32_t kset_capacity(size_t n);

unsigned kfield_size(enum kfield f);	/* padded size in bytes */
unsigned kset_key_len(enum kset s);	/* of one key (a range's element has two) */
unsigned kdata_len(enum kdata d);

#endif
