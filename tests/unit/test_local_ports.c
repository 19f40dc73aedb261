/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The router's own UDP ports, read from /proc/net/udp and udp6 lines:
 * unconnected sockets only, any address, both files' formats. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "daemon/local_ports.h"

static size_t parse(const char *text, uint16_t **v, int *r)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	size_t n = 0, cap = 0;
	*v = NULL;
	*r = local_ports_parse(f, v, &n, &cap);
	fclose(f);
	return n;
}

int main(void)
{
	uint16_t *v;
	int r;
	size_t n = parse("   sl  local_address rem_address   st tx_queue rx_queue tr tm->when "
			 "retrnsmt   uid  timeout inode ref pointer drops\n"
			 "  101: 00000000:CA6C 00000000:0000 07 00000000:00000000 00:00000000 "
			 "00000000     0        0 1 2 ffff 0\n"
			 "  102: 0100007F:0035 00000000:0000 07 00000000:00000000 00:00000000 "
			 "00000000     0        0 1 2 ffff 0\n"
			 "  103: 0A00A8C0:9C40 0500A8C0:1F90 01 00000000:00000000 00:00000000 "
			 "00000000     0        0 1 2 ffff 0\n", &v, &r);
	CHECK(r == 0 && n == 2 && v[0] == 51820 && v[1] == 53,
	      "IPv4: the wildcard and the loopback socket, not the connected one (%zu)", n);
	free(v);
	n = parse("  sl  local_address                         remote_address                "
		  "        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref "
		  "pointer drops\n"
		  "  200: 00000000000000000000000000000000:0DAC 00000000000000000000000000000000"
		  ":0000 07 00000000:00000000 00:00000000 00000000     0        0 1 2 ffff 0\n",
		  &v, &r);
	CHECK(r == 0 && n == 1 && v[0] == 3500, "IPv6: [::]:3500 (%zu)", n);
	free(v);
	n = parse("header\n  7: garbage\n", &v, &r);
	CHECK(r == -EINVAL, "a line it cannot read is an error (%d)", r);
	free(v);
	n = parse("", &v, &r);
	CHECK(r == 0 && n == 0, "an empty file: no ports");
	free(v);
	return check_summary();
}
