/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "rundir.h"

const char *rundir(void)
{
	const char *d = getenv("NATGW_RUN_DIR");
	return d && *d ? d : NATGW_RUN_DIR;
}

int rundir_ensure(void)
{
	if (mkdir(rundir(), 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int rundir_file(const char *name, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/%s", rundir(), name);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int rundir_table_file(const char *prefix, const char *table, const char *suffix, char *buf,
		      size_t size)
{
	struct stat ns;

	if (stat("/proc/self/ns/net", &ns) < 0)
		return -errno;
	int n = snprintf(buf, size, "%s/%s-%s-%llu%s", rundir(), prefix, table,
			 (unsigned long long)ns.st_ino, suffix);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}
