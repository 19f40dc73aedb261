/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's watch of its file (gateway/daemon/config_watch.c), on real
 * inotify events in a temporary directory and a virtual clock: when a
 * change has settled (quiet, closed; held too long), when the file is gone
 * and back, and that the watches follow a directory made again, a symlink
 * to elsewhere or pointed at another file, a directory replaced by a file,
 * a symlink loop, a rename storm and an overflowing queue. No root. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "daemon/config_watch.h"

static char top[256];

static const char *at(const char *name)
{
	static char buf[4][PATH_MAX];
	static int i;
	char *p = buf[i++ % 4];
	if ((size_t)snprintf(p, PATH_MAX, "%s/%s", top, name) >= PATH_MAX)
		abort();
	return p;
}

/* Writes text to name (relative to top) and closes it: an editor's in-place save. */
static void save(const char *name, const char *text)
{
	int fd = open(at(name), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, text, strlen(text)) < 0 || close(fd) < 0)
		CHECK(0, "writing %s: %s", name, strerror(errno));
}

/* Written beside it and renamed over it. */
static void put(const char *name, const char *text)
{
	char tmp[128];
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", name) >= sizeof(tmp))
		abort();
	save(tmp, text);
	CHECK(rename(at(tmp), at(name)) == 0, "rename %s: %s", name, strerror(errno));
}

/* All the events so far, read at now (the daemon's poll calls again while
 * more are ready); whether the queue overflowed. */
static bool drain(struct config_watch *w, double now)
{
	struct pollfd p = { .fd = w->fd, .events = POLLIN };
	bool any = false, overflowed;

	do {
		int r = config_watch_read(w, now, &overflowed);
		CHECK(r == 0, "reading the events: %s", strerror(-r));
		any |= overflowed;
	} while (poll(&p, 1, 0) > 0);
	return any;
}

/* Reads the events at now and steps at settle: the verdict. */
static enum config_watch_verdict settle(struct config_watch *w, double now, double then)
{
	drain(w, now);
	return config_watch_step(w, then);
}

/* The kernel's watches on w's fd are the ones w knows, no more: those of
 * names left behind are removed. */
static bool no_stale(const struct config_watch *w)
{
	char path[64], line[512];
	size_t kernel = 0, mine = 0;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", w->fd);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		kernel += !strncmp(line, "inotify wd:", 11);
	fclose(f);
	for (size_t i = 0; i < w->n; i++) {
		bool seen = false;
		for (size_t j = 0; j < i; j++)
			seen |= w->e[j].wd == w->e[i].wd;
		mine += !seen;
	}
	return kernel == mine && mine > 0;
}

static void run(const char *cmd)
{
	char line[3 * PATH_MAX];
	snprintf(line, sizeof(line), "cd '%s' && %s", top, cmd);
	CHECK(system(line) == 0, "%s", cmd);
}

int main(void)
{
	struct config_watch w;
	double t = 1000;

	snprintf(top, sizeof(top), "%s/config_watch.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(top))
		return perror("mkdtemp"), 1;
	run("mkdir etc one two && printf 'version: 1\\n' >etc/natgw.yaml");
	CHECK(config_watch_open(&w, at("etc/natgw.yaml")) == 0, "open");
	CHECK(config_watch_due(&w) == 0, "nothing pending at first");

	/* quiet: each event pushes the time back */
	save("etc/natgw.yaml", "version: 1\n");
	drain(&w, t);
	CHECK(config_watch_due(&w) == t + CONFIG_WATCH_QUIET_MS, "due %.0f", config_watch_due(&w));
	save("etc/natgw.yaml", "version: 1\n");
	CHECK(settle(&w, t + 100, t + 250) == CONFIG_WATCH_WAIT, "not quiet yet");
	CHECK(config_watch_step(&w, t + 300) == CONFIG_WATCH_RELOAD, "quiet for 200 ms: reload");
	CHECK(config_watch_due(&w) == 0, "and nothing pending");
	CHECK(settle(&w, t + 400, t + 1000) == CONFIG_WATCH_WAIT, "no event, no reload");

	/* a writer that keeps it open: until it closes */
	t = 10000;
	int fd = open(at("etc/natgw.yaml"), O_WRONLY | O_TRUNC | O_CLOEXEC);
	CHECK(write(fd, "version: 1\n", 11) == 11, "write");
	CHECK(settle(&w, t, t + 1000) == CONFIG_WATCH_WAIT, "open after 1 s: waits");
	CHECK(write(fd, "gateway:\n", 9) == 9, "write");
	CHECK(settle(&w, t + 1100, t + 3000) == CONFIG_WATCH_WAIT, "open after 3 s: waits");
	close(fd);
	CHECK(settle(&w, t + 3100, t + 3250) == CONFIG_WATCH_WAIT, "closed 150 ms ago: waits");
	CHECK(config_watch_step(&w, t + 3300) == CONFIG_WATCH_RELOAD, "closed and quiet: reload");
	/* ... and one that does not close: never read while it writes (half a
	 * file may be valid, and mean fewer rules), said once */
	t = 20000;
	fd = open(at("etc/natgw.yaml"), O_WRONLY | O_APPEND | O_CLOEXEC);
	CHECK(write(fd, "\n", 1) == 1, "write");
	CHECK(settle(&w, t, t + CONFIG_WATCH_HOLD_MS - 1) == CONFIG_WATCH_WAIT, "open: waits");
	CHECK(config_watch_step(&w, t + CONFIG_WATCH_HOLD_MS) == CONFIG_WATCH_OPEN,
	      "still open after the hold time: said, not reloaded");
	CHECK(settle(&w, t + 6000, t + 7000) == CONFIG_WATCH_WAIT, "open and idle: nothing");
	CHECK(write(fd, "\n", 1) == 1, "write");
	CHECK(settle(&w, t + 7100, t + 7100 + CONFIG_WATCH_HOLD_MS) == CONFIG_WATCH_WAIT,
	      "written again, still open: said once only");
	close(fd);
	CHECK(settle(&w, t + 13000, t + 13200) == CONFIG_WATCH_RELOAD, "closed at last: reload");

	/* a writer of the file an editor renamed another over is not its writer */
	t = 25000;
	fd = open(at("etc/natgw.yaml"), O_WRONLY | O_APPEND | O_CLOEXEC);
	put("etc/natgw.yaml", "version: 1\n");
	CHECK(write(fd, "\n", 1) == 1, "write");
	CHECK(settle(&w, t, t + 200) == CONFIG_WATCH_RELOAD, "renamed over: the new one, at once");
	CHECK(write(fd, "\n", 1) == 1, "write");
	CHECK(settle(&w, t + 300, t + 1000) == CONFIG_WATCH_WAIT && config_watch_due(&w) == 0,
	      "the old one's writes: nothing");
	close(fd);

	/* a storm: a rename every 100 ms for 6 s, then one every 300 ms */
	t = 30000;
	enum config_watch_verdict v = CONFIG_WATCH_WAIT;
	int reloads = 0;
	for (int i = 0; i < 60; i++) {
		put("etc/natgw.yaml", "version: 1\n");
		v = settle(&w, t + i * 100, t + i * 100 + 50);
		reloads += v != CONFIG_WATCH_WAIT;
		if (v != CONFIG_WATCH_WAIT)
			CHECK(v == CONFIG_WATCH_RELOAD_BUSY && i == 50, "storm: %d at %d", v, i);
	}
	CHECK(reloads == 1, "a storm of renames: reloaded once, after the hold time (%d)", reloads);
	for (int i = 0; i < 3; i++) {
		put("etc/natgw.yaml", "version: 1\n");
		CHECK(settle(&w, t + 7000 + i * 300, t + 7000 + i * 300 + 250) == CONFIG_WATCH_RELOAD,
		      "renames 300 ms apart: one reload each");
	}

	/* deleted: gone, once; back */
	t = 40000;
	run("rm etc/natgw.yaml");
	CHECK(settle(&w, t, t + 200) == CONFIG_WATCH_GONE, "deleted: gone");
	save("etc/other", "x");
	run("touch etc/natgw.yaml.tmp && rm etc/natgw.yaml.tmp");
	CHECK(settle(&w, t + 300, t + 1000) == CONFIG_WATCH_WAIT, "other names: nothing");
	CHECK(config_watch_due(&w) == 0, "not even pending");
	put("etc/natgw.yaml", "version: 1\n");
	CHECK(settle(&w, t + 1100, t + 1300) == CONFIG_WATCH_BACK, "back");

	/* the directory removed, replaced by a file, made again */
	t = 50000;
	run("rm -r etc");
	CHECK(settle(&w, t, t + 200) == CONFIG_WATCH_GONE, "its directory removed: gone");
	run("echo not a directory >etc");
	CHECK(settle(&w, t + 300, t + 500) == CONFIG_WATCH_WAIT, "a file in its place: still gone");
	run("rm etc && mkdir etc");
	CHECK(settle(&w, t + 600, t + 800) == CONFIG_WATCH_WAIT, "the directory alone: still gone");
	save("etc/natgw.yaml", "version: 1\n");
	CHECK(settle(&w, t + 900, t + 1100) == CONFIG_WATCH_BACK, "a file in it: back");
	save("etc/natgw.yaml", "version: 1\n");
	CHECK(settle(&w, t + 1200, t + 1400) == CONFIG_WATCH_RELOAD, "the new directory is watched");
	run("rm -r etc && mkdir -p etc && echo 'version: 1' >etc/natgw.yaml");
	CHECK(settle(&w, t + 1500, t + 1700) == CONFIG_WATCH_RELOAD,
	      "removed and made again at once: a reload");
	save("etc/natgw.yaml", "version: 1\n");
	CHECK(settle(&w, t + 1800, t + 2000) == CONFIG_WATCH_RELOAD, "and watched");

	/* the file replaced by a symlink elsewhere; its target edited */
	t = 60000;
	save("one/a.yaml", "version: 1\n");
	run("ln -sfn \"$PWD/one/a.yaml\" etc/natgw.yaml");
	CHECK(settle(&w, t, t + 200) == CONFIG_WATCH_RELOAD, "a symlink in its place");
	put("one/a.yaml", "version: 1\n");
	CHECK(settle(&w, t + 300, t + 500) == CONFIG_WATCH_RELOAD, "its target renamed over");
	save("one/a.yaml", "version: 1\n");
	CHECK(settle(&w, t + 600, t + 800) == CONFIG_WATCH_RELOAD, "its target written");
	/* pointed at another file (relative, in another directory) */
	save("two/b.yaml", "version: 1\n");
	run("ln -sfn ../two/b.yaml etc/new && mv -T etc/new etc/natgw.yaml");
	CHECK(settle(&w, t + 900, t + 1100) == CONFIG_WATCH_RELOAD, "the symlink re-pointed");
	save("two/b.yaml", "version: 1\n");
	CHECK(settle(&w, t + 1200, t + 1400) == CONFIG_WATCH_RELOAD, "its new target written");
	save("one/a.yaml", "version: 1\n");
	CHECK(settle(&w, t + 1500, t + 1700) == CONFIG_WATCH_WAIT && config_watch_due(&w) == 0,
	      "the old target is not watched");
	/* the target removed: gone; back */
	run("rm two/b.yaml");
	CHECK(settle(&w, t + 1800, t + 2000) == CONFIG_WATCH_GONE, "the target removed: gone");
	run("rm -r two");
	CHECK(settle(&w, t + 2100, t + 2300) == CONFIG_WATCH_WAIT, "its directory too: still gone");
	run("mkdir two && echo 'version: 1' >two/b.yaml");
	CHECK(settle(&w, t + 2400, t + 2600) == CONFIG_WATCH_BACK, "made again: back");
	/* a target beside it, and a chain of two links */
	run("echo 'version: 1' >etc/real.yaml && ln -s real.yaml etc/link2 && "
	    "ln -sfn link2 etc/new && mv -T etc/new etc/natgw.yaml");
	CHECK(settle(&w, t + 2700, t + 2900) == CONFIG_WATCH_RELOAD, "a chain of two links");
	save("etc/real.yaml", "version: 1\n");
	CHECK(settle(&w, t + 3000, t + 3200) == CONFIG_WATCH_RELOAD, "its end written");
	run("ln -sfn ../one/a.yaml etc/new && mv -T etc/new etc/link2");
	CHECK(settle(&w, t + 3300, t + 3500) == CONFIG_WATCH_RELOAD, "its middle re-pointed");
	save("one/a.yaml", "version: 1\n");
	CHECK(settle(&w, t + 3600, t + 3800) == CONFIG_WATCH_RELOAD, "the new end written");

	/* a symlink loop: not gone (the reload says why it cannot read it) */
	t = 70000;
	run("ln -s loop2 etc/loop1 && ln -s loop1 etc/loop2 && "
	    "ln -sfn loop1 etc/new && mv -T etc/new etc/natgw.yaml");
	CHECK(settle(&w, t, t + 200) == CONFIG_WATCH_RELOAD, "a loop: reloaded, and refused there");
	CHECK(w.n == 4, "a loop comes round to the same watches (%zu)", w.n);
	run("rm etc/natgw.yaml && echo 'version: 1' >etc/natgw.yaml");
	CHECK(settle(&w, t + 300, t + 500) == CONFIG_WATCH_RELOAD, "a file again");

	/* its directory a symlink, re-pointed */
	t = 80000;
	run("mv etc etc-a && cp -r etc-a etc-b && ln -s etc-a etc");
	CHECK(settle(&w, t, t + 200) == CONFIG_WATCH_RELOAD, "etc a symlink to etc-a");
	save("etc-a/natgw.yaml", "version: 1\n");
	CHECK(settle(&w, t + 300, t + 500) == CONFIG_WATCH_RELOAD, "written through it");
	run("ln -sfn etc-b new && mv -T new etc");
	CHECK(settle(&w, t + 600, t + 800) == CONFIG_WATCH_RELOAD, "etc pointed at etc-b");
	save("etc-b/natgw.yaml", "version: 1\n");
	CHECK(settle(&w, t + 900, t + 1100) == CONFIG_WATCH_RELOAD, "etc-b watched");
	save("etc-a/natgw.yaml", "version: 1\n");
	CHECK(settle(&w, t + 1200, t + 1400) == CONFIG_WATCH_WAIT, "etc-a no longer");
	CHECK(no_stale(&w), "the watches left behind are removed");
	/* ... a dangling symlink, until its target is made */
	run("rm -r etc-b");
	CHECK(settle(&w, t + 1500, t + 1700) == CONFIG_WATCH_GONE, "etc-b removed: gone");
	run("mkdir etc-b && echo 'version: 1' >etc-b/natgw.yaml");
	CHECK(settle(&w, t + 1800, t + 2000) == CONFIG_WATCH_BACK, "etc-b made again: back");

	/* a chain of 31 links, as long as the kernel follows: its end watched */
	t = 85000;
	run("for i in $(seq 30); do ln -s l$((i + 1)) etc-b/l$i; done && ln -s real etc-b/l31 && "
	    "echo 'version: 1' >etc-b/real && ln -s l1 etc-b/new && mv -T etc-b/new etc-b/natgw.yaml");
	CHECK(settle(&w, t, t + 200) == CONFIG_WATCH_RELOAD, "31 links");
	save("etc-b/real", "version: 1\n");
	CHECK(settle(&w, t + 300, t + 500) == CONFIG_WATCH_RELOAD, "their end written");
	run("rm etc-b/l20 && ln -s real etc-b/l20");
	CHECK(settle(&w, t + 600, t + 800) == CONFIG_WATCH_RELOAD, "a link in the middle replaced");

	/* the queue overflows, and the file's own change is among the lost */
	t = 90000;
	FILE *q = fopen("/proc/sys/fs/inotify/max_queued_events", "r");
	long max = 16384;
	if (q) {
		if (fscanf(q, "%ld", &max) != 1)
			max = 16384;
		fclose(q);
	}
	char name[64];
	for (long i = 0; i < max / 2 + 100; i++) {	/* IN_CREATE and IN_CLOSE_WRITE each */
		snprintf(name, sizeof(name), "etc/f%ld", i);
		save(name, "");
	}
	save("etc/natgw.yaml", "version: 1\n");
	CHECK(drain(&w, t), "the queue overflowed");
	CHECK(config_watch_step(&w, t + 200) == CONFIG_WATCH_RELOAD, "and the file is reloaded");
	for (long i = 0; i < max / 2 + 100; i++) {
		snprintf(name, sizeof(name), "etc/f%ld", i);
		unlink(at(name));
	}
	CHECK(settle(&w, t + 300, t + 500) == CONFIG_WATCH_WAIT, "removing other files: nothing");
	save("etc/natgw.yaml", "version: 1\n");
	CHECK(settle(&w, t + 600, t + 800) == CONFIG_WATCH_RELOAD, "watched after it");
	CHECK(no_stale(&w), "no watch left behind");

	/* SIGHUP's arm: a file there is not gone any more */
	t = 100000;
	run("rm etc-b/natgw.yaml");
	CHECK(settle(&w, t, t + 200) == CONFIG_WATCH_GONE, "gone");
	run("echo 'version: 1' >etc-b/natgw.yaml");
	drain(&w, t + 300);
	CHECK(config_watch_reloading(&w) == 0 && !w.gone, "read now: not gone");
	CHECK(config_watch_step(&w, t + 500) == CONFIG_WATCH_RELOAD, "its change: a reload, not back");

	config_watch_close(&w);
	config_watch_close(&w);
	config_watch_close(NULL);

	/* a relative path: from the working directory at the start */
	t = 110000;
	CHECK(chdir(top) == 0, "chdir");
	CHECK(config_watch_open(&w, "./etc//natgw.yaml") == 0 && !strcmp(w.path, at("etc/natgw.yaml")),
	      "relative: %s", w.path);
	CHECK(w.n == 2 && w.e[1].dir && !strcmp(w.e[1].name, "etc"), "its directory watched by name");
	CHECK(chdir("/") == 0, "chdir");
	save("etc/natgw.yaml", "version: 1\n");
	CHECK(settle(&w, t, t + 200) == CONFIG_WATCH_RELOAD, "relative: watched");
	config_watch_close(&w);

	char rm[PATH_MAX + 16];
	snprintf(rm, sizeof(rm), "rm -rf '%s'", top);
	CHECK(system(rm) == 0, "%s", rm);
	return check_summary();
}
