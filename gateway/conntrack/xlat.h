/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gateway/conntrack/: natgw's live mappings: ctnetlink, the translation
 * table and the follower that keeps it, the rule index, flushing and
 * re-marking, the full-cone maps. Uses kernel/ and compile/.
 *
 * The translation table: natgw's live NAT mappings, as conntrack holds
 * them, each with its remote, external and internal socket and the rule
 * that made it. Built from a dump, kept current from events; after lost
 * events, xlat_resync() rebuilds it from a fresh dump and reports what
 * appeared and what vanished. Lookups by internal and by external socket
 * are O(1) (a socket can have many mappings: every connection through one
 * forward shares its external and internal socket). */
#ifndef NATGW_XLAT_H
#define NATGW_XLAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ct.h"

struct xlat_socket {
	struct ngw_addr addr;
	uint16_t port;
};

/* A mapping as the table shows it. The table keeps a compact form (the
 * tuple and the one translated socket; the others follow from them) and
 * fills these in: a pointer it returns is valid until the next call. */
struct xlat_mapping {
	struct ct_tuple key;		/* conntrack's original tuple */
	uint16_t zone;			/* ... and its zone */
	uint32_t id;
	uint32_t mark;
	bool snat;			/* kind: the rule's, snat, else forward */
	bool inbound;			/* direction: the remote opened it, towards
					 * the external socket (a forward's, or one
					 * of a full-cone mapping's); else the
					 * internal socket opened it, outwards */
	bool endpoint_independent;	/* an ei_ map's mapping: any remote */
	uint8_t l4;
	struct xlat_socket remote, external, internal;
	uint32_t status, timeout;
	uint8_t tcp_state;
	uint64_t packets, bytes;	/* from the entry just seen; the table keeps
					 * none (a dump brings them up to date) */
	uint32_t slot;			/* where the table keeps it */
};

/* What decides a mapping's kind: the rule its mark names. */
typedef bool (*xlat_kind_fn)(uint32_t mark, bool *snat, void *arg);

struct xlat;

struct xlat *xlat_new(xlat_kind_fn kind, void *kind_arg);
void xlat_free(struct xlat *x);
size_t xlat_count(const struct xlat *x);

/* Entry seen (dump or NEW/UPDATE event): added or updated. Returns the
 * mapping (with the entry's counters), and *added tells whether it is new.
 * NULL for an entry that is not a translation (no reply tuple). */
const struct xlat_mapping *xlat_upsert(struct xlat *x, const struct ct_entry *e, bool *added);

/* Entry gone (DESTROY event): true when it was in the table. The mapping
 * is copied to *gone before it is freed. */
bool xlat_remove(struct xlat *x, const struct ct_entry *e, struct xlat_mapping *gone);

/* Rebuild from a fresh dump (after lost events): dump() must call
 * xlat_resync_entry() for every entry; then every mapping the dump did not
 * see is removed and reported to ended(). */
void xlat_resync_begin(struct xlat *x);
/* Returns the mapping as xlat_upsert() does. */
const struct xlat_mapping *xlat_resync_entry(struct xlat *x, const struct ct_entry *e,
					     void (*appeared)(const struct xlat_mapping *m,
							      void *arg), void *arg);
void xlat_resync_end(struct xlat *x, void (*ended)(const struct xlat_mapping *m, void *arg),
		     void *arg);

/* The first mapping with this internal (or external) socket; then
 * xlat_next_internal() / xlat_next_external() for the others. */
const struct xlat_mapping *xlat_lookup_internal(struct xlat *x, uint8_t l4,
						const struct xlat_socket *s);
const struct xlat_mapping *xlat_next_internal(struct xlat *x, const struct xlat_mapping *m);
const struct xlat_mapping *xlat_lookup_external(struct xlat *x, uint8_t l4,
						const struct xlat_socket *s);
const struct xlat_mapping *xlat_next_external(struct xlat *x, const struct xlat_mapping *m);

/* Every mapping (counters 0: the table keeps none). */
void xlat_foreach(const struct xlat *x, void (*cb)(const struct xlat_mapping *m, void *arg),
		  void *arg);

/* Whether an entry is an snat mapping: what kind() says of its rule, else
 * (a rule gone from the table) what the kernel did: no DNAT means snat. */
bool xlat_entry_is_snat(const struct ct_entry *e, xlat_kind_fn kind, void *kind_arg);

/* Whether an entry is inbound: its direction is what the kernel did to it,
 * not its rule's kind. The destination rewritten (IPS_DST_NAT: a forward,
 * a remote reaching a full-cone mapping, a hairpin, which has both bits):
 * inbound. Only the source rewritten: outbound. Neither (a translation to
 * the same socket): the rule's kind says, snat outbound. */
bool xlat_entry_inbound(const struct ct_entry *e, bool snat);

/* "192.0.2.10:8443", "[2001:db8::10]:8443", or "*" for no socket (any
 * remote); buf holds NGW_ADDRSTRLEN. Returns what to print. */
const char *xlat_socket_format(const struct xlat_socket *s, char *buf);

/* A mapping from one conntrack entry, without a table: kind snat (else
 * forward) as given, its sockets by xlat_entry_inbound(). Inbound: remote
 * the original source, external the original destination, internal the
 * reply's source. Outbound: internal the original source, remote the
 * original destination, external the reply's destination. False when the
 * entry is not a translation. */
bool xlat_from_entry(const struct ct_entry *e, bool snat, struct xlat_mapping *m);

#endif
