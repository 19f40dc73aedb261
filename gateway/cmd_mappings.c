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
#include "ctl.h"
#include "ct.h"
#include "ei.h"
#include "grow.h"
#include "human.h"
#include "json.h"
#include "mappings.h"
#include "rule_index.h"
#include "session.h"
#include "xlat.h"

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
	       "      --count        how many, not the list\n"
	       "      --cached       the daemon's table as conntrack's events left it, without\n"
	       "                     a fresh dump (time left and traffic may be old)\n"
	       "\n"
	       "Exit status: 0 success, 2 usage error, 3 system or kernel error.\n");
}

bool mappings_wanted(const struct mappings_filter *f, const struct xlat_mapping *m)
{
	if ((m->mark & MARK_SCOPE_MASK) != f->scope)
		return false;	/* not this table's: another natgw table's, or not natgw's */
	if (f->l4 && m->l4 != f->l4)
		return false;
	return !f->rule || (m->mark & MARK_RULE_MASK) == f->rule->mark;
}

static const char *rule_name(const struct mappings_filter *f, const struct xlat_mapping *m)
{
	const struct rule_entry *r = rule_index_by_mark(f->ri, m->mark);
	return r ? r->name : "";	/* a rule removed from the table since */
}

/* As conntrack names them; "other" for a protocol it knows by number only. */
static const char *l4_name(uint8_t l4)
{
	switch (l4) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_ICMP: return "icmp";
	case IPPROTO_ICMPV6: return "icmpv6";
	case IPPROTO_GRE: return "gre";
	case IPPROTO_SCTP: return "sctp";
	case IPPROTO_DCCP: return "dccp";
	case IPPROTO_UDPLITE: return "udplite";
	default: return "other";
	}
}

static const char *state_name(const struct xlat_mapping *m)
{
	if (m->endpoint_independent)
		return "FULL-CONE";	/* not a connection: X's socket, open to all */
	struct ct_entry e = { .status = m->status, .tcp_state = m->tcp_state };
	e.orig.l4 = m->l4;
	return ct_state_name(&e);
}


static void mapping_json(struct json *j, const struct mappings_filter *f, const struct xlat_mapping *m,
			 const char *event)
{
	char buf[NGW_ADDRSTRLEN];
	struct ngw_port_range p;

	json_object_begin(j);
	if (event) {
		json_key(j, "event");
		json_string(j, event);
	}
	json_key(j, "proto");
	json_string(j, l4_name(m->l4));
	json_key(j, "kind");
	json_string(j, m->snat ? "snat" : "forward");
	json_key(j, "rule");
	json_string(j, rule_name(f, m));
	json_key(j, "remote");
	json_string(j, xlat_socket_format(&m->remote, buf));
	p = (struct ngw_port_range){ m->external.port, m->external.port };
	json_key(j, "external");
	json_string(j, socket_format(&m->external.addr, &p, buf));
	p = (struct ngw_port_range){ m->internal.port, m->internal.port };
	json_key(j, "internal");
	json_string(j, socket_format(&m->internal.addr, &p, buf));
	json_key(j, "state");
	json_string(j, state_name(m));
	json_key(j, "timeout");
	json_uint(j, m->timeout);
	json_key(j, "packets");
	json_uint(j, m->packets);
	json_key(j, "bytes");
	json_uint(j, m->bytes);
	json_object_end(j);
}


/* ---- the list ---------------------------------------------------------- */

struct list {
	const struct mappings_filter *f;
	struct xlat_mapping *v;
	size_t n, cap;
};

static void list_add_mapping(const struct xlat_mapping *m, void *arg)
{
	struct list *l = arg;

	if (!mappings_wanted(l->f, m))
		return;
	l->v = grow(l->v, &l->cap, l->n, sizeof(*l->v));
	l->v[l->n++] = *m;
}

static void list_add(const struct ct_entry *e, void *arg)
{
	struct list *l = arg;
	bool snat = xlat_entry_is_snat(e, rule_index_kind, (void *)l->f->ri);
	struct xlat_mapping m;

	if (xlat_from_entry(e, snat, &m))
		list_add_mapping(&m, l);
}

static int mapping_cmp(const void *a, const void *b)
{
	const struct xlat_mapping *x = a, *y = b;
	if (x->mark != y->mark)
		return (x->mark & MARK_RULE_MASK) < (y->mark & MARK_RULE_MASK) ? -1 : 1;
	if (x->l4 != y->l4)
		return x->l4 < y->l4 ? -1 : 1;
	int c = addr_cmp(&x->remote.addr, &y->remote.addr);
	return c ? c : x->remote.port < y->remote.port ? -1 : x->remote.port > y->remote.port;
}

static void print_table(const struct mappings_filter *f, const struct xlat_mapping *v, size_t n)
{
	char r[NGW_ADDRSTRLEN], e[NGW_ADDRSTRLEN], i[NGW_ADDRSTRLEN], t[32], b[32];
	int wr = 4, ws = 6;

	for (size_t k = 0; k < n; k++) {
		int len = (int)strlen(rule_name(f, &v[k]));
		wr = len > wr ? len : wr;
		len = (int)strlen(xlat_socket_format(&v[k].remote, r));
		ws = len > ws ? len : ws;
		len = (int)strlen(xlat_socket_format(&v[k].external, r));
		ws = len > ws ? len : ws;
		len = (int)strlen(xlat_socket_format(&v[k].internal, r));
		ws = len > ws ? len : ws;
	}
	printf("%-*s  %-7s  %-*s  %-*s  %-*s  %-11s  %7s  %9s\n", wr, "RULE", "PROTO", ws, "REMOTE",
	       ws, "EXTERNAL", ws, "INTERNAL", "STATE", "LEFT", "TRAFFIC");
	for (size_t k = 0; k < n; k++)
		printf("%-*s  %-7s  %-*s  %-*s  %-*s  %-11s  %7s  %9s\n", wr, rule_name(f, &v[k]),
		       l4_name(v[k].l4), ws, xlat_socket_format(&v[k].remote, r), ws,
		       xlat_socket_format(&v[k].external, e), ws, xlat_socket_format(&v[k].internal, i),
		       state_name(&v[k]), human_seconds(v[k].timeout, t, sizeof(t)),
		       human_bytes(v[k].bytes, b, sizeof(b)));
}

void mappings_print_count(bool json, size_t n)
{
	if (json)
		printf("{\"count\":%zu}\n", n);
	else
		printf("%zu mapping%s\n", n, n == 1 ? "" : "s");
}

void mappings_print(bool json, const struct mappings_filter *f, struct xlat_mapping *v,
		    size_t n)
{
	qsort(v, n, sizeof(*v), mapping_cmp);
	if (json) {
		struct json j;
		json_init(&j, stdout);
		json_array_begin(&j);
		for (size_t k = 0; k < n; k++)
			mapping_json(&j, f, &v[k], NULL);
		json_array_end(&j);
		json_finish(&j);
	} else if (n == 0) {
		printf("natgw: no mappings\n");
	} else {
		print_table(f, v, n);
	}
}

static int list_mappings(const struct cli *cli, const struct mappings_filter *f, struct nl *nl,
			 const char *table, bool count)
{
	struct list l = { .f = f };
	struct ct_sock *s = ct_open(false);
	int r;

	if (!s) {
		fprintf(stderr, "natgw: conntrack netlink: %s\n", strerror(errno));
		return EXIT_SYSTEM;
	}
	if (f->rule)
		r = ct_dump(s, f->rule->mark, MARK_RULE_MASK, list_add, &l);
	else
		r = ct_dump(s, f->scope, MARK_SCOPE_MASK, list_add, &l);
	ct_close(s);
	if (r < 0) {
		fprintf(stderr, "natgw: reading conntrack: %s\n", strerror(-r));
		free(l.v);
		return EXIT_SYSTEM;
	}
	r = ei_read(nl, table, list_add_mapping, &l);
	if (r < 0) {
		fprintf(stderr, "natgw: reading the endpoint-independent mappings: %s\n",
			strerror(-r));
		free(l.v);
		return EXIT_SYSTEM;
	}
	if (count)
		mappings_print_count(cli->json, l.n);
	else
		mappings_print(cli->json, f, l.v, l.n);
	free(l.v);
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
	struct xlat *x;
};

static void report(const struct watch *w, const char *event, const struct xlat_mapping *m)
{
	char r[NGW_ADDRSTRLEN], e[NGW_ADDRSTRLEN], i[NGW_ADDRSTRLEN];

	if (!mappings_wanted(w->f, m))
		return;
	if (w->cli->json) {
		struct json j;
		json_init(&j, stdout);
		mapping_json(&j, w->f, m, event);
		json_finish(&j);
	} else {
		printf("%-3s %s %s %s -> %s -> %s\n", event, rule_name(w->f, m), l4_name(m->l4),
		       xlat_socket_format(&m->remote, r), xlat_socket_format(&m->external, e),
		       xlat_socket_format(&m->internal, i));
	}
	fflush(stdout);
}

static void on_event(enum ct_event ev, const struct ct_entry *e, void *arg)
{
	struct watch *w = arg;
	struct xlat_mapping gone;
	bool added;

	if ((e->mark & MARK_SCOPE_MASK) != w->f->scope && ev != CT_EVENT_DESTROY)
		return;
	if (ev == CT_EVENT_DESTROY) {
		if (xlat_remove(w->x, e, &gone))
			report(w, "end", &gone);
		return;
	}
	const struct xlat_mapping *m = xlat_upsert(w->x, e, &added);
	if (m && added)
		report(w, "new", m);
}

static void resync_entry(const struct ct_entry *e, void *arg)
{
	struct watch *w = arg;
	xlat_resync_entry(w->x, e, NULL, NULL);
}

static void appeared(const struct xlat_mapping *m, void *arg)
{
	report(arg, "new", m);
}

static void ended(const struct xlat_mapping *m, void *arg)
{
	report(arg, "end", m);
}

static void resync_report_entry(const struct ct_entry *e, void *arg)
{
	struct watch *w = arg;
	xlat_resync_entry(w->x, e, appeared, w);
}

static int watch_mappings(const struct cli *cli, const struct mappings_filter *f,
			  const struct rule_index *ri)
{
	struct watch w = { cli, f, xlat_new(rule_index_kind, (void *)ri) };
	struct ct_sock *events = ct_open(true), *dump = ct_open(false);
	int status = EXIT_OK;

	if (!events || !dump) {
		fprintf(stderr, "natgw: conntrack netlink: %s\n", strerror(errno));
		status = EXIT_SYSTEM;
		goto out;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	/* subscribed first, then the table as it is: no mapping falls between */
	xlat_resync_begin(w.x);
	int r = ct_dump(dump, f->scope, MARK_SCOPE_MASK, resync_entry, &w);
	xlat_resync_end(w.x, NULL, NULL);
	while (r == 0 && !interrupted) {
		r = ct_events_read(events, true, on_event, &w);
		if (r == -ENOBUFS) {
			fprintf(stderr, "natgw: the kernel dropped conntrack events; "
				"resynchronising from a dump\n");
			/* The kernel reports a loss once, then drops silently until
			 * this socket's queue has been emptied. Empty it first, so
			 * any loss from here on is reported again, then dump: the
			 * dump covers everything dropped before. */
			do
				r = ct_events_read(events, false, on_event, &w);
			while (r == -ENOBUFS);
			if (r < 0)
				break;
			xlat_resync_begin(w.x);
			r = ct_dump(dump, f->scope, MARK_SCOPE_MASK, resync_report_entry, &w);
			xlat_resync_end(w.x, ended, &w);
		}
	}
	if (r < 0) {
		fprintf(stderr, "natgw: conntrack events: %s\n", strerror(-r));
		status = EXIT_SYSTEM;
	}
out:
	ct_close(events);
	ct_close(dump);
	xlat_free(w.x);
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
		if (ctl_daemon_request(&req, &status))
			return status;
	}
	if (cached)
		return cli_usage_error("mappings", "--cached asks natgw run for its table, and no "
				       "daemon is running");

	char table[NGW_TABLE_MAX + 1];
	struct session s;
	struct rule_index ri = { 0 };
	status = session_open_table(&s, cli, 0, table, sizeof(table));
	if (status == EXIT_OK && !s.st.exists) {
		fprintf(stderr, "natgw: there is no table inet %s (nothing applied yet?)\n", table);
		status = EXIT_SYSTEM;
	}
	if (status == EXIT_OK) {
		rule_index_build(&ri, &s.st);
		f.ri = &ri;
		f.scope = mark_scope(table);
		if (rule && !(f.rule = rule_index_by_name(&ri, rule)))
			status = cli_usage_error("mappings", "there is no rule '%s' in table inet %s",
						 rule, table);
	}
	if (status == EXIT_OK)
		status = watch ? watch_mappings(cli, &f, &ri) : list_mappings(cli, &f, &s.nl, table, count);
	rule_index_free(&ri);
	session_close(&s);
	return status;
}
