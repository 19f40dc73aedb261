/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "doctor.h"
#include "listeners.h"
#include "natgw/xalloc.h"

static struct doctor_finding *add(struct doctor_report *r, bool blocks, const char *kind,
				  const char *rule, struct ngw_pos pos, const char *cause)
{
	r->v = grow(r->v, &r->cap, r->n, sizeof(*r->v));
	struct doctor_finding *f = &r->v[r->n++];
	*f = (struct doctor_finding){ .blocks = blocks, .kind = kind, .pos = pos, .cause = cause };
	snprintf(f->rule, sizeof(f->rule), "%s", rule);
	r->blocks |= blocks;
	return f;
}

/* "0" or "1" from a sysctl's file; -errno when it cannot be read. */
static int read_flag(const char *proc, const char *name)
{
	char path[256], buf[16] = "";
	snprintf(path, sizeof(path), "%s/sys/%s", proc, name);
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	bool ok = fgets(buf, sizeof(buf), f) != NULL;
	fclose(f);
	return ok ? atoi(buf) != 0 : -EIO;
}

/* ---- forwarding ------------------------------------------------------- */

/* The first rule that needs family forwarded: a forward to it, else an
 * snat rule translating it. */
static bool first_of_family(const struct ngw_ruleset *rs, uint8_t family, const char **kind,
			    const char **name, struct ngw_pos *pos)
{
	for (size_t i = 0; i < rs->n_forwards; i++) {
		const struct ngw_forward *f = &rs->forwards[i];
		if (f->enabled && f->to.family == family) {
			*kind = "forward", *name = f->name, *pos = f->at.rule;
			return true;
		}
	}
	for (size_t i = 0; i < rs->n_snats; i++) {
		const struct ngw_snat *s = &rs->snats[i];
		for (size_t p = 0; p < s->from.n; p++) {
			if (s->from.v[p].addr.family == family) {
				*kind = "snat", *name = s->name, *pos = s->at.rule;
				return true;
			}
		}
	}
	return false;
}

static int check_forwarding(const struct ngw_ruleset *rs, const char *proc,
			    struct doctor_report *r)
{
	static const struct { uint8_t family; const char *file, *sysctl; } fam[] = {
		{ NGW_FAMILY_IPV4, "net/ipv4/ip_forward", "net.ipv4.ip_forward" },
		{ NGW_FAMILY_IPV6, "net/ipv6/conf/all/forwarding", "net.ipv6.conf.all.forwarding" },
	};

	for (size_t i = 0; i < sizeof(fam) / sizeof(*fam); i++) {
		const char *kind, *name;
		struct ngw_pos pos;
		if (!first_of_family(rs, fam[i].family, &kind, &name, &pos))
			continue;
		int on = read_flag(proc, fam[i].file);
		if (on == -ENOENT && fam[i].family == NGW_FAMILY_IPV6)
			on = 0;		/* no IPv6 at all: nothing forwarded either */
		if (on < 0)
			return on;
		if (on)
			continue;
		struct doctor_finding *f = add(r, true, kind, name, pos, "forwarding");
		snprintf(f->detail, sizeof(f->detail), "%s is 0, so the router forwards nothing",
			 fam[i].sysctl);
		snprintf(f->fix, sizeof(f->fix), "sysctl -w %s=1, and set it in /etc/sysctl.d",
			 fam[i].sysctl);
	}
	return 0;
}

/* ---- the router's own listeners on forwarded ports --------------------- */

static bool loopback(const struct listener *l)
{
	static const uint8_t one[16] = { [15] = 1 };
	return l->family == 4 ? l->addr[0] == 127 : !memcmp(l->addr, one, 16);
}

static bool any_address(const struct listener *l)
{
	static const uint8_t zero[16];
	return !memcmp(l->addr, zero, l->family == 4 ? 4 : 16);
}

/* Whether traffic the forward takes could have reached l: the same
 * protocol and port, an address of the router the forward matches (an
 * IPv6 socket on :: takes IPv4 too, unless it is IPv6-only). */
static bool shadows(const struct ngw_forward *f, const struct listener *l)
{
	uint8_t l4 = l->l4 == IPPROTO_TCP ? NGW_L4_TCP : NGW_L4_UDP;

	if (!(f->proto & l4) || l->port < f->port.lo || l->port > f->port.hi || loopback(l))
		return false;
	if (l->family == 4 && f->to.family != NGW_FAMILY_IPV4)
		return false;
	if (l->family == 6 && f->to.family == NGW_FAMILY_IPV4 && !any_address(l))
		return false;
	if (f->address.family == NGW_FAMILY_NONE || any_address(l))
		return true;
	size_t len = l->family == 4 ? 4 : 16;
	return f->address.family == (l->family == 4 ? NGW_FAMILY_IPV4 : NGW_FAMILY_IPV6) &&
	       !memcmp(f->address.b, l->addr, len);
}

static int check_listeners(const struct ngw_ruleset *rs, const char *proc,
			   struct doctor_report *r)
{
	struct listener *v;
	size_t n;
	int e = listeners_read(proc, &v, &n);

	if (e < 0)
		return e;
	for (size_t i = 0; i < rs->n_forwards; i++) {
		const struct ngw_forward *fw = &rs->forwards[i];
		const struct listener *hit = NULL;
		for (size_t k = 0; fw->enabled && k < n && !hit; k++)
			if (shadows(fw, &v[k]))
				hit = &v[k];
		if (!hit)
			continue;
		const char *proto = hit->l4 == IPPROTO_TCP ? "tcp" : "udp";
		struct doctor_finding *f = add(r, true, "forward", fw->name, fw->at.rule, "listener");
		snprintf(f->detail, sizeof(f->detail), "the router's own %s listens on %s port %u; "
			 "the forward takes that port from the WAN%s, so it never reaches %s",
			 hit->process[0] ? hit->process : "service", proto, hit->port,
			 fw->hairpin ? " (and from the LAN, with hairpin)" : "",
			 hit->process[0] ? "it" : "the service");
		snprintf(f->fix, sizeof(f->fix), "move the service or the forward to another port, "
			 "or give the forward an address the service does not listen on");
	}
	free(v);
	return 0;
}

/* ---- interfaces -------------------------------------------------------- */

static bool iface_exists(const char *sys, const char *name)
{
	char path[256];
	struct stat st;

	if (strchr(name, '+'))
		return true;		/* a wildcard: any may match, later */
	snprintf(path, sizeof(path), "%s/class/net/%s", sys, name);
	return stat(path, &st) == 0;
}

/* One finding per missing name, at the first rule naming it. */
static void check_iface(struct doctor_report *r, const char *sys, const char *kind,
			const char *rule, struct ngw_pos pos, const struct ngw_ifaces *l)
{
	for (size_t i = 0; i < l->n; i++) {
		if (iface_exists(sys, l->name[i]))
			continue;
		bool said = false;
		for (size_t k = 0; k < r->n && !said; k++)
			said = !strcmp(r->v[k].cause, "interface") &&
			       !strcmp(r->v[k].subject, l->name[i]);
		if (said)
			continue;
		struct doctor_finding *f = add(r, false, kind, rule, pos, "interface");
		snprintf(f->subject, sizeof(f->subject), "%s", l->name[i]);
		snprintf(f->detail, sizeof(f->detail), "interface \"%s\" does not exist now; the "
			 "rule matches nothing on it until it appears, and natgw keeps working "
			 "when it does", l->name[i]);
		snprintf(f->fix, sizeof(f->fix), "check the name against `ip link`; a ppp or VPN "
			 "interface appears only once connected");
	}
}

static void check_interfaces(const struct ngw_ruleset *rs, const char *sys,
			     struct doctor_report *r)
{
	for (size_t i = 0; i < rs->n_forwards; i++)
		if (rs->forwards[i].enabled)
			check_iface(r, sys, "forward", rs->forwards[i].name,
				    rs->forwards[i].at.rule, &rs->forwards[i].in);
	for (size_t i = 0; i < rs->n_snats; i++)
		check_iface(r, sys, "snat", rs->snats[i].name, rs->snats[i].at.rule,
			    &rs->snats[i].out);
	check_iface(r, sys, "", "", (struct ngw_pos){ 0, 0 }, &rs->gateway.lan);
}

int doctor_examine(const struct ngw_ruleset *rs, const struct doctor_sources *src,
		   struct doctor_report *r)
{
	memset(r, 0, sizeof(*r));
	int e = check_forwarding(rs, src->proc, r);
	if (e == 0)
		e = check_listeners(rs, src->proc, r);
	if (e == 0)
		check_interfaces(rs, src->sys, r);
	return e;
}

void doctor_report_free(struct doctor_report *r)
{
	free(r->v);
	memset(r, 0, sizeof(*r));
}
