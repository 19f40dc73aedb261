/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gateway/kernel/: talking to nf_tables over netlink: transactions,
 * reading natgw's table back, nftables events. Returns -errno and the
 * kernel's own errors, never prints. Uses compile/.
 *
 * Netlink messages for natgw's table, appended to one transaction. Each
 * message remembers the natgw rule it is for, so a kernel error can name
 * the rule and its line in natgw.yaml. */
#ifndef NATGW_KBATCH_H
#define NATGW_KBATCH_H

#include "compile/kmodel.h"
#include "compile/kstate.h"
#include "nl.h"

struct kbatch {
	struct nl_batch nb;
	const struct kmodel *m;
	uint32_t *owner;		/* by seq - first_seq: kmodel rule, or KRULE_NO_OWNER */
	size_t cap_owner;
	uint32_t n_anon_sets;		/* the rules' anonymous sets sent so far */
};

/* genid: as nl_batch_init(). */
void kbatch_init(struct kbatch *kb, struct nl *nl, const struct kmodel *m, uint32_t genid);
void kbatch_free(struct kbatch *kb);

void kbatch_table_add(struct kbatch *kb);
void kbatch_table_del(struct kbatch *kb, const char *table);
void kbatch_sets_add(struct kbatch *kb);
void kbatch_base_chains_add(struct kbatch *kb);
void kbatch_rule_add(struct kbatch *kb, const struct krule *r);
void kbatch_rule_del(struct kbatch *kb, const char *chain, uint64_t handle);

/* Adds the model's elements listed in idx (indices into m->elems), or
 * deletes the kernel's (indices into st->elems), as few messages as fit. */
void kbatch_elems_add(struct kbatch *kb, const size_t *idx, size_t n);
void kbatch_elems_del(struct kbatch *kb, const struct kstate *st, const size_t *idx, size_t n);

/* The rule behind a kernel error, or KRULE_NO_OWNER; for element messages
 * found through the attribute the kernel pointed at, via its comment. */
uint32_t kbatch_error_owner(const struct kbatch *kb, const struct nl_error *e);

/* One element of a data-path set (layout.h's ei_ maps), written by the
 * daemon: added with its data and timeout, or deleted by key. */
void kbatch_ei_elem(struct kbatch *kb, enum kset set, bool add, const void *key, size_t key_len,
		    const void *data, size_t data_len, uint64_t timeout_ms);

#endif
