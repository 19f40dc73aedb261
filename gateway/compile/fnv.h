/* SPDX-License-Identifier: GPL-2.0-or-later */
/* FNV-1a, 64 bits: the one hash of the kernel side (rule fingerprints,
 * digests, name and element tables, the translation table). Stable across
 * runs and builds, which the fingerprints kept in the kernel rely on. */
#ifndef NATGW_FNV_H
#define NATGW_FNV_H

#include <stddef.h>
#include <stdint.h>

#define FNV64_BASIS 0xcbf29ce484222325ull

/* h carried on over n bytes at p. */
static inline uint64_t fnv64(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

#endif
