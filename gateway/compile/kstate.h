/* SPDX-License-Identifier: GPL-2.0-or-later */
/* natgw's table as the kernel holds it now: what kstate_read() (kernel/)
 * reads back before every apply and plan, and for `show`, or what the
 * record of the last apply says it holds. Plain data: the plan (kplan.h)
 * is computed from it without netlink. */
#ifndef NATGW_KSTATE_H
#define NATGW_KSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmodel.h"

#define KNAME_MAX 64

struct kstate_elem {
	uint8_t set;			/* enum kset */
	uint8_t key_len, data_len;
	uint8_t key[KELEM_KEY_MAX];
	uint8_t data[KELEM_DATA_MAX];
	char comment[NGW_NAME_MAX + 1];	/* the rule the element belongs to */
};

/* A rule's element of rule_counters. */
struct kstate_counter {
	char name[NGW_NAME_MAX + 1];	/* the rule */
	char comment[KDESC_MAX + 1];	/* what it does; "" when not written by natgw */
	uint64_t digest;		/* 0 when not written by this natgw */
	uint32_t mark;			/* the element's key */
	bool snat;			/* its kind, decoded once from comment */
	uint64_t packets, bytes;
};

/* An endpoint-independent rule's element of ei_unmapped: how many of its
 * sockets got no mapping because the ei_ maps were full. */
struct kstate_unmapped {
	char name[NGW_NAME_MAX + 1];	/* the rule */
	uint32_t mark;
	uint64_t packets;
};

struct kstate_rule {
	char chain[KNAME_MAX];
	uint64_t handle;
	uint64_t fingerprint;		/* 0 when the rule has none (not natgw's) */
	char comment[NGW_NAME_MAX + 1];
};

struct kstate {
	bool exists;
	bool ours;			/* its comment says natgw made it */
	bool same_layout;		/* ... and with this layout */
	char comment[256];
	bool has_set[KSET_COUNT];
	uint32_t set_size[KSET_COUNT];	/* how many elements it takes; 0: no limit */
	struct kstate_elem *elems;
	size_t n_elems, cap_elems;
	struct kstate_counter *counters;
	size_t n_counters, cap_counters;
	struct kstate_unmapped *unmapped;	/* when ei_unmapped was read */
	size_t n_unmapped, cap_unmapped;
	char (*chains)[KNAME_MAX];
	size_t n_chains, cap_chains;
	struct kstate_rule *rules;	/* each chain's rules in order */
	size_t n_rules, cap_rules;
	/* the other tables natgw made in this namespace (gateway.table of
	 * another configuration): their marks must not meet this one's */
	char (*peers)[NGW_TABLE_MAX + 1];
	size_t n_peers, cap_peers;
};

/* every set apply fills: not those the data path writes */
#define KSTATE_ALL_SETS ((1u << KSET_FIRST_DYNAMIC) - 1)
/* read with the table unless KSTATE_NO_COUNTERS is in the mask: the
 * rules, their marks and counters */
#define KSTATE_COUNTERS (1u << KSET_RULE_COUNTERS)
#define KSTATE_NO_COUNTERS (1u << 31)

/* Adds the elements of the model m as if read from the kernel: what a
 * verified record of the last apply says the kernel holds. Sets in
 * skip_mask are left alone (they were read). */
void kstate_adopt_model(struct kstate *st, const struct kmodel *m, unsigned skip_mask);
/* The same for st->counters: each rule's mark, digest and description
 * (counts 0: an apply does not need them). */
void kstate_adopt_counters(struct kstate *st, const struct kmodel *m);

void kstate_free(struct kstate *st);

/* Whether a rule_counters comment (what a rule does, as natgw wrote it)
 * is an snat rule's: its first word. */
bool kcounter_is_snat(const char *comment);

/* The udata TLV types natgw adds to nft's comment (nft ignores them): a
 * chain rule's fingerprint; with a rule's counter, its digest and what it
 * does. */
#define KRULE_UDATA_FINGERPRINT 0x4e
/* 0x4d: digests without marks (kmodel.c); 0x4e held an older natgw's,
 * which hashed the mark too and are not compared */
#define KCOUNTER_UDATA_DIGEST 0x4d
#define KCOUNTER_UDATA_DESC 0x4c

#endif
