/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What would stop a forward (natgw doctor), kept in view by the daemon: it
 * looks after each apply, when interfaces, addresses, routes or another
 * table change, and every minute (sysctls and sockets send no events), and
 * logs a finding once when it appears and once when it goes. */
#ifndef NATGW_DOCTOR_WATCH_H
#define NATGW_DOCTOR_WATCH_H

#include <stdbool.h>
#include <stdio.h>

#include "doctor/doctor.h"
#include "kernel/rtev.h"

/* The look every so often, for what sends no event. */
#define DOCTOR_WATCH_INTERVAL_MS 60000
/* After an event, changes come in bursts (an interface brings its
 * addresses and routes; nft -f brings many rules): look once they settle. */
#define DOCTOR_WATCH_SETTLE_MS 500

struct doctor_watch {
	struct rtev *rt;		/* NULL: events unavailable, the minute's look only */
	char **key, **text;		/* the findings logged, still standing */
	size_t n;
	bool unreadable;		/* the last look could not read the system */
	double due;			/* the next look; 0: none */
};

/* Opens the event socket; the watch works without it (-errno). */
int doctor_watch_open(struct doctor_watch *w);
void doctor_watch_close(struct doctor_watch *w);

/* An event came: look again once things settle. */
void doctor_watch_soon(struct doctor_watch *w, double now);

/* A look's outcome r (e < 0: the system could not be read) for the rules
 * of file: logs each finding not logged before, and "no longer found" for
 * each logged one r lacks; the next look is in a minute. */
void doctor_watch_update(struct doctor_watch *w, const struct doctor_report *r, int e,
			 FILE *log, const char *file, double now);

#endif
