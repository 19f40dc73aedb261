/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A report's findings: made by the checks, said by doctor and the daemon. */
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

void doctor_report_free(struct doctor_report *r)
{
	free(r->v);
	memset(r, 0, sizeof(*r));
}
