/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "natgw/xalloc.h"
#include "rundir.h"

/* include/linux/proc_ns.h: the first PID namespace's inode */
#define PROC_PID_INIT_INO 0xEFFFFFFCu

/* The directory's real path once it passed the check: every later path
 * is built from it, never from a path a link on the way could redirect
 * (its directories belong to root and nobody else may write them, so it
 * stays what was checked). */
static char checked[PATH_MAX];

static const char *given(void)
{
	const char *d = getenv("NATGW_RUN_DIR");
	return d && *d ? d : NATGW_RUN_DIR;
}

const char *rundir(void)
{
	return checked[0] ? checked : given();
}

/* One directory of the path: owned by root or us, and nobody else may
 * write it (a parent may, when it is sticky: then nobody else can rename
 * or remove what root put in it). */
static int check_one(const char *path, bool last, char *why, size_t size)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode)) {
		snprintf(why, size, "%s is not a directory", path);
		return -ENOTDIR;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		snprintf(why, size, "%s belongs to uid %u, not root", path, (unsigned)st.st_uid);
		return -EPERM;
	}
	bool others_write = st.st_mode & (S_IWGRP | S_IWOTH);
	if (others_write && (last || !(st.st_mode & S_ISVTX))) {
		snprintf(why, size, "%s is writable by %s (mode %04o)", path,
			 st.st_mode & S_IWOTH ? "everyone" : "its group",
			 (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

static void explain(int r, char *why, size_t size)
{
	if (r == -EPERM) {
		size_t n = strlen(why);
		snprintf(why + n, size - n, "; natgw uses a runtime directory only when root "
			 "alone can write it (fix its owner and mode, or set NATGW_RUN_DIR)");
	}
}

/* The path as given, step by step: a link on it must be root's, in a
 * directory that passed (so nobody else chose where it leads). */
static int check_given(const char *path, char *why, size_t size)
{
	char p[PATH_MAX];
	struct stat st;
	int r = 0;

	if (path[0] == '/')
		snprintf(p, sizeof(p), "%s", path);
	else if (!getcwd(p, sizeof(p)) ||
		 snprintf(p + strlen(p), sizeof(p) - strlen(p), "/%s", path) < 0)
		return -ENAMETOOLONG;
	for (char *c = p + 1;; c++) {
		if (*c != '/' && *c != '\0')
			continue;
		char keep = *c;
		*c = '\0';
		if (lstat(p, &st) < 0) {
			*c = keep;
			return 0;	/* the rest is checked once it exists */
		}
		if (S_ISLNK(st.st_mode) && st.st_uid != 0 && st.st_uid != geteuid()) {
			snprintf(why, size, "%s is a link of uid %u, not root's", p,
				 (unsigned)st.st_uid);
			r = -EPERM;
		} else if (!S_ISLNK(st.st_mode) && keep != '\0') {
			r = check_one(p, false, why, size);
		}
		*c = keep;
		if (r < 0 || keep == '\0')
			return r;
	}
}

/* Checks path as given and every directory from / down to where it
 * resolves (the last one strictly when last_strict). 0 with real set, or
 * -errno with why. */
static int check_path(const char *path, bool last_strict, char *real, char *why, size_t size)
{
	int r = check_given(path, why, size);

	if (r < 0) {
		explain(r, why, size);
		return r;
	}
	if (!realpath(path, real)) {
		r = -errno;
		snprintf(why, size, "%s: %s", path, strerror(errno));
		return r;
	}
	for (char *p = real;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		r = check_one(p == real ? "/" : real, c == '\0' && last_strict, why, size);
		*p = c;
		if (r < 0 || c == '\0')
			break;
	}
	explain(r, why, size);
	return r;
}

int rundir_check(char *why, size_t size)
{
	char real[PATH_MAX];

	snprintf(why, size, "%s", "");
	if (checked[0])
		return 0;
	int r = check_path(given(), true, real, why, size);
	if (r == 0)
		snprintf(checked, sizeof(checked), "%s", real);
	return r;
}

int rundir_ensure(char *why, size_t size)
{
	char parent[PATH_MAX], real[PATH_MAX + NAME_MAX + 2];
	const char *dir = given();
	struct stat st;

	if (checked[0] || lstat(dir, &st) == 0 || errno != ENOENT)
		return rundir_check(why, size);
	/* made only inside a parent that is root's: never in a directory of
	 * someone else's, never through their link */
	snprintf(parent, sizeof(parent), "%s", dir);
	char *slash = strrchr(parent, '/');
	const char *base = slash ? slash + 1 : dir;
	if (slash == parent)
		snprintf(parent, sizeof(parent), "/");
	else if (slash)
		*slash = '\0';
	else
		snprintf(parent, sizeof(parent), ".");
	if (!*base || !strcmp(base, ".") || !strcmp(base, "..")) {
		snprintf(why, size, "%s: not a directory natgw can make", dir);
		return -EINVAL;
	}
	int r = check_path(parent, false, real, why, size);
	if (r < 0)
		return r;
	size_t n = strlen(real);
	snprintf(real + n, sizeof(real) - n, "%s%s", n > 1 ? "/" : "", base);
	if (mkdir(real, 0700) < 0 && errno != EEXIST) {
		r = -errno;
		snprintf(why, size, "%s: %s", real, strerror(errno));
		return r;
	}
	return rundir_check(why, size);
}

/* Every path of the directory: only once it passed the check. */
static int dir_for_paths(void)
{
	char why[PATH_MAX + 256];
	return rundir_check(why, sizeof(why));
}

int rundir_file(const char *name, char *buf, size_t size)
{
	int r = dir_for_paths();
	if (r < 0)
		return r;
	int n = snprintf(buf, size, "%s/%s", rundir(), name);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int netns_inode(unsigned long long *ino)
{
	struct stat ns;

	if (stat("/proc/self/ns/net", &ns) < 0)
		return -errno;
	*ino = (unsigned long long)ns.st_ino;
	return 0;
}

int rundir_netns_file(const char *prefix, const char *suffix, char *buf, size_t size)
{
	unsigned long long ino;
	int r = dir_for_paths();

	if (r == 0)
		r = netns_inode(&ino);
	if (r < 0)
		return r;
	int n = snprintf(buf, size, "%s/%s-%llu%s", rundir(), prefix, ino, suffix);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int rundir_table_file(const char *prefix, const char *table, const char *suffix, char *buf,
		      size_t size)
{
	char stem[128];
	int n = snprintf(stem, sizeof(stem), "%s-%s", prefix, table);

	if (n < 0 || (size_t)n >= sizeof(stem))
		return -ENAMETOOLONG;
	return rundir_netns_file(stem, suffix, buf, size);
}

uint64_t rundir_netns_cookie(void)
{
	uint64_t cookie = 0;
	socklen_t len = sizeof(cookie);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return 0;
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len) < 0 ||
	    len != sizeof(cookie))
		cookie = 0;
	close(fd);
	return cookie;
}

int rundir_open_read(const char *path)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	return fd;
}

int rundir_create(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	return fd < 0 ? -errno : fd;
}

int rundir_lock(const char *table, unsigned wait_ms, bool *waited)
{
	char path[600];
	struct stat st;
	int r = rundir_table_file("lock", table, "", path, sizeof(path));

	*waited = false;
	if (r < 0)
		return r;
	int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	for (unsigned waited_ms = 0;; waited_ms += 20) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		if (errno != EWOULDBLOCK && errno != EINTR)
			break;
		if (waited_ms >= wait_ms) {
			errno = EWOULDBLOCK;
			break;
		}
		*waited = true;
		nanosleep(&(struct timespec){ .tv_nsec = 20 * 1000 * 1000 }, NULL);
	}
	r = -errno;
	close(fd);
	return r;
}

/* ---- cleaning up --------------------------------------------------------- */

struct inodes {
	unsigned long long *v;
	size_t n, cap;
};

static void inodes_add(struct inodes *s, unsigned long long ino)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == ino)
			return;
	s->v = grow(s->v, &s->cap, s->n, sizeof(*s->v));
	s->v[s->n++] = ino;
}

static bool inodes_have(const struct inodes *s, unsigned long long ino)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == ino)
			return true;
	return false;
}

/* The network namespaces that exist: those of processes, those kept open
 * by a process (a descriptor), and those kept by a bind mount (ip netns
 * add) in any process's mount namespace. */
static void live_namespaces(struct inodes *live)
{
	DIR *proc = opendir("/proc");
	struct dirent *de;
	struct inodes mnt_seen = { 0 };
	char path[300], line[4096], link[64];

	while (proc && (de = readdir(proc))) {
		struct stat st;
		unsigned long long ino;
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%.20s/ns/net", de->d_name);
		if (stat(path, &st) == 0)
			inodes_add(live, (unsigned long long)st.st_ino);
		snprintf(path, sizeof(path), "/proc/%.20s/fd", de->d_name);
		DIR *fds = opendir(path);
		struct dirent *fe;
		while (fds && (fe = readdir(fds))) {
			snprintf(path, sizeof(path), "/proc/%.20s/fd/%.20s", de->d_name, fe->d_name);
			ssize_t n = readlink(path, link, sizeof(link) - 1);
			if (n > 0) {
				link[n] = '\0';
				if (sscanf(link, "net:[%llu]", &ino) == 1)
					inodes_add(live, ino);
			}
		}
		if (fds)
			closedir(fds);
		/* each mount namespace's mounts once */
		snprintf(path, sizeof(path), "/proc/%.20s/ns/mnt", de->d_name);
		if (stat(path, &st) < 0 || inodes_have(&mnt_seen, (unsigned long long)st.st_ino))
			continue;
		inodes_add(&mnt_seen, (unsigned long long)st.st_ino);
		snprintf(path, sizeof(path), "/proc/%.20s/mountinfo", de->d_name);
		FILE *mi = fopen(path, "re");
		while (mi && fgets(line, sizeof(line), mi)) {
			const char *ns = strstr(line, " net:[");
			if (ns && sscanf(ns, " net:[%llu]", &ino) == 1)
				inodes_add(live, ino);
		}
		if (mi)
			fclose(mi);
	}
	if (proc)
		closedir(proc);
	free(mnt_seen.v);
}

/* Whether this process sees every process of the machine: it is in the
 * first PID namespace (whose inode the kernel fixes). In a container's
 * own PID namespace, a namespace kept only by the machine's processes
 * would look dead. */
static bool sees_every_process(void)
{
	struct stat st;
	return stat("/proc/self/ns/pid", &st) == 0 && st.st_ino == PROC_PID_INIT_INO;
}

/* "<table>-<digits>" (a valid table name) or, without a table, "<digits>":
 * the digits, or 0. */
static unsigned long long inode_part(const char *s, size_t len, bool with_table)
{
	size_t d = len;
	while (d > 0 && s[d - 1] >= '0' && s[d - 1] <= '9')
		d--;
	if (d == len || len - d > 20)
		return 0;
	if (with_table) {
		if (d < 2 || s[d - 1] != '-' || !((s[0] >= 'a' && s[0] <= 'z') ||
						   (s[0] >= 'A' && s[0] <= 'Z')))
			return 0;
		for (size_t i = 0; i + 1 < d; i++)
			if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-",
				    s[i]))
				return 0;
	} else if (d != 0) {
		return 0;
	}
	return strtoull(s + d, NULL, 10);
}

/* The network namespace a runtime file of natgw's belongs to, by its name
 * (rundir.h's forms only: applied-T-N.yaml, its temporary files
 * applied-T-N.yaml.P.H.tmp, lock-T-N, confirm-T-N.sock, natgw-N.sock);
 * 0 for any other name. */
static unsigned long long named_inode(const char *name)
{
	size_t len = strlen(name);
	const char *tmp = strstr(name, ".yaml.");

	if (!strncmp(name, "applied-", 8)) {
		if (len > 13 && !strcmp(name + len - 5, ".yaml"))
			return inode_part(name + 8, len - 13, true);
		if (tmp && len > 4 && !strcmp(name + len - 4, ".tmp"))
			return inode_part(name + 8, (size_t)(tmp - name) - 8, true);
		return 0;
	}
	if (!strncmp(name, "lock-", 5))
		return inode_part(name + 5, len - 5, true);
	if (!strncmp(name, "confirm-", 8) && len > 13 && !strcmp(name + len - 5, ".sock"))
		return inode_part(name + 8, len - 13, true);
	if (!strncmp(name, "natgw-", 6) && len > 11 && !strcmp(name + len - 5, ".sock"))
		return inode_part(name + 6, len - 11, false);
	return 0;
}

/* Whether a process listens on the UNIX socket at path: a daemon whose
 * namespace this process cannot see (another PID namespace) keeps it. */
static bool served(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok = false;

	if (fd >= 0 && strlen(path) < sizeof(sa.sun_path)) {
		memcpy(sa.sun_path, path, strlen(path));
		ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	}
	if (fd >= 0)
		close(fd);
	return ok;
}

size_t rundir_clean(const char *table)
{
	char mine[600], path[PATH_MAX];
	struct inodes live = { 0 };
	unsigned long long self = 0;
	size_t removed = 0;
	DIR *d = opendir(rundir());
	struct dirent *de;

	if (!d || netns_inode(&self) < 0 ||
	    rundir_table_file("applied", table, ".yaml.", mine, sizeof(mine)) < 0) {
		if (d)
			closedir(d);
		return 0;
	}
	const char *mine_name = strrchr(mine, '/') + 1;
	/* other namespaces' files are judged only from where every process is
	 * seen, and only when there are any (the look at every process costs) */
	bool judge_others = false;
	while ((de = readdir(d)) && !judge_others) {
		unsigned long long ino = named_inode(de->d_name);
		judge_others = ino && ino != self;
	}
	judge_others = judge_others && sees_every_process();
	if (judge_others)
		live_namespaces(&live);
	inodes_add(&live, self);
	rewinddir(d);
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		/* this table's temporary files in this namespace: the caller
		 * holds the lock, so nobody is writing one now */
		bool stale_tmp = !strncmp(de->d_name, mine_name, strlen(mine_name)) &&
				 len > 4 && !strcmp(de->d_name + len - 4, ".tmp");
		unsigned long long ino = named_inode(de->d_name);
		if (!stale_tmp && (!ino || !judge_others || inodes_have(&live, ino)))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", rundir(), de->d_name) >=
		    (int)sizeof(path))
			continue;
		if (len > 5 && !strcmp(de->d_name + len - 5, ".sock") && served(path))
			continue;
		if (!strncmp(de->d_name, "lock-", 5)) {	/* never one that is held */
			int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
			if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
				removed += unlink(path) == 0;
			if (fd >= 0)
				close(fd);
			continue;
		}
		removed += unlink(path) == 0;
	}
	closedir(d);
	free(live.v);
	return removed;
}
