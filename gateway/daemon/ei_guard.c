/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conntrack/ei.h"
#include "conntrack/ei_cap.h"
#include "ei_guard.h"
#include "compile/fnv.h"
#include "compile/layout.h"
#include "local_ports.h"
#include "natgw/xalloc.h"

#define SOON_MS 50		/* a new mapping: count again this soon (events come in bursts) */
#define EVERY_MS 5000		/* and this often anyway: mappings idle out without an event */
#define UNMAPPED_EVERY_MS 5000	/* a look at ei_unmapped */
#define LOG_EVERY_MS 60000	/* one line per host (per rule, for full maps) a minute */

struct ei_rule {				/* its name and mark: the rule index's */
	uint32_t mark;
	uint64_t name_hash;		/* the same rule after an apply? */
	unsigned timeout, per_host;
	uint64_t unmapped;		/* ei_unmapped's count at the last look */
	bool unmapped_read;
	double unmapped_said;		/* when the maps were last said full */
	uint64_t unmapped_since;	/* sockets without a mapping since then */
};

struct ei_known {			/* an internal socket with a mapping, by rule */
	uint32_t mark;
	struct xlat_socket x;
};

struct ei_logged {
	uint32_t mark;
	struct ngw_addr host;
	double at;
};

struct ei_guard {
	const struct rule_index *ri;	/* the daemon's: names and marks */
	struct nl nl;
	bool nl_ok;
	char table[NGW_TABLE_MAX + 1];
	struct ei_rule *rules;
	size_t n_rules;
	struct ei_known *known;		/* sorted: the mappings at the last count */
	size_t n_known, cap_known;
	struct ei_logged *logged;
	size_t n_logged, cap_logged;
	double due, next_count, next_unmapped;
	bool counted_once;		/* since the rules were set */
	uint16_t *ports;		/* in ei_local_ports, as last written */
	size_t n_ports;
	bool ports_written;
	void (*log)(void *arg, const char *line);
	void *log_arg;
};

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

__attribute__((format(printf, 2, 3)))
static void say(struct ei_guard *g, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	g->log(g->log_arg, line);
}

struct ei_guard *ei_guard_new(const struct rule_index *ri,
			      void (*log)(void *arg, const char *line), void *arg)
{
	struct ei_guard *g = xcalloc(1, sizeof(*g));

	g->ri = ri;
	g->log = log;
	g->log_arg = arg;
	g->nl_ok = nl_open(&g->nl) == 0;
	return g;
}

void ei_guard_free(struct ei_guard *g)
{
	if (!g)
		return;
	if (g->nl_ok)
		nl_close(&g->nl);
	free(g->rules);
	free(g->known);
	free(g->logged);
	free(g->ports);
	free(g);
}

uint32_t ei_guard_portid(const struct ei_guard *g)
{
	return g->nl_ok ? g->nl.portid : 0;
}

void ei_guard_rules(struct ei_guard *g, const struct ngw_ruleset *rs)
{
	struct ei_rule *old = g->rules;
	size_t n_old = g->n_rules;

	snprintf(g->table, sizeof(g->table), "%s", rs->gateway.table);
	g->rules = xcalloc(rs->n_snats + 1, sizeof(*g->rules));
	g->n_rules = 0;
	for (size_t i = 0; i < rs->n_snats; i++) {
		const struct ngw_snat *s = &rs->snats[i];
		if (!s->endpoint_independent)
			continue;
		const struct rule_entry *e = rule_index_by_name(g->ri, s->name);
		if (!e)
			continue;
		struct ei_rule *r = &g->rules[g->n_rules++];
		r->mark = e->mark;
		r->name_hash = fnv64(FNV64_BASIS, s->name, strlen(s->name));
		r->timeout = s->idle_timeout;
		r->per_host = s->max_per_host;
		/* what was said of its full maps stays said */
		for (size_t o = 0; o < n_old; o++) {
			if (old[o].mark != r->mark || old[o].name_hash != r->name_hash)
				continue;
			r->unmapped = old[o].unmapped;
			r->unmapped_read = old[o].unmapped_read;
			r->unmapped_said = old[o].unmapped_said;
			r->unmapped_since = old[o].unmapped_since;
		}
	}
	free(old);
	g->n_known = 0;
	g->counted_once = false;
	g->ports_written = false;	/* a new table has none */
	g->due = g->n_rules ? now_ms() : 0;	/* the limits may have changed */
	g->next_unmapped = g->n_rules ? now_ms() : 0;
}

/* The rules are few: a look is a short walk. */
static struct ei_rule *rule_of(const struct ei_guard *g, uint32_t mark)
{
	for (size_t i = 0; i < g->n_rules; i++)
		if (g->rules[i].mark == mark)
			return &g->rules[i];
	return NULL;
}

static const char *name_of(const struct ei_guard *g, const struct ei_rule *ru)
{
	const struct rule_entry *e = rule_index_by_mark(g->ri, ru->mark);
	return e ? e->name : "?";
}

static int known_cmp(const void *pa, const void *pb)
{
	const struct ei_known *a = pa, *b = pb;
	int c = (a->mark > b->mark) - (a->mark < b->mark);
	if (!c)
		c = addr_cmp(&a->x.addr, &b->x.addr);
	return c ? c : (a->x.port > b->x.port) - (a->x.port < b->x.port);
}

static bool known(const struct ei_guard *g, uint32_t mark, const struct xlat_socket *x)
{
	struct ei_known k = { mark, *x };
	return g->n_known && bsearch(&k, g->known, g->n_known, sizeof(k), known_cmp);
}

void ei_guard_entry(struct ei_guard *g, const struct ct_entry *e)
{
	if (!g->nl_ok || !e->has_reply || e->orig.l4 != IPPROTO_UDP ||
	    !(e->status & IPS_SRC_NAT) || (e->status & IPS_DST_NAT) || !rule_of(g, e->mark))
		return;
	struct xlat_socket x = { e->orig.src, e->orig.sport };
	if (known(g, e->mark, &x))
		return;			/* another connection of a mapping counted */
	double soon = now_ms() + SOON_MS;
	if (!g->due || g->due > soon)
		g->due = soon;
}

void ei_guard_resynced(struct ei_guard *g)
{
	if (g->n_rules)
		g->due = now_ms();
}

double ei_guard_due(const struct ei_guard *g)
{
	double d = g->due;

	if (g->n_rules && (!d || g->next_count < d))
		d = g->next_count;
	if (g->n_rules && (!d || g->next_unmapped < d))
		d = g->next_unmapped;
	return d;
}

/* ---- counting ---------------------------------------------------------------- */

struct count {
	const struct ei_guard *g;
	struct ei_cap_mapping *v;
	size_t n, cap;
	struct ei_host *full;		/* what ei_full holds now */
	size_t n_full, cap_full;
};

static void count_mapping(const struct xlat_mapping *m, void *arg)
{
	struct count *c = arg;

	if (!rule_of(c->g, m->mark))
		return;
	c->v = grow(c->v, &c->cap, c->n, sizeof(*c->v));
	c->v[c->n++] = (struct ei_cap_mapping){ .mark = m->mark, .x = m->internal,
						.e = m->external, .timeout = m->timeout,
						.known = known(c->g, m->mark, &m->internal) };
}

static void count_full(const struct ei_host *h, void *arg)
{
	struct count *c = arg;
	c->full = grow(c->full, &c->cap_full, c->n_full, sizeof(*c->full));
	c->full[c->n_full++] = *h;
}

static bool log_due(struct ei_guard *g, uint32_t mark, const struct ngw_addr *host, double t)
{
	for (size_t i = 0; i < g->n_logged; i++) {
		struct ei_logged *l = &g->logged[i];
		if (l->mark != mark || addr_cmp(&l->host, host))
			continue;
		if (t - l->at < LOG_EVERY_MS)
			return false;
		l->at = t;
		return true;
	}
	g->logged = grow(g->logged, &g->cap_logged, g->n_logged, sizeof(*g->logged));
	g->logged[g->n_logged++] = (struct ei_logged){ mark, *host, t };
	return true;
}

/* One transaction; an element that idled out meanwhile is no failure. */
static int write_ok(struct ei_guard *g, const struct ei_write *w, size_t n)
{
	int r = ei_write(&g->nl, g->table, w, n, 0);
	return r == -ENOENT ? 0 : r;
}

/* The mapping goes; its socket and its external socket stay in use by the
 * connections it has, as ordinary snat. */
static int evict(struct ei_guard *g, const struct ei_rule *r, const struct ei_cap_mapping *m)
{
	uint8_t fam = m->x.addr.family;
	struct ei_write del[] = {
		{ .set = ei_set(KSET_EI_SNAT4, fam), .key = &m->x },
		{ .set = ei_set(KSET_EI_DNAT4, fam), .key = &m->e },
		{ .set = ei_set(KSET_EI_MARK4, fam), .key = &m->e },
	};
	struct ei_write add[] = {
		{ .set = ei_set(KSET_EI_CAPPED4, fam), .add = true, .key = &m->x,
		  .timeout = r->timeout },
		{ .set = ei_set(KSET_EI_BUSY4, fam), .add = true, .key = &m->e,
		  .timeout = NATGW_EI_BUSY_S },
	};
	int rr = write_ok(g, del, 3);
	return rr < 0 ? rr : write_ok(g, add, 2);
}

static bool in_full(const struct ei_host *v, size_t n, uint32_t mark, const struct ngw_addr *a)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].mark == mark && !addr_cmp(&v[i].host, a))
			return true;
	return false;
}

static int addr_qcmp(const void *a, const void *b)
{
	return addr_cmp(a, b);
}

struct uncap {
	const struct ngw_addr *hosts;	/* sorted */
	size_t n_hosts;
	struct xlat_socket *v;		/* the capped sockets of those hosts */
	size_t n, cap;
};

/* Picks them during the dump; they are deleted after it (one socket, one
 * request at a time). */
static void uncap_pick(const struct xlat_socket *x, void *arg)
{
	struct uncap *u = arg;
	if (!bsearch(&x->addr, u->hosts, u->n_hosts, sizeof(*u->hosts), addr_qcmp))
		return;
	u->v = grow(u->v, &u->cap, u->n, sizeof(*u->v));
	u->v[u->n++] = *x;
}

/* Whether (mark . host) is among full (sorted by mark, then host, as
 * ei_cap_plan() makes it). */
static bool at_limit(const struct ei_cap_host *full, size_t n_full, uint32_t mark,
		     const struct ngw_addr *host)
{
	size_t lo = 0, hi = n_full;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = full[mid].mark != mark ? (full[mid].mark < mark ? -1 : 1)
					       : addr_cmp(&full[mid].host, host);
		if (!c)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* The kernel counts a host's mappings by the connections that opened them
 * (ei_hosts, ct count). A connection can outlive its mapping: a remote
 * still sending to a socket that stopped, or an idle_timeout shorter than
 * conntrack's UDP timeouts. Then the kernel refuses mappings the limit
 * allows. So when a host below its limit lost a mapping (or at the first
 * count), its kernel count starts again and its capped sockets are freed;
 * a burst right after is still counted, and anything past the limit is
 * taken away at the next count. Sorted lists throughout: the maps hold
 * up to 65,535 mappings a family. */
static void restart_counts(struct ei_guard *g, const struct count *c,
			   const struct ei_cap_host *full, size_t n_full)
{
	struct ei_known *cur = NULL, *lost = NULL;
	struct ngw_addr *hosts = NULL;
	size_t n_cur = 0, cap_cur = 0, n_lost = 0, cap_lost = 0, n_hosts = 0, cap_hosts = 0;

	for (size_t i = 0; i < c->n; i++) {
		cur = grow(cur, &cap_cur, n_cur, sizeof(*cur));
		cur[n_cur++] = (struct ei_known){ c->v[i].mark, c->v[i].x };
	}
	if (n_cur)
		qsort(cur, n_cur, sizeof(*cur), known_cmp);
	/* the hosts (by rule) that lost a mapping; all of them the first time */
	const struct ei_known *from = g->counted_once ? g->known : cur;
	size_t n_from = g->counted_once ? g->n_known : n_cur;
	for (size_t k = 0; k < n_from; k++) {
		if (!rule_of(g, from[k].mark) || (g->counted_once && n_cur &&
		    bsearch(&from[k], cur, n_cur, sizeof(*cur), known_cmp)))
			continue;
		lost = grow(lost, &cap_lost, n_lost, sizeof(*lost));
		lost[n_lost++] = (struct ei_known){ from[k].mark, { .addr = from[k].x.addr } };
	}
	if (n_lost)
		qsort(lost, n_lost, sizeof(*lost), known_cmp);
	for (size_t k = 0; k < n_lost; k++) {
		if ((k && !known_cmp(&lost[k - 1], &lost[k])) ||
		    at_limit(full, n_full, lost[k].mark, &lost[k].x.addr))
			continue;
		const struct ei_rule *ru = rule_of(g, lost[k].mark);
		struct ei_write w = { .set = ei_set(KSET_EI_HOSTS4, lost[k].x.addr.family),
				      .key = &lost[k].x, .host_mark = &ru->mark };
		int r = write_ok(g, &w, 1);
		if (r < 0)
			say(g, "snat \"%s\": starting the count of a host again failed: %s",
			    name_of(g, ru), strerror(-r));
		hosts = grow(hosts, &cap_hosts, n_hosts, sizeof(*hosts));
		hosts[n_hosts++] = lost[k].x.addr;
	}
	g->counted_once = true;
	if (n_hosts) {
		qsort(hosts, n_hosts, sizeof(*hosts), addr_qcmp);
		struct uncap u = { .hosts = hosts, .n_hosts = n_hosts };
		int r = ei_read_sockets(&g->nl, g->table, KSET_EI_CAPPED4, uncap_pick, &u);
		for (size_t i = 0; r == 0 && i < u.n; i++) {
			struct ei_write w = { .set = ei_set(KSET_EI_CAPPED4, u.v[i].addr.family),
					      .key = &u.v[i] };
			r = write_ok(g, &w, 1);
		}
		if (r < 0)
			say(g, "freeing capped sockets: %s", strerror(-r));
		free(u.v);
	}
	free(cur);
	free(lost);
	free(hosts);
}

static bool has_port(const uint16_t *v, size_t n, uint16_t p);

/* A mapping made on a port the router listens on (before natgw run looked,
 * or before the service started) goes: datagrams to it reach the router,
 * so the host was told an external socket nobody can reach it at. */
static void off_local_ports(struct ei_guard *g, struct count *c)
{
	size_t gone = 0;
	int r = 0;

	for (size_t i = 0; r == 0 && i < c->n; i++) {
		struct ei_cap_mapping *m = &c->v[i];
		if (m->evict || !has_port(g->ports, g->n_ports, m->e.port))
			continue;
		uint8_t fam = m->x.addr.family;
		struct ei_write del[] = {
			{ .set = ei_set(KSET_EI_SNAT4, fam), .key = &m->x },
			{ .set = ei_set(KSET_EI_DNAT4, fam), .key = &m->e },
			{ .set = ei_set(KSET_EI_MARK4, fam), .key = &m->e },
		};
		r = write_ok(g, del, 3);
		if (r == 0) {
			m->evict = true;	/* not known any more */
			gone++;
		}
	}
	if (r < 0)
		say(g, "taking mappings off the router's own ports failed: %s", strerror(-r));
	else if (gone)
		say(g, "%zu endpoint-independent mapping%s had a port the router itself listens "
		    "on; taken away (their sockets get another port for new destinations)", gone,
		    gone == 1 ? "" : "s");
}

static void recount(struct ei_guard *g, double now)
{
	struct count c = { .g = g };
	struct ei_cap_rule *rules = xcalloc(g->n_rules + 1, sizeof(*rules));
	struct ei_cap_host *full = NULL;
	size_t n_full = 0;

	for (size_t i = 0; i < g->n_rules; i++)
		rules[i] = (struct ei_cap_rule){ g->rules[i].mark, g->rules[i].per_host };
	int r = ei_read(&g->nl, g->table, count_mapping, &c);
	if (r == 0)
		r = ei_read_full(&g->nl, g->table, count_full, &c);
	if (r < 0) {
		say(g, "counting endpoint-independent mappings: %s", strerror(-r));
		goto out;
	}
	ei_cap_plan(rules, g->n_rules, c.v, c.n, &full, &n_full);

	/* hosts at their limit: in ei_full, for another idle_timeout */
	for (size_t i = 0; i < n_full; i++) {
		const struct ei_cap_host *h = &full[i];
		const struct ei_rule *ru = rule_of(g, h->mark);
		struct xlat_socket hs = { .addr = h->host };
		struct ei_write w[] = {
			{ .set = ei_set(KSET_EI_FULL4, h->host.family), .key = &hs,
			  .host_mark = &h->mark },
			{ .set = ei_set(KSET_EI_FULL4, h->host.family), .add = true, .key = &hs,
			  .host_mark = &h->mark, .timeout = ru->timeout },
		};
		bool was = in_full(c.full, c.n_full, h->mark, &h->host);
		int wr = was ? write_ok(g, w, 1) : 0;	/* renewed: out and in again */
		if (wr == 0)
			wr = write_ok(g, w + 1, 1);
		char hb[NGW_ADDRSTRLEN];
		addr_format(&h->host, hb);
		if (wr < 0)
			say(g, "snat \"%s\": %s has reached max_per_host, but writing that down "
			    "failed: %s", name_of(g, ru), hb, strerror(-wr));
		else if (!was && log_due(g, h->mark, &h->host, now))
			say(g, "snat \"%s\": %s has reached max_per_host (%u endpoint-independent "
			    "mappings); its next sockets go out as ordinary snat", name_of(g, ru), hb,
			    ru->per_host);
	}
	/* hosts below it again */
	for (size_t i = 0; i < c.n_full; i++) {
		const struct ei_host *h = &c.full[i];
		bool still = false;
		for (size_t k = 0; k < n_full && !still; k++)
			still = full[k].mark == h->mark && !addr_cmp(&full[k].host, &h->host);
		if (still)
			continue;
		struct xlat_socket hs = { .addr = h->host };
		struct ei_write w = { .set = ei_set(KSET_EI_FULL4, h->host.family), .key = &hs,
				      .host_mark = &h->mark };
		int wr = write_ok(g, &w, 1);
		if (wr < 0)
			say(g, "taking a host off max_per_host failed: %s", strerror(-wr));
	}
	/* mappings past the limit (made while the kernel could not count
	 * them: their opening connections had ended) */
	for (size_t i = 0; i < n_full; i++) {
		const struct ei_cap_host *h = &full[i];
		if (!h->evicted)
			continue;
		const struct ei_rule *ru = rule_of(g, h->mark);
		size_t gone = 0;
		int wr = 0;
		for (size_t k = 0; k < c.n && wr == 0; k++) {
			const struct ei_cap_mapping *m = &c.v[k];
			if (m->evict && m->mark == h->mark && !addr_cmp(&m->x.addr, &h->host) &&
			    (wr = evict(g, ru, m)) == 0)
				gone++;
		}
		char hb[NGW_ADDRSTRLEN];
		addr_format(&h->host, hb);
		if (wr < 0)
			say(g, "snat \"%s\": taking %s's mappings past max_per_host away failed: "
			    "%s", name_of(g, ru), hb, strerror(-wr));
		else
			say(g, "snat \"%s\": %s held %zu endpoint-independent mappings, %u allowed "
			    "(max_per_host); %zu taken away, their sockets go on as ordinary snat",
			    name_of(g, ru), hb, h->count, ru->per_host, gone);
	}
	restart_counts(g, &c, full, n_full);
	off_local_ports(g, &c);
	/* what was counted, for telling new mappings from known ones */
	g->n_known = 0;
	for (size_t i = 0; i < c.n; i++) {
		if (c.v[i].evict)
			continue;
		g->known = grow(g->known, &g->cap_known, g->n_known, sizeof(*g->known));
		g->known[g->n_known++] = (struct ei_known){ c.v[i].mark, c.v[i].x };
	}
	if (g->n_known)
		qsort(g->known, g->n_known, sizeof(*g->known), known_cmp);
out:
	free(c.v);
	free(c.full);
	free(full);
	free(rules);
}

/* ---- the router's own ports ------------------------------------------------- */

static bool has_port(const uint16_t *v, size_t n, uint16_t p)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == p)
			return true;
	return false;
}

/* ei_local_ports follows the router's unconnected UDP sockets, so no
 * mapping is given a port a service of the router takes datagrams on. */
static void sync_local_ports(struct ei_guard *g)
{
	uint16_t *now = NULL;
	size_t n = 0;
	int r = local_udp_ports(&now, &n);

	for (size_t i = 0; r == 0 && i < n; i++) {
		if (g->ports_written && has_port(g->ports, g->n_ports, now[i]))
			continue;
		struct xlat_socket s = { .port = now[i] };
		struct ei_write w = { .set = KSET_EI_LOCAL_PORTS, .add = true, .key = &s,
				      .port_only = true };
		r = write_ok(g, &w, 1);
	}
	for (size_t i = 0; r == 0 && g->ports_written && i < g->n_ports; i++) {
		if (has_port(now, n, g->ports[i]))
			continue;
		struct xlat_socket s = { .port = g->ports[i] };
		struct ei_write w = { .set = KSET_EI_LOCAL_PORTS, .key = &s, .port_only = true };
		r = write_ok(g, &w, 1);
	}
	if (r < 0) {
		say(g, "keeping the router's own UDP ports off mappings: %s", strerror(-r));
		free(now);
		return;
	}
	free(g->ports);
	g->ports = now;
	g->n_ports = n;
	g->ports_written = true;
}

/* ---- full maps -------------------------------------------------------------- */

struct unmapped_look {
	struct ei_guard *g;
	double now;
};

static void unmapped_seen(uint32_t mark, uint64_t count, void *arg)
{
	struct unmapped_look *l = arg;
	struct ei_rule *ru = rule_of(l->g, mark);

	if (!ru)
		return;
	/* the first look counts from zero: full maps before the daemon
	 * started are said too */
	uint64_t before = ru->unmapped_read ? ru->unmapped : 0;
	ru->unmapped_since += count > before ? count - before : 0;
	ru->unmapped = count;
	ru->unmapped_read = true;
	if (!ru->unmapped_since ||
	    (ru->unmapped_said && l->now - ru->unmapped_said < LOG_EVERY_MS))
		return;
	say(l->g, "snat \"%s\": the endpoint-independent maps are full (65535 mappings per "
	    "address family); %llu new connections went out as ordinary snat, without a mapping",
	    name_of(l->g, ru), (unsigned long long)ru->unmapped_since);
	ru->unmapped_said = l->now;
	ru->unmapped_since = 0;
}

static void look_unmapped(struct ei_guard *g, double now)
{
	struct unmapped_look l = { g, now };
	int r = ei_read_unmapped(&g->nl, g->table, unmapped_seen, &l);
	if (r < 0)
		say(g, "reading ei_unmapped: %s", strerror(-r));
}

void ei_guard_run(struct ei_guard *g, double now)
{
	if (!g->nl_ok || !g->n_rules)
		return;
	if ((g->due && g->due <= now) || g->next_count <= now) {
		g->due = 0;
		g->next_count = now + EVERY_MS;
		sync_local_ports(g);
		recount(g, now);
	}
	if (g->next_unmapped <= now) {
		g->next_unmapped = now + UNMAPPED_EVERY_MS;
		look_unmapped(g, now);
	}
}
