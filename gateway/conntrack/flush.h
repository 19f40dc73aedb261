/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Deleting natgw's conntrack entries: of some rules, or of all of them.
 * Used by `natgw flush` and by apply's flush_on_change. */
#ifndef NATGW_FLUSH_H
#define NATGW_FLUSH_H

#include <stddef.h>
#include <stdint.h>

/* Deletes the entries whose rule mark is one of marks (n == 0: every
 * entry of the table whose mark_scope() is scope, and no other table's),
 * each on its own: one the kernel refuses does not keep the
 * others. *flushed counts the entries deleted, *left those that could not
 * be (ones that ended by themselves meanwhile are neither). Returns 0 when
 * none is left, else the first error (-errno); when reading conntrack
 * fails, nothing is deleted and *left is 0. */
int flush_marks(uint32_t scope, const uint32_t *marks, size_t n, size_t *flushed,
		size_t *left);

#endif
