/* SPDX-License-Identifier: GPL-2.0-or-later */
/* natgw doctor [-c FILE] [--json]: why a forward of the configuration would
 * not work on this router, read from the live system. Changes nothing. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "doctor/doctor.h"
#include "out/config_load.h"
#include "out/doctor_print.h"

static void doctor_help(void)
{
	printf("Usage: natgw doctor [-c FILE] [--json] [FILE]\n"
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
	       "    net.netfilter.nf_conntrack_max below what full-cone rules may take.\n"
	       "\n"
	       "  -c, --config FILE  the configuration (default %s)\n"
	       "      --json         one JSON array of findings\n"
	       "\n"
	       "Exit status: 0 nothing found that stops a forward, 1 something would,\n"
	       "2 usage error, 3 the configuration or the system could not be read.\n",
	       NATGW_DEFAULT_CONFIG);
}

int cmd_doctor(struct cli *cli, int argc, char **argv)
{
	int status = cli_parse_plain(cli, argc, argv, "doctor", doctor_help);

	if (status >= 0)
		return status;
	const char *file = config_path(cli, "doctor", argc, argv, &status);
	if (!file)
		return status;
	struct ngw_ruleset *rs = NULL;
	status = config_load(file, &rs, stderr);
	if (status != EXIT_OK)	/* an invalid file cannot be examined: say why */
		return status == EXIT_INVALID ? EXIT_SYSTEM : status;

	struct doctor_sources src = { .proc = "/proc", .sys = "/sys" };
	struct doctor_report r;
	int e = doctor_examine(rs, &src, &r);
	if (e < 0) {
		char why[160];
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
