/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Endpoint-independent mappings as the kernel holds them: the ei_ maps the
 * data path writes (layout.h), read back for `natgw mappings`. */
#ifndef NATGW_EI_H
#define NATGW_EI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compile/layout.h"
#include "kernel/nl.h"
#include "xlat.h"

#define EI_KEY_MAX 20	/* an IPv6 address and a port, padded */

/* s as the ei_ maps key (and store) it: the address, then the port in
 * network order padded to 4 bytes. Returns the length. */
size_t ei_key(const struct xlat_socket *s, uint8_t key[EI_KEY_MAX]);

/* The reverse of ei_key() for family; false when len does not fit. */
bool ei_socket_from(const void *b, uint32_t len, uint8_t family, struct xlat_socket *s);

/* The IPv4 set of a pair (KSET_EI_SNAT4, ...) for family: it or its "6". */
enum kset ei_set(enum kset v4, uint8_t family);

/* One element written to an ei_ set: added (with data: a socket, or a mark
 * when data_is_mark) or deleted by key. */
struct ei_write {
	enum kset set;
	bool add;
	const struct xlat_socket *key;	/* with host_mark: only its address */
	const void *data;
	bool data_is_mark;
	unsigned timeout;		/* seconds for an added one; 0: ei_write()'s */
	const uint32_t *host_mark;	/* the key is (*host_mark . address): ei_full */
	bool port_only;			/* the key is the port alone: ei_local_ports */
};

/* A (rule mark . host address) element of ei_full4 and ei_full6. */
struct ei_host {
	uint32_t mark;
	struct ngw_addr host;
};

/* Calls cb with each element of ei_unmapped: a rule's mark and how many of
 * its sockets found the ei_ maps full. 0 or -errno. */
int ei_read_unmapped(struct nl *nl, const char *table,
		     void (*cb)(uint32_t mark, uint64_t count, void *arg), void *arg);

/* Calls cb with each socket in a set keyed by address . port, both
 * families (v4: the IPv4 one, KSET_EI_CAPPED4 ...). 0 or -errno. */
int ei_read_sockets(struct nl *nl, const char *table, enum kset v4,
		    void (*cb)(const struct xlat_socket *s, void *arg), void *arg);

/* Calls cb with each element of ei_full4 and ei_full6. 0 or -errno. */
int ei_read_full(struct nl *nl, const char *table,
		 void (*cb)(const struct ei_host *h, void *arg), void *arg);

/* Writes the elements as one transaction; added ones get timeout seconds.
 * 0 or -errno (-ENOENT: a deleted element was gone, nothing was written). */
int ei_write(struct nl *nl, const char *table, const struct ei_write *w, size_t n,
	     unsigned timeout);

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
