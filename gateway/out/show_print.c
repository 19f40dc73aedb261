/* SPDX-License-Identifier: GPL-2.0-or-later */
/* natgw show's answer: the rules of the table read back, with their
 * counters, as an aligned table or one JSON array. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "human.h"
#include "json.h"
#include "show_print.h"
#include "natgw/xalloc.h"

struct show_row {
	const char *rule;
	const char *kind;
	const char *what;
	uint32_t mark;
	uint64_t packets, bytes;
	bool endpoint_independent;	/* has an element of ei_unmapped */
	uint64_t unmapped;		/* its new connections the full ei_ maps left
					 * without a mapping */
};

/* By mark: a rule keeps its mark, so it keeps its place from one show to
 * the next even when its counter was re-created. */
static int row_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct show_row *)a)->mark, y = ((const struct show_row *)b)->mark;
	return x < y ? -1 : x > y;
}

/* The two output forms, chosen once. */
struct show_output {
	void (*print)(FILE *out, const struct show_row *rows, size_t n, const char *table);
};

static void print_text(FILE *out, const struct show_row *rows, size_t n, const char *table)
{
	int w = 4;
	char b[32];

	if (n == 0) {
		fprintf(out, "natgw: table inet %s holds no rules\n", table);
		return;
	}
	for (size_t i = 0; i < n; i++)
		if ((int)strlen(rows[i].rule) > w)
			w = (int)strlen(rows[i].rule);
	fprintf(out, "%-*s  %-7s  %10s  %10s  %s\n", w, "RULE", "KIND", "PACKETS", "BYTES", "WHAT");
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%-*s  %-7s  %10llu  %10s  %s\n", w, rows[i].rule, rows[i].kind,
			(unsigned long long)rows[i].packets,
			human_bytes(rows[i].bytes, b, sizeof(b)), rows[i].what);
	for (size_t i = 0; i < n; i++)
		if (rows[i].unmapped)
			fprintf(out, "%s: %llu new connection%s went out as ordinary snat, without "
				"an endpoint-independent mapping: the ei_ maps were full\n",
				rows[i].rule, (unsigned long long)rows[i].unmapped,
				rows[i].unmapped == 1 ? "" : "s");
}

static void print_json(FILE *out, const struct show_row *rows, size_t n, const char *table)
{
	struct json j;
	char mark[16];

	(void)table;
	json_init(&j, out);
	json_array_begin(&j);
	for (size_t i = 0; i < n; i++) {
		json_object_begin(&j);
		json_key(&j, "rule");
		json_string(&j, rows[i].rule);
		json_key(&j, "kind");
		json_string(&j, rows[i].kind);
		json_key(&j, "what");
		json_string(&j, rows[i].what);
		json_key(&j, "mark");
		snprintf(mark, sizeof(mark), "0x%08x", rows[i].mark);
		json_string(&j, mark);
		json_key(&j, "packets");
		json_uint(&j, rows[i].packets);
		json_key(&j, "bytes");
		json_uint(&j, rows[i].bytes);
		if (rows[i].endpoint_independent) {
			json_key(&j, "unmapped");
			json_uint(&j, rows[i].unmapped);
		}
		json_object_end(&j);
	}
	json_array_end(&j);
	json_finish(&j);
}

static const struct show_output out_text = { print_text }, out_json = { print_json };

void show_print(FILE *out, bool json, const struct kstate *st, const char *table)
{
	struct show_row *rows = xcalloc(st->n_counters + 1, sizeof(*rows));
	size_t n = 0;
	for (size_t i = 0; i < st->n_counters; i++) {
		const struct kstate_counter *k = &st->counters[i];
		if (!k->name[0])
			continue;
		struct show_row *r = &rows[n++];
		const char *sp = strchr(k->comment, ' ');
		r->rule = k->name;
		r->kind = k->snat ? "snat" : "forward";
		r->what = sp ? sp + 1 : k->comment;
		r->packets = k->packets;
		r->bytes = k->bytes;
		r->mark = k->mark;
		for (size_t u = 0; u < st->n_unmapped; u++) {
			if (strcmp(st->unmapped[u].name, r->rule))
				continue;
			r->endpoint_independent = true;
			r->unmapped = st->unmapped[u].packets;
		}
	}
	qsort(rows, n, sizeof(*rows), row_cmp);
	(json ? &out_json : &out_text)->print(out, rows, n, table);
	free(rows);
}
