/* SPDX-License-Identifier: GPL-2.0-or-later */
/* natgw doctor [-c FILE] [--json]: why a forward of the configuration would
 * not work on this router, read from the live system. Changes nothing. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "doctor/doctor.h"
#include "doctor/trace.h"
#include "doctor_trace.h"
#include "out/config_load.h"
#include "out/doctor_print.h"

static void doctor_help(void)
{
	printf("Usage: natgw doctor [-c FILE] [--json] [FILE]\n"
	       "       natgw doctor --trace RULE [--from ADDR] [--seconds N] [-c FILE] [--json]\n"
	       "\n"
	       "Why a forward of the configuration would not work on this router, from\n"
	       "the running system: one line per finding, naming the rule, the cause and\n"
	       "the fix. It changes nothing. It looks for:\n"
	       "  - forwarding off (net.ipv4.ip_forward, net.ipv6.conf.all.forwarding);\n"
	       "  - a service of the router itself listening on a forwarded port, which\n"
	       "    the forward takes away from it;\n"
	       "  - an interface the file names that does not exist (a warning only);\n"
	       "  - a target the router cannot route (no route; an unreachable, prohibit\n"
	       "    or blackhole route or rule), as the kernel routes a packet that came\n"
	       "    in on the forward's interface;\n"
	       "  - a target the router routes back out of the interface the traffic came\n"
	       "    in on (a typo, or a LAN subnet without a route: the default route wins);\n"
	       "  - strict rp_filter where it drops a forward's traffic: on a WAN whose\n"
	       "    route back to the internet leaves by another interface (a second WAN),\n"
	       "    or on the interface the target is reached by;\n"
	       "  - an snat rule's ports holding a forwarded port on the same address: a\n"
	       "    remote that a LAN connection given that port talks to reaches the\n"
	       "    LAN host, not the forward;\n"
	       "  - an snat rule's ports inside net.ipv4.ip_local_port_range, the router's\n"
	       "    own dynamic ports;\n"
	       "  - the conntrack table 90 %% full or more, or\n"
	       "    net.netfilter.nf_conntrack_max below what full-cone rules may take;\n"
	       "  - another table's chain (nft, iptables-nft) that drops a forward's traffic,\n"
	       "    which natgw's accept cannot override, with the rule that lets it through;\n"
	       "  - an iptables-legacy table with rules or a drop policy (a warning only).\n"
	       "\n"
	       "With --trace, the live answer instead: the packets of forward RULE that\n"
	       "arrive (from ADDR only, with --from) are marked for nftables tracing by\n"
	       "chains natgw adds to its own table for the while, and each one's path\n"
	       "through every table and chain of the router is printed, step by step,\n"
	       "then in one line: which chain of which table dropped it, or that it was\n"
	       "forwarded to the target and whether the reply came back. At most %d\n"
	       "packets, for at most N seconds (default %d); Ctrl-C stops it. The\n"
	       "trace chains are removed on every way out.\n"
	       "\n"
	       "  -c, --config FILE  the configuration (default %s)\n"
	       "      --json         one JSON array of findings (with --trace: of packets)\n"
	       "      --trace RULE   trace the packets of forward RULE (applied)\n"
	       "      --from ADDR    with --trace: only those from remote ADDR\n"
	       "      --seconds N    with --trace: stop after N seconds\n"
	       "\n"
	       "Exit status: 0 nothing found that stops a forward (--trace: a packet\n"
	       "reached the target and its reply came back), 1 something would (--trace:\n"
	       "a packet was dropped, or got no reply, or none came), 2 usage error, 3 the\n"
	       "configuration or the system could not be read (--trace: could not trace).\n",
	       TRACE_PACKETS_MAX, TRACE_SECONDS_DEFAULT, NATGW_DEFAULT_CONFIG);
}

struct trace_opts {
	const char *rule;		/* --trace; NULL: not tracing */
	const char *from;
	const char *seconds;
};

static int parse(struct cli *cli, int argc, char **argv, struct trace_opts *t)
{
	static const struct option opts[] = {
		CLI_GLOBAL_LONG,
		{ "trace", required_argument, 0, 'T' },
		{ "from", required_argument, 0, 'F' },
		{ "seconds", required_argument, 0, 'S' },
		{ 0, 0, 0, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, CLI_GLOBAL_SHORT, opts, NULL)) != -1) {
		if (cli_global_option(cli, c, optarg))
			continue;
		switch (c) {
		case 'T':
			t->rule = optarg;
			continue;
		case 'F':
			t->from = optarg;
			continue;
		case 'S':
			t->seconds = optarg;
			continue;
		case 'h':
			doctor_help();
			return EXIT_OK;
		}
		return cli_usage_error("doctor", "unknown or incomplete option '%s'",
				       argv[optind - 1]);
	}
	if (!t->rule && (t->from || t->seconds))
		return cli_usage_error("doctor", "%s is for --trace RULE",
				       t->from ? "--from" : "--seconds");
	return -1;
}

/* --trace RULE [--from ADDR] [--seconds N] */
static int trace(struct cli *cli, const struct ngw_ruleset *rs, const struct trace_opts *t)
{
	struct ngw_addr from = { 0 };
	char err[NGW_ERRLEN];
	unsigned long seconds = TRACE_SECONDS_DEFAULT;

	if (t->from && addr_parse(t->from, &from, err) < 0)
		return cli_usage_error("doctor", "--from %s: %s", t->from, err);
	if (t->seconds) {
		char *end;
		errno = 0;
		seconds = strtoul(t->seconds, &end, 10);
		if (errno || end == t->seconds || *end || !seconds || seconds > 86400 ||
		    t->seconds[0] == '-')
			return cli_usage_error("doctor", "--seconds %s: a number of seconds "
					       "from 1 to 86400", t->seconds);
	}
	return doctor_trace(cli, rs, t->rule, &from, (unsigned)seconds);
}

int cmd_doctor(struct cli *cli, int argc, char **argv)
{
	struct trace_opts topts = { 0 };
	int status = parse(cli, argc, argv, &topts);

	if (status >= 0)
		return status;
	const char *file = config_path(cli, "doctor", argc, argv, &status);
	if (!file)
		return status;
	struct ngw_ruleset *rs = NULL;
	status = config_load_json(file, &rs, stderr, cli->json ? stdout : NULL);
	if (status != EXIT_OK)	/* an invalid file cannot be examined: say why */
		return status == EXIT_INVALID ? EXIT_SYSTEM : status;
	if (topts.rule) {
		status = trace(cli, rs, &topts);
		ruleset_free(rs);
		return status;
	}

	struct doctor_sources src = { .proc = "/proc", .sys = "/sys" };
	struct doctor_report r;
	int e = doctor_examine(rs, &src, &r);
	if (e < 0) {
		char why[160];
		if (e == -EINTR)	/* the firewall's tables changed during every reading */
			snprintf(why, sizeof(why), "reading the system: the firewall's tables changed "
				 "while they were read, every time; run natgw doctor again");
		else
			snprintf(why, sizeof(why), "reading the system: %s", strerror(-e));
		fprintf(stderr, "natgw: %s\n", why);
		if (cli->json)
			diag_print_json_message(stdout, why);
		status = EXIT_SYSTEM;
	} else if (cli->json) {
		doctor_print_json(stdout, config_display_name(file), &r);
		status = r.blocks ? EXIT_INVALID : EXIT_OK;
	} else {
		doctor_print_text(stdout, config_display_name(file), &r);
		if (!r.n && cli->verbosity >= 0)
			printf("natgw: no finding: nothing on this router stops the rules of %s\n",
			       config_display_name(file));
		status = r.blocks ? EXIT_INVALID : EXIT_OK;
	}
	doctor_report_free(&r);
	ruleset_free(rs);
	return status;
}
