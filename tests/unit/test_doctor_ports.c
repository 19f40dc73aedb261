/* SPDX-License-Identifier: GPL-2.0-or-later */
/* natgw doctor's port and conntrack causes over a /proc of the test's own
 * (the sysctls as files): which rules share ports with a forward or with
 * the router's dynamic range, what a table at 89, 90 and 100 % says, and
 * what endpoint-independent rules need of nf_conntrack_max. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "doctor/checks.h"

static char proc[64];

static void put(const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/sys/%s", proc, name);
	if (!text) {
		unlink(path);
		return;
	}
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static struct ngw_ruleset *load(const char *yaml)
{
	struct ngw_ruleset *rs = NULL;
	struct ngw_diags d;

	diags_init(&d);
	if (rules_load_buffer("t.yaml", yaml, strlen(yaml), &rs, &d) < 0 || !rs)
		fprintf(stderr, "test config does not load:\n%s\n", yaml);
	diags_free(&d);
	return rs;
}

/* The findings of check over yaml: their number; the first in *out. */
static size_t run(doctor_check *check, const char *yaml, struct doctor_finding *out)
{
	struct ngw_ruleset *rs = load(yaml);
	struct doctor_sources src = { .proc = proc, .sys = "/nonexistent" };
	struct doctor_report r = { 0 };

	if (!rs)
		return 99;
	CHECK(check(rs, &src, &r) == 0, "the check could look");
	size_t n = r.n;
	if (n && out)
		*out = r.v[0];
	doctor_report_free(&r);
	ruleset_free(rs);
	return n;
}

#define HEAD "version: 1\ngateway:\n  wan: eth0\n"

static void forwarded(void)
{
	struct doctor_finding f;
	const char *fwd = HEAD "forwards:\n  - name: game\n    proto: udp\n    port: 20005\n"
			  "    to: 192.0.2.10\n";
	char y[1024];

	put("net/ipv4/ip_local_port_range", "32768\t60999\n");
	snprintf(y, sizeof(y), "%ssnat:\n  - name: lan-out\n    from: 192.0.2.0/24\n"
		 "    ports: 20000-20009\n", fwd);
	CHECK(run(doctor_check_ports, y, &f) == 1, "a forwarded port in the range");
	CHECK(f.blocks && !strcmp(f.cause, "forwarded_port") && !strcmp(f.rule, "lan-out") &&
	      f.pos.line == 10, "blocks, at the snat rule: %s line %u", f.cause, f.pos.line);
	CHECK(!strcmp(f.detail, "its ports 20000-20009 hold udp port 20005 of forward \"game\" on "
		      "the same address: once a LAN connection leaves from that port, what its "
		      "remote sends to the forward goes to that LAN host, not to 192.0.2.10"),
	      "%s", f.detail);
	CHECK(!strcmp(f.fix, "narrow the rule's ports to leave out 20005, or move the forward"),
	      "%s", f.fix);

	snprintf(y, sizeof(y), "%ssnat:\n  - name: lan-out\n    from: 192.0.2.0/24\n"
		 "    ports: 20006-20009\n", fwd);
	CHECK(run(doctor_check_ports, y, NULL) == 0, "a range beside the forwarded port");
	snprintf(y, sizeof(y), "%ssnat:\n  - name: lan-out\n    from: 192.0.2.0/24\n"
		 "    proto: tcp\n    ports: 20000-20009\n", fwd);
	CHECK(run(doctor_check_ports, y, NULL) == 0, "tcp ports do not meet a udp forward");
	snprintf(y, sizeof(y), "%ssnat:\n  - name: lan-out\n    from: 2001:db8:1::/64\n"
		 "    ports: 20000-20009\n", fwd);
	CHECK(run(doctor_check_ports, y, NULL) == 0, "an IPv6 rule does not meet an IPv4 forward");
	snprintf(y, sizeof(y), "%ssnat:\n  - name: lan-out\n    from: 192.0.2.0/24\n"
		 "    out: eth1\n    ports: 20000-20009\n", fwd);
	CHECK(run(doctor_check_ports, y, NULL) == 0, "another WAN interface");
	snprintf(y, sizeof(y), "%ssnat:\n  - name: lan-out\n    from: 192.0.2.0/24\n", fwd);
	CHECK(run(doctor_check_ports, y, NULL) == 0, "no ports: the kernel's choice, nothing said");
	snprintf(y, sizeof(y), "%s    enabled: false\nsnat:\n  - name: lan-out\n"
		 "    from: 192.0.2.0/24\n    ports: 20000-20009\n", fwd);
	CHECK(run(doctor_check_ports, y, NULL) == 0, "a disabled forward takes no port");
	snprintf(y, sizeof(y), "%ssnat:\n  - name: lan-out\n    from: 192.0.2.0/24\n"
		 "    proto: udp\n    ports: 20000-20009\n    endpoint_independent: true\n", fwd);
	CHECK(run(doctor_check_ports, y, NULL) == 0, "full cone: never given a forwarded port");
	/* a forward bound to an address that is not the router's: masquerade
	 * never leaves with it */
	snprintf(y, sizeof(y), "%s    address: 203.0.113.77\nsnat:\n  - name: lan-out\n"
		 "    from: 192.0.2.0/24\n    ports: 20000-20009\n", fwd);
	CHECK(run(doctor_check_ports, y, NULL) == 0, "masquerade and a forward on another address");
	snprintf(y, sizeof(y), "%s    address: 203.0.113.77\nsnat:\n  - name: lan-out\n"
		 "    from: 192.0.2.0/24\n    to: 203.0.113.70-203.0.113.80:20000-20009\n", fwd);
	CHECK(run(doctor_check_ports, y, &f) == 1 && !strcmp(f.cause, "forwarded_port"),
	      "snat to a range of addresses holding the forward's");

	CHECK(run(doctor_check_ports, HEAD "forwards:\n  - name: sip-in\n    proto: udp\n"
		  "    port: 15060\n    to: 192.0.2.30:5060\n    address: 203.0.113.5\nsnat:\n  - name: sip\n    proto: udp\n"
		  "    from: 192.0.2.30:5060\n    to: 203.0.113.5:15060\n", NULL) == 0,
	      "a phone's static port forwarded to the phone itself");
	CHECK(run(doctor_check_ports, HEAD "forwards:\n  - name: sip-in\n    proto: udp\n"
		  "    port: 15060\n    to: 192.0.2.31:5060\n    address: 203.0.113.5\nsnat:\n  - name: sip\n    proto: udp\n"
		  "    from: 192.0.2.30:5060\n    to: 203.0.113.5:15060\n", &f) == 1 &&
	      strstr(f.detail, "its port 15060 holds udp port 15060 of forward \"sip-in\""),
	      "... to another phone: said: %s", f.detail);
	CHECK(run(doctor_check_ports, HEAD "forwards:\n  - name: sip-in\n    proto: udp\n"
		  "    port: 15060\n    to: 192.0.2.30:5061\n    address: 203.0.113.5\nsnat:\n"
		  "  - name: sip\n    proto: udp\n    from: 192.0.2.30:5060\n"
		  "    to: 203.0.113.5:15060\n", NULL) == 1,
	      "... to another socket of the same phone: said");
	CHECK(run(doctor_check_ports, HEAD "forwards:\n  - name: game\n    proto: udp\n"
		  "    port: 20005\n    to: 192.0.2.10\n    address: 203.0.113.5\nsnat:\n"
		  "  - name: servers\n    from: 192.0.2.10\n    to: 203.0.113.5:20000-20009\n",
		  NULL) == 1, "the forward's own host, any of its sockets: said");

	/* a forward's range, tcp and udp, and more of them: one line */
	snprintf(y, sizeof(y), HEAD "forwards:\n  - name: p2p\n    proto: both\n    port: 19990-20001\n"
		 "    to: 192.0.2.10\n  - name: b\n    port: 20003\n    to: 192.0.2.11\n"
		 "  - name: c\n    port: 20100\n    to: 192.0.2.11\nsnat:\n  - name: lan-out\n"
		 "    from: 192.0.2.0/24\n    ports: 20000-20009\n");
	CHECK(run(doctor_check_ports, y, &f) == 1, "one line for every forward of the rule");
	CHECK(strstr(f.detail, "its ports 20000-20009 hold tcp and udp ports 19990-20001 of "
			       "forward \"p2p\" on the same address (and 1 more forward): ") != NULL,
	      "%s", f.detail);
}

static void local_range(void)
{
	struct doctor_finding f;
	const char *y = HEAD "snat:\n  - name: lan-out\n    from: [192.0.2.0/24, 2001:db8:1::/64]\n"
			"    ports: 40000-40099\n  - name: six\n    from: 2001:db8:2::/64\n"
			"    ports: 50000-50009\n";

	put("net/ipv4/ip_local_port_range", "32768\t60999\n");
	put("net/ipv4/ip_local_reserved_ports", "\n");
	CHECK(run(doctor_check_ports, y, &f) == 1, "ports in the dynamic range");
	CHECK(f.blocks && !strcmp(f.cause, "local_ports") && !strcmp(f.rule, "lan-out"),
	      "it blocks, at the first rule: %s", f.rule);
	CHECK(!strcmp(f.detail, "its ports 40000-40099 overlap the router's own dynamic ports "
		      "(net.ipv4.ip_local_port_range 32768-60999, for IPv6 too) (and 1 more snat "
		      "rule); the kernel gives a clashing connection another port, but a router "
		      "socket on such a port loses a remote's traffic to the LAN host the rule "
		      "gave it for that remote"), "%s", f.detail);
	CHECK(!strcmp(f.fix, "sysctl -w net.ipv4.ip_local_port_range=\"50010 60999\" or sysctl -w "
		      "net.ipv4.ip_local_reserved_ports=40000-40099, and set it in /etc/sysctl.d; "
		      "or narrow the rule's ports"), "%s", f.fix);

	put("net/ipv4/ip_local_reserved_ports", "40000-40049\n");
	CHECK(run(doctor_check_ports, y, &f) == 1 && strstr(f.fix, "reserved_ports=40050-40099,"),
	      "partly reserved: the rest is named: %s", f.fix);
	put("net/ipv4/ip_local_reserved_ports", "40000-40099,50000-50009\n");
	CHECK(run(doctor_check_ports, y, NULL) == 0, "every port reserved: nothing to say");
	put("net/ipv4/ip_local_reserved_ports", "\n");
	put("net/ipv4/ip_local_port_range", "40100\t49999\n");
	CHECK(run(doctor_check_ports, y, NULL) == 0, "a dynamic range beside the rules'");
	put("net/ipv4/ip_local_port_range", "39200\t41099\n");
	CHECK(run(doctor_check_ports, y, &f) == 1 && !strcmp(f.fix, "sysctl -w "
		      "net.ipv4.ip_local_reserved_ports=40000-40099, and set it in /etc/sysctl.d; "
		      "or narrow the rule's ports"), "no range of 1024 left to suggest: %s", f.fix);
	put("net/ipv4/ip_local_port_range", "40000\t41000\n");
	CHECK(run(doctor_check_ports, y, &f) == 1 && !strcmp(f.fix, "narrow the rule's ports to "
		      "leave out 40000-41000, the router's own"), "too few left to reserve: %s", f.fix);
	put("net/ipv4/ip_local_port_range", NULL);
	CHECK(run(doctor_check_ports, y, NULL) == 0, "no IPv4 stack: no range");
	put("net/ipv4/ip_local_port_range", "32768\t60999\n");
	CHECK(run(doctor_check_ports, HEAD "snat:\n  - name: sip\n    proto: udp\n"
		  "    from: 192.0.2.30:5060\n    to: 203.0.113.5:45060\n", &f) == 1 &&
	      strstr(f.detail, "its port 45060 overlaps the"), "a static port: %s", f.detail);
	CHECK(run(doctor_check_ports, HEAD "forwards:\n  - name: web\n    port: 40000\n"
		  "    to: 192.0.2.10\n", NULL) == 0, "no snat rule: nothing to say");
}

static void conntrack(void)
{
	struct doctor_finding f;
	const char *y = HEAD "forwards:\n  - name: web\n    port: 443\n    to: 192.0.2.10\n";

	put("net/netfilter/nf_conntrack_max", "262144\n");
	put("net/netfilter/nf_conntrack_count", "235928\n");	/* 89.99 % */
	CHECK(run(doctor_check_conntrack, y, NULL) == 0, "under 90 %%: nothing");
	put("net/netfilter/nf_conntrack_count", "235930\n");
	CHECK(run(doctor_check_conntrack, y, &f) == 1, "90 %%");
	CHECK(f.blocks && !strcmp(f.cause, "conntrack_full") && !strcmp(f.rule, "web"),
	      "it blocks, at the first forward");
	CHECK(!strcmp(f.detail, "the conntrack table is 90% full (235930 of 262144 entries, "
		      "net.netfilter.nf_conntrack_count and nf_conntrack_max); once it is full the "
		      "kernel drops new connections, forwarded or translated"), "%s", f.detail);
	CHECK(!strcmp(f.fix, "sysctl -w net.netfilter.nf_conntrack_max=524288 (global: on the "
		      "host, not in a container), and set it in /etc/sysctl.d; `conntrack -L` shows "
		      "what fills it"), "%s", f.fix);
	put("net/netfilter/nf_conntrack_count", "262144\n");
	CHECK(run(doctor_check_conntrack, y, &f) == 1 && f.blocks &&
	      !strncmp(f.detail, "the conntrack table is full (262144 of 262144 entries", 52),
	      "full: it blocks: %s", f.detail);
	CHECK(run(doctor_check_conntrack, HEAD, NULL) == 0, "no rule: nothing to say");
	put("net/netfilter/nf_conntrack_max", "0\n");
	CHECK(run(doctor_check_conntrack, y, NULL) == 0, "no limit");
	put("net/netfilter/nf_conntrack_max", NULL);
	CHECK(run(doctor_check_conntrack, y, NULL) == 0, "conntrack not loaded: nothing yet");

	/* endpoint-independent: 256 hosts x 1024 mappings, 5 x 64512 sockets */
	put("net/netfilter/nf_conntrack_max", "262144\n");
	put("net/netfilter/nf_conntrack_count", "10\n");
#define EI HEAD "snat:\n  - name: games\n    from: 192.0.2.0/24\n    proto: udp\n" \
	   "    to: 203.0.113.5-203.0.113.9\n    endpoint_independent: true\n" \
	   "    max_per_host: %u\n"
	char buf[512];
	snprintf(buf, sizeof(buf), EI, 1024u);
	CHECK(run(doctor_check_conntrack, buf, NULL) == 0, "262144 mappings fit");
	snprintf(buf, sizeof(buf), EI, 1025u);
	CHECK(run(doctor_check_conntrack, buf, &f) == 1, "262400 do not");
	CHECK(f.blocks && !strcmp(f.cause, "conntrack_max") && !strcmp(f.rule, "games"),
	      "it blocks, at the rule");
	CHECK(!strcmp(f.detail, "net.netfilter.nf_conntrack_max is 262144, below the 262400 "
		      "entries the endpoint-independent mappings may take (max_per_host for each "
		      "internal host, at most one per external socket); once they fill the table "
		      "the kernel drops new connections of every rule"), "%s", f.detail);
	snprintf(buf, sizeof(buf), EI, 65535u);
	CHECK(run(doctor_check_conntrack, buf, &f) == 1 && strstr(f.detail, " 322560 entries"),
	      "at most the external sockets: %s", f.detail);
	CHECK(run(doctor_check_conntrack, HEAD "snat:\n  - name: games\n    from: 2001:db8:1::/64\n"
		  "    proto: udp\n    endpoint_independent: true\n", NULL) == 0,
	      "IPv6 /64 masquerade: 64512 sockets");
}

int main(void)
{
	snprintf(proc, sizeof(proc), "/tmp/natgw-doctor-test.%d", (int)getpid());
	char dir[128];
	const char *dirs[] = { "", "/sys", "/sys/net", "/sys/net/ipv4", "/sys/net/netfilter" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(*dirs); i++) {
		snprintf(dir, sizeof(dir), "%s%s", proc, dirs[i]);
		mkdir(dir, 0700);
	}
	forwarded();
	local_range();
	conntrack();
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", proc);
	CHECK(system(cmd) == 0, "cleaned up");
	return check_summary();
}
