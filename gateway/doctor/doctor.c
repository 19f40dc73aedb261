/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "natgw/xalloc.h"

struct doctor_finding *doctor_add(struct doctor_report *r, bool blocks, const char *kind,
				  const char *rule, struct ngw_pos pos, const char *cause)
{
	r->v = grow(r->v, &r->cap, r->n, sizeof(*r->v));
	struct doctor_finding *f = &r->v[r->n++];
	*f = (struct doctor_finding){ .blocks = blocks, .kind = kind, .pos = pos, .cause = cause };
	snprintf(f->rule, sizeof(f->rule), "%s", rule);
	r->blocks |= blocks;
	return f;
}

bool doctor_said(const struct doctor_report *r, const char *cause, const char *subject)
{
	for (size_t k = 0; k < r->n; k++)
		if (!strcmp(r->v[k].cause, cause) && !strcmp(r->v[k].subject, subject))
			return true;
	return false;
}

/* A sysctl's number (its first, for a file of several); -errno when it
 * cannot be read. */
int doctor_read_int(const char *proc, const char *name)
{
	char path[256], buf[16] = "";
	snprintf(path, sizeof(path), "%s/sys/%s", proc, name);
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	bool ok = fgets(buf, sizeof(buf), f) != NULL;
	fclose(f);
	return ok ? atoi(buf) : -EIO;
}

/* The checks, in the order their findings are printed. Each adds what it
 * finds; one that cannot look at all stops the examination. */
static doctor_check *const checks[] = {
	doctor_check_forwarding,
	doctor_check_listeners,
	doctor_check_interfaces,
};

int doctor_examine(const struct ngw_ruleset *rs, const struct doctor_sources *src,
		   struct doctor_report *r)
{
	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < sizeof(checks) / sizeof(*checks); i++) {
		int e = checks[i](rs, src, r);
		if (e < 0)
			return e;
	}
	return 0;
}

void doctor_finding_text(const struct doctor_finding *f, char *buf, size_t size)
{
	if (f->rule[0])
		snprintf(buf, size, "%s \"%s\": %s (%s)", f->kind, f->rule, f->detail, f->fix);
	else
		snprintf(buf, size, "%s (%s)", f->detail, f->fix);
}

void doctor_finding_key(const struct doctor_finding *f, char *buf, size_t size)
{
	snprintf(buf, size, "%s\t%s\t%s", f->cause, f->subject, f->subject[0] ? "" : f->rule);
}

int doctor_after_apply(const struct ngw_ruleset *rs, struct ngw_diags *d,
		       struct doctor_report *r)
{
	int e = doctor_examine(rs, &DOCTOR_SYSTEM, r);

	if (e < 0) {
		if (d)
			diags_add_system(d, NGW_WARNING, "could not look for what would stop a "
					 "forward (natgw doctor): %s", strerror(-e));
		return e;
	}
	for (size_t i = 0; d && i < r->n; i++) {
		char text[sizeof(r->v[i].detail) + sizeof(r->v[i].fix) + NGW_NAME_MAX + 32];
		doctor_finding_text(&r->v[i], text, sizeof(text));
		diags_add(d, NGW_WARNING, r->v[i].pos, "%s", text);
	}
	return 0;
}

void doctor_report_free(struct doctor_report *r)
{
	free(r->v);
	memset(r, 0, sizeof(*r));
}
