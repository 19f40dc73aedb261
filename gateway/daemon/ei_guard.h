/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the data path cannot do alone for endpoint-independent mappings,
 * done by the daemon:
 *  - max_per_host for good: the kernel holds a host to it only while the
 *    connections that opened its mappings last (ct count). The daemon
 *    counts the mappings in ei_snat after every new one, every resync and
 *    every few seconds, puts the hosts at their limit in ei_full (their
 *    next sockets go out as ordinary snat), takes them out when mappings
 *    idle out, and takes away the mappings past the limit, if any slipped
 *    through (the newest first).
 *  - the router's own UDP ports (ei_local_ports), from its unconnected
 *    sockets every few seconds: no mapping takes one (the data path keeps
 *    datagrams a local socket takes from mappings by itself);
 *  - full maps: the kernel counts, per rule, the sockets that got no
 *    mapping because the ei_ maps were full (ei_unmapped); the daemon says
 *    so, at most once a minute per rule.
 * Its writes go through its own netlink socket (ei_guard_portid), which
 * the daemon's watch of the table takes as its own. */
#ifndef NATGW_EI_GUARD_H
#define NATGW_EI_GUARD_H

#include <stdint.h>

#include "conntrack/ct.h"
#include "compile/kmodel.h"
#include "conntrack/rule_index.h"

struct ei_guard;

/* log(arg, line) receives one line per event (without "natgw: "). Rules
 * are named and found by their mark in ri (the daemon's rule index). */
struct ei_guard *ei_guard_new(const struct rule_index *ri,
			      void (*log)(void *arg, const char *line), void *arg);
void ei_guard_free(struct ei_guard *g);

/* The netlink port id its writes come from; 0 when it has no socket. */
uint32_t ei_guard_portid(const struct ei_guard *g);

/* The endpoint-independent rules of what was applied (rs), after the rule
 * index took it. */
void ei_guard_rules(struct ei_guard *g, const struct ngw_ruleset *rs);

/* A new conntrack entry (any: those of other rules are ignored at once). */
void ei_guard_entry(struct ei_guard *g, const struct ct_entry *e);

/* Conntrack events were lost: count again now. */
void ei_guard_resynced(struct ei_guard *g);

/* When ei_guard_run() wants to run next (session_now_ms() time), 0: never. */
double ei_guard_due(const struct ei_guard *g);

/* Does what is due at now. */
void ei_guard_run(struct ei_guard *g, double now);

#endif
