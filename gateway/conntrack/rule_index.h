/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which rule a ct mark names, as natgw's table in the kernel says (not the
 * YAML, which may have changed since the last apply): each rule's name,
 * mark and kind, decoded once from the table read back (or from the model
 * just applied). The one owner of them: the translation table, the
 * listings and the daemon's full-cone guard look rules up here. */
#ifndef NATGW_RULE_INDEX_H
#define NATGW_RULE_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compile/kmodel.h"
#include "compile/kstate.h"

struct rule_entry {
	uint32_t mark;			/* without the hairpin bit */
	char name[NGW_NAME_MAX + 1];
	bool snat;
};

struct rule_index {
	struct rule_entry *v;		/* by mark */
	const struct rule_entry **by_name;	/* the same, by name */
	size_t n;
};

/* From the table read in st (its rule_counters). */
void rule_index_build(struct rule_index *ri, const struct kstate *st);
/* From a compiled model: what the daemon just applied. */
void rule_index_from_model(struct rule_index *ri, const struct kmodel *m);
void rule_index_free(struct rule_index *ri);
const struct rule_entry *rule_index_by_mark(const struct rule_index *ri, uint32_t mark);
const struct rule_entry *rule_index_by_name(const struct rule_index *ri, const char *name);

/* For xlat: the kind of the rule a mark names. */
bool rule_index_kind(uint32_t mark, bool *snat, void *ri);

#endif
