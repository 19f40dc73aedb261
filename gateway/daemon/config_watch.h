/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's watch of its configuration file (inotify): when to reload
 * it, and when it is gone.
 *
 * What is watched: the file's directory, for the file's name (written,
 * closed after writing, created, renamed in or out, deleted, attributes),
 * and that directory's parent, for the directory's name (made, renamed,
 * removed). When the file is a symlink, the same again for its target, and
 * the target's target, up to CONFIG_WATCH_HOPS links. A directory that is not
 * there is watched for from its nearest ancestor that is (and where it is
 * a dangling symlink, where it points too). A change to any
 * of these names, a watched directory removed or moved, an inotify queue
 * overflow, and config_watch_arm() resolve the links again and move the
 * watches to where the path leads now.
 *
 * When it reloads: once no event has come for CONFIG_WATCH_QUIET_MS (each one
 * pushes the time back) and no writer has it open (a write seen and no
 * close after writing since). A file that keeps changing (closed between
 * its writes) is reloaded as it is CONFIG_WATCH_HOLD_MS after the first
 * change: each version was complete. A file still open for writing then is
 * never read: half a file may be valid and mean fewer rules; that is said
 * once, and it is reloaded when its writer closes it (or on SIGHUP). A
 * file not there then is gone, said once; when it is there again it is
 * back.
 *
 * Events are read with the caller's clock (now: session_now_ms()), so a
 * test can run the watch on a virtual one. */
#ifndef NATGW_CONFIG_WATCH_H
#define NATGW_CONFIG_WATCH_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#define CONFIG_WATCH_QUIET_MS 200	/* editors write, rename, chmod: one reload */
#define CONFIG_WATCH_HOLD_MS 5000	/* changing this long: reloaded as it is */
#define CONFIG_WATCH_HOPS 40		/* links followed: the kernel's own limit */
#define CONFIG_WATCH_ENTRIES (2 * CONFIG_WATCH_HOPS + 2)

struct config_watch_entry {
	int wd;
	uint32_t mask;
	bool dir;			/* a directory's name, else the file's */
	char name[NAME_MAX + 1];
};

struct config_watch {
	int fd;				/* inotify; -1: closed */
	int error;			/* the last arm's failure (-errno), 0 */
	char path[PATH_MAX];		/* the file, absolute */
	struct config_watch_entry e[CONFIG_WATCH_ENTRIES];
	size_t n;
	double first, last;		/* the changes not acted on yet; 0: none */
	bool writing;			/* written, and not closed since */
	bool open_said;			/* ... and CONFIG_WATCH_OPEN returned */
	bool gone;
};

enum config_watch_verdict {
	CONFIG_WATCH_WAIT,			/* nothing to do now */
	CONFIG_WATCH_RELOAD,		/* quiet and closed */
	CONFIG_WATCH_OPEN,			/* still open for writing after the hold time:
						 * not reloaded until it is closed (said once) */
	CONFIG_WATCH_RELOAD_BUSY,		/* still changing after the hold time */
	CONFIG_WATCH_GONE,			/* it was there and is not */
	CONFIG_WATCH_BACK,			/* there again after it was gone */
};

/* Watches path (relative: to the working directory now). 0, or -errno
 * when there is no inotify (w needs config_watch_close all the same); what it
 * could not watch is w->error, tried again at every config_watch_arm. */
int config_watch_open(struct config_watch *w, const char *path);

/* config_watch_close(NULL) and a second call are safe. */
void config_watch_close(struct config_watch *w);

/* Resolves the path again and moves the watches to it; the file's being
 * gone or back is then seen by config_watch_step. 0 or the first -errno (the
 * watches it could add stay). */
int config_watch_arm(struct config_watch *w);

/* Reads the events ready on w->fd, and arms again if a name on the way
 * changed. *overflowed: the kernel's queue overflowed and events were
 * lost (it armed again, and the file counts as changed). 0, or -errno
 * when arming failed. */
int config_watch_read(struct config_watch *w, double now, bool *overflowed);

/* The file is read now, whatever the events said (SIGHUP, natgw reload):
 * arms again, and a file that is there is no longer gone. As
 * config_watch_arm. */
int config_watch_reloading(struct config_watch *w);

/* When config_watch_step has something to decide; 0: nothing pending. */
double config_watch_due(const struct config_watch *w);

/* What to do at now about the changes seen. */
enum config_watch_verdict config_watch_step(struct config_watch *w, double now);

#endif
