/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's watch of its configuration file (inotify): when to reload
 * it, and when it is gone.
 *
 * What is watched: the file's directory, for the file's name (written,
 * closed after writing, created, renamed in or out, deleted, attributes),
 * and that directory's parent, for the directory's name (made, renamed,
 * removed). When the file is a symlink, the same again for its target, and
 * the target's target, up to CFGWATCH_HOPS links. A directory that is not
 * there is watched for from its nearest ancestor that is (and where it is
 * a dangling symlink, where it points too). A change to any
 * of these names, a watched directory removed or moved, an inotify queue
 * overflow, and cfgwatch_arm() resolve the links again and move the
 * watches to where the path leads now.
 *
 * When it reloads: once no event has come for CFGWATCH_QUIET_MS (each one
 * pushes the time back) and no writer has it open (a write seen and no
 * close after writing since). A file that keeps changing, or stays open,
 * is reloaded as it is CFGWATCH_HOLD_MS after the first change. A file not
 * there then is gone, said once; when it is there again it is back.
 *
 * Events are read with the caller's clock (now: session_now_ms()), so a
 * test can run the watch on a virtual one. */
#ifndef NATGW_CONFIG_WATCH_H
#define NATGW_CONFIG_WATCH_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#define CFGWATCH_QUIET_MS 200	/* editors write, rename, chmod: one reload */
#define CFGWATCH_HOLD_MS 5000	/* changing or open this long: reloaded as it is */
#define CFGWATCH_HOPS 40		/* links followed: the kernel's own limit */
#define CFGWATCH_ENTRIES (2 * CFGWATCH_HOPS + 2)

struct cfgwatch_entry {
	int wd;
	uint32_t mask;
	bool dir;			/* a directory's name, else the file's */
	char name[NAME_MAX + 1];
};

struct cfgwatch {
	int fd;				/* inotify; -1: closed */
	int error;			/* the last arm's failure (-errno), 0 */
	char path[PATH_MAX];		/* the file, absolute */
	struct cfgwatch_entry e[CFGWATCH_ENTRIES];
	size_t n;
	double first, last;		/* the changes not acted on yet; 0: none */
	bool writing;			/* written, and not closed since */
	bool gone;
};

enum cfgwatch_verdict {
	CFGWATCH_WAIT,			/* nothing to do now */
	CFGWATCH_RELOAD,		/* quiet and closed */
	CFGWATCH_RELOAD_OPEN,		/* still open for writing after the hold time */
	CFGWATCH_RELOAD_BUSY,		/* still changing after the hold time */
	CFGWATCH_GONE,			/* it was there and is not */
	CFGWATCH_BACK,			/* there again after it was gone */
};

/* Watches path (relative: to the working directory now). 0, or -errno
 * when there is no inotify (w needs cfgwatch_close all the same); what it
 * could not watch is w->error, tried again at every cfgwatch_arm. */
int cfgwatch_open(struct cfgwatch *w, const char *path);

/* cfgwatch_close(NULL) and a second call are safe. */
void cfgwatch_close(struct cfgwatch *w);

/* Resolves the path again and moves the watches to it; the file's being
 * gone or back is then seen by cfgwatch_step. 0 or the first -errno (the
 * watches it could add stay). */
int cfgwatch_arm(struct cfgwatch *w);

/* Reads the events ready on w->fd, and arms again if a name on the way
 * changed. *overflowed: the kernel's queue overflowed and events were
 * lost (it armed again, and the file counts as changed). 0, or -errno
 * when arming failed. */
int cfgwatch_read(struct cfgwatch *w, double now, bool *overflowed);

/* The file is read now, whatever the events said (SIGHUP, natgw reload):
 * arms again, and a file that is there is no longer gone. As
 * cfgwatch_arm. */
int cfgwatch_reloading(struct cfgwatch *w);

/* When cfgwatch_step has something to decide; 0: nothing pending. */
double cfgwatch_due(const struct cfgwatch *w);

/* What to do at now about the changes seen. */
enum cfgwatch_verdict cfgwatch_step(struct cfgwatch *w, double now);

#endif
