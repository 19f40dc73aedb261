/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "compile/layout.h"
#include "nftev.h"
#include "nl.h"
#include "trace_chain.h"
#include "natgw/xalloc.h"

#define OWN_PORTS 8

struct nftev {
	struct mnl_socket *sock;
	uint32_t own[OWN_PORTS];	/* the last port ids natgw applied through */
	unsigned n_own;
	uint32_t own_always;		/* one that stays natgw's (the daemon's maps) */
	char buf[32768];
};

struct nftev *nftev_open(void)
{
	static const unsigned groups[] = { NFNLGRP_NFTABLES };
	struct nftev *ev = xcalloc(1, sizeof(*ev));

	ev->sock = nl_subscribe(NETLINK_NETFILTER, groups, 1, 4 << 20);
	if (!ev->sock) {
		free(ev);
		return NULL;	/* errno kept */
	}
	return ev;
}

void nftev_close(struct nftev *ev)
{
	if (!ev)
		return;
	if (ev->sock)
		mnl_socket_close(ev->sock);
	free(ev);
}

int nftev_fd(const struct nftev *ev)
{
	return mnl_socket_get_fd(ev->sock);
}

void nftev_own_port(struct nftev *ev, uint32_t portid)
{
	ev->own[ev->n_own++ % OWN_PORTS] = portid;
}

void nftev_own_port_always(struct nftev *ev, uint32_t portid)
{
	ev->own_always = portid;
}

static bool own(const struct nftev *ev, uint32_t portid)
{
	if (portid && portid == ev->own_always)
		return true;
	for (unsigned i = 0; i < OWN_PORTS && i < ev->n_own; i++)
		if (ev->own[i] == portid)
			return true;
	return false;
}

/* Every nf_tables object message names its table in attribute 1
 * (NFTA_TABLE_NAME, NFTA_CHAIN_TABLE, NFTA_RULE_TABLE, NFTA_SET_TABLE,
 * NFTA_SET_ELEM_LIST_TABLE, NFTA_OBJ_TABLE, NFTA_FLOWTABLE_TABLE). */
static bool names_table(const struct nlmsghdr *nlh, const char *table)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(a) != 1)
			continue;
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
			return false;
		return !strcmp(mnl_attr_get_str(a), table);
	}
	return false;
}

/* An element event of a set the data path writes (the ei_ maps): the
 * table's state, not its ruleset; nothing to put back. */
static bool dynamic_elements(const struct nlmsghdr *nlh)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(a) != NFTA_SET_ELEM_LIST_SET)
			continue;
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
			return false;
		for (int s = KSET_FIRST_DYNAMIC; s < KSET_COUNT; s++)
			if (!strcmp(mnl_attr_get_str(a), kset_defs[s].name))
				return true;
		return false;
	}
	return false;
}

/* A change of the trace chains `natgw doctor --trace` keeps in the table
 * while it runs (trace_chain.h): not natgw's ruleset, nothing to put back. */
static bool trace_chain_change(const struct nlmsghdr *nlh, unsigned type)
{
	uint16_t attr = type == NFT_MSG_NEWCHAIN || type == NFT_MSG_DELCHAIN ? NFTA_CHAIN_NAME :
			type == NFT_MSG_NEWRULE || type == NFT_MSG_DELRULE ? NFTA_RULE_CHAIN : 0;
	const struct nlattr *a;

	if (!attr)
		return false;
	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(a) == attr)
			return mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0 &&
			       trace_chain_is(mnl_attr_get_str(a));
	return false;
}

static void classify(const struct nftev *ev, const struct nlmsghdr *nlh, const char *table,
		     struct nftev_seen *seen)
{
	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES ||
	    nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(struct nfgenmsg))
		return;
	unsigned type = NFNL_MSG_TYPE(nlh->nlmsg_type);
	const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);
	if (type == NFT_MSG_NEWGEN) {	/* the last message of every commit */
		const struct nlattr *a;
		mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
			if (mnl_attr_get_type(a) == NFTA_GEN_ID &&
			    mnl_attr_validate(a, MNL_TYPE_U32) == 0 &&
			    ntohl(mnl_attr_get_u32(a)) > seen->genid)
				seen->genid = ntohl(mnl_attr_get_u32(a));
		return;
	}
	if (own(ev, nlh->nlmsg_pid))
		return;
	if (g->nfgen_family != NFPROTO_INET || !names_table(nlh, table)) {
		/* element changes are a firewall's state (its dynamic sets),
		 * not its ruleset */
		seen->other |= type == NFT_MSG_NEWTABLE || type == NFT_MSG_DELTABLE ||
			       type == NFT_MSG_NEWCHAIN || type == NFT_MSG_DELCHAIN ||
			       type == NFT_MSG_NEWRULE || type == NFT_MSG_DELRULE;
		return;
	}
	bool elements = type == NFT_MSG_NEWSETELEM || type == NFT_MSG_DELSETELEM;
	if ((elements && dynamic_elements(nlh)) || trace_chain_change(nlh, type))
		return;
	seen->table = true;
	seen->elements |= elements;
}

int nftev_read(struct nftev *ev, const char *table, struct nftev_seen *seen)
{
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(ev->sock, ev->buf, sizeof(ev->buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0 && errno == ENOBUFS) {
			seen->lost = true;
			continue;
		}
		if (n < 0)
			return -errno;
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)ev->buf;
		int len = (int)n;
		while (mnl_nlmsg_ok(nlh, len)) {
			classify(ev, nlh, table, seen);
			nlh = mnl_nlmsg_next(nlh, &len);
		}
	}
}
