/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6/ip6_tables.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "legacy_read.h"
#include "natgw/xalloc.h"

/* The two families' structures differ only in the address part of an
 * entry; the header of the answers is the same. */
_Static_assert(sizeof(struct ipt_getinfo) == sizeof(struct ip6t_getinfo), "getinfo");
_Static_assert(offsetof(struct ipt_get_entries, entrytable) ==
	       offsetof(struct ip6t_get_entries, entrytable), "get_entries");

int legacy_table_idle(int family, const char *name, bool *idle)
{
	int level = family == AF_INET ? SOL_IP : SOL_IPV6;
	int opt_info = family == AF_INET ? IPT_SO_GET_INFO : IP6T_SO_GET_INFO;
	int opt_entries = family == AF_INET ? IPT_SO_GET_ENTRIES : IP6T_SO_GET_ENTRIES;
	size_t target_offset = family == AF_INET ? offsetof(struct ipt_entry, target_offset) :
						   offsetof(struct ip6t_entry, target_offset);
	size_t next_offset = family == AF_INET ? offsetof(struct ipt_entry, next_offset) :
						 offsetof(struct ip6t_entry, next_offset);
	struct ipt_getinfo info;
	socklen_t len = sizeof(info);
	int fd = socket(family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);

	*idle = false;
	if (fd < 0)
		return -errno;
	memset(&info, 0, sizeof(info));
	snprintf(info.name, sizeof(info.name), "%s", name);
	if (getsockopt(fd, level, opt_info, &info, &len) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	/* no rule: one policy entry per built-in chain, and the end */
	if (info.num_entries != (unsigned)__builtin_popcount(info.valid_hooks) + 1) {
		close(fd);
		return 0;
	}
	len = (socklen_t)(sizeof(struct ipt_get_entries) + info.size);
	struct ipt_get_entries *ge = xzalloc(len);
	snprintf(ge->name, sizeof(ge->name), "%s", name);
	ge->size = info.size;
	int r = getsockopt(fd, level, opt_entries, ge, &len) < 0 ? -errno : 0;
	close(fd);
	const uint8_t *base = (const uint8_t *)ge->entrytable;
	static const unsigned hooks[] = { NF_INET_PRE_ROUTING, NF_INET_LOCAL_IN, NF_INET_FORWARD };
	*idle = r == 0;
	for (size_t i = 0; r == 0 && i < sizeof(hooks) / sizeof(*hooks); i++) {
		if (!(info.valid_hooks & (1u << hooks[i])))
			continue;
		size_t at = info.underflow[hooks[i]];
		uint16_t to, next;
		if (at + next_offset + 2 > info.size) {
			*idle = false;
			break;
		}
		memcpy(&to, base + at + target_offset, 2);
		memcpy(&next, base + at + next_offset, 2);
		int verdict;
		size_t v = at + to + sizeof(struct xt_entry_target);
		if (v + sizeof(verdict) > info.size || v + sizeof(verdict) > at + next) {
			*idle = false;
			break;
		}
		memcpy(&verdict, base + v, sizeof(verdict));
		*idle &= verdict == -NF_ACCEPT - 1;	/* a standard target's accept */
	}
	free(ge);
	return r;
}
