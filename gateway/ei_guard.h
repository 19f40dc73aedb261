/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the data path cannot do for endpoint-independent mappings, done by
 * the daemon from conntrack's events:
 *  - collisions: the kernel may give two internal sockets with the same
 *    source port the same external socket E (each towards a different
 *    remote). E stays with the first; the second gets a free external port
 *    E' for every new destination, so any remote reaches each at its own E.
 *  - max_per_host: an internal address past its rule's limit gets no more
 *    mappings (its new sockets go out as ordinary snat), logged.
 * Connections already open keep their translation either way. */
#ifndef NATGW_EI_GUARD_H
#define NATGW_EI_GUARD_H

#include "ct.h"
#include "kmodel.h"

struct ei_guard;

/* log(arg, line) receives one line per event (without "natgw: "). */
struct ei_guard *ei_guard_new(void (*log)(void *arg, const char *line), void *arg);
void ei_guard_free(struct ei_guard *g);

/* The endpoint-independent rules of what was applied. */
void ei_guard_rules(struct ei_guard *g, const struct ngw_ruleset *rs, const struct kmodel *m);

/* A new conntrack entry (any: those of other rules are ignored at once). */
void ei_guard_entry(struct ei_guard *g, const struct ct_entry *e);

#endif
