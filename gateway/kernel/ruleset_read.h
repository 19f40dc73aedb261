/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading every table of the namespace (any family: nft's own, and those
 * iptables-nft makes) into a plain model of what each rule matches and
 * what it decides: enough to tell whether a chain would drop a given
 * packet (doctor/fw_verdict.h), without netlink in the model. Read-only.
 *
 * A rule becomes a list of matches, each "this part of the packet, masked,
 * compared so". What the model cannot express (a rate limit, a socket
 * lookup, a concatenation, an xt match other than conntrack or state)
 * becomes a match of source FW_SRC_OTHER: its outcome is unknown. */
#ifndef NATGW_RULESET_READ_H
#define NATGW_RULESET_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nl;

#define FW_NAME_MAX 256		/* nftables' NFT_NAME_MAXLEN */
#define FW_DATA_MAX 16		/* one register's bytes */

enum fw_src {
	FW_SRC_OTHER,		/* unknown to the model */
	FW_SRC_META,		/* key: NFT_META_* */
	FW_SRC_CT,		/* key: NFT_CT_* (of the packet's own direction) */
	FW_SRC_NH,		/* network header; key: the offset */
	FW_SRC_TH,		/* transport header; key: the offset */
	FW_SRC_XT_CONNTRACK,	/* iptables -m conntrack: xt below */
	FW_SRC_XT_STATE,	/* iptables -m state: xt.state_mask */
};

enum fw_op {
	FW_OP_EQ, FW_OP_NE, FW_OP_LT, FW_OP_LTE, FW_OP_GT, FW_OP_GTE,
	FW_OP_IN_RANGE, FW_OP_NOT_IN_RANGE,	/* a .. b */
	FW_OP_IN_SET, FW_OP_NOT_IN_SET,		/* set */
};

/* One interval of a set's keys (a plain element: lo == hi). */
struct fw_interval {
	uint8_t lo[FW_DATA_MAX], hi[FW_DATA_MAX];
};

struct fw_set {
	char name[FW_NAME_MAX];
	uint32_t key_len;
	bool map;			/* a map: not a plain match */
	struct fw_interval *v;		/* sorted */
	size_t n, cap;
};

struct fw_match {
	uint8_t src;			/* enum fw_src */
	uint8_t op;			/* enum fw_op */
	uint8_t len;			/* bytes compared */
	uint32_t key;
	bool bitwise;			/* (value & mask) ^ xor first */
	uint8_t mask[FW_DATA_MAX], xor[FW_DATA_MAX];
	uint8_t a[FW_DATA_MAX], b[FW_DATA_MAX];
	const struct fw_set *set;	/* FW_OP_IN_SET, FW_OP_NOT_IN_SET */
	struct {			/* FW_SRC_XT_*: as xt_conntrack_mtinfo */
		uint16_t flags, invert, state_mask, status_mask;
	} xt;
};

enum fw_verdict {
	FW_CONTINUE,			/* no verdict: the next rule */
	FW_ACCEPT,
	FW_DROP,			/* drop or reject */
	FW_JUMP,
	FW_GOTO,
	FW_RETURN,
	FW_ANY,				/* decided elsewhere (queue, a verdict map): any outcome */
};

struct fw_rule {
	struct fw_match *m;
	size_t n;
	uint8_t verdict;		/* enum fw_verdict */
	uint32_t target;		/* FW_JUMP, FW_GOTO: index of the chain in its table */
	uint64_t handle;
};

struct fw_chain {
	char name[FW_NAME_MAX];
	bool base;
	uint32_t hook;			/* NF_INET_* */
	int32_t prio;
	bool policy_drop;
	bool nat;			/* type nat: sees a connection's first packet only */
	struct fw_rule *rules;
	size_t n_rules, cap_rules;
};

struct fw_table {
	uint8_t family;			/* NFPROTO_* */
	char name[FW_NAME_MAX];
	bool natgw;			/* natgw made it: its comment says so */
	bool iptables;			/* iptables-nft made it */
	struct fw_chain *chains;
	size_t n_chains, cap_chains;
	struct fw_set *sets;
	size_t n_sets, cap_sets;
};

struct fw_ruleset {
	struct fw_table *tables;
	size_t n_tables, cap_tables;
};

#define RULESET_READ_ATTEMPTS 32

/* Reads every table, chain, rule and set (elements included) of the
 * namespace, except the elements of natgw's own tables. The reading is of
 * one generation of nftables: when another program commits in between, it
 * is read again, up to RULESET_READ_ATTEMPTS times. 0, or -errno (-EINTR:
 * the ruleset changed during every attempt). */
int fw_ruleset_read(struct nl *nl, struct fw_ruleset *rs);

void fw_ruleset_free(struct fw_ruleset *rs);

/* The chain of t named name, or -1. */
long fw_chain_find(const struct fw_table *t, const char *name);

#endif
