/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>

#include "grow.h"

void *grow(void *v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return v;
	*cap = *cap ? *cap * 2 : 64;
	while (*cap <= n)
		*cap *= 2;
	v = reallocarray(v, *cap, size);
	if (!v)
		abort();
	return v;
}
