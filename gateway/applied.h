/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The record of the last apply: the canonical form of the configuration
 * natgw put in the kernel, kept in /run/natgw (tmpfs), so it lives exactly
 * as long as the kernel's table. It saves reading back 100,000 set
 * elements, which the kernel dumps slowly; the kernel's per-rule digests
 * decide whether it may be believed (session.c). */
#ifndef NATGW_APPLIED_H
#define NATGW_APPLIED_H

#include "kmodel.h"

#include <stddef.h>

#include "natgw/rules.h"

/* /run/natgw/applied-<table>-<netns>.yaml: one per table and network
 * namespace, so namespaces sharing /run do not overwrite each other. */
int applied_path(const char *table, char *buf, size_t size);

/* What the record says of the kernel besides the rules (as YAML comments
 * after them): the rules' marks, and the nftables generation right after
 * the apply when nothing else committed in between (0 when not known). */
struct applied_meta {
	uint32_t genid;
	struct kmark *marks;		/* names point into names */
	size_t n_marks;
	char *names;
};

/* 0 with *rs set, or -errno (ENOENT: no record). meta may be NULL. */
int applied_load(const char *table, struct ngw_ruleset **rs, struct applied_meta *meta);
void applied_meta_free(struct applied_meta *meta);

/* Writes the record of m's rules, compiled from rs, atomically (temporary
 * file, then rename). 0 or -errno. */
int applied_save(const char *table, const struct ngw_ruleset *rs, const struct kmodel *m,
		 uint32_t genid);

void applied_remove(const char *table);

#endif
