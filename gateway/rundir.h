/* SPDX-License-Identifier: GPL-2.0-or-later */
/* natgw's runtime directory, /run/natgw (tmpfs: it lives as long as the
 * kernel's tables do): the record of the last apply, the daemon's control
 * socket and a pending commit-confirm's socket. $NATGW_RUN_DIR moves it,
 * for tests and unusual systems. */
#ifndef NATGW_RUNDIR_H
#define NATGW_RUNDIR_H

#include <stddef.h>

#define NATGW_RUN_DIR "/run/natgw"

const char *rundir(void);

/* Creates the directory (mode 0700) if it is missing. 0 or -errno. */
int rundir_ensure(void);

/* <dir>/<name>. 0 or -ENAMETOOLONG. */
int rundir_file(const char *name, char *buf, size_t size);

/* <dir>/<prefix>-<table>-<netns inode><suffix>: one per table and network
 * namespace, so namespaces sharing /run do not meet. 0 or -errno. */
int rundir_table_file(const char *prefix, const char *table, const char *suffix, char *buf,
		      size_t size);

#endif
