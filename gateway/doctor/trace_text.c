/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A traced packet in the operator's words: its path, step by step, and
 * what became of it in one line. */
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <string.h>

#include "trace.h"

const char *trace_family_name(uint32_t family)
{
	switch (family) {
	case NFPROTO_INET: return "inet";
	case NFPROTO_IPV4: return "ip";
	case NFPROTO_IPV6: return "ip6";
	case NFPROTO_ARP: return "arp";
	case NFPROTO_BRIDGE: return "bridge";
	case NFPROTO_NETDEV: return "netdev";
	default: return "unknown";
	}
}

const char *trace_verdict_name(int32_t v)
{
	switch (v) {
	case NFT_CONTINUE: return "continue";
	case NFT_BREAK: return "break";
	case NFT_JUMP: return "jump";
	case NFT_GOTO: return "goto";
	case NFT_RETURN: return "return";
	}
	switch (v & NF_VERDICT_MASK) {
	case NF_DROP: return "drop";
	case NF_ACCEPT: return "accept";
	case NF_STOLEN: return "stolen";
	case NF_QUEUE: return "queue";
	case NF_REPEAT: return "repeat";
	default: return "unknown";
	}
}

static const char *l4_name(uint8_t l4)
{
	return l4 == IPPROTO_TCP ? "tcp" : l4 == IPPROTO_UDP ? "udp" : "ip";
}

static const char *sock(const struct ngw_addr *a, uint16_t port, char *buf)
{
	struct ngw_port_range p = { port, port };
	return socket_format(a, &p, buf);
}

const char *trace_flow_format(const struct trace_flow *f, char *buf, size_t size)
{
	char s[NGW_ADDRSTRLEN], d[NGW_ADDRSTRLEN];

	if (!f->known)
		snprintf(buf, size, "headers not reported");
	else
		snprintf(buf, size, "%s %s -> %s", l4_name(f->l4), sock(&f->src, f->sport, s),
			 sock(&f->dst, f->dport, d));
	return buf;
}

/* "table inet filter, chain forward" */
static int where(const struct trace_hop *h, char *buf, size_t size)
{
	return snprintf(buf, size, "table %s %s, chain %s", trace_family_name(h->family),
			h->table, h->chain);
}

/* "policy drop", "rule handle 4: jump to chain x" */
static void step(const struct trace_hop *h, char *buf, size_t size)
{
	const char *v = trace_verdict_name(h->verdict);

	switch (h->type) {
	case NFT_TRACETYPE_POLICY:
		snprintf(buf, size, "policy %s", v);
		break;
	case NFT_TRACETYPE_RETURN:
		snprintf(buf, size, "return");
		break;
	default:
		if (h->jump[0])
			snprintf(buf, size, "rule handle %llu: %s to chain %s",
				 (unsigned long long)h->handle, v, h->jump);
		else
			snprintf(buf, size, "rule handle %llu: %s", (unsigned long long)h->handle,
				 v);
	}
}

const char *trace_hop_format(const struct trace_hop *h, char *buf, size_t size)
{
	char s[TRACE_NAME_MAX + 64];
	int n = where(h, buf, size);

	step(h, s, sizeof(s));
	if (n >= 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, ": %s", s);
	return buf;
}

static const char *dropped_by(const struct trace_hop *h, char *buf, size_t size)
{
	size_t n = (size_t)snprintf(buf, size, "dropped by ");

	if (n < size)
		where(h, buf + n, size - n);
	n = strlen(buf);
	if (n + 2 < size) {
		buf[n++] = ' ';
		buf[n++] = '(';
		step(h, buf + n, size - n);
	}
	n = strlen(buf);
	if (n + 1 < size)
		snprintf(buf + n, size - n, ")");
	return buf;
}

static const struct trace_packet *number(const struct trace_run *t, unsigned n)
{
	return n && n <= t->n ? &t->v[n - 1] : NULL;
}

/* Where it went: "forwarded to 192.0.2.10:8443"; whether it was translated. */
static bool destination(const struct trace_packet *p, char *buf, size_t size)
{
	char d[NGW_ADDRSTRLEN];
	bool translated = p->out.known && p->seen.known &&
			  (addr_cmp(&p->out.dst, &p->seen.dst) || p->out.dport != p->seen.dport);

	sock(&p->out.dst, p->out.dport, d);
	if (p->end == TRACE_END_LOCAL)
		snprintf(buf, size, translated ? "forwarded to %s on the router itself" :
			 "taken by the router itself at %s (the forward did not translate it)", d);
	else
		snprintf(buf, size, translated ? "forwarded to %s" :
			 "left the router towards %s untranslated (the forward did not take it)",
			 d);
	return translated;
}

static void original_outcome(const struct trace_run *t, const struct trace_packet *p,
			     unsigned seconds, char *buf, size_t size)
{
	char to[NGW_ADDRSTRLEN + 96], why[2 * TRACE_NAME_MAX + 160];
	const struct trace_packet *r = number(t, p->reply_dropped);

	if (!destination(p, to, sizeof(to)))
		snprintf(buf, size, "%s", to);	/* not the forward's: its replies say nothing */
	else if (p->answered && p->refused)
		snprintf(buf, size, "%s, the target refused the connection (TCP reset)", to);
	else if (p->answered)
		snprintf(buf, size, "%s, reply came back", to);
	else if (r && r->end == TRACE_END_DROPPED && r->drop_hop < r->n_hops)
		snprintf(buf, size, "%s; its reply (packet %u) was %s", to, r->number,
			 dropped_by(&r->hops[r->drop_hop], why, sizeof(why)));
	else
		snprintf(buf, size, "%s, no reply within %u s", to, seconds);
}

const char *trace_packet_outcome(const struct trace_run *t, const struct trace_packet *p,
				 unsigned seconds, char *buf, size_t size)
{
	char s[NGW_ADDRSTRLEN], why[2 * TRACE_NAME_MAX + 128];
	char of[96] = "";

	if (p->reply)
		snprintf(of, sizeof(of), p->reply_of ? "reply of packet %u, " :
			 "reply of a connection the trace did not see open, ", p->reply_of);
	switch (p->end) {
	case TRACE_END_DROPPED:
		snprintf(buf, size, "%s%s", of, p->drop_hop < p->n_hops ?
			 dropped_by(&p->hops[p->drop_hop], why, sizeof(why)) : "dropped");
		break;
	case TRACE_END_NONE:
		snprintf(buf, size, "%snever left the router: dropped outside nftables' rules "
			 "(no route, reverse-path filter, or an iptables-legacy rule)", of);
		break;
	default:
		if (p->reply)
			snprintf(buf, size, "%spassed back to %s", of,
				 sock(&p->out.dst, p->out.dport, s));
		else
			original_outcome(t, p, seconds, buf, size);
	}
	return buf;
}
