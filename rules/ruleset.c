/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The pipeline: file -> YAML tree -> model -> validated ruleset. It sits
 * on top of the library: it calls the loader (load.c) and validation, and
 * nothing in rules/ calls it. The model's own helpers (freeing it, naming
 * its values) are below everything, in model.c. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "load.h"
#include "validate.h"
#include "natgw/xalloc.h"
#include "yaml_tree.h"

/* Reads all of fd, refusing more than NGW_FILE_MAX bytes: it reads one byte
 * past the limit at most. Returns 0, -errno, or -EFBIG with *len set to what
 * was seen. */
static int read_all(int fd, char **buf, size_t *len)
{
	size_t cap = 64 << 10, n = 0;
	char *b = xreallocarray(NULL, cap, 1);

	for (;;) {
		if (n == cap) {
			if (cap > NGW_FILE_MAX) {
				free(b);
				*len = n;
				return -EFBIG;
			}
			cap = cap * 2 > NGW_FILE_MAX ? (size_t)NGW_FILE_MAX + 1 : cap * 2;
			b = xreallocarray(b, cap, 1);
		}
		ssize_t r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			free(b);
			return -e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*buf = b;
	*len = n;
	return 0;
}

/* Opens and reads path ("-": standard input) whole. 0, -errno, or -EFBIG
 * with *len the size seen; *st is what fstat() said of it (*regular when
 * it is a regular file). */
static int read_path(const char *path, char **buf, size_t *len, bool *regular, struct stat *st)
{
	bool is_stdin = !strcmp(path, "-");
	int fd, r;

	*buf = NULL;
	*len = 0;
	*regular = false;
	fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = fstat(fd, st) < 0 ? -errno : S_ISDIR(st->st_mode) ? -EISDIR : 0;
	if (r == 0) {
		*regular = S_ISREG(st->st_mode);
		/* Say so before reading gigabytes: the size of a regular file is known. */
		if (*regular && (uint64_t)st->st_size > NGW_FILE_MAX) {
			*len = (size_t)st->st_size;
			r = -EFBIG;
		} else {
			r = read_all(fd, buf, len);
		}
	}
	if (!is_stdin)
		close(fd);
	return r;
}

int rules_read(const char *path, char **buf, size_t *len)
{
	struct stat st;
	bool regular;
	return read_path(path, buf, len, &regular, &st);
}

/* Who besides root and the user running natgw can change what st is:
 * "owned by uid 1000, and writable by group 27 and by every user (mode
 * 0666)", or "" for nobody. A sticky directory lets only an entry's owner
 * replace it, so its write bits do not count. */
static void writers(const struct stat *st, bool dir, char *buf, size_t size)
{
	bool group = st->st_mode & S_IWGRP, other = st->st_mode & S_IWOTH;
	bool owner = st->st_uid != 0 && st->st_uid != geteuid();
	char what[64] = "";

	if (dir && (st->st_mode & S_ISVTX))
		group = other = false;
	if (group && other)
		snprintf(what, sizeof(what), "writable by group %u and by every user",
			 (unsigned)st->st_gid);
	else if (group)
		snprintf(what, sizeof(what), "writable by group %u", (unsigned)st->st_gid);
	else if (other)
		snprintf(what, sizeof(what), "writable by every user");
	buf[0] = '\0';
	if (owner)
		snprintf(buf, size, "owned by uid %u%s", (unsigned)st->st_uid, *what ? ", and " : "");
	if (*what)
		snprintf(buf + strlen(buf), size - strlen(buf), "%s (mode %04o)", what,
			 (unsigned)(st->st_mode & 07777));
}

/* The directory part of path, as dirname(3) gives it, into buf. */
static void dir_of(const char *path, char *buf, size_t size)
{
	size_t n = strlen(path);

	while (n > 1 && path[n - 1] == '/')
		n--;
	while (n > 0 && path[n - 1] != '/')
		n--;
	while (n > 1 && path[n - 1] == '/')
		n--;
	if (n == 0)
		snprintf(buf, size, ".");
	else
		snprintf(buf, size, "%.*s", (int)n, path);
}

static void warn_dir(struct ngw_diags *d, const char *dir, const char *where,
		     const struct stat *st)
{
	char who[160];

	writers(st, true, who, sizeof(who));
	if (*who)
		diags_add(d, NGW_WARNING, (struct ngw_pos){ 0, 0 }, "the directory %s%s is %s: "
			  "whoever can write to it can replace the file; make it root's and "
			  "writable by root alone (chown root, chmod go-w)", dir, where, who);
}

/* natgw applies the file as root, so whoever can change it, or replace
 * it in its directory, decides what the router does: said as warnings,
 * as sshd's StrictModes does for its files (it refuses them). The
 * directories looked at are the one in the path as written and, when
 * symbolic links lead elsewhere, the one that holds the file; not those
 * above them. */
static void check_writers(const char *path, const struct stat *st, struct ngw_diags *d)
{
	char who[160], dir[PATH_MAX];
	struct stat dst, rst;

	writers(st, false, who, sizeof(who));
	if (*who)
		diags_add(d, NGW_WARNING, (struct ngw_pos){ 0, 0 }, "the file is %s: whoever can "
			  "change it decides what natgw applies; make it root's and writable by "
			  "root alone (chown root, chmod go-w)", who);
	dir_of(path, dir, sizeof(dir));
	bool have_dir = stat(dir, &dst) == 0;
	if (have_dir)
		warn_dir(d, dir, "", &dst);

	char *real = realpath(path, NULL);
	if (!real)
		return;
	dir_of(real, dir, sizeof(dir));
	if (stat(dir, &rst) == 0 &&
	    (!have_dir || rst.st_dev != dst.st_dev || rst.st_ino != dst.st_ino))
		warn_dir(d, dir, ", where the file is,", &rst);
	free(real);
}

int rules_load(const char *path, struct ngw_ruleset **out, struct ngw_diags *d)
{
	char *buf = NULL;
	size_t len = 0;
	struct stat st;
	bool regular;

	*out = NULL;
	int r = read_path(path, &buf, &len, &regular, &st);
	if (r == -EFBIG) {
		diags_add(d, NGW_ERROR, (struct ngw_pos){ 0, 0 }, "the file is %zu bytes%s; "
			  "natgw reads at most %u MiB", len, regular ? "" : " or more",
			  NGW_FILE_MAX >> 20);
		return 0;
	}
	if (r < 0)
		return r;
	if (regular && strcmp(path, "-"))
		check_writers(path, &st, d);
	r = rules_load_buffer(!strcmp(path, "-") ? "<stdin>" : path, buf, len, out, d);
	free(buf);
	return r;
}

int rules_load_buffer(const char *name, const char *buf, size_t len,
		      struct ngw_ruleset **out, struct ngw_diags *d)
{
	struct load_result lr;
	struct arena arena;
	bool ok;

	*out = NULL;
	if (len > NGW_FILE_MAX) {
		diags_add(d, NGW_ERROR, (struct ngw_pos){ 0, 0 }, "the file is %zu bytes; "
			  "natgw reads at most %u MiB", len, NGW_FILE_MAX >> 20);
		return 0;
	}
	arena_init(&arena);
	const struct ynode *root = yaml_tree_parse(buf, len, &arena, d, &ok);
	/* what a truncating editor leaves for a moment: never "no rules" */
	if (ok && !root) {
		diags_add(d, NGW_ERROR, (struct ngw_pos){ 1, 1 }, "the file is empty; write "
			  "\"version: 1\" for a configuration with no rules");
		ok = false;
	}
	if (ok) {
		model_load(root, d, &lr);
		lr.rs->file = xstrdup(name);
		validate_ruleset(lr.rs, lr.forward_ok, lr.snat_ok, d);
		if (d->errors == 0) {
			*out = lr.rs;
			lr.rs = NULL;
		}
		load_result_free(&lr);
	}
	arena_free(&arena);
	diags_sort(d);
	return 0;
}
