/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The snat shadowing warning against brute force: random snat lists over a
 * small world (16 source addresses of each family, four egress interfaces,
 * tcp, udp and icmp, three source ports), where "rule E takes all of rule
 * L's traffic" is decided by trying every packet. natgw must warn of L,
 * naming the earliest such E, exactly when there is one. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "natgw/rules.h"

#define N_RULES	12
#define N_ADDR	16			/* 192.0.2.0/28 and 2001:db8::/124 */
static const char *const ifaces[] = { "eth0", "eth1", "eth2", "other" };	/* other: in no list */
static const unsigned sports[] = { 5060, 5061, 7 };

enum l4 { TCP, UDP, ICMP };

struct prefix {
	bool v6;
	unsigned addr, len;		/* addr: 0..15, len: 28..32 (as of the /28) */
};

struct rule {
	struct prefix from[2];
	unsigned n_from;
	unsigned proto;			/* 0 any, 1 tcp, 2 udp, 3 both */
	unsigned port;			/* 0, or the socket's port */
	bool out[3];			/* none set: every interface */
};

static unsigned rnd(unsigned n)
{
	return (unsigned)(random() % n);
}

static void random_rule(struct rule *r)
{
	memset(r, 0, sizeof(*r));
	r->proto = rnd(4);
	if (r->proto && rnd(4) == 0) {	/* a socket: one host and one port */
		r->n_from = 1;
		r->from[0] = (struct prefix){ rnd(3) == 0, rnd(N_ADDR), 32 };
		r->port = sports[rnd(2)];
	} else {
		r->n_from = 1 + rnd(2);
		for (unsigned i = 0; i < r->n_from; i++) {
			unsigned len = 28 + rnd(5);
			unsigned size = 1u << (32 - len);
			r->from[i] = (struct prefix){ rnd(4) == 0, rnd(N_ADDR) / size * size, len };
		}
		if (r->n_from == 2 && r->from[0].v6 == r->from[1].v6 &&
		    r->from[0].addr == r->from[1].addr && r->from[0].len == r->from[1].len)
			r->n_from = 1;	/* the same prefix twice */
	}
	if (rnd(3))
		for (unsigned i = 0; i < 3; i++)
			r->out[i] = rnd(2);
}

static bool in_prefix(const struct prefix *p, bool v6, unsigned addr)
{
	unsigned size = 1u << (32 - p->len);
	return p->v6 == v6 && addr / size * size == p->addr;
}

static bool matches(const struct rule *r, bool v6, unsigned addr, enum l4 l4, unsigned sport,
		    unsigned iface)
{
	bool from = false, out = !r->out[0] && !r->out[1] && !r->out[2];

	for (unsigned i = 0; i < r->n_from; i++)
		from |= in_prefix(&r->from[i], v6, addr);
	if (iface < 3)
		out |= r->out[iface];
	if (!from || !out)
		return false;
	if (r->proto == 1 && l4 != TCP)
		return false;
	if (r->proto == 2 && l4 != UDP)
		return false;
	if (r->proto == 3 && l4 == ICMP)
		return false;
	return !r->port || (l4 != ICMP && sport == r->port);
}

/* Whether e matches every packet l does. */
static bool covers(const struct rule *e, const struct rule *l)
{
	for (int v6 = 0; v6 <= 1; v6++)
		for (unsigned a = 0; a < N_ADDR; a++)
			for (int l4 = TCP; l4 <= ICMP; l4++)
				for (unsigned s = 0; s < 3; s++)
					for (unsigned i = 0; i < 4; i++)
						if (matches(l, v6, a, l4, sports[s], i) &&
						    !matches(e, v6, a, l4, sports[s], i))
							return false;
	return true;
}

static void put_prefix(FILE *f, const struct prefix *p)
{
	if (p->v6)
		fprintf(f, "\"2001:db8::%x/%u\"", p->addr, p->len + 96);
	else
		fprintf(f, "192.0.2.%u/%u", p->addr, p->len);
}

static void put_rule(FILE *f, unsigned i, const struct rule *r)
{
	static const char *const protos[] = { "any", "tcp", "udp", "both" };

	fprintf(f, "  - name: r%u\n    proto: %s\n    from: ", i, protos[r->proto]);
	if (r->port && r->from[0].v6)
		fprintf(f, "\"[2001:db8::%x]:%u\"\n", r->from[0].addr, r->port);
	else if (r->port)
		fprintf(f, "192.0.2.%u:%u\n", r->from[0].addr, r->port);
	for (unsigned k = 0; !r->port && k < r->n_from; k++) {
		fputs(k ? ", " : "[", f);
		put_prefix(f, &r->from[k]);
	}
	if (!r->port)
		fputs("]\n", f);
	bool any = false;
	for (unsigned k = 0; k < 3; k++) {
		if (!r->out[k])
			continue;
		fprintf(f, "%s%s", any ? ", " : "    out: [", ifaces[k]);
		any = true;
	}
	if (any)
		fputs("]\n", f);
}

/* The rule a warning about r<l> names, or -1 when there is none. */
static int warned(const struct ngw_diags *d, unsigned l)
{
	char want[64];
	int n = snprintf(want, sizeof(want), "snat \"r%u\" never matches: snat \"r", l);

	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].severity == NGW_WARNING && !strncmp(d->v[i].message, want, (size_t)n))
			return atoi(d->v[i].message + n);
	return -1;
}

int main(void)
{
	unsigned shadowed = 0;

	srandom(16);
	for (unsigned round = 0; round < 3000; round++) {
		struct rule rules[N_RULES];
		unsigned n = 2 + rnd(N_RULES - 1);
		char *yaml = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&yaml, &len);

		fputs("version: 1\nsnat:\n", f);
		for (unsigned i = 0; i < n; i++) {
			random_rule(&rules[i]);
			put_rule(f, i, &rules[i]);
		}
		fclose(f);

		struct ngw_ruleset *rs = NULL;
		struct ngw_diags d;
		diags_init(&d);
		rules_load_buffer("t.yaml", yaml, len, &rs, &d);
		CHECK(rs && d.errors == 0, "round %u: not valid:\n%s%s", round, yaml,
		      d.n ? d.v[0].message : "");
		size_t warnings = 0;
		for (unsigned l = 0; rs && l < n; l++) {
			int want = -1;
			for (unsigned e = 0; e < l && want < 0; e++)
				if (covers(&rules[e], &rules[l]))
					want = (int)e;
			int got = warned(&d, l);
			shadowed += want >= 0;
			warnings += got >= 0;
			CHECK(got == want, "round %u: r%u: warned of r%d, expected r%d:\n%s", round,
			      l, got, want, yaml);
		}
		CHECK(warnings == d.warnings, "round %u: %zu warnings, %zu of them shadowing",
		      round, d.warnings, warnings);
		ruleset_free(rs);
		diags_free(&d);
		free(yaml);
	}
	/* the world is small enough that many rules are shadowed, and not all */
	CHECK(shadowed > 1000, "only %u shadowed rules", shadowed);
	printf("%u shadowed rules found\n", shadowed);
	return check_summary();
}
