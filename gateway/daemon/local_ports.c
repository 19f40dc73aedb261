/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "natgw/xalloc.h"
#include "local_ports.h"

/* "  sl  local_address rem_address   st ...", then one socket a line:
 * "   0: 00000000:0035 00000000:0000 07 ...", addresses in hex; a
 * connected socket has a remote port. */
int local_ports_parse(FILE *f, uint16_t **v, size_t *n, size_t *cap)
{
	char line[512];

	if (!fgets(line, sizeof(line), f))
		return 0;		/* the header, or nothing */
	while (fgets(line, sizeof(line), f)) {
		char local[64], remote[64];
		if (sscanf(line, " %*[0-9]: %63s %63s", local, remote) != 2)
			return -EINVAL;
		const char *lp = strrchr(local, ':'), *rp = strrchr(remote, ':');
		if (!lp || !rp)
			return -EINVAL;
		unsigned long port = strtoul(lp + 1, NULL, 16), rport = strtoul(rp + 1, NULL, 16);
		if (port == 0 || port > 65535 || rport)
			continue;
		*v = grow(*v, cap, *n, sizeof(**v));
		(*v)[(*n)++] = (uint16_t)port;
	}
	return 0;
}

static int port_cmp(const void *a, const void *b)
{
	uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
	return (x > y) - (x < y);
}

int local_udp_ports(uint16_t **v, size_t *n)
{
	static const char *const files[] = { "/proc/net/udp", "/proc/net/udp6" };
	size_t cap = 0;
	int r = 0;

	*v = NULL;
	*n = 0;
	for (size_t i = 0; r == 0 && i < sizeof(files) / sizeof(*files); i++) {
		FILE *f = fopen(files[i], "re");
		if (!f) {
			if (errno == ENOENT)
				continue;	/* no IPv6 in this kernel */
			r = -errno;
			break;
		}
		r = local_ports_parse(f, v, n, &cap);
		fclose(f);
	}
	if (r < 0) {
		free(*v);
		*v = NULL;
		*n = 0;
		return r;
	}
	if (*n)
		qsort(*v, *n, sizeof(**v), port_cmp);
	size_t k = 0;
	for (size_t i = 0; i < *n; i++)
		if (!k || (*v)[k - 1] != (*v)[i])
			(*v)[k++] = (*v)[i];
	*n = k;
	return 0;
}
