/* SPDX-License-Identifier: GPL-2.0-or-later */
/* natgw's runtime directory, /run/natgw (tmpfs: it lives as long as the
 * kernel's tables do): the record of the last apply, the apply lock, the
 * daemon's control socket and a pending commit-confirm's socket, each
 * keyed by table and network namespace. $NATGW_RUN_DIR moves it, for tests
 * and unusual systems.
 *
 * Root acts on what it finds there, so the directory is trusted only when
 * root alone can change it: every directory on its real path is owned by
 * root (or by the user natgw runs as) and writable by nobody else (a
 * parent may be world-writable if it is sticky, as /tmp is). Files in it
 * are created with O_EXCL|O_NOFOLLOW and opened with O_NOFOLLOW|O_NONBLOCK,
 * regular files only: a symlink or a FIFO planted there is refused, never
 * followed or waited on. */
#ifndef NATGW_RUNDIR_H
#define NATGW_RUNDIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NATGW_RUN_DIR "/run/natgw"

const char *rundir(void);

/* Creates the directory (mode 0700) if it is missing, then checks that it
 * may be trusted. 0, or -errno with why (a sentence, for the operator) set:
 * -EPERM for a directory others could change. */
int rundir_ensure(char *why, size_t size);

/* The check alone, for a directory that exists (-ENOENT when it does not). */
int rundir_check(char *why, size_t size);

/* <dir>/<name>. 0 or -ENAMETOOLONG. */
int rundir_file(const char *name, char *buf, size_t size);

/* <dir>/<prefix>-<table>-<netns inode><suffix>: one per table and network
 * namespace, so namespaces sharing /run do not meet. 0 or -errno. */
int rundir_table_file(const char *prefix, const char *table, const char *suffix, char *buf,
		      size_t size);

/* <dir>/<prefix>-<netns inode><suffix>: one per network namespace. */
int rundir_netns_file(const char *prefix, const char *suffix, char *buf, size_t size);

/* This network namespace's cookie (never reused, unlike its inode number);
 * 0 when the kernel has none to give. */
uint64_t rundir_netns_cookie(void);

/* Opens an existing regular file of the directory for reading: never
 * through a symlink, never blocking on a FIFO. The fd or -errno (-EINVAL:
 * not a regular file). */
int rundir_open_read(const char *path);

/* Creates a new file of the directory for writing (mode 0600), failing if
 * anything is at path already. The fd or -errno. */
int rundir_create(const char *path);

/* Takes the apply lock of table in this namespace, waiting at most
 * wait_ms for another natgw to release it (*waited tells whether it had
 * to). The lock's fd (close it to release), or -errno: -EWOULDBLOCK when
 * still held after wait_ms. */
int rundir_lock(const char *table, unsigned wait_ms, bool *waited);

/* Removes what nobody will use again: temporary files of applies that were
 * killed (of this namespace, for table), and the records, locks, sockets
 * and temporary files of network namespaces that no longer exist: no
 * process is in one, holds it open or has it bind-mounted (judged only by
 * a process of the first PID namespace, which sees every process). Never a
 * socket someone serves or a lock someone holds. Called with table's lock
 * held. How many files went. */
size_t rundir_clean(const char *table);

#endif
