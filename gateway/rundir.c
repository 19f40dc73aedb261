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

#include "rundir.h"

const char *rundir(void)
{
	const char *d = getenv("NATGW_RUN_DIR");
	return d && *d ? d : NATGW_RUN_DIR;
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

int rundir_check(char *why, size_t size)
{
	char real[PATH_MAX];
	int r = 0;

	snprintf(why, size, "%s", "");
	if (!realpath(rundir(), real)) {
		r = -errno;
		snprintf(why, size, "%s: %s", rundir(), strerror(errno));
		return r;
	}
	/* every directory from / down to the runtime directory itself */
	for (char *p = real;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		r = check_one(p == real ? "/" : real, c == '\0', why, size);
		*p = c;
		if (r < 0 || c == '\0')
			break;
	}
	if (r == -EPERM) {
		size_t n = strlen(why);
		snprintf(why + n, size - n, "; natgw uses a runtime directory only when root "
			 "alone can write it (fix its owner and mode, or set NATGW_RUN_DIR)");
	}
	return r;
}

int rundir_ensure(char *why, size_t size)
{
	if (mkdir(rundir(), 0700) < 0 && errno != EEXIST) {
		int r = -errno;
		snprintf(why, size, "%s: %s", rundir(), strerror(errno));
		return r;
	}
	return rundir_check(why, size);
}

int rundir_file(const char *name, char *buf, size_t size)
{
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

int rundir_table_file(const char *prefix, const char *table, const char *suffix, char *buf,
		      size_t size)
{
	unsigned long long ino;
	int r = netns_inode(&ino);

	if (r < 0)
		return r;
	int n = snprintf(buf, size, "%s/%s-%s-%llu%s", rundir(), prefix, table, ino, suffix);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int rundir_netns_file(const char *prefix, const char *suffix, char *buf, size_t size)
{
	unsigned long long ino;
	int r = netns_inode(&ino);

	if (r < 0)
		return r;
	int n = snprintf(buf, size, "%s/%s-%llu%s", rundir(), prefix, ino, suffix);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
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
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
		if (!s->v)
			abort();
	}
	s->v[s->n++] = ino;
}

static bool inodes_have(const struct inodes *s, unsigned long long ino)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == ino)
			return true;
	return false;
}

/* The network namespaces that exist: those of processes, and those kept by
 * a bind mount (ip netns add). One kept only by an open descriptor is not
 * seen: its records go, which costs its next apply a full read-back. */
static void live_namespaces(struct inodes *live)
{
	DIR *proc = opendir("/proc");
	struct dirent *de;
	char path[64], line[4096];

	while (proc && (de = readdir(proc))) {
		struct stat st;
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%.20s/ns/net", de->d_name);
		if (stat(path, &st) == 0)
			inodes_add(live, (unsigned long long)st.st_ino);
	}
	if (proc)
		closedir(proc);
	FILE *mi = fopen("/proc/self/mountinfo", "re");
	while (mi && fgets(line, sizeof(line), mi)) {
		const char *ns = strstr(line, " net:[");
		unsigned long long ino;
		if (ns && sscanf(ns, " net:[%llu]", &ino) == 1)
			inodes_add(live, ino);
	}
	if (mi)
		fclose(mi);
}

/* The namespace inode a runtime file names: the digits after the last '-'
 * before the first '.' that follows them; 0 when it names none. */
static unsigned long long named_inode(const char *name)
{
	static const char *const prefixes[] = { "applied-", "lock-", "confirm-", "natgw-" };
	bool ours = false;

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(*prefixes); i++)
		ours = ours || !strncmp(name, prefixes[i], strlen(prefixes[i]));
	if (!ours)
		return 0;
	const char *dot = strchr(name, '.');
	const char *end = dot ? dot : name + strlen(name);
	const char *dash = end;
	while (dash > name && dash[-1] >= '0' && dash[-1] <= '9')
		dash--;
	if (dash == end || dash == name || dash[-1] != '-')
		return 0;
	return strtoull(dash, NULL, 10);
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
	live_namespaces(&live);
	inodes_add(&live, self);
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		/* this table's temporary files in this namespace: the caller
		 * holds the lock, so nobody is writing one now */
		bool stale_tmp = !strncmp(de->d_name, mine_name, strlen(mine_name)) &&
				 len > 4 && !strcmp(de->d_name + len - 4, ".tmp");
		unsigned long long ino = named_inode(de->d_name);
		if (!stale_tmp && (!ino || inodes_have(&live, ino)))
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
