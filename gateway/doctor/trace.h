/* SPDX-License-Identifier: GPL-2.0-or-later */
/* natgw doctor --trace: the kernel's trace events (kernel/trace_watch.h)
 * made into each packet's path through every table and chain, and one
 * line of what became of it: dropped where, or forwarded and answered or
 * not. Pure: events in, paths and verdicts out. */
#ifndef NATGW_DOCTOR_TRACE_H
#define NATGW_DOCTOR_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/trace_chain.h"
#include "kernel/trace_watch.h"
#include "natgw/rules.h"

#define TRACE_SECONDS_DEFAULT 30
#define TRACE_PACKETS_MAX 10

/* Which forward to trace, and its packets' match. 0; -ENOENT when the file
 * has no forward of that name or it is disabled (nothing in the kernel to
 * trace); -EINVAL when the question is wrong (an snat rule, --from of the
 * other family); why says which. */
int trace_target(const struct ngw_ruleset *rs, const char *rule, const struct ngw_addr *from,
		 const struct ngw_forward **fw, struct trace_match *m, char *why, size_t size);

/* A connection's packet as the headers say. */
struct trace_flow {
	bool known;
	uint8_t l4;			/* IPPROTO_TCP, IPPROTO_UDP, ... */
	struct ngw_addr src, dst;
	uint16_t sport, dport;
	bool reset;			/* TCP with RST: a refusal */
};

/* One step of the path: a rule's verdict, a chain's policy, a return. */
struct trace_hop {
	uint32_t family;		/* the table's (NFPROTO_*) */
	char table[TRACE_NAME_MAX], chain[TRACE_NAME_MAX];
	uint32_t type;			/* NFT_TRACETYPE_* */
	uint64_t handle;
	int32_t verdict;
	char jump[TRACE_NAME_MAX];
};

enum trace_end {
	TRACE_END_NONE,			/* nothing seen after it: lost in the router */
	TRACE_END_DROPPED,		/* by hops[drop_hop] */
	TRACE_END_LEFT,			/* passed postrouting last: sent out */
	TRACE_END_LOCAL,		/* passed input last: to the router's own socket */
};

struct trace_packet {
	unsigned number;		/* 1, 2, ... in the order they came */
	uint32_t id;			/* the kernel's trace id */
	uint32_t alias[4];		/* its later ids: a bridge with br_netfilter
					 * hands the packet on as a new one */
	unsigned n_alias;
	struct trace_flow last;		/* its headers as last reported */
	bool reply;			/* a reply of a traced connection */
	unsigned reply_of;		/* reply: the number of its connection's first
					 * traced packet; 0: opened before the trace */
	struct trace_flow seen;		/* as it came in */
	struct trace_flow out;		/* as it went out (END_LEFT, END_LOCAL) */
	char oif[16];
	enum trace_end end;
	size_t drop_hop;
	struct trace_hop *hops;
	size_t n_hops, cap_hops;
	bool answered;			/* original: a reply of its connection went
					 * back to the remote */
	bool refused;			/* ... and it was a TCP reset */
	unsigned reply_dropped;		/* original: a reply of it that was dropped */
};

struct trace_run {
	char table[NGW_TABLE_MAX + 1];	/* natgw's: its trace chains are not hops */
	unsigned max_packets;		/* originals, and replies, each */
	struct trace_packet *v;
	size_t n, cap;
	unsigned originals, replies;
	uint32_t ignored[64];		/* ids of packets past the limit */
	unsigned n_ignored;
	bool lost;			/* the kernel dropped events */
};

void trace_run_init(struct trace_run *t, const char *table, unsigned max_packets);
void trace_run_free(struct trace_run *t);

/* Adds one event: a new packet (the event of the rule that marked it) or a
 * step of one. */
void trace_run_event(struct trace_run *t, const struct trace_event *e);

/* As many originals as the limit, each ended (dropped or out). */
bool trace_run_done(const struct trace_run *t);

/* Links replies to their originals. Call once, when the trace ends. */
void trace_run_finish(struct trace_run *t);

/* Whether a traced packet reached the target and its reply came back (a
 * TCP reset is a refusal, not an answer). */
bool trace_run_answered(const struct trace_run *t);

/* "tcp 203.0.113.100:40000 -> 203.0.113.5:443" */
const char *trace_flow_format(const struct trace_flow *f, char *buf, size_t size);

/* One step: "table inet filter, chain forward: policy drop". */
const char *trace_hop_format(const struct trace_hop *h, char *buf, size_t size);

/* What became of p, in one line: "dropped by table inet filter, chain
 * forward (policy drop)", "forwarded to 192.0.2.10:8443, reply came back",
 * "... no reply within 30 s". */
const char *trace_packet_outcome(const struct trace_run *t, const struct trace_packet *p,
				 unsigned seconds, char *buf, size_t size);

/* "ip", "ip6", "inet", "bridge", "arp", "netdev". */
const char *trace_family_name(uint32_t family);
/* "accept", "drop", "jump", "continue", "return", "goto", "queue", ... */
const char *trace_verdict_name(int32_t verdict);

#endif
