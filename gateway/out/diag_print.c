/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "diag_print.h"

static void count(FILE *out, size_t n, const char *what, const char *sep)
{
	if (n)
		fprintf(out, "%s%zu %s%s", sep, n, what, n == 1 ? "" : "s");
}

void diag_print_one(FILE *out, const char *file, const struct ngw_diag *g)
{
	if (g->system)		/* natgw's own voice: an error needs no label */
		fprintf(out, "natgw: %s%s\n", g->severity == NGW_WARNING ? "warning: " : "",
			g->message);
	else if (g->pos.line)
		fprintf(out, "%s:%u:%u: %s: %s\n", file, g->pos.line, g->pos.col,
			diag_severity_name(g->severity), g->message);
	else
		fprintf(out, "%s: %s: %s\n", file, diag_severity_name(g->severity), g->message);
}

void diag_print_lines(FILE *out, const char *file, const struct ngw_diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		diag_print_one(out, file, &d->v[i]);
}

static void sink_added(const struct ngw_diag *g, void *arg)
{
	const struct diag_sink *s = arg;

	diag_print_one(s->out, s->file, g);
	fflush(s->out);
}

void diag_sink_attach(struct ngw_diags *d, struct diag_sink *s)
{
	d->added = sink_added;
	d->added_arg = s;
}

void diag_print_text(FILE *out, const char *file, const struct ngw_diags *d)
{
	diag_print_lines(out, file, d);
	if (d->n == 0)
		return;
	count(out, d->errors, "error", "");
	count(out, d->warnings, "warning", d->errors ? ", " : "");
	fputc('\n', out);
}

void diag_print_json(struct json *j, const struct ngw_diags *d)
{
	json_array_begin(j);
	for (size_t i = 0; i < d->n; i++) {
		const struct ngw_diag *g = &d->v[i];
		json_object_begin(j);
		json_key(j, "severity");
		json_string(j, diag_severity_name(g->severity));
		json_key(j, "line");
		json_uint(j, g->pos.line);
		json_key(j, "column");
		json_uint(j, g->pos.col);
		json_key(j, "message");
		json_string(j, g->message);
		json_object_end(j);
	}
	json_array_end(j);
}

const char *diag_first_error(const struct ngw_diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].severity == NGW_ERROR)
			return d->v[i].message;
	return NULL;
}

void diag_print_json_error(FILE *out, const struct ngw_diags *d)
{
	const char *error = diag_first_error(d);
	struct json j;

	/* every failure says why; should one not, its last words stand in */
	if (!error)
		error = d->n ? d->v[d->n - 1].message : "failed";
	json_init(&j, out);
	json_object_begin(&j);
	json_key(&j, "error");
	json_string(&j, error);
	json_key(&j, "diagnostics");
	diag_print_json(&j, d);
	json_object_end(&j);
	json_finish(&j);
}

void diag_print_json_message(FILE *out, const char *message)
{
	struct ngw_diags d;

	diags_init(&d);
	diags_add_system(&d, NGW_ERROR, "%s", message);
	diag_print_json_error(out, &d);
	diags_free(&d);
}
