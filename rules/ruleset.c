/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The pipeline: file -> YAML tree -> model -> validated ruleset. It sits
 * on top of the library: it calls the loader (load.c) and validation, and
 * nothing in rules/ calls it. The model's own helpers (freeing it, naming
 * its values) are below everything, in model.c. */
#include <errno.h>
#include <fcntl.h>
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
 * with *len the size seen and *regular whether it is a regular file. */
static int read_path(const char *path, char **buf, size_t *len, bool *regular)
{
	bool is_stdin = !strcmp(path, "-");
	struct stat st;
	int fd, r;

	*buf = NULL;
	*len = 0;
	*regular = false;
	fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = fstat(fd, &st) < 0 ? -errno : S_ISDIR(st.st_mode) ? -EISDIR : 0;
	if (r == 0) {
		*regular = S_ISREG(st.st_mode);
		/* Say so before reading gigabytes: the size of a regular file is known. */
		if (*regular && (uint64_t)st.st_size > NGW_FILE_MAX) {
			*len = (size_t)st.st_size;
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
	bool regular;
	return read_path(path, buf, len, &regular);
}

int rules_load(const char *path, struct ngw_ruleset **out, struct ngw_diags *d)
{
	char *buf = NULL;
	size_t len = 0;
	bool regular;

	*out = NULL;
	int r = read_path(path, &buf, &len, &regular);
	if (r == -EFBIG) {
		diags_add(d, NGW_ERROR, (struct ngw_pos){ 0, 0 }, "the file is %zu bytes%s; "
			  "natgw reads at most %u MiB", len, regular ? "" : " or more",
			  NGW_FILE_MAX >> 20);
		return 0;
	}
	if (r < 0)
		return r;
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
