/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Endpoint-independent mappings as the kernel holds them: the ei_ maps the
 * data path writes (layout.h), read back for `natgw mappings`. */
#ifndef NATGW_EI_H
#define NATGW_EI_H

#include <stddef.h>
#include <stdint.h>

#include "nl.h"
#include "xlat.h"

#define EI_KEY_MAX 20	/* an IPv6 address and a port, padded */

/* s as the ei_ maps key (and store) it: the address, then the port in
 * network order padded to 4 bytes. Returns the length. */
size_t ei_key(const struct xlat_socket *s, uint8_t key[EI_KEY_MAX]);

/* Calls cb with one mapping per internal socket X in the ei_snat maps:
 * m->internal X, m->external E, m->mark the rule's (from ei_mark), m->timeout
 * the seconds left, m->endpoint_independent set, m->remote empty (any
 * remote). 0 or -errno. */
int ei_read(struct nl *nl, const char *table,
	    void (*cb)(const struct xlat_mapping *m, void *arg), void *arg);

/* Deletes the endpoint-independent mappings of the rules with these marks
 * (changed or removed by an apply): their external sockets close at once
 * instead of when they idle out. 0 or -errno; *withdrawn how many. */
int ei_withdraw(struct nl *nl, const char *table, const uint32_t *marks, size_t n_marks,
		size_t *withdrawn);

#endif
