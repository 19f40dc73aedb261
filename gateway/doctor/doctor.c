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

void doctor_report_free(struct doctor_report *r)
{
	free(r->v);
	memset(r, 0, sizeof(*r));
}
