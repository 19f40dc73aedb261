/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <linux/netfilter/nf_tables.h>

#include "json.h"
#include "trace_print.h"

void trace_print_text(FILE *out, const struct trace_run *t, unsigned seconds)
{
	char flow[2 * NGW_ADDRSTRLEN + 16], line[3 * TRACE_NAME_MAX + 256];

	for (size_t i = 0; i < t->n; i++) {
		const struct trace_packet *p = &t->v[i];
		trace_flow_format(&p->seen, flow, sizeof(flow));
		fprintf(out, "packet %u (%s%s)\n", p->number, p->reply ? "reply " : "", flow);
		for (size_t k = 0; k < p->n_hops; k++)
			fprintf(out, "  %s\n", trace_hop_format(&p->hops[k], line, sizeof(line)));
		fprintf(out, "packet %u (%s%s): %s\n", p->number, p->reply ? "reply " : "", flow,
			trace_packet_outcome(t, p, seconds, line, sizeof(line)));
	}
}

static const char *type_name(uint32_t type)
{
	return type == NFT_TRACETYPE_POLICY ? "policy" :
	       type == NFT_TRACETYPE_RETURN ? "return" : "rule";
}

static const char *outcome_word(const struct trace_packet *p)
{
	static const char *const words[] = {
		[TRACE_END_NONE] = "lost", [TRACE_END_DROPPED] = "dropped",
		[TRACE_END_LEFT] = "left", [TRACE_END_LOCAL] = "local",
	};
	return words[p->end];
}

static void hop_json(struct json *j, const struct trace_hop *h)
{
	json_object_begin(j);
	json_key(j, "family");
	json_string(j, trace_family_name(h->family));
	json_key(j, "table");
	json_string(j, h->table);
	json_key(j, "chain");
	json_string(j, h->chain);
	json_key(j, "type");
	json_string(j, type_name(h->type));
	json_key(j, "handle");
	json_uint(j, h->handle);
	json_key(j, "verdict");
	json_string(j, trace_verdict_name(h->verdict));
	json_key(j, "target");
	json_string(j, h->jump);
	json_object_end(j);
}

void trace_print_json(FILE *out, const struct trace_run *t, unsigned seconds)
{
	char flow[2 * NGW_ADDRSTRLEN + 16], line[3 * TRACE_NAME_MAX + 256];
	struct json j;

	json_init(&j, out);
	json_array_begin(&j);
	for (size_t i = 0; i < t->n; i++) {
		const struct trace_packet *p = &t->v[i];
		json_object_begin(&j);
		json_key(&j, "packet");
		json_uint(&j, p->number);
		json_key(&j, "reply");
		json_bool(&j, p->reply);
		json_key(&j, "reply_of");
		json_uint(&j, p->reply_of);
		json_key(&j, "flow");
		json_string(&j, trace_flow_format(&p->seen, flow, sizeof(flow)));
		json_key(&j, "path");
		json_array_begin(&j);
		for (size_t k = 0; k < p->n_hops; k++)
			hop_json(&j, &p->hops[k]);
		json_array_end(&j);
		json_key(&j, "outcome");
		json_string(&j, outcome_word(p));
		json_key(&j, "dropped_by");
		if (p->end == TRACE_END_DROPPED && p->drop_hop < p->n_hops)
			hop_json(&j, &p->hops[p->drop_hop]);
		else {
			json_object_begin(&j);
			json_object_end(&j);
		}
		json_key(&j, "out");
		json_string(&j, p->out.known ? trace_flow_format(&p->out, flow, sizeof(flow)) : "");
		json_key(&j, "answered");
		json_bool(&j, p->answered);
		json_key(&j, "summary");
		json_string(&j, trace_packet_outcome(t, p, seconds, line, sizeof(line)));
		json_object_end(&j);
	}
	json_array_end(&j);
	json_finish(&j);
}
