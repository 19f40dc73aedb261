/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "doctor_watch.h"
#include "natgw/xalloc.h"
#include "out/diag_print.h"

int doctor_watch_open(struct doctor_watch *w)
{
	memset(w, 0, sizeof(*w));
	w->rt = rtev_open();
	return w->rt ? 0 : -errno;
}

static void forget(struct doctor_watch *w, size_t i)
{
	free(w->key[i]);
	free(w->text[i]);
	w->key[i] = w->key[w->n - 1];
	w->text[i] = w->text[w->n - 1];
	w->n--;
}

void doctor_watch_close(struct doctor_watch *w)
{
	while (w->n)
		forget(w, w->n - 1);
	free(w->key);
	free(w->text);
	rtev_close(w->rt);
	memset(w, 0, sizeof(*w));
}

void doctor_watch_soon(struct doctor_watch *w, double now)
{
	if (!w->due || w->due > now + DOCTOR_WATCH_SETTLE_MS)
		w->due = now + DOCTOR_WATCH_SETTLE_MS;
}

static bool in_report(const struct doctor_report *r, const char *key)
{
	char k[sizeof(r->v->subject) + sizeof(r->v->rule) + 32];

	for (size_t i = 0; i < r->n; i++) {
		doctor_finding_key(&r->v[i], k, sizeof(k));
		if (!strcmp(k, key))
			return true;
	}
	return false;
}

static bool logged(const struct doctor_watch *w, const char *key)
{
	for (size_t i = 0; i < w->n; i++)
		if (!strcmp(w->key[i], key))
			return true;
	return false;
}

void doctor_watch_update(struct doctor_watch *w, const struct doctor_report *r, int e,
			 FILE *log, const char *file, double now)
{
	w->due = now + DOCTOR_WATCH_INTERVAL_MS;
	if (e < 0) {	/* what was found stays as it was: nothing is known */
		if (!w->unreadable)
			fprintf(log, "natgw: could not look for what would stop a forward "
				"(natgw doctor): %s\n", strerror(-e));
		w->unreadable = true;
		fflush(log);
		return;
	}
	w->unreadable = false;
	for (size_t i = w->n; i-- > 0;) {
		if (in_report(r, w->key[i]))
			continue;
		fprintf(log, "natgw: no longer found: %s\n", w->text[i]);
		forget(w, i);
	}
	size_t cap = w->n;
	for (size_t i = 0; i < r->n; i++) {
		const struct doctor_finding *f = &r->v[i];
		char key[sizeof(f->subject) + sizeof(f->rule) + 32];
		char text[sizeof(f->detail) + sizeof(f->fix) + NGW_NAME_MAX + 32];
		doctor_finding_key(f, key, sizeof(key));
		if (logged(w, key))
			continue;
		doctor_finding_text(f, text, sizeof(text));
		struct ngw_diag g = { .severity = NGW_WARNING, .pos = f->pos, .message = text };
		diag_print_one(log, file, &g);
		w->key = grow(w->key, &cap, w->n, sizeof(*w->key));
		w->text = xreallocarray(w->text, cap, sizeof(*w->text));
		w->key[w->n] = xstrdup(key);
		/* when it goes, what it was is enough: not the fix */
		if (f->rule[0])
			snprintf(text, sizeof(text), "%s \"%s\": %s", f->kind, f->rule, f->detail);
		else
			snprintf(text, sizeof(text), "%s", f->detail);
		w->text[w->n++] = xstrdup(text);
	}
	fflush(log);
}
