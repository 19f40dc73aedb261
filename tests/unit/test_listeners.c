/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The router's listening sockets, from the kernel's socket tables as
 * /proc/net/tcp, tcp6, udp and udp6 print them: what natgw doctor compares
 * with the forwarded ports. */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "doctor/listeners.h"

static const char tcp[] =
	"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
	"   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4101 1 0 100 0 0 10 0\n"
	"   1: 0100007F:0035 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4102 1 0 100 0 0 10 0\n"
	"   2: 0A00A8C0:C350 0B00A8C0:01BB 01 00000000:00000000 00:00000000 00000000     0        0 4103 1 0 20 4 30 10 -1\n";
static const char tcp6[] =
	"  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
	"   0: 00000000000000000000000001000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4201 1 0 100 0 0 10 0\n"
	"   1: 00000000000000000000000000000000:01BB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4202 1 0 100 0 0 10 0\n";
static const char udp[] =
	"   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"
	"  100: 00000000:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4301 2 0 0\n"
	"  101: 0A00A8C0:1194 0B00A8C0:1194 01 00000000:00000000 00:00000000 00000000     0        0 4302 2 0 0\n";

static size_t parse(const char *text, uint8_t l4, uint8_t family, struct listener **v, size_t *n,
		    size_t *cap)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	CHECK(listeners_parse(f, l4, family, v, n, cap) == 0, "parsed");
	fclose(f);
	return *n;
}

int main(void)
{
	struct listener *v = NULL;
	size_t n = 0, cap = 0;

	CHECK(parse(tcp, IPPROTO_TCP, 4, &v, &n, &cap) == 2, "LISTEN sockets only: %zu", n);
	CHECK(v[0].port == 22 && v[0].inode == 4101 && !memcmp(v[0].addr, "\0\0\0\0", 4),
	      "sshd on 0.0.0.0:22");
	CHECK(v[1].port == 53 && v[1].addr[0] == 127 && v[1].addr[3] == 1,
	      "a resolver on 127.0.0.1:53, in network order");
	CHECK(parse(tcp6, IPPROTO_TCP, 6, &v, &n, &cap) == 4, "and tcp6: %zu", n);
	CHECK(v[2].port == 80 && v[2].addr[15] == 1 && v[2].addr[0] == 0, "[::1]:80");
	CHECK(v[3].port == 443 && v[3].family == 6, "[::]:443");
	CHECK(parse(udp, IPPROTO_UDP, 4, &v, &n, &cap) == 5, "UDP: unconnected only: %zu", n);
	CHECK(v[4].l4 == IPPROTO_UDP && v[4].port == 53 && v[4].inode == 4301, "udp 53");

	FILE *f = fmemopen((void *)"header\nnot a socket line\n", 25, "r");
	CHECK(listeners_parse(f, IPPROTO_TCP, 4, &v, &n, &cap) < 0, "a line it cannot read");
	fclose(f);
	free(v);
	return check_summary();
}
