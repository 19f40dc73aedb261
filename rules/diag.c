/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "natgw/diag.h"
#include "natgw/xalloc.h"

void diags_init(struct ngw_diags *d)
{
	memset(d, 0, sizeof(*d));
}

void diags_free(struct ngw_diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].message);
	free(d->v);
	diags_init(d);
}

__attribute__((format(printf, 5, 0)))
static void append(struct ngw_diags *d, enum ngw_severity sev, struct ngw_pos pos, bool system,
		   const char *fmt, va_list ap)
{
	char *msg;

	if (vasprintf(&msg, fmt, ap) < 0)
		xalloc_die();
	d->v = grow(d->v, &d->cap, d->n, sizeof(*d->v));
	d->v[d->n++] = (struct ngw_diag){ .severity = sev, .pos = pos, .system = system,
					  .message = msg };
	if (sev == NGW_ERROR)
		d->errors++;
	else if (sev == NGW_WARNING)
		d->warnings++;
	if (d->added)
		d->added(&d->v[d->n - 1], d->added_arg);
}

void diags_add(struct ngw_diags *d, enum ngw_severity sev, struct ngw_pos pos,
	       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	append(d, sev, pos, false, fmt, ap);
	va_end(ap);
}

void diags_add_system(struct ngw_diags *d, enum ngw_severity sev, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	append(d, sev, (struct ngw_pos){ 0, 0 }, true, fmt, ap);
	va_end(ap);
}

static int pos_before(const struct ngw_pos *a, const struct ngw_pos *b)
{
	if (a->line != b->line)
		return a->line < b->line;
	return a->col < b->col;
}

/* Stable, so problems found at one position keep their order of discovery;
 * O(n log n), because a broken 100,000-rule file has that many problems. */
static void merge_sort(struct ngw_diag *v, struct ngw_diag *tmp, size_t n)
{
	if (n < 2)
		return;
	size_t h = n / 2;
	merge_sort(v, tmp, h);
	merge_sort(v + h, tmp, n - h);
	if (!pos_before(&v[h].pos, &v[h - 1].pos))
		return;
	size_t i = 0, j = h, k = 0;
	while (i < h && j < n)
		tmp[k++] = pos_before(&v[j].pos, &v[i].pos) ? v[j++] : v[i++];
	while (i < h)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, n * sizeof(*v));
}

void diags_sort(struct ngw_diags *d)
{
	if (d->n < 2)
		return;
	struct ngw_diag *tmp = xreallocarray(NULL, d->n, sizeof(*tmp));
	merge_sort(d->v, tmp, d->n);
	free(tmp);
}

const char *diag_severity_name(enum ngw_severity sev)
{
	return sev == NGW_ERROR ? "error" : sev == NGW_WARNING ? "warning" : "note";
}
