/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Allocation that cannot fail: natgw aborts on out-of-memory, as nftables
 * does, rather than threading ENOMEM through every parser and every
 * netlink message. Shared by the rules library and gateway/. */
#ifndef NATGW_XALLOC_H
#define NATGW_XALLOC_H

#include <stddef.h>

__attribute__((noreturn)) void xalloc_die(void);
void *xmalloc(size_t size);
void *xzalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
/* p, from an allocator natgw does not wrap (libnftnl's, open_memstream()),
 * or the end when it is NULL. */
void *xalloc_check(void *p);
char *xstrndup(const char *s, size_t n);

/* Returns v with room for at least n + 1 elements of size bytes, doubling
 * *cap as needed: the one way natgw grows an array. */
void *grow(void *v, size_t *cap, size_t n, size_t size);

#endif
