/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The record of the last apply: the canonical form of the configuration
 * natgw put in the kernel, kept in /run/natgw (tmpfs), so it lives exactly
 * as long as the kernel's table. It saves reading back 100,000 set
 * elements, which the kernel dumps slowly; the kernel's per-rule digests
 * decide whether it may be believed (session.c). */
#ifndef NATGW_APPLIED_H
#define NATGW_APPLIED_H

#include <stddef.h>

#include "natgw/rules.h"

/* /run/natgw/applied-<table>-<netns>.yaml: one per table and network
 * namespace, so namespaces sharing /run do not overwrite each other. */
int applied_path(const char *table, char *buf, size_t size);

/* 0 with *rs set, or -errno (ENOENT: no record). */
int applied_load(const char *table, struct ngw_ruleset **rs);

/* Writes the record atomically (temporary file, then rename). 0 or -errno. */
int applied_save(const char *table, const struct ngw_ruleset *rs);

void applied_remove(const char *table);

#endif
