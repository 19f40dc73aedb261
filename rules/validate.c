/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Whole-ruleset checks: unique names, then the overlap detector. */
#include <stdlib.h>
#include <string.h>

#include "validate.h"
#include "natgw/xalloc.h"

struct named {
	const char *name;
	const char *kind;
	struct ngw_pos pos;	/* of the name value: file order, whichever section */
};

static int named_cmp(const void *a, const void *b)
{
	const struct named *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	if (x->pos.line != y->pos.line)
		return x->pos.line < y->pos.line ? -1 : 1;
	return x->pos.col < y->pos.col ? -1 : x->pos.col > y->pos.col;
}

/* Sorting makes this O(n log n); every later use of a name is reported,
 * naming the first. A rule with other errors still claims its name. */
void validate_names(const struct ngw_ruleset *rs, struct ngw_diags *d)
{
	size_t n = 0, total = rs->n_forwards + rs->n_snats;
	struct named *v = xreallocarray(NULL, total, sizeof(*v));

	for (size_t i = 0; i < rs->n_forwards; i++)
		if (rs->forwards[i].name[0] != '#')	/* "#N": no valid name */
			v[n++] = (struct named){ rs->forwards[i].name, "forward",
						 rs->forwards[i].at.name };
	for (size_t i = 0; i < rs->n_snats; i++)
		if (rs->snats[i].name[0] != '#')
			v[n++] = (struct named){ rs->snats[i].name, "snat",
						 rs->snats[i].at.name };
	qsort(v, n, sizeof(*v), named_cmp);
	for (size_t i = 1; i < n; i++) {
		if (strcmp(v[i].name, v[i - 1].name))
			continue;
		size_t first = i - 1;
		while (first > 0 && !strcmp(v[first - 1].name, v[i].name))
			first--;
		diags_add(d, NGW_ERROR, v[i].pos, "%s \"%s\": the name is already used by "
			  "%s \"%s\" (%s:%u:%u); rule names must be unique", v[i].kind,
			  v[i].name, v[first].kind, v[first].name, rs->file,
			  v[first].pos.line, v[first].pos.col);
	}
	free(v);
}

void validate_ruleset(struct ngw_ruleset *rs, bool *forward_ok, bool *snat_ok,
		      struct ngw_diags *d)
{
	for (size_t i = 0; i < rs->n_forwards; i++)
		if (forward_ok[i])
			forward_ok[i] = validate_forward(&rs->forwards[i], d);
	for (size_t i = 0; i < rs->n_snats; i++)
		if (snat_ok[i])
			snat_ok[i] = validate_snat(&rs->snats[i], d);
	validate_names(rs, d);
	validate_overlaps(rs, forward_ok, d);
	validate_fullcone(rs, forward_ok, snat_ok, d);
	validate_forward_scope(rs, forward_ok, d);
	validate_snat_shadow(rs, snat_ok, d);
}
