/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fw_words.h"

static const char *hook_name(uint32_t hook)
{
	switch (hook) {
	case NF_INET_PRE_ROUTING: return "prerouting";
	case NF_INET_LOCAL_IN: return "input";
	case NF_INET_FORWARD: return "forward";
	case NF_INET_POST_ROUTING: return "postrouting";
	}
	return "?";
}

static const char *family_name(uint8_t family)
{
	switch (family) {
	case NFPROTO_INET: return "inet";
	case NFPROTO_IPV4: return "ip";
	case NFPROTO_IPV6: return "ip6";
	}
	return "?";
}

static const char *what_dropped(const struct drops *d)
{
	if (d->kind[FW_NEW])
		return "drops its new connections";
	if (d->kind[FW_REPLY])
		return "drops the replies of its connections";
	return "drops its connections after their first packet";
}

/* Appends one command to buf (", and " between two). */
static void say(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *buf, size_t size, const char *fmt, ...)
{
	size_t at = strlen(buf);
	va_list ap;

	if (at && at + 6 < size)
		memcpy(buf + at, ", and ", 7), at += 6;
	va_start(ap, fmt);
	vsnprintf(buf + at, size - at, fmt, ap);
	va_end(ap);
}

/* The rules that let natgw's traffic through chain c, as commands:
 * after natgw's dstnat a connection natgw translated is marked so
 * (ct status dnat, iptables' --ctstate DNAT), its replies too; before it,
 * the original packet is told by its port, and before conntrack a reply
 * by its source. */
static void fix_text(const struct fw_table *t, const struct fw_chain *c, const struct drops *d,
		     char *buf, size_t size)
{
	const char *l4 = d->l4 == IPPROTO_UDP ? "udp" : "tcp";
	bool before = fw_before_dstnat(c);
	bool ct = c->hook != NF_INET_PRE_ROUTING || c->prio > NF_PRI_CONNTRACK;
	bool v6 = d->family == NFPROTO_IPV6;
	char port[16], addr[INET6_ADDRSTRLEN] = "", cmd[FW_NAME_MAX * 2 + 64];
	const char *keep = "";		/* how the fix outlives the firewall's reload */

	snprintf(port, sizeof(port), d->port_lo == d->port_hi ? "%d" : t->iptables ? "%d:%d" : "%d-%d",
		 d->port_lo, d->port_hi);
	inet_ntop(v6 ? AF_INET6 : AF_INET, d->target, addr, sizeof(addr));
	if (t->iptables) {
		/* Docker rewrites FORWARD; DOCKER-USER is the operator's, and
		 * first. ufw rewrites its chains from /etc/ufw/before.rules. */
		bool forward = !strcmp(c->name, "FORWARD") && !strcmp(t->name, "filter");
		const char *chain = c->name;
		if (forward && fw_chain_find(t, "DOCKER-USER") >= 0)
			chain = "DOCKER-USER";
		else if (forward && fw_chain_find(t, "ufw-before-forward") >= 0)
			chain = "ufw-before-forward", keep = v6 ? ", and add it to /etc/ufw/before6.rules" :
							   ", and add it to /etc/ufw/before.rules";
		snprintf(cmd, sizeof(cmd), "%s%s%s -I %s", v6 ? "ip6tables" : "iptables",
			 strcmp(t->name, "filter") ? " -t " : "",
			 strcmp(t->name, "filter") ? t->name : "", chain);
	} else {
		snprintf(cmd, sizeof(cmd), "nft insert rule %s %s %s", family_name(t->family),
			 t->name, c->name);
	}
	buf[0] = '\0';
	if (!before) {
		say(buf, size, t->iptables ? "%s -m conntrack --ctstate DNAT -j ACCEPT%s" :
					     "%s ct status dnat accept%s", cmd, keep);
		return;
	}
	if (d->kind[FW_NEW] || d->kind[FW_LATER])
		say(buf, size, t->iptables ? "%s -p %s --dport %s -j ACCEPT" : "%s %s dport %s accept",
		    cmd, l4, port);
	if (d->kind[FW_REPLY] && ct)
		say(buf, size, t->iptables ? "%s -m conntrack --ctstate DNAT -j ACCEPT" :
					     "%s ct status dnat accept", cmd);
	else if (d->kind[FW_REPLY] && t->iptables)
		say(buf, size, "%s -s %s -p %s --sport %d -j ACCEPT", cmd, addr, l4, d->target_port);
	else if (d->kind[FW_REPLY])
		say(buf, size, "%s %s saddr %s %s sport %d accept", cmd, v6 ? "ip6" : "ip", addr, l4,
		    d->target_port);
}

void fw_report_drop(struct doctor_report *r, const struct ngw_forward *f, const struct fw_table *t,
		    const struct fw_chain *c, const struct drops *d)
{
	struct doctor_finding *x = doctor_add(r, true, "forward", f->name, f->at.rule, "firewall");

	snprintf(x->subject, sizeof(x->subject), "%s %.24s %.24s", family_name(t->family), t->name,
		 c->name);
	snprintf(x->detail, sizeof(x->detail),
		 "%stable %s %.64s, chain %.64s (hook %s, priority %d) %s%s%s by its %s; natgw's accept "
		 "cannot override a drop in another table",
		 t->iptables ? "iptables-nft " : "", family_name(t->family), t->name, c->name,
		 hook_name(c->hook), c->prio, what_dropped(d),
		 d->iif ? " arriving on " : "", d->iif ? d->iif : "", d->by_policy ? "policy" : c->policy_drop ? "rules or its policy" : "rules");
	fix_text(t, c, d, x->fix, sizeof(x->fix));
}

/* A chain too long to run for every forward: said, not hidden. */
void fw_report_too_long(struct doctor_report *r, const struct ngw_forward *f,
			const struct fw_table *t, const struct fw_chain *c, size_t done, size_t all)
{
	struct doctor_finding *x = doctor_add(r, false, "forward", f->name, f->at.rule, "firewall");

	snprintf(x->subject, sizeof(x->subject), "%s %.24s %.24s", family_name(t->family), t->name,
		 c->name);
	snprintf(x->detail, sizeof(x->detail),
		 "%stable %s %.64s, chain %.64s (hook %s, priority %d) was examined for the first "
		 "%zu of %zu forwards only: it has too many rules to run for each, and may drop "
		 "this one and those after it", t->iptables ? "iptables-nft " : "",
		 family_name(t->family), t->name, c->name, hook_name(c->hook), c->prio, done, all);
	snprintf(x->fix, sizeof(x->fix), "check it by hand: nft list chain %s %.64s %.64s",
		 family_name(t->family), t->name, c->name);
}

