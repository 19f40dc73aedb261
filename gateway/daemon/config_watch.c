/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's watch of its configuration file, with inotify: what it
 * watches and when the file is ready to be read again (config_watch.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_watch.h"

/* In the directory that holds the file (or a link on the way to it): its
 * name written, closed after writing, chmod'ed, made, removed, renamed in
 * or out; the directory itself removed or moved. A file unlinked from it
 * (the old one an editor renamed a new one over, still open somewhere) is
 * no longer the file: its events are not wanted. */
#define FILE_EVENTS (IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB | IN_CREATE | IN_DELETE | \
		     IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF |     \
		     IN_EXCL_UNLINK)
/* In a directory's parent, or in the nearest ancestor there is: the name
 * of the directory on the way made, removed, renamed in or out. */
#define DIR_EVENTS (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | \
		    IN_MOVE_SELF)
/* A name on the way is another inode now: the watches move. */
#define NAME_EVENTS (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO)
/* The watched directory itself went: removed, moved, unmounted. */
#define SELF_EVENTS (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED | IN_UNMOUNT)

/* Reads at most this many buffers per call: a storm of events elsewhere in
 * a watched directory cannot keep the daemon from its other work. */
#define READS_PER_CALL 64

/* "/a/b" -> "/a" and "b"; "/a" -> "/" and "a". dir may be path. False for
 * "/", and for "." and "..", which cannot be followed upwards by name. */
static bool split(const char *path, char *dir, size_t size, char *name)
{
	size_t len = strlen(path);

	while (len > 1 && path[len - 1] == '/')
		len--;
	const char *slash = memrchr(path, '/', len);
	if (!slash || slash + 1 == path + len)
		return false;
	size_t nlen = (size_t)(path + len - (slash + 1));
	size_t dlen = (size_t)(slash - path);
	if (nlen > NAME_MAX || dlen >= size)
		return false;
	memcpy(name, slash + 1, nlen);
	name[nlen] = '\0';
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	while (dlen > 1 && path[dlen - 1] == '/')
		dlen--;
	memmove(dir, path, dlen ? dlen : 1);	/* "/a": the root */
	dir[dlen ? dlen : 1] = '\0';
	return true;
}

/* The paths still to watch while arming: the file, and the targets of the
 * links found on the way to it. */
#define PENDING 4

struct arming {
	int fd;
	int err;			/* the first failure */
	struct config_watch_entry e[CONFIG_WATCH_ENTRIES];
	size_t n;
	char todo[PENDING][PATH_MAX];
	size_t head, len;
};

/* Watches dir for name. A directory already watched by this arm (a link's
 * target beside the file, say) gets the union of the events wanted. The
 * watch descriptor, or -errno. */
static int add(struct arming *a, const char *dir, const char *name, bool is_dir, uint32_t mask)
{
	int wd = inotify_add_watch(a->fd, dir, mask | IN_ONLYDIR);
	if (wd < 0)
		return -errno;
	uint32_t all = mask;
	bool known = false;
	for (size_t i = 0; i < a->n; i++) {
		if (a->e[i].wd != wd)
			continue;
		all |= a->e[i].mask;
		known |= a->e[i].dir == is_dir && !strcmp(a->e[i].name, name);
	}
	if (all != mask && inotify_add_watch(a->fd, dir, all | IN_ONLYDIR) < 0)
		return -errno;
	if (known)		/* a symlink loop comes round again */
		return wd;
	if (a->n == CONFIG_WATCH_ENTRIES)
		return -E2BIG;
	struct config_watch_entry *e = &a->e[a->n++];
	*e = (struct config_watch_entry){ .wd = wd, .mask = mask, .dir = is_dir };
	snprintf(e->name, sizeof(e->name), "%s", name);
	return wd;
}

static void failed(struct arming *a, int r)
{
	if (r < 0 && !a->err)
		a->err = r;
}

/* Not there (yet): a name missing on the way, a directory that is a file
 * now, a symlink loop. Watched for from the nearest ancestor. */
static bool missing(int r)
{
	return r == -ENOENT || r == -ENOTDIR || r == -ELOOP;
}

/* If path (in dir) is a symlink, its target is watched too: relative to
 * the link's directory, where the kernel resolves ".." after the links
 * before it, as it does when opening. */
static void follow(struct arming *a, const char *path, const char *dir)
{
	char link[PATH_MAX];
	ssize_t len = readlink(path, link, sizeof(link) - 1);

	if (len < 0 || a->len == PENDING)	/* not a link; a tree of links */
		return;
	link[len] = '\0';
	char *to = a->todo[(a->head + a->len) % PENDING];
	if ((size_t)snprintf(to, PATH_MAX, "%s%s%s", link[0] == '/' ? "" : dir,
			     link[0] == '/' || !strcmp(dir, "/") ? "" : "/", link) < PATH_MAX)
		a->len++;
}

/* Watches name in dir, and dir's own name in its parent; where dir is not
 * there, the name of the first missing directory in the nearest ancestor
 * that is, following a missing directory that is a dangling symlink to
 * where it points. */
static void watch_name(struct arming *a, const char *dir, const char *name)
{
	char d[PATH_MAX], up[PATH_MAX], nm[NAME_MAX + 1];

	snprintf(d, sizeof(d), "%s", dir);
	int r = add(a, d, name, false, FILE_EVENTS);
	if (r >= 0) {
		if (split(d, up, sizeof(up), nm))
			r = add(a, up, nm, true, DIR_EVENTS);
		failed(a, missing(r) ? 0 : r);	/* gone just now: its DELETE_SELF comes */
		return;
	}
	while (missing(r) && split(d, up, sizeof(up), nm)) {
		follow(a, d, up);
		snprintf(d, sizeof(d), "%s", up);
		r = add(a, d, nm, true, DIR_EVENTS);
	}
	failed(a, missing(r) ? 0 : r);
}

int config_watch_arm(struct config_watch *w)
{
	struct arming *a = calloc(1, sizeof(*a));	/* 40 KiB */
	char cur[PATH_MAX], dir[PATH_MAX], name[NAME_MAX + 1];

	if (!a)
		return w->error = -ENOMEM;	/* the watches stay as they were */
	a->fd = w->fd;
	a->len = 1;
	snprintf(a->todo[0], PATH_MAX, "%s", w->path);
	for (int hop = 0; hop <= CONFIG_WATCH_HOPS && a->len; hop++) {	/* the file, then links */
		snprintf(cur, sizeof(cur), "%s", a->todo[a->head]);
		a->head = (a->head + 1) % PENDING;
		a->len--;
		if (!split(cur, dir, sizeof(dir), name))
			continue;
		watch_name(a, dir, name);
		follow(a, cur, dir);
	}
	for (size_t i = 0; i < w->n; i++) {	/* the names left behind */
		bool kept = false;
		for (size_t j = 0; j < a->n && !kept; j++)
			kept = a->e[j].wd == w->e[i].wd;
		if (!kept)
			inotify_rm_watch(w->fd, w->e[i].wd);	/* EINVAL: gone already */
	}
	memcpy(w->e, a->e, a->n * sizeof(*a->e));
	w->n = a->n;
	w->error = a->err;
	free(a);
	return w->error;
}

/* Drops the "." names and repeated slashes of an absolute path, which
 * change nothing, so that every directory on it has a name in its parent
 * (".." stays: after a symlink it leads elsewhere than the text says). */
static void tidy(char *p)
{
	char *out = p;

	for (const char *in = p; *in;) {
		if (in[0] == '/' && in[1] == '/')
			in++;
		else if (in[0] == '/' && in[1] == '.' && (in[2] == '/' || !in[2]))
			in += 2;
		else
			*out++ = *in++;
	}
	if (out == p)
		*out++ = '/';
	*out = '\0';
}

int config_watch_open(struct config_watch *w, const char *path)
{
	char cwd[PATH_MAX];

	*w = (struct config_watch){ .fd = -1 };
	if (path[0] != '/' && !getcwd(cwd, sizeof(cwd)))
		return -errno;
	if ((size_t)snprintf(w->path, sizeof(w->path), "%s%s%s", path[0] == '/' ? "" : cwd,
			     path[0] == '/' ? "" : "/", path) >= sizeof(w->path))
		return -ENAMETOOLONG;
	tidy(w->path);
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0)
		return -errno;
	config_watch_arm(w);
	return 0;
}

void config_watch_close(struct config_watch *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	w->n = 0;
}

static void changed(struct config_watch *w, double now)
{
	if (!w->first)
		w->first = now;
	w->last = now;
}

/* One event: the file written or closed, or a name on the way to it
 * changed (*rearm: the watches move). */
static void event(struct config_watch *w, const struct inotify_event *ev, double now, bool *rearm)
{
	for (size_t i = 0; i < w->n; i++) {
		const struct config_watch_entry *e = &w->e[i];
		if (e->wd != ev->wd)
			continue;
		if (ev->mask & SELF_EVENTS) {
			*rearm = true;
			changed(w, now);
			return;
		}
		if (!ev->len || strcmp(ev->name, e->name))
			continue;
		if (ev->mask & NAME_EVENTS) {
			*rearm = true;
			if (!e->dir)	/* another file by that name now */
				w->writing = false;
		} else if (e->dir) {
			continue;	/* a directory's attributes, say */
		}
		if (!e->dir && (ev->mask & IN_MODIFY))
			w->writing = true;
		if (!e->dir && (ev->mask & IN_CLOSE_WRITE))
			w->writing = w->open_said = false;
		changed(w, now);
	}
}

int config_watch_read(struct config_watch *w, double now, bool *overflowed)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool rearm = false;
	ssize_t n;

	*overflowed = false;
	for (int reads = 0; reads < READS_PER_CALL && (n = read(w->fd, buf, sizeof(buf))) > 0;
	     reads++) {
		for (const char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			if (ev->mask & IN_Q_OVERFLOW)
				*overflowed = true;
			else
				event(w, ev, now, &rearm);
			p += sizeof(*ev) + ev->len;
		}
	}
	if (*overflowed) {	/* anything may have happened, a close too */
		rearm = true;
		w->writing = false;
		changed(w, now);
	}
	return rearm ? config_watch_arm(w) : 0;
}

int config_watch_reloading(struct config_watch *w)
{
	struct stat st;
	int r = config_watch_arm(w);

	if (stat(w->path, &st) == 0)
		w->gone = false;
	return r;
}

double config_watch_due(const struct config_watch *w)
{
	if (!w->first)
		return 0;
	double hold = w->first + CONFIG_WATCH_HOLD_MS, quiet = w->last + CONFIG_WATCH_QUIET_MS;
	return w->writing || hold < quiet ? hold : quiet;
}

enum config_watch_verdict config_watch_step(struct config_watch *w, double now)
{
	double due = config_watch_due(w);
	struct stat st;

	if (!due || now < due)
		return CONFIG_WATCH_WAIT;
	bool held = now >= w->first + CONFIG_WATCH_HOLD_MS &&
		    (w->writing || now < w->last + CONFIG_WATCH_QUIET_MS);
	w->first = w->last = 0;
	if (held && w->writing) {	/* its close is the next event */
		if (w->open_said)
			return CONFIG_WATCH_WAIT;
		w->open_said = true;
		return CONFIG_WATCH_OPEN;
	}
	if (stat(w->path, &st) < 0 && (errno == ENOENT || errno == ENOTDIR)) {
		if (w->gone)
			return CONFIG_WATCH_WAIT;
		w->gone = true;
		return CONFIG_WATCH_GONE;
	}
	if (w->gone) {
		w->gone = false;
		return CONFIG_WATCH_BACK;
	}
	if (held)
		return CONFIG_WATCH_RELOAD_BUSY;
	return CONFIG_WATCH_RELOAD;
}
