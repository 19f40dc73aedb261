/* SPDX-License-Identifier: GPL-2.0-or-later */
/* natgw mappings' answer: an aligned table or a JSON array with SPEC
 * section 4's keys, a count, or one line per event for --watch. */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "human.h"
#include "json.h"
#include "compile/layout.h"
#include "mappings_print.h"

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

static void print_table(FILE *out, const struct mappings_filter *f, const struct xlat_mapping *v,
			size_t n)
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
	fprintf(out, "%-*s  %-7s  %-*s  %-*s  %-*s  %-11s  %7s  %9s\n", wr, "RULE", "PROTO", ws,
		"REMOTE", ws, "EXTERNAL", ws, "INTERNAL", "STATE", "LEFT", "TRAFFIC");
	for (size_t k = 0; k < n; k++)
		fprintf(out, "%-*s  %-7s  %-*s  %-*s  %-*s  %-11s  %7s  %9s\n", wr, rule_name(f, &v[k]),
		       l4_name(v[k].l4), ws, xlat_socket_format(&v[k].remote, r), ws,
		       xlat_socket_format(&v[k].external, e), ws, xlat_socket_format(&v[k].internal, i),
		       state_name(&v[k]), human_seconds(v[k].timeout, t, sizeof(t)),
		       human_bytes(v[k].bytes, b, sizeof(b)));
}

void mappings_print_count(FILE *out, bool json, size_t n)
{
	if (json)
		fprintf(out, "{\"count\":%zu}\n", n);
	else
		fprintf(out, "%zu mapping%s\n", n, n == 1 ? "" : "s");
}

void mappings_print(FILE *out, bool json, const struct mappings_filter *f, struct xlat_mapping *v,
		    size_t n)
{
	qsort(v, n, sizeof(*v), mapping_cmp);
	if (json) {
		struct json j;
		json_init(&j, out);
		json_array_begin(&j);
		for (size_t k = 0; k < n; k++)
			mapping_json(&j, f, &v[k], NULL);
		json_array_end(&j);
		json_finish(&j);
	} else if (n == 0) {
		fprintf(out, "natgw: no mappings\n");
	} else {
		print_table(out, f, v, n);
	}
}

void mappings_print_event(FILE *out, bool json, const struct mappings_filter *f, const char *event,
			  const struct xlat_mapping *m)
{
	char r[NGW_ADDRSTRLEN], e[NGW_ADDRSTRLEN], i[NGW_ADDRSTRLEN];

	if (json) {
		struct json j;
		json_init(&j, out);
		mapping_json(&j, f, m, event);
		json_finish(&j);
	} else {
		fprintf(out, "%-3s %s %s %s -> %s -> %s\n", event, rule_name(f, m), l4_name(m->l4),
		       xlat_socket_format(&m->remote, r), xlat_socket_format(&m->external, e),
		       xlat_socket_format(&m->internal, i));
	}
	fflush(out);
}

