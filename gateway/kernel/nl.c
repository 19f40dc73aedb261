/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <sys/uio.h>	/* before libnftnl/batch.h, which uses struct iovec */
#include <libnftnl/batch.h>
#include <libnftnl/common.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "nl.h"
#include "natgw/xalloc.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

#ifndef MNL_SOCKET_DUMP_SIZE	/* libmnl before 1.0.5 */
#define MNL_SOCKET_DUMP_SIZE 32768
#endif

#define RCVBUF (8u << 20)
#define BATCH_PAGE (128u << 10)
#define BATCH_OVERRUN (128u << 10)
#define ACK_TIMEOUT_MS 30000	/* a 100,000-rule transaction takes seconds, not minutes */

int nl_open(struct nl *nl)
{
	int one = 1, size = RCVBUF;

	memset(nl, 0, sizeof(*nl));
	nl->sock = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl->sock)
		return -errno;
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;
		mnl_socket_close(nl->sock);
		nl->sock = NULL;
		return -e;
	}
	/* the kernel's words on errors, and only headers echoed back: the
	 * batch keeps every message it sent */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	return 0;
}

struct mnl_socket *nl_subscribe(int bus, const unsigned *groups, size_t n_groups, int rcvbuf)
{
	struct mnl_socket *sock = mnl_socket_open2(bus, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (!sock)
		return NULL;
	if (mnl_socket_bind(sock, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	for (size_t i = 0; i < n_groups; i++) {
		int g = (int)groups[i];
		if (mnl_socket_setsockopt(sock, NETLINK_ADD_MEMBERSHIP, &g, sizeof(g)) < 0)
			goto fail;
	}
	if (rcvbuf)
		setsockopt(mnl_socket_get_fd(sock), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
			   sizeof(rcvbuf));
	return sock;
fail:;
	int e = errno;
	mnl_socket_close(sock);
	errno = e;
	return NULL;
}

void nl_close(struct nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

/* Whether buf (n bytes) holds the end of dump seq. */
static bool dump_ends(const char *buf, ssize_t n, uint32_t seq)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	int left = (int)n;

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left))
		if (nlh->nlmsg_seq == seq &&
		    (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR))
			return true;
	return false;
}

/* Reads the messages of dump seq until its end, buf holding the last n
 * bytes read (a second at most between two reads). */
static void drain_dump(struct nl *nl, char *buf, ssize_t n, uint32_t seq)
{
	while (n > 0 && !dump_ends(buf, n, seq)) {
		struct pollfd p = { .fd = mnl_socket_get_fd(nl->sock), .events = POLLIN };
		if (poll(&p, 1, 1000) <= 0)
			return;
		n = mnl_socket_recvfrom(nl->sock, buf, MNL_SOCKET_DUMP_SIZE);
	}
}

static int request(struct nl *nl, uint16_t type, uint16_t family, uint16_t flags,
		   void (*build)(struct nlmsghdr *nlh, const void *arg), const void *arg,
		   mnl_cb_t cb, void *data)
{
	char *buf = xcalloc(1, MNL_SOCKET_DUMP_SIZE);	/* zeroed: see kbatch.c zero_room() */
	uint32_t seq = ++nl->seq;
	int r;

	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, type, family, flags, seq);
	build(nlh, arg);
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0) {
		r = -errno;
		free(buf);
		return r;
	}
	ssize_t n = 0;
	for (;;) {
		/* the kernel answers at once; a socket that stays silent must
		 * not hold the daemon forever */
		struct pollfd p = { .fd = mnl_socket_get_fd(nl->sock), .events = POLLIN };
		int ready = poll(&p, 1, ACK_TIMEOUT_MS);
		if (ready <= 0) {
			r = ready == 0 ? -ETIMEDOUT : -errno;
			break;
		}
		n = mnl_socket_recvfrom(nl->sock, buf, MNL_SOCKET_DUMP_SIZE);
		if (n < 0) {
			r = -errno;
			break;
		}
		r = mnl_cb_run(buf, (size_t)n, seq, nl->portid, cb, data);
		if (r <= 0) {
			r = r < 0 ? -errno : 0;
			break;
		}
	}
	/* an interrupted dump (another program committed during it) goes on
	 * to its end: read the rest away, so the next request on this socket
	 * meets its own answers */
	if (r == -EINTR && (flags & NLM_F_DUMP))
		drain_dump(nl, buf, n, seq);
	free(buf);
	return r;
}

void nl_batch_init(struct nl_batch *b, struct nl *nl, uint32_t genid)
{
	memset(b, 0, sizeof(*b));
	/* a message may run past the end of its page (libnftnl fills element
	 * messages up to 64 KiB), so pages get room beyond */
	b->b = xalloc_check(nftnl_batch_alloc(BATCH_PAGE, BATCH_OVERRUN));
	b->first_seq = ++nl->seq;
	b->next_seq = b->first_seq;
	struct nlmsghdr *begin = nftnl_batch_begin(nftnl_batch_buffer(b->b), b->next_seq++);
	/* the kernel refuses the whole transaction (ERESTART) when any other
	 * was committed since genid: what was planned is what gets changed */
	if (genid)
		mnl_attr_put_u32(begin, NFNL_BATCH_GENID, htonl(genid));
	nftnl_batch_update(b->b);
}

void nl_batch_free(struct nl_batch *b)
{
	if (b->b)
		nftnl_batch_free(b->b);
	free(b->msgs);
	memset(b, 0, sizeof(*b));
}

void *nl_batch_buffer(struct nl_batch *b)
{
	return nftnl_batch_buffer(b->b);
}

uint32_t nl_batch_seq(const struct nl_batch *b)
{
	return b->next_seq;
}

void nl_batch_commit(struct nl_batch *b)
{
	size_t i = b->next_seq - b->first_seq;

	b->msgs = grow(b->msgs, &b->cap_msgs, i, sizeof(*b->msgs));
	for (size_t j = b->n_msgs; j < i; j++)
		b->msgs[j] = NULL;
	b->msgs[i] = nftnl_batch_buffer(b->b);
	b->n_msgs = i + 1;
	b->next_seq++;
	b->n_objects++;
	nftnl_batch_update(b->b);
}

size_t nl_batch_size(const struct nl_batch *b)
{
	return b->bytes;
}

static void parse_ext_ack(const struct nlmsghdr *nlh, struct nl_error *e)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	size_t head = sizeof(*err);
	const struct nlattr *a;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		head += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if (nlh->nlmsg_len < NLMSG_HDRLEN + head)
		return;
	mnl_attr_for_each(a, nlh, head) {
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			snprintf(e->text, sizeof(e->text), "%s", mnl_attr_get_str(a));
		else if (mnl_attr_get_type(a) == NLMSGERR_ATTR_OFFS &&
			 mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			e->offset = mnl_attr_get_u32(a);
	}
}

/* One buffer of answers: keeps the errors; true once the reply to the
 * generation request (seq gen_seq) is seen, which comes after them all. */
static uint32_t genid_of(const struct nlmsghdr *nlh)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(a) == NFTA_GEN_ID && mnl_attr_get_payload_len(a) == 4)
			return ntohl(mnl_attr_get_u32(a));
	return 0;
}

static int genid_cb(const struct nlmsghdr *nlh, void *data)
{
	*(uint32_t *)data = genid_of(nlh);
	return MNL_CB_OK;
}

static void build_nothing(struct nlmsghdr *nlh, const void *arg)
{
	(void)nlh;
	(void)arg;
}

int nl_genid(struct nl *nl, uint32_t *genid)
{
	*genid = 0;
	return request(nl, NFT_MSG_GETGEN, AF_UNSPEC, NLM_F_ACK, build_nothing, NULL, genid_cb,
		       genid);
}

static bool read_answers(struct nl_batch *b, const char *buf, size_t len, uint32_t gen_seq,
			 struct nl_error *errs, size_t max_errs, size_t *n_errs, int *first_err)
{
	const struct nlmsghdr *nlh = (const void *)buf;
	int left = (int)len;
	bool done = false;

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		if (nlh->nlmsg_seq == gen_seq) {
			if (nlh->nlmsg_type != NLMSG_ERROR)
				b->genid_after = genid_of(nlh);
			done = true;
			continue;
		}
		if (nlh->nlmsg_type != NLMSG_ERROR)
			continue;
		if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(struct nlmsgerr))
			continue;	/* too short to trust */
		const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
		if (err->error == 0)
			continue;
		if (!*first_err)
			*first_err = err->error;
		if (*n_errs >= max_errs)
			continue;
		struct nl_error *e = &errs[(*n_errs)++];
		memset(e, 0, sizeof(*e));
		e->seq = nlh->nlmsg_seq;
		e->err = -err->error;
		uint32_t i = e->seq - b->first_seq;
		e->msg = i < b->n_msgs ? b->msgs[i] : NULL;
		parse_ext_ack(nlh, e);
	}
	return done;
}

int nl_batch_send(struct nl *nl, struct nl_batch *b, struct nl_error *errs, size_t max_errs,
		  size_t *n_errs)
{
	int fd = mnl_socket_get_fd(nl->sock), first_err = 0;

	*n_errs = 0;
	nftnl_batch_end(nftnl_batch_buffer(b->b), b->next_seq++);
	nftnl_batch_update(b->b);

	int iovlen = nftnl_batch_iovec_len(b->b);
	struct iovec *iov = xcalloc((size_t)iovlen, sizeof(*iov));
	nftnl_batch_iovec(b->b, iov, (uint32_t)iovlen);
	size_t total = 0;
	for (int i = 0; i < iovlen; i++)
		total += iov[i].iov_len;
	b->bytes = total;
	/* the whole transaction goes in one sendmsg, so the socket must hold it */
	int sndbuf = total > (size_t)(1 << 30) ? 1 << 30 : (int)total;
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf));
	struct sockaddr_nl snl = { .nl_family = AF_NETLINK };
	struct msghdr msg = { .msg_name = &snl, .msg_namelen = sizeof(snl), .msg_iov = iov,
			      .msg_iovlen = (size_t)iovlen };
	ssize_t sent = sendmsg(fd, &msg, 0);
	free(iov);
	if (sent < 0)
		return -errno;

	/* nfnetlink runs the whole transaction inside that sendmsg and queues
	 * an error for every message that failed. A request sent after it is
	 * answered after all of those: its reply means every answer was read. */
	char req[MNL_SOCKET_BUFFER_SIZE];
	nl->seq = b->next_seq;	/* past every message of the batch: an answer to
				 * one of them must not pass for the reply */
	uint32_t gen_seq = ++nl->seq;
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(req, NFT_MSG_GETGEN, AF_UNSPEC, 0, gen_seq);
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;

	char *buf = xmalloc(MNL_SOCKET_BUFFER_SIZE * 4);
	bool done = false;
	while (!done) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int ready = poll(&p, 1, ACK_TIMEOUT_MS);
		if (ready <= 0) {
			free(buf);
			return ready == 0 ? -ETIMEDOUT : -errno;
		}
		ssize_t n = recv(fd, buf, MNL_SOCKET_BUFFER_SIZE * 4, 0);
		if (n < 0) {
			int e = errno;
			free(buf);
			return -e;
		}
		done = read_answers(b, buf, (size_t)n, gen_seq, errs, max_errs, n_errs, &first_err);
	}
	free(buf);
	return first_err;
}

int nl_dump(struct nl *nl, uint16_t type, uint16_t family,
	    void (*build)(struct nlmsghdr *nlh, const void *arg), const void *arg,
	    mnl_cb_t cb, void *data)
{
	return request(nl, type, family, NLM_F_DUMP | NLM_F_ACK, build, arg, cb, data);
}

int nl_get(struct nl *nl, uint16_t type, uint16_t family,
	   void (*build)(struct nlmsghdr *nlh, const void *arg), const void *arg,
	   mnl_cb_t cb, void *data)
{
	return request(nl, type, family, NLM_F_ACK, build, arg, cb, data);
}
