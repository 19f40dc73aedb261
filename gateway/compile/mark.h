/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Rule marks: the ct mark that names a natgw rule in conntrack.
 *
 *   0x4e000000   tag: natgw's (a dump can ask the kernel for these only)
 *   0x00800000   hairpin: the connection came from a gateway.lan interface
 *   0x00780000   the table's slot, a hash of gateway.table (16 slots)
 *   0x0007ffff   the rule's id, 1 .. 524,287
 *
 * A mark is a function of the table's name and the set of rule names, and
 * of nothing else: not of the order of the file, not of what was applied
 * before. Two routers that apply the same file give every rule the same
 * mark (an HA pair shares conntrack entries, marks included), a rollback
 * gives back exactly the marks it replaced, and a restored table keeps its
 * connections attributed. Each rule's id is a hash of its name; rules
 * whose hashes collide are placed in the order of (hash, name) at the next
 * free id, so inserting or removing a rule moves another's mark only in
 * that rare case, and apply then re-marks the moved rule's live entries.
 *
 * Two natgw tables in one network namespace must not share a slot: the
 * second is refused (session.c), so one table's dumps, counters and
 * flushes never see the other's connections. */
#ifndef NATGW_MARK_H
#define NATGW_MARK_H

#include <stddef.h>
#include <stdint.h>

#define MARK_TAG	0x4e000000u
#define MARK_TAG_MASK	0xff000000u
#define MARK_HAIRPIN	0x00800000u
#define MARK_TABLE_SHIFT 19
#define MARK_TABLE_MASK	0x00780000u
#define MARK_TABLE_SLOTS 16u
#define MARK_ID_MASK	0x0007ffffu
#define MARK_ID_MAX	MARK_ID_MASK
/* the mark without the hairpin bit: which rule */
#define MARK_RULE_MASK	(MARK_TAG_MASK | MARK_TABLE_MASK | MARK_ID_MASK)
/* which table's: a dump of one table's connections asks for this */
#define MARK_SCOPE_MASK	(MARK_TAG_MASK | MARK_TABLE_MASK)

/* The slot of table `table` (0 .. MARK_TABLE_SLOTS - 1). */
unsigned mark_table_slot(const char *table);

/* MARK_TAG with the table's slot: what every mark of its rules has under
 * MARK_SCOPE_MASK. */
uint32_t mark_scope(const char *table);

/* The marks of n rules (names unique) of table `table`, into marks[i].
 * 0, or -ENOSPC when there are more rules than ids. */
int mark_assign(const char *table, const char *const *names, size_t n, uint32_t *marks);

#endif
