/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <libnftnl/set.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ei.h"
#include "ei_guard.h"
#include "grow.h"
#include "layout.h"

#define CACHE_MS 2000		/* how old the per-host counts may be */
#define LOG_EVERY_MS 60000	/* one "reached max_per_host" line per host per minute */
#define PORT_TRIES 64		/* free external ports looked for after a collision */

struct ei_rule {
	char name[NGW_NAME_MAX + 1];
	uint32_t mark;
	unsigned timeout, per_host;
	uint16_t port_lo, port_hi;	/* where a free external port may be */
};

struct ei_known {			/* an internal socket with a mapping, by rule */
	uint32_t mark;
	struct xlat_socket x;
};

struct ei_logged {
	struct ngw_addr host;
	double at;
};

struct ei_guard {
	struct nl nl;
	bool nl_ok;
	char table[NGW_TABLE_MAX + 1];
	struct ei_rule *rules;
	size_t n_rules;
	struct ei_known *known;		/* sorted; from the kernel every CACHE_MS */
	size_t n_known, cap_known;
	double known_at;
	struct ei_logged *logged;
	size_t n_logged, cap_logged;
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

struct ei_guard *ei_guard_new(void (*log)(void *arg, const char *line), void *arg)
{
	struct ei_guard *g = calloc(1, sizeof(*g));

	if (!g)
		abort();
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
	free(g);
}

void ei_guard_rules(struct ei_guard *g, const struct ngw_ruleset *rs, const struct kmodel *m)
{
	snprintf(g->table, sizeof(g->table), "%s", m->table);
	free(g->rules);
	g->rules = calloc(rs->n_snats + 1, sizeof(*g->rules));
	if (!g->rules)
		abort();
	g->n_rules = 0;
	for (size_t i = 0; i < rs->n_snats; i++) {
		const struct ngw_snat *s = &rs->snats[i];
		if (!s->endpoint_independent)
			continue;
		for (size_t k = 0; k < m->n_rules; k++) {
			if (strcmp(m->rules[k].name, s->name))
				continue;
			struct ei_rule *r = &g->rules[g->n_rules++];
			snprintf(r->name, sizeof(r->name), "%s", s->name);
			r->mark = m->rules[k].mark;
			r->timeout = s->idle_timeout;
			r->per_host = s->max_per_host;
			r->port_lo = s->to_port.lo ? s->to_port.lo : 1024;
			r->port_hi = s->to_port.lo ? s->to_port.hi : 65535;
		}
	}
	g->known_at = 0;	/* counts again from the kernel */
}

/* ---- the kernel's maps, one element at a time --------------------------- */

struct get_req {
	const char *table, *set;
	uint8_t key[EI_KEY_MAX];
	size_t key_len;
};

struct get_answer {
	uint8_t family;
	bool found;
	struct xlat_socket data;
};

static void build_get(struct nlmsghdr *nlh, const void *arg)
{
	const struct get_req *req = arg;
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_set_elem *e = nftnl_set_elem_alloc();

	if (!s || !e)
		abort();
	nftnl_set_set_str(s, NFTNL_SET_TABLE, req->table);
	nftnl_set_set_str(s, NFTNL_SET_NAME, req->set);
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, req->key, (uint32_t)req->key_len);
	nftnl_set_elem_add(s, e);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
}

static int get_cb(const struct nlmsghdr *nlh, void *data)
{
	struct get_answer *a = data;
	struct nftnl_set *s = nftnl_set_alloc();

	if (s && nftnl_set_elems_nlmsg_parse(nlh, s) == 0) {
		struct nftnl_set_elems_iter *it = nftnl_set_elems_iter_create(s);
		struct nftnl_set_elem *e = it ? nftnl_set_elems_iter_next(it) : NULL;
		uint32_t len = 0;
		const void *d = e ? nftnl_set_elem_get(e, NFTNL_SET_ELEM_DATA, &len) : NULL;
		a->found = d && ei_socket_from(d, len, a->family, &a->data);
		nftnl_set_elems_iter_destroy(it);
	}
	nftnl_set_free(s);
	return MNL_CB_OK;
}

/* The socket a map gives for s: 1 found, 0 none, -errno. */
static int map_get(struct ei_guard *g, enum kset set, const struct xlat_socket *s,
		   struct xlat_socket *out)
{
	struct get_req req = { .table = g->table, .set = kset_defs[set].name };
	struct get_answer a = { .family = s->addr.family };

	req.key_len = ei_key(s, req.key);
	int r = nl_get(&g->nl, NFT_MSG_GETSETELEM, NFPROTO_INET, build_get, &req, get_cb, &a);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (a.found)
		*out = a.data;
	return a.found;
}

static bool same(const struct xlat_socket *a, const struct xlat_socket *b)
{
	return a->port == b->port && addr_cmp(&a->addr, &b->addr) == 0;
}

/* ---- collisions ------------------------------------------------------------ */

/* A port of e's external address no mapping holds, within the rule's range. */
static int free_external(struct ei_guard *g, const struct ei_rule *r,
			 const struct xlat_socket *taken, struct xlat_socket *out)
{
	unsigned span = (unsigned)r->port_hi - r->port_lo + 1;

	for (unsigned i = 1; i <= PORT_TRIES && i < span; i++) {
		struct xlat_socket c = *taken, holder;
		c.port = (uint16_t)(r->port_lo + (taken->port - r->port_lo + i) % span);
		int got = map_get(g, ei_set(KSET_EI_DNAT4, c.addr.family), &c, &holder);
		if (got < 0)
			return got;
		if (got == 0) {
			*out = c;
			return 0;
		}
	}
	return -EADDRINUSE;
}

static void collision(struct ei_guard *g, const struct ei_rule *r, const struct xlat_socket *x,
		      const struct xlat_socket *e, const struct xlat_socket *holder)
{
	char xs[NGW_ADDRSTRLEN], es[NGW_ADDRSTRLEN], hs[NGW_ADDRSTRLEN], ns[NGW_ADDRSTRLEN];
	struct xlat_socket cur, fresh;
	uint8_t fam = x->addr.family;

	int got = map_get(g, ei_set(KSET_EI_SNAT4, fam), x, &cur);
	if (got > 0 && !same(&cur, e))
		return;		/* x has moved already: another of its flows */
	int rr = got < 0 ? got : free_external(g, r, e, &fresh);
	xlat_socket_format(x, xs);
	xlat_socket_format(e, es);
	xlat_socket_format(holder, hs);
	if (rr < 0) {
		say(g, "snat \"%s\": %s got external %s, which %s holds, and no free port was "
		    "found (%s); %s keeps it", r->name, xs, es, hs, strerror(-rr), xs);
		return;
	}
	struct ei_write w[] = {
		{ ei_set(KSET_EI_SNAT4, fam), false, x, NULL, false, 0 },
		{ ei_set(KSET_EI_SNAT4, fam), true, x, &fresh, false, 0 },
		{ ei_set(KSET_EI_DNAT4, fam), true, &fresh, x, false, 0 },
		{ ei_set(KSET_EI_MARK4, fam), true, &fresh, &r->mark, true, 0 },
	};
	rr = ei_write(&g->nl, g->table, got > 0 ? w : w + 1, got > 0 ? 4 : 3, r->timeout);
	xlat_socket_format(&fresh, ns);
	if (rr < 0)
		say(g, "snat \"%s\": moving %s off %s (held by %s) failed: %s", r->name, xs, es,
		    hs, strerror(-rr));
	else
		say(g, "snat \"%s\": %s and %s both got external %s; %s keeps it, %s uses %s for "
		    "every new destination", r->name, hs, xs, es, hs, xs, ns);
}

/* ---- max_per_host ----------------------------------------------------------- */

static void known_add(const struct xlat_mapping *m, void *arg)
{
	struct ei_guard *g = arg;
	g->known = grow(g->known, &g->cap_known, g->n_known, sizeof(*g->known));
	g->known[g->n_known++] = (struct ei_known){ m->mark, m->internal };
}

static void known_refresh(struct ei_guard *g)
{
	if (g->known_at && now_ms() - g->known_at < CACHE_MS)
		return;
	g->n_known = 0;
	if (ei_read(&g->nl, g->table, known_add, g) < 0)
		g->n_known = 0;
	g->known_at = now_ms();
}

/* How many mappings of rule r the host of x has, counting x; whether x is
 * one of them already. */
static size_t host_count(struct ei_guard *g, uint32_t mark, const struct xlat_socket *x,
			 bool *listed)
{
	size_t n = 0;
	*listed = false;
	for (size_t i = 0; i < g->n_known; i++) {
		const struct ei_known *k = &g->known[i];
		if (k->mark != mark || addr_cmp(&k->x.addr, &x->addr))
			continue;
		n++;
		*listed |= k->x.port == x->port;
	}
	return n;
}

static bool log_due(struct ei_guard *g, const struct ngw_addr *host)
{
	double t = now_ms();
	for (size_t i = 0; i < g->n_logged; i++) {
		if (addr_cmp(&g->logged[i].host, host))
			continue;
		if (t - g->logged[i].at < LOG_EVERY_MS)
			return false;
		g->logged[i].at = t;
		return true;
	}
	g->logged = grow(g->logged, &g->cap_logged, g->n_logged, sizeof(*g->logged));
	g->logged[g->n_logged++] = (struct ei_logged){ *host, t };
	return true;
}

static void cap(struct ei_guard *g, const struct ei_rule *r, const struct xlat_socket *x,
		const struct xlat_socket *e, bool e_is_x)
{
	uint8_t fam = x->addr.family;
	struct ei_write w[] = {
		{ ei_set(KSET_EI_CAPPED4, fam), true, x, NULL, false, 0 },
		{ ei_set(KSET_EI_SNAT4, fam), false, x, NULL, false, 0 },
		{ ei_set(KSET_EI_DNAT4, fam), false, e, NULL, false, 0 },
		{ ei_set(KSET_EI_MARK4, fam), false, e, NULL, false, 0 },
	};
	int rr = ei_write(&g->nl, g->table, w, e_is_x ? 4 : 2, r->timeout);
	char xs[NGW_ADDRSTRLEN], hs[NGW_ADDRSTRLEN];

	xlat_socket_format(x, xs);
	addr_format(&x->addr, hs);
	if (rr < 0)
		say(g, "snat \"%s\": %s is past max_per_host, but withdrawing its mapping "
		    "failed: %s", r->name, xs, strerror(-rr));
	else if (log_due(g, &x->addr))
		say(g, "snat \"%s\": %s has reached max_per_host (%u endpoint-independent "
		    "mappings); %s and its next sockets go out as ordinary snat", r->name, hs,
		    r->per_host, xs);
}

/* ---- one new connection ------------------------------------------------------ */

void ei_guard_entry(struct ei_guard *g, const struct ct_entry *e)
{
	const struct ei_rule *r = NULL;

	if (!g->nl_ok || !e->has_reply || e->orig.l4 != IPPROTO_UDP ||
	    !(e->status & IPS_SRC_NAT))
		return;
	for (size_t i = 0; i < g->n_rules && !r; i++)
		if (g->rules[i].mark == e->mark)	/* not a hairpin: its bit differs */
			r = &g->rules[i];
	if (!r)
		return;
	struct xlat_socket x = { e->orig.src, e->orig.sport };
	struct xlat_socket ext = { e->reply.dst, e->reply.dport };
	struct xlat_socket holder;
	int got = map_get(g, ei_set(KSET_EI_DNAT4, x.addr.family), &ext, &holder);
	if (got > 0 && !same(&holder, &x)) {
		collision(g, r, &x, &ext, &holder);
		return;
	}
	known_refresh(g);
	bool listed;
	size_t n = host_count(g, r->mark, &x, &listed);
	if (listed)
		return;
	if (n + 1 > r->per_host) {
		cap(g, r, &x, &ext, got > 0);
		return;
	}
	struct ei_known k = { r->mark, x };	/* counted until the next refresh */
	g->known = grow(g->known, &g->cap_known, g->n_known, sizeof(*g->known));
	g->known[g->n_known++] = k;
}
