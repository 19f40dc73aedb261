/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The record of the last apply: the canonical form of the configuration
 * natgw put in the kernel, kept in /run/natgw (tmpfs), so it lives exactly
 * as long as the kernel's table. It saves reading back 100,000 set
 * elements, which the kernel dumps slowly; the kernel's per-rule digests
 * decide whether it may be believed (session.c). */
#ifndef NATGW_RECORD_H
#define NATGW_RECORD_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "compile/kmodel.h"

#include <stddef.h>

#include "natgw/rules.h"

/* /run/natgw/applied-<table>-<netns>.yaml: one per table and network
 * namespace, so namespaces sharing /run do not overwrite each other. */
int record_path(const char *table, char *buf, size_t size);

/* What the record says of the kernel besides the rules (as YAML comments):
 * first the nftables generation right after the apply, when nothing else
 * committed in between (0 when not known), and the network namespace's
 * cookie (never reused, unlike its inode number, which names the file);
 * after the rules, their marks. */
struct record_meta {
	uint32_t genid;
	uint64_t netns_cookie;
	struct kmark *marks;		/* names point into names */
	size_t n_marks;
	char *names;
};

/* The first line only: whether the record names this generation of this
 * namespace, i.e. nothing was committed to nftables since it was written. */
bool record_current(const char *table, uint32_t genid);

/* 0 with *rs set, or -errno (ENOENT: no record). meta may be NULL. */
int record_load(const char *table, struct ngw_ruleset **rs, struct record_meta *meta);
void record_meta_free(struct record_meta *meta);

/* The record's text, printed on the other core while the kernel takes
 * the transaction (100,000 rules take about 100 ms to print). */
struct record_draft {
	pthread_t thread;
	bool started;
	const struct ngw_ruleset *rs;
	char *text;
	size_t len;
	int err;			/* 0 or -errno */
};

/* Starts printing rs, which must not change until the draft is saved or
 * dropped. */
void record_draft_start(struct record_draft *d, const struct ngw_ruleset *rs);
void record_draft_drop(struct record_draft *d);

/* Writes the record of m's rules, the draft of their ruleset, atomically
 * (temporary file, then rename), and drops the draft. 0 or -errno. */
int record_save(const char *table, struct record_draft *d, const struct kmodel *m,
		 uint32_t genid);

void record_remove(const char *table);

#endif
