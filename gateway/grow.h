/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Growing arrays: the one allocation pattern of the kernel side. */
#ifndef NATGW_GROW_H
#define NATGW_GROW_H

#include <stddef.h>

/* Returns v with room for at least n + 1 elements of size bytes, doubling
 * *cap as needed; aborts on out-of-memory, like the rest of natgw. */
void *grow(void *v, size_t *cap, size_t n, size_t size);

#endif
