/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Conntrack over ctnetlink (libmnl): the entries natgw made, read with the
 * kernel's own mark filter so a table of a million entries is not copied
 * out to find a thousand; events; deletes. Every attribute is length
 * checked; what is unknown or malformed is skipped, never trusted. */
#ifndef NATGW_CT_H
#define NATGW_CT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "natgw/addr.h"

/* A conntrack tuple: what the kernel needs to find the entry again. The
 * ports are TCP's, UDP's, UDP-Lite's, SCTP's and DCCP's, and GRE's keys
 * (conntrack keeps those where ports go); ICMP and ICMPv6 have an echo
 * identifier, a type and a code instead, kept apart so that sport and
 * dport stay 0 for them (a mapping shows them as bare addresses); any other
 * protocol has its number only. */
struct ct_tuple {
	struct ngw_addr src, dst;
	uint16_t sport, dport;		/* host order; 0 without ports */
	uint16_t icmp_id;		/* host order; ICMP and ICMPv6 only */
	uint8_t l4;			/* IPPROTO_* */
	uint8_t icmp_type, icmp_code;	/* ICMP and ICMPv6 only */
};

struct ct_entry {
	struct ct_tuple orig, reply;
	uint32_t id;
	uint32_t mark;
	uint32_t status;		/* IPS_* */
	uint32_t timeout;		/* seconds left */
	uint8_t tcp_state;		/* TCP_CONNTRACK_*; 0 when not TCP */
	uint16_t zone;			/* conntrack zone; 0: the default one */
	uint64_t packets, bytes;	/* both directions; 0 without accounting */
	bool has_orig, has_reply;
};

enum ct_event {
	CT_EVENT_NEW,
	CT_EVENT_UPDATE,
	CT_EVENT_DESTROY,
};

struct ct_sock;

/* A socket for dumps and deletes, or (events true) one subscribed to
 * new, update and destroy events, with a receive buffer of 8 MiB or
 * $NATGW_EVENT_BUFFER bytes (4096 to 1 GiB). NULL with errno set on failure. */
struct ct_sock *ct_open(bool events);
void ct_close(struct ct_sock *s);
int ct_fd(const struct ct_sock *s);

/* Calls cb for every entry whose mark & mask == value. Returns 0 or -errno. */
int ct_dump(struct ct_sock *s, uint32_t mark, uint32_t mask,
	    void (*cb)(const struct ct_entry *e, void *arg), void *arg);

/* Deletes one entry (by its original tuple and id). 0, or -errno (ENOENT
 * when it already ended). */
int ct_delete(struct ct_sock *s, const struct ct_entry *e);

/* The message ct_delete() sends for e, written to buf (CT_DELETE_MAX
 * bytes); its length. Exposed for the tests. */
#define CT_DELETE_MAX 512
size_t ct_delete_request(void *buf, uint32_t seq, const struct ct_entry *e);

/* Gives one entry (by its original tuple and id) a new ct mark. 0, or
 * -errno (ENOENT when it already ended). */
int ct_set_mark(struct ct_sock *s, const struct ct_entry *e, uint32_t mark);

/* Reads what events are waiting (blocking when wait is true) and calls cb
 * for each; without wait, returns once the queue is empty. Returns 0,
 * -ENOBUFS when the kernel dropped events, or another -errno. After
 * -ENOBUFS the kernel drops without saying so until the queue is empty:
 * read it empty (wait false) before the dump that repairs the loss. */
int ct_events_read(struct ct_sock *s, bool wait,
		   void (*cb)(enum ct_event ev, const struct ct_entry *e, void *arg), void *arg);

/* "ESTABLISHED", "TIME_WAIT"..., or for UDP "UNREPLIED" / "REPLIED" / "ASSURED". */
const char *ct_state_name(const struct ct_entry *e);

/* Parses one ctnetlink entry message; false when it is not one. Exposed
 * for the tests and the fuzzer. */
bool ct_parse(const void *msg, size_t len, struct ct_entry *e);

/* This network namespace's conntrack table: how full it is, and how many
 * new connections the kernel dropped (table full: no entry could be made),
 * evicted early or failed to insert, summed over the CPUs since boot. */
struct ct_stats {
	uint32_t entries, max;
	uint64_t drop, early_drop, insert_failed;
};

/* 0 or -errno. */
int ct_stats_read(struct ct_sock *s, struct ct_stats *st);

#endif
