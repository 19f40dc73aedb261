/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "natgw/xalloc.h"
#include "sock_v6only.h"

struct collect {
	unsigned long *v;
	size_t n, cap;
};

static int one_socket(const struct nlmsghdr *nlh, void *arg)
{
	struct collect *c = arg;
	const struct inet_diag_msg *m = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*m))
		return MNL_CB_ERROR;
	mnl_attr_for_each(a, nlh, sizeof(*m)) {
		if (mnl_attr_get_type(a) != INET_DIAG_SKV6ONLY ||
		    mnl_attr_validate(a, MNL_TYPE_U8) < 0 || !mnl_attr_get_u8(a))
			continue;
		c->v = grow(c->v, &c->cap, c->n, sizeof(*c->v));
		c->v[c->n++] = m->idiag_inode;
	}
	return MNL_CB_OK;
}

int sock_v6only_read(uint8_t l4, unsigned long **v, size_t *n)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC);
	struct collect c = { 0 };
	int r = 0;

	*v = NULL;
	*n = 0;
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		goto out;
	}
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = (uint32_t)time(NULL);
	struct inet_diag_req_v2 *req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = AF_INET6;
	req->sdiag_protocol = l4;
	/* TCP: LISTEN (10) only; UDP: all, its unconnected ones are "CLOSE" */
	req->idiag_states = l4 == IPPROTO_TCP ? 1u << 10 : ~0u;
	uint32_t seq = nlh->nlmsg_seq, portid = mnl_socket_get_portid(nl);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		r = -errno;
		goto out;
	}
	for (;;) {
		ssize_t len = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (len < 0) {
			r = -errno;
			break;
		}
		r = mnl_cb_run(buf, (size_t)len, seq, portid, one_socket, &c);
		if (r <= MNL_CB_STOP) {
			r = r < 0 ? -errno : 0;
			break;
		}
	}
out:
	if (nl)
		mnl_socket_close(nl);
	if (r < 0) {
		free(c.v);
		return r;
	}
	*v = c.v;
	*n = c.n;
	return 0;
}
