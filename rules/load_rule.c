/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The start of every rule item and the defaults it inherits, shared by
 * load_forward.c and load_snat.c. Kept apart from load.c (which calls the
 * section loaders) so the loaders need nothing from the file above them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load_rule.h"
#include "natgw/xalloc.h"

void ifaces_copy(struct ngw_ifaces *dst, const struct ngw_ifaces *src)
{
	dst->n = src->n;
	dst->name = NULL;
	if (src->n) {
		dst->name = xreallocarray(NULL, src->n, sizeof(*dst->name));
		memcpy(dst->name, src->name, src->n * sizeof(*dst->name));
	}
}

static void set_rule_context(struct loader *L, const char *kind, const struct ynode *item,
			     size_t index)
{
	snprintf(L->ctx, sizeof(L->ctx), "%s #%zu", kind, index + 1);
	if (item->kind != YNODE_MAP)
		return;
	for (size_t i = 0; i < item->n; i++) {
		const struct ynode *k = item->items[2 * i], *v = item->items[2 * i + 1];
		if (k->kind == YNODE_SCALAR && !strcmp(k->str, "name") &&
		    v->kind == YNODE_SCALAR && !ynode_is_null(v) && v->len == strlen(v->str) &&
		    v->len <= NGW_NAME_MAX) {
			snprintf(L->ctx, sizeof(L->ctx), "%s \"%.*s\"", kind, NGW_NAME_MAX, v->str);
			return;
		}
	}
}

bool rule_open(struct loader *L, const char *kind, const struct ynode *item, size_t index,
	       struct keys *k, const int *required, size_t n_required, char *name)
{
	const char *what = !strcmp(kind, "snat") ? "an snat rule" : "a forward";

	L->rule_failed = false;
	set_rule_context(L, kind, item, index);
	snprintf(name, NGW_NAME_MAX + 1, "#%zu", index + 1);
	if (!expect_map(L, item, what))
		return false;
	keys_collect(L, item, k);
	keys_require(L, item, k, required, n_required);
	return true;
}
