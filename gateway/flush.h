/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Deleting natgw's conntrack entries: of some rules, or of all of them.
 * Used by `natgw flush` and by apply's flush_on_change. */
#ifndef NATGW_FLUSH_H
#define NATGW_FLUSH_H

#include <stddef.h>
#include <stdint.h>

/* Deletes the entries whose rule mark is one of marks (n == 0: every
 * natgw entry). *flushed counts the entries deleted (ones that ended by
 * themselves meanwhile are not counted). Returns 0 or -errno. */
int flush_marks(const uint32_t *marks, size_t n, size_t *flushed);

#endif
