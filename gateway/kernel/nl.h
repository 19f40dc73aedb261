/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The netfilter netlink socket: dumps, and one transaction (batch) at a
 * time with every ACK read. Errors carry the kernel's extended-ACK text and
 * the message they answer, so callers can name the rule behind it. And the
 * sockets that only listen (events of nftables, routes, traces). */
#ifndef NATGW_NL_H
#define NATGW_NL_H

#include <libmnl/libmnl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nftnl_batch;

struct nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
};

/* 0 or -errno (EPERM without CAP_NET_ADMIN, EPROTONOSUPPORT without nf_tables). */
int nl_open(struct nl *nl);

/* A socket of netlink bus that only listens: non-blocking, subscribed to
 * each group of groups[] (group numbers, as NFNLGRP_NFTABLES or
 * RTNLGRP_LINK), with a receive buffer of rcvbuf bytes (0: the default)
 * for bursts. NULL with errno set. */
struct mnl_socket *nl_subscribe(int bus, const unsigned *groups, size_t n_groups, int rcvbuf);
void nl_close(struct nl *nl);

/* Sends a dump request built by build(nlh, arg) and calls cb per answer.
 * Returns 0, or -errno (ENOENT when the table does not exist). */
int nl_dump(struct nl *nl, uint16_t type, uint16_t family,
	    void (*build)(struct nlmsghdr *nlh, const void *arg), const void *arg,
	    mnl_cb_t cb, void *data);

/* The same for one object (no NLM_F_DUMP): cb sees the answer; -ENOENT
 * when there is none. */
int nl_get(struct nl *nl, uint16_t type, uint16_t family,
	   void (*build)(struct nlmsghdr *nlh, const void *arg), const void *arg,
	   mnl_cb_t cb, void *data);

/* nftables' generation id: every committed transaction, of any program,
 * adds one. 0 or -errno. */
int nl_genid(struct nl *nl, uint32_t *genid);

/* A transaction being built. Messages are added with nl_batch_msg(), which
 * returns the buffer to build the next message in; the batch remembers
 * each message so an error can be traced back to it. */
struct nl_batch {
	struct nftnl_batch *b;
	uint32_t first_seq;
	uint32_t next_seq;
	const struct nlmsghdr **msgs;	/* by seq - first_seq */
	size_t n_msgs, cap_msgs;
	size_t n_objects;		/* messages other than begin/end */
	size_t bytes;			/* what nl_batch_send() sent */
	uint32_t genid_after;		/* nftables' generation right after it */
};

struct nl_error {
	uint32_t seq;
	int err;			/* positive errno */
	const struct nlmsghdr *msg;	/* the message it answers, in the batch */
	uint32_t offset;		/* of the offending attribute in msg; 0 if unknown */
	char text[256];			/* the kernel's extended ACK text, if any */
};

/* genid: nftables' generation the transaction was planned against (it is
 * refused with -ERESTART if it is not the current one); 0: any. */
void nl_batch_init(struct nl_batch *b, struct nl *nl, uint32_t genid);
void nl_batch_free(struct nl_batch *b);
/* Where to build the next message, and its sequence number. */
void *nl_batch_buffer(struct nl_batch *b);
uint32_t nl_batch_seq(const struct nl_batch *b);
/* Records the message just built at nl_batch_buffer(). */
void nl_batch_commit(struct nl_batch *b);
/* Bytes sent by the last nl_batch_send(). */
size_t nl_batch_size(const struct nl_batch *b);

/* Sends the batch as one transaction and reads every answer. Returns 0 when
 * the kernel committed it; -errno when it did not, with the first errors
 * in errs (at most max_errs, *n_errs set). Nothing is applied on error. */
int nl_batch_send(struct nl *nl, struct nl_batch *b, struct nl_error *errs, size_t max_errs,
		  size_t *n_errs);

#endif
