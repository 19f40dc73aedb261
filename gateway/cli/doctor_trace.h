/* SPDX-License-Identifier: GPL-2.0-or-later */
/* natgw doctor --trace RULE: the live answer, one forward's packets
 * followed through the kernel. */
#ifndef NATGW_DOCTOR_TRACE_CLI_H
#define NATGW_DOCTOR_TRACE_CLI_H

#include "cli.h"

/* Traces forward rule of rs (from remote from, when its family is set) for
 * at most seconds. The exit status: 0 a packet reached the target and its
 * reply came back, 1 not, 3 could not trace. */
int doctor_trace(const struct cli *cli, const struct ngw_ruleset *rs, const char *rule,
		 const struct ngw_addr *from, unsigned seconds);

#endif
