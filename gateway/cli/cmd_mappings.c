/* SPDX-License-Identifier: GPL-2.0-or-later */
/* natgw mappings [--rule NAME] [--proto tcp|udp] [--json] [--watch]: the
 * live NAT mappings natgw's rules made, from conntrack. */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ctl/ctl.h"
#include "conntrack/ct.h"
#include "conntrack/ct_follow.h"
#include "conntrack/ei.h"
#include "compile/layout.h"
#include "conntrack/mappings.h"
#include "out/mappings_print.h"
#include "conntrack/rule_index.h"
#include "apply/session.h"
#include "conntrack/xlat.h"

static void mappings_help(void)
{
	printf("Usage: natgw mappings [-c FILE] [--rule NAME] [--proto tcp|udp] [--json] [--count] [--watch|--cached]\n"
	       "\n"
	       "The live NAT mappings of natgw's rules, from conntrack: for each, the\n"
	       "remote socket, the router's external socket, the internal socket, its\n"
	       "state, time left and traffic. Rule names come from natgw's table in the\n"
	       "kernel. Mappings other tools made are not shown.\n"
	       "\n"
	       "  -r, --rule NAME    only this rule's mappings\n"
	       "  -p, --proto P      only tcp or only udp\n"
	       "      --json         one JSON array (with --watch: one object per line)\n"
	       "  -w, --watch        print every new and ended mapping until interrupted\n"
	       "                     (not with --count or --cached)\n"
	       "      --count        how many, not the list\n"
	       "      --cached       the daemon's table as conntrack's events left it, without\n"
	       "                     a fresh dump (time left and traffic may be old)\n"
	       "\n"
	       "Exit status: 0 success, 2 usage error, 3 system or kernel error.\n");
}

/* ---- the list ---------------------------------------------------------- */

static int list_mappings(const struct cli *cli, const struct mappings_filter *f, struct nl *nl,
			 const char *table, bool count, struct ngw_diags *msgs)
{
	struct mappings l = { .f = f, .count_only = count };
	struct ct_sock *s = ct_open(false);
	int r;

	if (!s) {
		diags_add_system(msgs, NGW_ERROR, "conntrack netlink: %s", strerror(errno));
		return EXIT_SYSTEM;
	}
	if (f->rule)
		r = ct_dump(s, f->rule->mark, MARK_RULE_MASK, mappings_add_entry, &l);
	else
		r = ct_dump(s, f->scope, MARK_SCOPE_MASK, mappings_add_entry, &l);
	ct_close(s);
	if (r < 0) {
		diags_add_system(msgs, NGW_ERROR, "reading conntrack: %s", strerror(-r));
		mappings_free(&l);
		return EXIT_SYSTEM;
	}
	r = ei_read(nl, table, mappings_add, &l);
	if (r < 0) {
		diags_add_system(msgs, NGW_ERROR, "reading the endpoint-independent mappings: %s",
				 strerror(-r));
		mappings_free(&l);
		return EXIT_SYSTEM;
	}
	if (count)
		mappings_print_count(stdout, cli->json, l.n);
	else
		mappings_print(stdout, cli->json, f, l.v, l.n);
	mappings_free(&l);
	return EXIT_OK;
}

/* ---- --watch ----------------------------------------------------------- */

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

struct watch {
	const struct cli *cli;
	const struct mappings_filter *f;
	const struct ct_follow *follow;
};

static void report(const struct watch *w, const char *event, const struct xlat_mapping *m)
{
	if (mappings_wanted(w->f, m))
		mappings_print_event(stdout, w->cli->json, w->f, event, m);
}

static void on_event(enum ct_event ev, const struct ct_entry *e, const struct xlat_mapping *added,
		     void *arg)
{
	const struct watch *w = arg;

	(void)ev;
	(void)e;
	/* what comes before the first dump is in it: the table's start */
	if (added && w->follow->synced)
		report(w, "new", added);
}

static void appeared(const struct xlat_mapping *m, void *arg)
{
	report(arg, "new", m);
}

static void ended(const struct xlat_mapping *m, void *arg)
{
	const struct watch *w = arg;

	if (w->follow->synced)
		report(w, "end", m);
}

static void lost(void *arg)
{
	(void)arg;
	fprintf(stderr, "natgw: the kernel dropped conntrack events; resynchronising from a "
		"dump\n");
}

/* Ends with its error (with --json one more object, the error document,
 * after those of the stream). */
static int watch_mappings(const struct cli *cli, const struct mappings_filter *f,
			  const struct rule_index *ri, struct ngw_diags *msgs)
{
	static const struct ct_follow_ops ops = { on_event, ended, appeared, lost };
	struct ct_follow follow;
	struct watch w = { cli, f, &follow };
	int r = ct_follow_open(&follow, f->scope, rule_index_kind, (void *)ri, &ops, &w);

	if (r < 0) {
		diags_add_system(msgs, NGW_ERROR, "conntrack netlink: %s", strerror(-r));
		return EXIT_SYSTEM;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	/* subscribed first, then the table as it is: no mapping falls between */
	r = ct_follow_resync(&follow, NULL, NULL);
	while (r >= 0 && !interrupted)
		r = ct_follow_read(&follow, true);
	int status = EXIT_OK;
	if (r < 0) {
		diags_add_system(msgs, NGW_ERROR, "conntrack events: %s", strerror(-r));
		status = EXIT_SYSTEM;
	}
	ct_follow_close(&follow);
	return status;
}

int cmd_mappings(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_GLOBAL_LONG,
		{ "rule", required_argument, 0, 'r' },
		{ "proto", required_argument, 0, 'p' },
		{ "watch", no_argument, 0, 'w' },
		{ "cached", no_argument, 0, 'C' },
		{ "count", no_argument, 0, 'N' },
		{ 0, 0, 0, 0 },
	};
	const char *rule = NULL, *proto = NULL;
	bool watch = false, cached = false, count = false;
	int c;

	while ((c = getopt_long(argc, argv, CLI_GLOBAL_SHORT "r:p:w", opts, NULL)) != -1) {
		if (cli_global_option(cli, c, optarg))
			continue;
		switch (c) {
		case 'h':
			mappings_help();
			return EXIT_OK;
		case 'r':
			rule = optarg;
			break;
		case 'p':
			proto = optarg;
			break;
		case 'w':
			watch = true;
			break;
		case 'C':
			cached = true;
			break;
		case 'N':
			count = true;
			break;
		default:
			return cli_usage_error("mappings", "unknown or incomplete option '%s'",
					       argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("mappings", "unexpected argument '%s'", argv[optind]);
	if (watch && count)
		return cli_usage_error("mappings", "--watch and --count cannot be combined (--count "
				       "is one figure, --watch a stream)");
	if (watch && cached)
		return cli_usage_error("mappings", "--watch and --cached cannot be combined (--watch "
				       "follows conntrack itself)");
	struct mappings_filter f = { 0 };
	if (proto && strcmp(proto, "tcp") && strcmp(proto, "udp"))
		return cli_usage_error("mappings", "--proto takes tcp or udp, not '%s'", proto);
	f.l4 = !proto ? 0 : !strcmp(proto, "tcp") ? IPPROTO_TCP : IPPROTO_UDP;

	int status;
	struct ctl_request req = { .type = CTL_MAPPINGS, .json = cli->json,
				   .verbosity = cli->verbosity, .l4 = f.l4, .cached = cached,
				   .count = count };
	/* the daemon answers from its translation table; --watch follows
	 * conntrack's events itself */
	if (!watch && (!rule || strlen(rule) <= NGW_NAME_MAX)) {
		snprintf(req.rule, sizeof(req.rule), "%s", rule ? rule : "");
		if (cli_daemon_request(&req, &status))
			return status;
	}
	if (cached) {	/* a state of the router, not a wrong command line */
		const char *why = "--cached asks natgw run for its table, and no daemon is "
				  "running";
		fprintf(stderr, "natgw: %s\n", why);
		if (cli->json)
			diag_print_json_message(stdout, why);
		return EXIT_SYSTEM;
	}

	char table[NGW_TABLE_MAX + 1];
	struct session s = { 0 };
	struct cli_msgs msgs;
	struct rule_index ri = { 0 };
	cli_msgs_init(&msgs, NULL);
	status = cli_table_name(cli, &msgs.d, table, sizeof(table));
	if (status == EXIT_OK)
		status = session_open_existing(&s, &msgs.d, table, 0);
	if (status == EXIT_OK) {
		rule_index_build(&ri, &s.st);
		f.ri = &ri;
		f.scope = mark_scope(table);
		if (rule && !(f.rule = rule_index_by_name(&ri, rule)))
			status = cli_usage_error("mappings", "there is no rule '%s' in table inet %s",
						 rule, table);
	}
	if (status == EXIT_OK)
		status = watch ? watch_mappings(cli, &f, &ri, &msgs.d) :
				 list_mappings(cli, &f, &s.nl, table, count, &msgs.d);
	cli_fail(cli, &msgs, status);
	rule_index_free(&ri);
	session_close(&s);
	cli_msgs_free(&msgs);
	return status;
}
