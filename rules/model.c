/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The rule model's own helpers: freeing a ruleset, counting its enabled
 * forwards, the names of its protocols and modes. Apart from the pipeline
 * (ruleset.c) because the stages below it need them too (load.c frees a
 * model, print.c names values); it calls nothing else in rules/. */
#include <stdlib.h>

#include "natgw/rules.h"

static void ifaces_free(struct ngw_ifaces *l)
{
	free(l->name);
}

void ruleset_free(struct ngw_ruleset *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->n_forwards; i++) {
		free(rs->forwards[i].from.v);
		ifaces_free(&rs->forwards[i].in);
		free(rs->forwards[i].comment);
	}
	for (size_t i = 0; i < rs->n_snats; i++) {
		free(rs->snats[i].from.v);
		ifaces_free(&rs->snats[i].out);
	}
	ifaces_free(&rs->gateway.wan);
	ifaces_free(&rs->gateway.lan);
	free(rs->forwards);
	free(rs->snats);
	free(rs->file);
	free(rs);
}

size_t ruleset_count_enabled_forwards(const struct ngw_ruleset *rs)
{
	size_t n = 0;
	for (size_t i = 0; i < rs->n_forwards; i++)
		n += rs->forwards[i].enabled;
	return n;
}

const char *proto_name(enum ngw_proto p)
{
	switch (p) {
	case NGW_PROTO_TCP:
		return "tcp";
	case NGW_PROTO_UDP:
		return "udp";
	case NGW_PROTO_BOTH:
		return "both";
	case NGW_PROTO_ANY:
		break;
	}
	return "any";
}

const char *snat_mode_name(enum ngw_snat_mode m)
{
	static const char *const names[] = { "default", "random", "fully-random", "persistent" };
	return names[m];
}
