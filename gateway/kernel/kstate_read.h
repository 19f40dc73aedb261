/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading natgw's table back from the kernel (struct kstate, compile/):
 * only natgw's table is ever asked for. */
#ifndef NATGW_KSTATE_READ_H
#define NATGW_KSTATE_READ_H

#include <stddef.h>

#include "compile/kstate.h"
#include "nl.h"

#define KSTATE_READ_ATTEMPTS 8

/* Reads table inet <table>, its rule_counters (into st->counters and
 * st->elems), and the elements of the sets in sets_mask (bits 1 << enum
 * kset). A read another program's commit interrupted is made again, up to
 * KSTATE_READ_ATTEMPTS times. Returns 0 (st->exists false when there is no
 * such table) or -errno (-EINTR: interrupted every time). The two below
 * may return -EINTR too: read again from kstate_read(). */
int kstate_read(struct nl *nl, const char *table, unsigned sets_mask, struct kstate *st);
/* Reads rule_counters when kstate_read() was told not to. */
int kstate_read_counters(struct nl *nl, const char *table, struct kstate *st);

/* Only whether table exists (and is natgw's), and the other natgw tables
 * of the namespace (st->peers). 0 or -errno. */
int kstate_read_tables(struct nl *nl, const char *table, struct kstate *st);

/* Reads the elements of more sets into st (bits as above; never
 * rule_counters again). */
int kstate_read_elems(struct nl *nl, const char *table, unsigned sets_mask, struct kstate *st);

/* libnftnl numbers the element nests of a message it builds 1, 2, 3... (the
 * kernel reads any) but reads back only NFTA_LIST_ELEM, which is what a
 * kernel dump holds: msg so numbered, in copy (size bytes; msg itself when
 * it does not fit). */
const struct nlmsghdr *kstate_as_dumped(const struct nlmsghdr *msg, void *copy, size_t size);

/* The state the kernel would hold once these messages (a transaction that
 * creates the table) were committed, read as from the kernel: for plans
 * made without a kernel (the plan goldens). Rule handles are 0. */
void kstate_from_batch(const char *table, const struct nlmsghdr *const *msgs, size_t n,
		       struct kstate *st);

#endif
