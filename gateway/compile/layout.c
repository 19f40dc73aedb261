/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "layout.h"

const struct kset_def kset_defs[KSET_COUNT] = {
	[KSET_LAN] = { "lan", { KF_IFNAME }, 1, KD_NONE },
	[KSET_MATCH_ANY] = { "match_any", { KF_NFPROTO, KF_L4PROTO, KF_PORT }, 3, KD_MARK },
	[KSET_MATCH_IN] = { "match_in", { KF_IFNAME, KF_NFPROTO, KF_L4PROTO, KF_PORT }, 4, KD_MARK },
	[KSET_MATCH4_ADDR] = { "match4_addr", { KF_IPV4, KF_L4PROTO, KF_PORT }, 3, KD_MARK },
	[KSET_MATCH4_IN_ADDR] = { "match4_in_addr", { KF_IFNAME, KF_IPV4, KF_L4PROTO, KF_PORT },
				  4, KD_MARK },
	[KSET_MATCH6_ADDR] = { "match6_addr", { KF_IPV6, KF_L4PROTO, KF_PORT }, 3, KD_MARK },
	[KSET_MATCH6_IN_ADDR] = { "match6_in_addr", { KF_IFNAME, KF_IPV6, KF_L4PROTO, KF_PORT },
				  4, KD_MARK },
	[KSET_HAIRPIN_IN] = { "hairpin_in", { KF_IFNAME, KF_NFPROTO, KF_L4PROTO, KF_PORT }, 4,
			      KD_MARK },
	[KSET_HAIRPIN4_IN_ADDR] = { "hairpin4_in_addr",
				    { KF_IFNAME, KF_IPV4, KF_L4PROTO, KF_PORT }, 4, KD_MARK },
	[KSET_HAIRPIN6_IN_ADDR] = { "hairpin6_in_addr",
				    { KF_IFNAME, KF_IPV6, KF_L4PROTO, KF_PORT }, 4, KD_MARK },
	[KSET_TARGET4] = { "target4", { KF_MARK, KF_PORT }, 2, KD_TARGET4 },
	[KSET_TARGET6] = { "target6", { KF_MARK, KF_PORT }, 2, KD_TARGET6 },
	[KSET_SOURCE_CHECKED] = { "source_checked", { KF_MARK }, 1, KD_NONE },
	[KSET_SOURCE4] = { "source4", { KF_MARK_BE, KF_IPV4 }, 2, KD_NONE, .interval = true },
	[KSET_SOURCE6] = { "source6", { KF_MARK_BE, KF_IPV6 }, 2, KD_NONE, .interval = true },
	[KSET_NO_HAIRPIN] = { "no_hairpin", { KF_MARK }, 1, KD_NONE },
	[KSET_RULE_COUNTERS] = { "rule_counters", { KF_MARK }, 1, KD_NONE, .counted = true },
	[KSET_EI_UNMAPPED] = { "ei_unmapped", { KF_MARK }, 1, KD_NONE, .counted = true },
	[KSET_EI_SNAT4] = { "ei_snat4", { KF_IPV4, KF_PORT }, 2, KD_TARGET4, true },
	[KSET_EI_SNAT6] = { "ei_snat6", { KF_IPV6, KF_PORT }, 2, KD_TARGET6, true },
	[KSET_EI_DNAT4] = { "ei_dnat4", { KF_IPV4, KF_PORT }, 2, KD_TARGET4, true },
	[KSET_EI_DNAT6] = { "ei_dnat6", { KF_IPV6, KF_PORT }, 2, KD_TARGET6, true },
	[KSET_EI_MARK4] = { "ei_mark4", { KF_IPV4, KF_PORT }, 2, KD_MARK, true },
	[KSET_EI_MARK6] = { "ei_mark6", { KF_IPV6, KF_PORT }, 2, KD_MARK, true },
	/* large enough that no host fills them: a rule that adds to them and
	 * drops in one would let a packet through when they were full */
	[KSET_EI_CAPPED4] = { "ei_capped4", { KF_IPV4, KF_PORT }, 2, KD_NONE, true, .size = 262144 },
	[KSET_EI_CAPPED6] = { "ei_capped6", { KF_IPV6, KF_PORT }, 2, KD_NONE, true, .size = 262144 },
	[KSET_EI_RETRY4] = { "ei_retry4", { KF_IPV4, KF_PORT }, 2, KD_NONE, true, .size = 262144 },
	[KSET_EI_RETRY6] = { "ei_retry6", { KF_IPV6, KF_PORT }, 2, KD_NONE, true, .size = 262144 },
	/* as many as conntrack holds by default: one per plain UDP flow */
	[KSET_EI_BUSY4] = { "ei_busy4", { KF_IPV4, KF_PORT }, 2, KD_NONE, true, .size = 262144 },
	[KSET_EI_BUSY6] = { "ei_busy6", { KF_IPV6, KF_PORT }, 2, KD_NONE, true, .size = 262144 },
	[KSET_EI_FULL4] = { "ei_full4", { KF_MARK, KF_IPV4 }, 2, KD_NONE, true },
	[KSET_EI_FULL6] = { "ei_full6", { KF_MARK, KF_IPV6 }, 2, KD_NONE, true },
	[KSET_EI_HOSTS4] = { "ei_hosts4", { KF_MARK, KF_IPV4 }, 2, KD_NONE, .conn_count = true },
	[KSET_EI_HOSTS6] = { "ei_hosts6", { KF_MARK, KF_IPV6 }, 2, KD_NONE, .conn_count = true },
	[KSET_EI_CLAIMS4] = { "ei_claims4", { KF_IPV4, KF_PORT }, 2, KD_NONE, .conn_count = true },
	[KSET_EI_CLAIMS6] = { "ei_claims6", { KF_IPV6, KF_PORT }, 2, KD_NONE, .conn_count = true },
	[KSET_EI_LOCAL_PORTS] = { "ei_local_ports", { KF_PORT }, 1, KD_NONE, true },
};

const char *const kchain_names[KCHAIN_COUNT] = {
	[KCHAIN_PREROUTING] = "prerouting",
	[KCHAIN_POSTROUTING] = "postrouting",
	[KCHAIN_COUNT_FWD] = "count",
	[KCHAIN_EI_REFRESH] = "ei_refresh",
	[KCHAIN_EI_PLAIN] = "ei_plain",
	[KCHAIN_EI_SPOOF] = "ei_spoof",
};

uint32_t kset_capacity(size_t n)
{
	size_t c = 1024;
	while (c < 2 * n && c < (1u << 30))
		c *= 2;
	return (uint32_t)c;
}

unsigned kfield_size(enum kfield f)
{
	switch (f) {
	case KF_IFNAME:
	case KF_IPV6:
		return 16;
	default:
		return 4;
	}
}

unsigned kset_key_len(enum kset s)
{
	unsigned n = 0;

	/* a port alone is not padded (only fields of a concatenation are) */
	if (kset_defs[s].n_key == 1 && kset_defs[s].key[0] == KF_PORT)
		return 2;
	for (unsigned i = 0; i < kset_defs[s].n_key; i++)
		n += kfield_size(kset_defs[s].key[i]);
	return n;
}

unsigned kdata_len(enum kdata d)
{
	switch (d) {
	case KD_MARK:
		return 4;
	case KD_TARGET4:
		return 8;
	case KD_TARGET6:
		return 20;
	default:
		return 0;
	}
}
