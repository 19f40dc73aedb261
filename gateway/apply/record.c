/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "record.h"
#include "ctl/rundir.h"
#include "natgw/xalloc.h"

int record_path(const char *table, char *buf, size_t size)
{
	return rundir_table_file("applied", table, ".yaml", buf, size);
}

#define META_HEAD "# natgw-applied genid %u netns %llu\n"
#define META_MARK "# natgw-mark "

/* The first line: 0 values when it is not natgw's. */
static void head_parse(const char *line, struct record_meta *meta)
{
	unsigned genid;
	unsigned long long cookie;

	if (sscanf(line, META_HEAD, &genid, &cookie) == 2) {
		meta->genid = genid;
		meta->netns_cookie = cookie;
	}
}

/* The marks after the rules, from text (NUL-terminated). Anything
 * malformed leaves genid 0, so the record is verified against the kernel
 * the slow way. */
static void marks_parse(char *text, struct record_meta *meta)
{
	size_t used = 0, room = 0, *offset = NULL, cap_marks = 0, cap_offset = 0;
	bool ok = true;
	char name[NGW_NAME_MAX + 2];

	for (char *line = text, *end; ok && *line; line = end) {
		end = strchr(line, '\n');
		if (end)	/* sscanf() measures its whole input: one line at a time */
			*end++ = '\0';
		else
			end = line + strlen(line);
		unsigned mark;
		if (sscanf(line, META_MARK "%33s 0x%x", name, &mark) != 2 ||
		    strlen(name) > NGW_NAME_MAX) {
			ok = false;
			break;
		}
		size_t len = strlen(name) + 1;
		while (used + len > room)
			meta->names = grow(meta->names, &room, room, 1);
		memcpy(meta->names + used, name, len);
		meta->marks = grow(meta->marks, &cap_marks, meta->n_marks, sizeof(*meta->marks));
		offset = grow(offset, &cap_offset, meta->n_marks, sizeof(*offset));
		offset[meta->n_marks] = used;
		meta->marks[meta->n_marks++].mark = mark;
		used += len;
	}
	/* the names are in place once the buffer stops moving */
	for (size_t i = 0; i < meta->n_marks; i++)
		meta->marks[i].name = meta->names + offset[i];
	free(offset);
	if (!ok)
		meta->genid = 0;
}

bool record_current(const char *table, uint32_t genid)
{
	char path[512], line[128];
	struct record_meta meta = { 0 };
	int fd = record_path(table, path, sizeof(path)) == 0 ? rundir_open_read(path) : -1;
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;

	if (!f && fd >= 0)
		close(fd);
	if (f && fgets(line, sizeof(line), f))
		head_parse(line, &meta);
	if (f)
		fclose(f);
	uint64_t cookie = rundir_netns_cookie();
	return genid && meta.genid == genid && cookie && meta.netns_cookie == cookie;
}

/* The whole file, NUL-terminated. It may be larger than a configuration
 * (the canonical form and the marks of 100,000 rules). */
static int read_all(const char *path, char **buf, size_t *len)
{
	int fd = rundir_open_read(path);
	struct stat st;
	int r = 0;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0 || st.st_size < 0 || st.st_size > (1 << 30)) {
		close(fd);
		return -EFBIG;
	}
	*buf = xmalloc((size_t)st.st_size + 1);
	*len = 0;
	while (*len < (size_t)st.st_size) {
		ssize_t n = read(fd, *buf + *len, (size_t)st.st_size - *len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -EIO;
			break;
		}
		*len += (size_t)n;
	}
	close(fd);
	if (r < 0) {
		free(*buf);
		*buf = NULL;
		return r;
	}
	(*buf)[*len] = '\0';
	return 0;
}

int record_load(const char *table, struct ngw_ruleset **rs, struct record_meta *meta)
{
	char path[512], *buf = NULL;
	size_t len = 0;
	struct ngw_diags d;
	int r = record_path(table, path, sizeof(path));

	*rs = NULL;
	if (meta)
		memset(meta, 0, sizeof(*meta));
	if (r == 0)
		r = read_all(path, &buf, &len);
	if (r < 0)
		return r;
	/* a comment line, the rules, then the marks as comments */
	char *trailer = strstr(buf, "\n" META_MARK);
	size_t yaml_len = trailer ? (size_t)(trailer + 1 - buf) : len;
	diags_init(&d);
	r = rules_load_buffer(path, buf, yaml_len, rs, &d);
	diags_free(&d);
	if (r == 0 && !*rs)
		r = -EINVAL;		/* damaged: ignored, the kernel is read instead */
	if (r == 0 && meta) {
		char first[128];
		snprintf(first, sizeof(first), "%.*s", (int)strcspn(buf, "\n") + 1, buf);
		head_parse(first, meta);
		if (trailer)
			marks_parse(trailer + 1, meta);
		else if (*rs && (*rs)->n_forwards + (*rs)->n_snats)
			meta->genid = 0;	/* rules without marks */
	}
	free(buf);
	return r;
}

void record_meta_free(struct record_meta *meta)
{
	free(meta->marks);
	free(meta->names);
	memset(meta, 0, sizeof(*meta));
}

static void *draft_print(void *arg)
{
	struct record_draft *d = arg;
	FILE *f = open_memstream(&d->text, &d->len);

	if (!f) {
		d->err = -errno;
		return NULL;
	}
	d->err = rules_print(d->rs, f);
	if (fclose(f) != 0 && d->err == 0)
		d->err = -errno;
	return NULL;
}

void record_draft_start(struct record_draft *d, const struct ngw_ruleset *rs)
{
	memset(d, 0, sizeof(*d));
	d->rs = rs;
	d->started = pthread_create(&d->thread, NULL, draft_print, d) == 0;
	if (!d->started)
		draft_print(d);		/* no thread: print it here */
}

static void draft_join(struct record_draft *d)
{
	if (d->started)
		pthread_join(d->thread, NULL);
	d->started = false;
}

void record_draft_drop(struct record_draft *d)
{
	draft_join(d);
	free(d->text);
	d->text = NULL;
}

int record_save(const char *table, struct record_draft *d, const struct kmodel *m,
		 uint32_t genid)
{
	char path[512], tmp[600];
	int r = record_path(table, path, sizeof(path));

	char why[512];

	draft_join(d);
	if (r == 0)
		r = d->err;
	if (r == 0)
		r = rundir_ensure(why, sizeof(why));
	if (r < 0) {
		record_draft_drop(d);
		return r;
	}
	/* a name nobody could have prepared, created new: never through a
	 * link, never over a file that is there (the caller holds the apply
	 * lock, and cleans up what a killed apply left) */
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	snprintf(tmp, sizeof(tmp), "%s.%ld.%lx.tmp", path, (long)getpid(),
		 (unsigned long)now.tv_nsec ^ (unsigned long)now.tv_sec);
	int fd = rundir_create(tmp);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
	if (!f) {
		r = fd < 0 ? fd : -errno;
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		record_draft_drop(d);
		return r;
	}
	fprintf(f, META_HEAD, genid, (unsigned long long)rundir_netns_cookie());
	fwrite(d->text, 1, d->len, f);
	for (size_t i = 0; i < m->n_rules; i++)
		fprintf(f, META_MARK "%s 0x%08x\n", m->rules[i].name, m->rules[i].mark);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		r = -errno;
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	record_draft_drop(d);
	return r < 0 ? r : 0;
}

void record_remove(const char *table)
{
	char path[512];

	if (record_path(table, path, sizeof(path)) == 0)
		unlink(path);
}
