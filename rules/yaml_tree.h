/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Stage 1: YAML text to a tree of scalars, sequences and mappings, each
 * node with its line and column. Everything natgw.yaml does not need is
 * refused here (anchors, aliases, tags, several documents, deep nesting),
 * so the later stages see plain data only. */
#ifndef NATGW_YAML_TREE_H
#define NATGW_YAML_TREE_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "natgw/diag.h"

#define YAML_TREE_MAX_DEPTH 32

enum ynode_kind {
	YNODE_SCALAR,
	YNODE_SEQ,
	YNODE_MAP,
};

struct ynode {
	enum ynode_kind kind;
	struct ngw_pos pos;
	bool plain;		/* scalar written without quotes */
	const char *str;	/* scalar text, NUL-terminated */
	size_t len;		/* its length (a "\0" escape can put a NUL inside) */
	struct ynode **items;	/* seq: n items; map: 2n nodes, key then value */
	size_t n;
};

/* Parses buf into a tree allocated from arena. Returns the root, or NULL for
 * an empty document (no node at all, or "---" alone: *ok true) or on error
 * (*ok false, errors in d). A document of "~" alone is a null scalar root. */
const struct ynode *yaml_tree_parse(const char *buf, size_t len, struct arena *arena,
				    struct ngw_diags *d, bool *ok);

/* A plain scalar that YAML reads as null: empty, "~", "null". */
bool ynode_is_null(const struct ynode *n);

const char *ynode_kind_name(const struct ynode *n);

#endif
