/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "did you mean": the closest known word to a misspelt one. */
#ifndef NATGW_SUGGEST_H
#define NATGW_SUGGEST_H

#include <stddef.h>

/* The candidate nearest to word by edit distance (a swap of two adjacent
 * letters counts as one edit), or NULL when none is close enough to be a
 * likely typo. */
const char *suggest_closest(const char *word, const char *const *candidates, size_t n);

#endif
