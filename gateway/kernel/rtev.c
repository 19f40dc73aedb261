/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "natgw/xalloc.h"
#include "nl.h"
#include "rtev.h"

struct rtev {
	struct mnl_socket *sock;
	char buf[16384];
};

struct rtev *rtev_open(void)
{
	static const unsigned groups[] = { RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR,
					   RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV4_ROUTE,
					   RTNLGRP_IPV6_ROUTE };
	struct rtev *ev = xcalloc(1, sizeof(*ev));

	ev->sock = nl_subscribe(NETLINK_ROUTE, groups, sizeof(groups) / sizeof(*groups), 0);
	if (!ev->sock) {
		free(ev);
		return NULL;	/* errno kept */
	}
	return ev;
}

void rtev_close(struct rtev *ev)
{
	if (!ev)
		return;
	if (ev->sock)
		mnl_socket_close(ev->sock);
	free(ev);
}

int rtev_fd(const struct rtev *ev)
{
	return mnl_socket_get_fd(ev->sock);
}

bool rtev_read(struct rtev *ev)
{
	bool changed = false;

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(ev->sock, ev->buf, sizeof(ev->buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOBUFS) {
			changed = true;
			continue;
		}
		if (n <= 0)	/* EAGAIN: all read; another error: nothing more to read */
			return changed;
		changed = true;
	}
}
