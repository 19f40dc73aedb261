/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The state of `natgw run` shared by its parts: the loop (cmd_run.c), the
 * control socket (daemon_ctl.c) and the applies (daemon_apply.c). */
#ifndef NATGW_DAEMON_H
#define NATGW_DAEMON_H

#include <stdbool.h>
#include <stdio.h>

#include "apply.h"
#include "cli.h"
#include "ct.h"
#include "ct_watch.h"
#include "ei_guard.h"
#include "nftev.h"
#include "rule_index.h"
#include "xlat.h"

/* How long after another program's change the table is checked: changes
 * come in bursts (nft flush table: one event per rule). */
#define DAEMON_VERIFY_DELAY_MS 20

struct daemon {
	const struct cli *cli;
	const char *config;		/* as given */
	char table[NGW_TABLE_MAX + 1];
	uint32_t scope;			/* mark_scope(table): its connections' marks */
	FILE *log;			/* the original stderr: one line per event */

	struct ngw_ruleset *desired;	/* what natgw keeps in the kernel */
	struct rule_index ri;		/* desired's rules, for naming mappings */

	/* a pending `natgw apply --confirm` */
	bool confirm_pending;
	struct ngw_ruleset *confirm_previous;	/* NULL: there was no table */
	double confirm_due;		/* session_now_ms() */
	unsigned confirm_seconds;
	bool reload_deferred;		/* asked for while confirm was pending */
	bool rolling_back;		/* daemon_apply() puts the previous ruleset back */

	double reload_due, verify_due;	/* 0: not scheduled */
	double ct_watch_due;		/* the next look at conntrack's fill */
	struct ct_watch ct_watch;
	const char *reload_why;
	bool verify_full;		/* set elements were touched */
	bool verify_lost;		/* ... or events were lost: maybe nobody did */

	struct ei_guard *guard;		/* endpoint-independent collisions, caps */
	struct ct_sock *ct_events, *ct_dump;
	struct xlat *x;
	struct nftev *nft;
	int ctl_fd, sig_fd, ino_fd;
};

/* "natgw: <message>" on the log, flushed. */
__attribute__((format(printf, 2, 3)))
void daemon_log(struct daemon *d, const char *fmt, ...);

/* Each line of text to the log, as is. */
void daemon_log_text(struct daemon *d, const char *text, size_t len);

/* Applies rs (kernel refusals on stderr), adopting it as desired on
 * success (rs then belongs to the daemon, else it is freed). why names the
 * event for the log line. With confirm, the previous desired ruleset comes
 * back after that many seconds unless confirmed. Prints what `natgw apply`
 * prints when report is set. Returns the exit status: EXIT_SYSTEM also
 * when rs was applied and adopted but flush_on_change left mappings of
 * changed rules (logged). */
int daemon_apply(struct daemon *d, struct ngw_ruleset *rs, const char *why, bool full_read,
		 unsigned confirm, const struct cli *report);

/* Reads the config file again and applies it; an invalid file leaves the
 * running ruleset (diagnostics on stderr). */
int daemon_reload(struct daemon *d, const char *why, const struct cli *report);

/* Another program changed the table: put desired back. */
void daemon_restore(struct daemon *d);

/* The confirm timer ran out: put the previous ruleset back. */
void daemon_roll_back(struct daemon *d);

/* natgw confirm: keeps the pending apply. Prints the CLI's answer. */
int daemon_confirm(struct daemon *d);

/* The translation table again from a conntrack dump; seen (unless NULL)
 * gets each of its mappings, with its counters. 0 or -errno. */
int daemon_resync(struct daemon *d, void (*seen)(const struct xlat_mapping *m, void *arg),
		  void *arg);

/* Serves one client of the control socket. */
void daemon_ctl_serve(struct daemon *d);

#endif
