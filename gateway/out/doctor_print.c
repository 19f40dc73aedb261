/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "doctor_print.h"
#include "json.h"

void doctor_print_text(FILE *out, const char *file, const struct doctor_report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct doctor_finding *f = &r->v[i];
		if (f->pos.line)
			fprintf(out, "%s:%u:%u: ", file, f->pos.line, f->pos.col);
		else
			fprintf(out, "%s: ", file);
		char text[sizeof(f->detail) + sizeof(f->fix) + NGW_NAME_MAX + 32];
		doctor_finding_text(f, text, sizeof(text));
		fprintf(out, "warning: %s\n", text);
	}
}

void doctor_print_json(FILE *out, const char *file, const struct doctor_report *r)
{
	struct json j;

	json_init(&j, out);
	json_array_begin(&j);
	for (size_t i = 0; i < r->n; i++) {
		const struct doctor_finding *f = &r->v[i];
		json_object_begin(&j);
		json_key(&j, "severity");
		json_string(&j, "warning");
		json_key(&j, "blocks");
		json_bool(&j, f->blocks);
		json_key(&j, "rule");
		json_string(&j, f->rule);
		json_key(&j, "kind");
		json_string(&j, f->kind);
		json_key(&j, "cause");
		json_string(&j, f->cause);
		json_key(&j, "detail");
		json_string(&j, f->detail);
		json_key(&j, "fix");
		json_string(&j, f->fix);
		json_key(&j, "file");
		json_string(&j, file);
		json_key(&j, "line");
		json_uint(&j, f->pos.line);
		json_key(&j, "column");
		json_uint(&j, f->pos.col);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_finish(&j);
}
