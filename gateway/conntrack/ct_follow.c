/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>

#include "ct_follow.h"
#include "compile/layout.h"

int ct_follow_open(struct ct_follow *f, uint32_t scope, xlat_kind_fn kind, void *kind_arg,
		   const struct ct_follow_ops *ops, void *arg)
{
	*f = (struct ct_follow){ .scope = scope, .ops = *ops, .arg = arg };
	f->events = ct_open(true);
	f->dump = f->events ? ct_open(false) : NULL;
	if (!f->dump) {
		int r = -errno;
		ct_close(f->events);
		f->events = NULL;
		return r;
	}
	f->x = xlat_new(kind, kind_arg);
	return 0;
}

void ct_follow_close(struct ct_follow *f)
{
	ct_close(f->events);
	ct_close(f->dump);
	xlat_free(f->x);
	f->events = f->dump = NULL;
	f->x = NULL;
}

static void on_event(enum ct_event ev, const struct ct_entry *e, void *arg)
{
	struct ct_follow *f = arg;
	const struct xlat_mapping *added = NULL;
	struct xlat_mapping gone;
	bool is_new;

	if (ev == CT_EVENT_DESTROY) {
		if (xlat_remove(f->x, e, &gone) && f->ops.ended)
			f->ops.ended(&gone, f->arg);
	} else if ((e->mark & MARK_SCOPE_MASK) == f->scope) {	/* this table's */
		const struct xlat_mapping *m = xlat_upsert(f->x, e, &is_new);
		added = m && is_new ? m : NULL;
	} else {
		return;
	}
	if (f->ops.event)
		f->ops.event(ev, e, added, f->arg);
}

struct resync {
	struct ct_follow *f;
	void (*seen)(const struct xlat_mapping *m, void *arg);
	void *arg;
};

static void resync_entry(const struct ct_entry *e, void *arg)
{
	struct resync *rs = arg;
	struct ct_follow *f = rs->f;
	/* the first dump is where the table starts, not news */
	const struct xlat_mapping *m = xlat_resync_entry(f->x, e, f->synced ? f->ops.appeared :
							 NULL, f->arg);
	if (m && rs->seen)
		rs->seen(m, rs->arg);
}

int ct_follow_resync(struct ct_follow *f, void (*seen)(const struct xlat_mapping *m, void *arg),
		     void *arg)
{
	struct resync rs = { f, seen, arg };
	int r;

	/* The kernel reports a loss once, then drops silently until the
	 * queue has been emptied: empty it first, so any loss from here on is
	 * reported again; the dump covers everything dropped before. */
	do
		r = ct_events_read(f->events, false, on_event, f);
	while (r == -ENOBUFS);
	if (r < 0)
		return r;
	xlat_resync_begin(f->x);
	r = ct_dump(f->dump, f->scope, MARK_SCOPE_MASK, resync_entry, &rs);
	xlat_resync_end(f->x, f->synced ? f->ops.ended : NULL, f->arg);
	f->synced = true;
	return r;
}

int ct_follow_read(struct ct_follow *f, bool wait)
{
	int r = ct_events_read(f->events, wait, on_event, f);

	if (r != -ENOBUFS)
		return r;
	f->lost++;
	if (f->ops.lost)
		f->ops.lost(f->arg);
	r = ct_follow_resync(f, NULL, NULL);
	return r < 0 ? r : 1;
}
