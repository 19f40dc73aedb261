/* SPDX-License-Identifier: GPL-2.0-or-later */
/* natgw-ctfill TOTAL NATGW [MARK [assured]]: the load generator of B4 and B6
 * (and of the kernel tests' lost-event and full-table checks). Fills this network namespace's conntrack
 * table with TOTAL UDP entries (198.51.100.x:port -> 203.0.113.5:53, ten
 * minutes each), of which the first NATGW look like natgw's forwards: ct
 * mark MARK (a rule's mark, from nft list set inet natgw rule_counters;
 * default 0x4e000001: natgw's tag, no rule's) and a reply from
 * 192.0.2.10:8443. Quick,
 * through ctnetlink, many entries per send. With "assured", the entries are
 * marked as answered connections, which the kernel does not evict to make
 * room: a table filled with them stays full. Prints how many it made. */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

#define BUF (128u << 10)	/* one send: within the socket's default buffer */

static void tuple(struct nlmsghdr *nlh, int type, uint32_t src, uint32_t dst, uint16_t sport,
		  uint16_t dport)
{
	struct nlattr *t = mnl_attr_nest_start(nlh, type);
	struct nlattr *ip = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
	mnl_attr_put_u32(nlh, CTA_IP_V4_SRC, src);
	mnl_attr_put_u32(nlh, CTA_IP_V4_DST, dst);
	mnl_attr_nest_end(nlh, ip);
	struct nlattr *p = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
	mnl_attr_put_u8(nlh, CTA_PROTO_NUM, IPPROTO_UDP);
	mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, htons(sport));
	mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, htons(dport));
	mnl_attr_nest_end(nlh, p);
	mnl_attr_nest_end(nlh, t);
}

/* The answers: errors only, since no ACK was asked for; the kernel queues
 * them while it handles the send, so they are there when it returns. */
static unsigned drain(struct mnl_socket *nl, char *buf, int wait_ms)
{
	unsigned errors = 0;
	struct pollfd p = { .fd = mnl_socket_get_fd(nl), .events = POLLIN };

	while (poll(&p, 1, wait_ms) > 0) {
		ssize_t n = recv(p.fd, buf, BUF, MSG_DONTWAIT);
		if (n <= 0)
			break;
		const struct nlmsghdr *nlh = (const void *)buf;
		int left = (int)n;
		for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
			if (nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
			if (!errors++)	/* the first says why */
				fprintf(stderr, "natgw-ctfill: refused: %s\n", strerror(-e->error));
		}
	}
	return errors;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: natgw-ctfill TOTAL NATGW [MARK [assured]]\n");
		return 2;
	}
	unsigned total = (unsigned)strtoul(argv[1], NULL, 0);
	unsigned natgw = (unsigned)strtoul(argv[2], NULL, 0);
	uint32_t mark = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 0) : 0x4e000001u;
	int assured = argc > 4 && !strcmp(argv[4], "assured");
	char *buf = calloc(1, BUF), *rbuf = calloc(1, BUF);
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	unsigned errors = 0;
	size_t used = 0;

	if (!buf || !rbuf || !nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("natgw-ctfill");
		return 1;
	}
	/* errors without the request echoed, and room for one per entry */
	int one = 1, size = 16 << 20;
	setsockopt(mnl_socket_get_fd(nl), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
	uint32_t dst = inet_addr("203.0.113.5"), target = inet_addr("192.0.2.10");
	for (unsigned i = 0; i < total; i++) {
		if (BUF - used < 512) {
			if (mnl_socket_sendto(nl, buf, used) < 0) {
				perror("natgw-ctfill: send");
				return 1;
			}
			errors += drain(nl, rbuf, 0);
			memset(buf, 0, used);
			used = 0;
		}
		uint32_t src = htonl(0xc6336400u | (i % 250 + 1));	/* 198.51.100.x */
		uint16_t sport = (uint16_t)(1024 + i / 250);
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf + used);
		nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL;
		nlh->nlmsg_seq = i + 1;
		struct nfgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
		g->nfgen_family = AF_INET;
		g->version = NFNETLINK_V0;
		tuple(nlh, CTA_TUPLE_ORIG, src, dst, sport, 53);
		if (i < natgw)	/* as a forward leaves it: the reply comes from the target */
			tuple(nlh, CTA_TUPLE_REPLY, target, src, 8443, sport);
		else
			tuple(nlh, CTA_TUPLE_REPLY, dst, src, 53, sport);
		mnl_attr_put_u32(nlh, CTA_TIMEOUT, htonl(600));
		if (assured)	/* the kernel takes CONFIRMED as it is: say it */
			mnl_attr_put_u32(nlh, CTA_STATUS,
					 htonl(IPS_ASSURED | IPS_SEEN_REPLY | IPS_CONFIRMED));
		if (i < natgw)
			mnl_attr_put_u32(nlh, CTA_MARK, htonl(mark));
		used += NLMSG_ALIGN(nlh->nlmsg_len);
	}
	if (used && mnl_socket_sendto(nl, buf, used) < 0) {
		perror("natgw-ctfill: send");
		return 1;
	}
	errors += drain(nl, rbuf, 50);
	printf("natgw-ctfill: %u entries made (%u like natgw's), %u refused\n", total - errors,
	       natgw, errors);
	mnl_socket_close(nl);
	free(buf);
	free(rbuf);
	return errors ? 1 : 0;
}
