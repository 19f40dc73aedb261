/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "plan_print.h"

static const char *change_mark(enum kchange c)
{
	switch (c) {
	case KCHANGE_ADD:
		return "+";
	case KCHANGE_REMOVE:
		return "-";
	case KCHANGE_MODIFY:
		return "~";
	case KCHANGE_NONE:
		break;
	}
	return " ";
}

static const char *change_name(enum kchange c)
{
	switch (c) {
	case KCHANGE_ADD:
		return "add";
	case KCHANGE_REMOVE:
		return "remove";
	case KCHANGE_MODIFY:
		return "change";
	case KCHANGE_NONE:
		break;
	}
	return "none";
}

/* The description without its leading kind word ("forward ", "snat "). */
static const char *what(const char *desc)
{
	const char *sp = strchr(desc, ' ');
	return sp ? sp + 1 : desc;
}

void plan_print_text(const struct kplan *p, bool all, FILE *out)
{
	int width = 4;

	for (size_t i = 0; i < p->n_rules; i++)
		if ((int)strlen(p->rules[i].name) > width)
			width = (int)strlen(p->rules[i].name);
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct kplan_rule *r = &p->rules[i];
		if (r->change == KCHANGE_NONE && !r->remark && !all)
			continue;
		fprintf(out, "%s %-7s %-*s  %s\n", r->change == KCHANGE_NONE && r->remark ? "=" :
			change_mark(r->change), r->snat ? "snat" : "forward", width, r->name,
			what(r->change == KCHANGE_REMOVE ? r->old_desc : r->new_desc));
		if (r->change == KCHANGE_MODIFY && strcmp(r->old_desc, r->new_desc))
			fprintf(out, "  %-7s %-*s  was: %s\n", "", width, "", what(r->old_desc));
		if (r->remark && r->change != KCHANGE_REMOVE)
			fprintf(out, "  %-7s %-*s  ct mark 0x%08x -> 0x%08x: its live connections "
				"take the new mark\n", "", width, "", r->old_mark, r->new_mark);
	}
}

void plan_print_json(const struct kplan *p, struct json *j)
{
	json_array_begin(j);
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct kplan_rule *r = &p->rules[i];
		json_object_begin(j);
		json_key(j, "rule");
		json_string(j, r->name);
		json_key(j, "kind");
		json_string(j, r->snat ? "snat" : "forward");
		json_key(j, "change");
		json_string(j, change_name(r->change));
		json_key(j, "was");
		json_string(j, r->change == KCHANGE_ADD ? "" : what(r->old_desc));
		json_key(j, "will_be");
		json_string(j, r->change == KCHANGE_REMOVE ? "" : what(r->new_desc));
		json_key(j, "mark_moves");
		json_bool(j, r->remark && r->change != KCHANGE_REMOVE);
		json_object_end(j);
	}
	json_array_end(j);
}

static void plan_print_object(FILE *out, const struct kplan *p, const struct kmodel *m)
{
	struct json j;

	json_init(&j, out);
	json_object_begin(&j);
	json_key(&j, "table");
	json_string(&j, m->table);
	json_key(&j, "new_table");
	json_bool(&j, p->create);
	json_key(&j, "rebuild_reason");
	json_string(&j, p->rebuild ? p->rebuild_reason : "");
	json_key(&j, "added");
	json_uint(&j, p->n_add);
	json_key(&j, "removed");
	json_uint(&j, p->n_remove);
	json_key(&j, "changed");
	json_uint(&j, p->n_modify);
	json_key(&j, "rules");
	plan_print_json(p, &j);
	json_object_end(&j);
	json_finish(&j);
}

void plan_print(FILE *out, bool json, bool all, const struct kplan *p, const struct kmodel *m)
{
	if (json) {
		plan_print_object(out, p, m);
		return;
	}
	plan_print_text(p, all, out);
	if (kplan_empty(p)) {
		fprintf(out, "natgw: no changes (%zu rules in table inet %s)\n", m->n_rules, m->table);
		return;
	}
	fprintf(out, "natgw: plan: +%zu -%zu ~%zu%s", p->n_add, p->n_remove, p->n_modify,
		p->n_remark ? ", ct marks move (=)" : "");
	if (p->create)
		fprintf(out, " (new table)");
	else if (p->rebuild)
		fprintf(out, " (table rebuilt: %s)", p->rebuild_reason);
	fputc('\n', out);
}
