/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gateway/daemon/: `natgw run`. Uses every folder but cli/.
 *
 * The router daemon, `natgw run`: its state, shared by its parts: the loop
 * (daemon_loop.c), the control socket (daemon_ctl.c) and the applies
 * (daemon_apply.c). It never writes to stdout or stderr: one line per event
 * goes to its log, and each client's answer is rendered in memory and sent
 * over the control socket. */
#ifndef NATGW_DAEMON_H
#define NATGW_DAEMON_H

#include <stdbool.h>
#include <stdio.h>

#include "apply/apply.h"
#include "apply/confirm.h"
#include "conntrack/ct.h"
#include "conntrack/ct_follow.h"
#include "conntrack/ct_watch.h"
#include "config_watch.h"
#include "doctor_watch.h"
#include "ei_guard.h"
#include "kernel/nftev.h"
#include "conntrack/rule_index.h"
#include "conntrack/xlat.h"

/* How long after another program's change the table is checked: changes
 * come in bursts (nft flush table: one event per rule). */
#define DAEMON_VERIFY_DELAY_MS 20

/* A client's request being answered: what it prints goes to memory files
 * (open_memstream), sent when the request is done. */
struct daemon_answer {
	FILE *out, *err;
	FILE *err_unlogged;		/* the client's stderr after err, not copied
					 * to the log: what the log says its own way
					 * (what would stop a forward) */
	bool json;
	int verbosity;
};

struct daemon {
	int verbosity;			/* -v: log also what changed nothing */
	const char *config;		/* as given */
	char table[NGW_TABLE_MAX + 1];
	uint32_t scope;			/* mark_scope(table): its connections' marks */
	FILE *log;			/* the original stderr: one line per event */

	struct ngw_ruleset *desired;	/* what natgw keeps in the kernel */
	struct rule_index ri;		/* desired's rules, for naming mappings */

	struct confirm confirm;		/* a pending `natgw apply --confirm` */
	bool reload_deferred;		/* asked for while confirm was pending */

	double reload_due, verify_due;	/* 0: not scheduled */
	double ct_watch_due;		/* the next look at conntrack's fill */
	struct ct_watch ct_watch;
	const char *reload_why;
	bool verify_full;		/* set elements were touched */
	bool verify_lost;		/* ... or events were lost: maybe nobody did */

	struct ei_guard *guard;		/* endpoint-independent collisions, caps */
	struct ct_follow ct;		/* the translation table, from conntrack */
	struct nftev *nft;
	struct config_watch watch;		/* the config file */
	struct doctor_watch doctor;	/* what would stop a forward */
	int ctl_fd, sig_fd;
};

/* "natgw: <message>" on the log, flushed. */
__attribute__((format(printf, 2, 3)))
void daemon_log(struct daemon *d, const char *fmt, ...);

/* Each line of text to the log, as is. */
void daemon_log_text(struct daemon *d, const char *text, size_t len);

/* Applies rs, adopting it as desired on success (rs then belongs to the
 * daemon, else it is freed). why names the event for the log line. With
 * confirm, the previous desired ruleset comes back after that many seconds
 * unless confirmed. With ans, renders what `natgw apply` prints for the
 * client, else its messages go to the log. Returns the outcome:
 * NGW_FAILED also when rs was applied and adopted but flush_on_change left
 * mappings of changed rules. */
int daemon_apply(struct daemon *d, struct ngw_ruleset *rs, const char *why, bool full_read,
		 unsigned confirm, const struct daemon_answer *ans);

/* Reads the config file again and applies it; an invalid file leaves the
 * running ruleset (its diagnostics to ans, or to the log). The watches of
 * the file are armed again first, resolving symlinks anew. */
int daemon_reload(struct daemon *d, const char *why, const struct daemon_answer *ans);

/* Logs a failure to watch the file, once: d->watch.error, if it is not
 * before (the error before the last arm). */
void daemon_watch_said(struct daemon *d, int before);

/* Another program changed the table: put desired back. */
void daemon_restore(struct daemon *d);

/* The confirm timer ran out: put the previous ruleset back. */
void daemon_roll_back(struct daemon *d);

/* natgw confirm: keeps the pending apply. */
int daemon_confirm(struct daemon *d, const struct daemon_answer *ans);

/* Serves one client of the control socket. */
void daemon_ctl_serve(struct daemon *d);

/* Runs the daemon for table with rs (loaded and checked by the caller;
 * the daemon's from now on) until a signal stops it. log: where events go.
 * The outcome at start (NGW_OK once it ran). */
int daemon_run(const char *config, struct ngw_ruleset *rs, int verbosity, FILE *log);

#endif
