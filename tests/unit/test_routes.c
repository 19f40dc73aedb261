/* SPDX-License-Identifier: GPL-2.0-or-later */
/* How natgw doctor judges the kernel's routing answers for a forward's
 * target (gateway/doctor/routes.c), without a kernel: each answer the
 * kernel can give, and what the operator must be told about it. */
#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "doctor/routes.h"

static bool wan_is_2(unsigned oif, const void *arg)
{
	(void)arg;
	return oif == 2;
}

static struct route_answer ok(uint8_t type, unsigned oif)
{
	return (struct route_answer){ .type = type, .oif = oif };
}

static struct route_answer refused(int err)
{
	return (struct route_answer){ .err = err };
}

static void test_judge(void)
{
	const struct route_answer *used;
	struct route_answer lan = ok(RTN_UNICAST, 3), wan = ok(RTN_UNICAST, 2),
			    local = ok(RTN_LOCAL, 1), none = refused(-ENETUNREACH),
			    unreach = refused(-EHOSTUNREACH), prohibit = refused(-EACCES),
			    blackhole = refused(-EINVAL), gone = refused(-ENODEV);

	CHECK(route_judge(&lan, NULL, false, wan_is_2, NULL, &used) == ROUTE_FINE && used == &lan,
	      "a target routed by the LAN is fine");
	CHECK(route_judge(&wan, NULL, false, wan_is_2, NULL, &used) == ROUTE_OUT_WAN &&
	      used == &wan, "routed back out of the WAN it came in on");
	CHECK(route_judge(&local, NULL, false, wan_is_2, NULL, &used) == ROUTE_FINE,
	      "the router's own address (delivered to it) is fine");
	/* the router's own lookup only (no `in`, or the interface is missing) */
	CHECK(route_judge(NULL, &wan, false, wan_is_2, NULL, &used) == ROUTE_OUT_WAN && used == &wan,
	      "no forwarded answer: the router's own one is judged");
	CHECK(route_judge(NULL, &none, false, wan_is_2, NULL, &used) == ROUTE_UNROUTABLE &&
	      used->err == -ENETUNREACH, "no route at all");
	/* refused as forwarded and as the router's own: the route's refusal */
	CHECK(route_judge(&unreach, &unreach, false, wan_is_2, NULL, &used) == ROUTE_UNROUTABLE &&
	      used->err == -EHOSTUNREACH, "an unreachable route");
	CHECK(route_judge(&prohibit, &prohibit, true, wan_is_2, NULL, &used) == ROUTE_UNROUTABLE,
	      "a prohibit route is said even where the interface's own checks may refuse too");
	CHECK(route_judge(&blackhole, &blackhole, false, wan_is_2, NULL, &used) == ROUTE_UNROUTABLE &&
	      used->err == -EINVAL, "a blackhole route");
	/* refused as forwarded only */
	CHECK(route_judge(&prohibit, &lan, false, wan_is_2, NULL, &used) == ROUTE_UNROUTABLE_IIF &&
	      used->err == -EACCES, "a routing rule for the WAN interface only");
	CHECK(route_judge(&blackhole, &lan, true, wan_is_2, NULL, &used) == ROUTE_FINE &&
	      used == &lan, "a refusal that forwarding or rp_filter explain is theirs to say");
	CHECK(route_judge(&blackhole, &wan, true, wan_is_2, NULL, &used) == ROUTE_OUT_WAN,
	      "... and the route is still judged by the router's own answer");
	CHECK(route_judge(&gone, &lan, false, wan_is_2, NULL, &used) == ROUTE_FINE,
	      "an interface gone since it was named: the interface check's");
}

static void test_names(void)
{
	char buf[64];

	CHECK(route_iface_matches("eth0", "eth0") && !route_iface_matches("eth0", "eth00"),
	      "a plain name matches itself only");
	CHECK(route_iface_matches("ppp+", "ppp0") && !route_iface_matches("ppp+", "eth0"),
	      "a wildcard matches its prefix");
	route_rp_sysctl(buf, sizeof(buf), "eth0.100");
	CHECK(!strcmp(buf, "net.ipv4.conf.eth0/100.rp_filter"), "a VLAN's dot is a slash: %s", buf);
	route_rp_sysctl(buf, sizeof(buf), "eth1");
	CHECK(!strcmp(buf, "net.ipv4.conf.eth1.rp_filter"), "%s", buf);
	CHECK(route_reject(-EHOSTUNREACH) && !strcmp(route_reject(-EHOSTUNREACH), "unreachable") &&
	      !strcmp(route_reject(-EACCES), "prohibit") &&
	      !strcmp(route_reject(-EINVAL), "blackhole") && !route_reject(-ENETUNREACH),
	      "the refusals by the route type behind them");
}

static void test_remote(void)
{
	uint8_t internet[16] = { 192, 88, 99, 1 }, src[16];
	struct ngw_prefix from[2] = {
		{ .addr = { .family = NGW_FAMILY_IPV6, .b = { 0x20, 0x01, 0x0d, 0xb8 } }, .len = 32 },
		{ .addr = { .family = NGW_FAMILY_IPV4, .b = { 198, 51, 100, 0 } }, .len = 24 },
	};
	struct ngw_forward f = { .to = { .family = NGW_FAMILY_IPV4, .b = { 192, 0, 2, 10 } } };

	route_remote_of(&f, internet, src);
	CHECK(!memcmp(src, internet, 16), "no `from`: the internet's stand-in");
	f.from.n = 2;
	f.from.v = from;
	route_remote_of(&f, internet, src);
	CHECK(src[0] == 198 && src[2] == 100 && src[3] == 1,
	      "`from`: the first host of its first prefix of the target's family");
	from[1].len = 32;
	from[1].addr.b[3] = 7;
	route_remote_of(&f, internet, src);
	CHECK(src[3] == 7, "a /32 is that host");
	f.to.family = NGW_FAMILY_IPV6;
	route_remote_of(&f, internet, src);
	CHECK(src[0] == 0x20 && src[3] == 0xb8 && src[15] == 1, "IPv6: its IPv6 `from`");
	f.from.n = 0;
	route_remote_of(&f, internet, src);
	CHECK(!memcmp(src, (uint8_t[16]){ 0 }, 16), "IPv6 without `from`: no source at all");
}

static void put(const char *dir, const char *name, const char *value)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/sys/net/ipv4/conf/%s", dir, name);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/sys/net/ipv4/conf/%s/rp_filter", dir, name);
	FILE *f = fopen(path, "w");
	fputs(value, f);
	fclose(f);
}

static void test_rp_filter(void)
{
	char dir[] = "/tmp/natgw-routes-XXXXXX", path[512];

	if (!mkdtemp(dir)) {
		CHECK(0, "mkdtemp");
		return;
	}
	const char *parts[] = { "/sys", "/sys/net", "/sys/net/ipv4", "/sys/net/ipv4/conf" };
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s%s", dir, parts[i]);
		mkdir(path, 0755);
	}
	put(dir, "all", "0\n");
	put(dir, "eth0", "1\n");
	put(dir, "eth1", "2\n");
	CHECK(route_rp_filter(dir, "eth0") == 1, "the interface's own when all is 0");
	CHECK(route_rp_filter(dir, "eth1") == 2, "loose");
	put(dir, "all", "1\n");
	CHECK(route_rp_filter(dir, "eth1") == 2, "max(all=1, eth1=2) is 2: loose wins");
	put(dir, "eth0", "0\n");
	CHECK(route_rp_filter(dir, "eth0") == 1, "max(all=1, eth0=0): strict from all");
	CHECK(route_rp_filter(dir, "ppp0") == -ENOENT, "no such interface: -ENOENT");
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	CHECK(system(path) == 0, "clean up");
}

static void test_unique(void)
{
	struct route_query q[4] = {
		{ .family = 4, .dst = { 192, 0, 2, 10 }, .iif = 2 },
		{ .family = 4, .dst = { 192, 0, 2, 9 }, .iif = 2 },
		{ .family = 4, .dst = { 192, 0, 2, 10 }, .iif = 2 },
		{ .family = 4, .dst = { 192, 0, 2, 10 }, .iif = 3 },
	};

	CHECK(route_query_unique(q, 4) == 3, "one query per target, interface and source");
	CHECK(q[0].dst[3] == 9 && q[1].iif == 2 && q[2].iif == 3, "sorted by target first");
}

int main(void)
{
	test_judge();
	test_names();
	test_remote();
	test_rp_filter();
	test_unique();
	return check_summary();
}
