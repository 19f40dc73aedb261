/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Allocation that cannot fail: natgw aborts on out-of-memory, as nftables
 * does, rather than threading ENOMEM through every parser. */
#ifndef NATGW_XALLOC_H
#define NATGW_XALLOC_H

#include <stddef.h>

__attribute__((noreturn)) void xalloc_die(void);
void *xzalloc(size_t size);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
