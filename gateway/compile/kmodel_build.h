/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the parts of the compiler (kmodel.c, kmodel_ei.c) build a model
 * with (kmodel_build.c): set elements byte by byte, chain rules op by op. */
#ifndef NATGW_KMODEL_BUILD_H
#define NATGW_KMODEL_BUILD_H

#include "kmodel.h"

/* A key or data being written into an element, field by field, each
 * padded to the 4-byte registers nft uses. */
struct key_builder {
	uint8_t *p;
	uint8_t len;
};

void km_put(struct key_builder *k, const void *v, unsigned n, unsigned padded);
void km_put_ifname(struct key_builder *k, const char *name);
void km_put_u8(struct key_builder *k, uint8_t v);
void km_put_port(struct key_builder *k, uint16_t port);
void km_put_addr(struct key_builder *k, const struct ngw_addr *a);
void km_put_mark(struct key_builder *k, uint32_t mark);
void km_put_mark_be(struct key_builder *k, uint32_t mark);
/* The first or the last address of a prefix. */
void km_put_prefix_end(struct key_builder *k, const struct ngw_prefix *p, bool last);

/* A new element of set owned by rule (or KRULE_NO_OWNER). */
struct kelem *km_elem(struct kmodel *m, enum kset set, uint32_t rule);
/* Its data: a mark. */
void km_elem_data_mark(struct kelem *e, uint32_t mark);

struct krule *km_rule(struct kmodel *m, uint32_t chain, uint32_t owner);
struct kop *km_op(struct krule *r, enum kop_kind kind);
struct kop *km_op_set(struct krule *r, enum kop_kind kind, enum kset set, uint32_t mask);
void km_op_mark(struct krule *r, enum kop_kind kind, uint32_t mask, uint32_t val);

/* An element of set owned by rule (or KRULE_NO_OWNER), keyed by a mark. */
struct kelem *km_elem_mark(struct kmodel *m, enum kset set, uint32_t rule, uint32_t mark);

/* The matches of an snat rule: egress interface (NULL: any), source
 * prefix, and protocol (0: any) or source port. */
void km_snat_matches(struct krule *r, const struct ngw_snat *s, const char *out,
		     const struct ngw_prefix *from, uint8_t l4);

/* Endpoint-independent UDP (kmodel_ei.c). */

/* Whether rule s's UDP sockets get a random port after a dropped datagram
 * (their port was taken by a mapping): every snat rule that translates UDP
 * to more than one port. */
bool km_ei_retries(const struct ngw_snat *s, uint8_t l4);

/* The rules of endpoint-independent rule s (index idx): the mapping's
 * life in ei_refresh, its LAN-only guard in ei_spoof, and its element of
 * ei_unmapped. */
void km_ei_rule(struct kmodel *m, const struct ngw_ruleset *rs, const struct ngw_snat *s,
		uint32_t idx);

/* The spoofing guard of snat rule s (every rule that translates UDP). */
void km_ei_spoof(struct kmodel *m, const struct ngw_snat *s, uint32_t idx);

/* The rules every flow without a mapping goes through (ei_plain), when
 * the ruleset has an endpoint-independent rule. */
void km_ei_plain(struct kmodel *m);

#endif
