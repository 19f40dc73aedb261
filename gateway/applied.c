/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "applied.h"
#include "rundir.h"

int applied_path(const char *table, char *buf, size_t size)
{
	return rundir_table_file("applied", table, ".yaml", buf, size);
}

int applied_load(const char *table, struct ngw_ruleset **rs)
{
	char path[512];
	struct ngw_diags d;
	int r = applied_path(table, path, sizeof(path));

	*rs = NULL;
	if (r < 0)
		return r;
	diags_init(&d);
	r = rules_load(path, rs, &d);
	diags_free(&d);
	if (r == 0 && !*rs)
		return -EINVAL;		/* damaged: ignored, the kernel is read instead */
	return r;
}

int applied_save(const char *table, const struct ngw_ruleset *rs)
{
	char path[512], tmp[600];
	int r = applied_path(table, path, sizeof(path));

	if (r < 0)
		return r;
	r = rundir_ensure();
	if (r < 0)
		return r;
	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	FILE *f = fdopen(fd, "w");
	if (!f) {
		r = -errno;
		close(fd);
		unlink(tmp);
		return r;
	}
	r = rules_print(rs, f);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		r = -errno;
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r < 0 ? r : 0;
}

void applied_remove(const char *table)
{
	char path[512];

	if (applied_path(table, path, sizeof(path)) == 0)
		unlink(path);
}
