/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "listeners.h"
#include "natgw/xalloc.h"

#define TCP_LISTEN 0x0a		/* include/net/tcp_states.h */

/* An address as the tables print it: each 32-bit word of it as it lies in
 * memory, in hex. */
static void parse_addr(const char *hex, size_t len, uint8_t *out)
{
	memset(out, 0, 16);
	for (size_t w = 0; w < 4 && (w + 1) * 8 <= len; w++) {
		char word[9];
		memcpy(word, hex + w * 8, 8);
		word[8] = '\0';
		uint32_t v = (uint32_t)strtoul(word, NULL, 16);
		memcpy(out + w * 4, &v, 4);
	}
}

/* "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when
 * retrnsmt   uid  timeout inode", one socket a line, addresses in hex. */
int listeners_parse(FILE *f, uint8_t l4, uint8_t family, struct listener **v, size_t *n,
		    size_t *cap)
{
	char line[512];

	if (!fgets(line, sizeof(line), f))
		return 0;		/* the header, or nothing */
	while (fgets(line, sizeof(line), f)) {
		char local[64], remote[64];
		unsigned state;
		unsigned long inode;
		if (sscanf(line, " %*[0-9]: %63s %63s %x %*s %*s %*s %*s %*s %lu", local, remote,
			   &state, &inode) != 4)
			return -EINVAL;
		const char *lp = strrchr(local, ':'), *rp = strrchr(remote, ':');
		if (!lp || !rp)
			return -EINVAL;
		unsigned long port = strtoul(lp + 1, NULL, 16), rport = strtoul(rp + 1, NULL, 16);
		/* a TCP socket that listens; a UDP one not connected to a peer */
		bool listens = l4 == IPPROTO_TCP ? state == TCP_LISTEN : rport == 0;
		if (!listens || port == 0 || port > 65535)
			continue;
		*v = grow(*v, cap, *n, sizeof(**v));
		struct listener *l = &(*v)[(*n)++];
		*l = (struct listener){ .l4 = l4, .family = family, .port = (uint16_t)port,
					.inode = inode };
		parse_addr(local, (size_t)(lp - local), l->addr);
	}
	return 0;
}

/* The process holding socket inode: its /proc/PID/fd has "socket:[inode]". */
static void find_processes(const char *proc, struct listener *v, size_t n)
{
	char path[512], target[64], want[64];
	DIR *d = opendir(proc);
	struct dirent *p;

	if (!d)
		return;
	while ((p = readdir(d))) {
		if (p->d_name[0] < '1' || p->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "%.200s/%.32s/fd", proc, p->d_name);
		DIR *fds = opendir(path);
		struct dirent *fd;
		if (!fds)
			continue;	/* gone, or not ours to read */
		while ((fd = readdir(fds))) {
			snprintf(path, sizeof(path), "%.200s/%.32s/fd/%.32s", proc, p->d_name,
				 fd->d_name);
			ssize_t len = readlink(path, target, sizeof(target) - 1);
			if (len <= 0)
				continue;
			target[len] = '\0';
			for (size_t i = 0; i < n; i++) {
				snprintf(want, sizeof(want), "socket:[%lu]", v[i].inode);
				if (v[i].process[0] || strcmp(target, want))
					continue;
				char comm[32] = "";
				snprintf(path, sizeof(path), "%.200s/%.32s/comm", proc, p->d_name);
				FILE *c = fopen(path, "re");
				if (c && fgets(comm, sizeof(comm), c))
					comm[strcspn(comm, "\n")] = '\0';
				if (c)
					fclose(c);
				snprintf(v[i].process, sizeof(v[i].process), "%.31s (pid %.20s)",
					 comm[0] ? comm : "?", p->d_name);
			}
		}
		closedir(fds);
	}
	closedir(d);
}

int listeners_read(const char *proc, struct listener **v, size_t *n)
{
	static const struct { const char *file; uint8_t l4, family; } tables[] = {
		{ "net/tcp", IPPROTO_TCP, 4 }, { "net/tcp6", IPPROTO_TCP, 6 },
		{ "net/udp", IPPROTO_UDP, 4 }, { "net/udp6", IPPROTO_UDP, 6 },
	};
	size_t cap = 0;
	char path[512];

	*v = NULL;
	*n = 0;
	for (size_t i = 0; i < sizeof(tables) / sizeof(*tables); i++) {
		snprintf(path, sizeof(path), "%.200s/%s", proc, tables[i].file);
		FILE *f = fopen(path, "re");
		if (!f) {
			if (errno == ENOENT)
				continue;	/* no IPv6 on this kernel */
			int r = -errno;
			free(*v);
			*v = NULL;
			*n = 0;
			return r;
		}
		int r = listeners_parse(f, tables[i].l4, tables[i].family, v, n, &cap);
		fclose(f);
		if (r < 0) {
			free(*v);
			*v = NULL;
			*n = 0;
			return r;
		}
	}
	find_processes(proc, *v, *n);
	return 0;
}
