/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The libnftnl expressions natgw's rules are made of, each added to its
 * rule (which owns it from then on): one way to write them, for the
 * ruleset (krule_nftnl.c) and the trace chains (trace_chain.c). */
#ifndef NATGW_NFT_EXPR_H
#define NATGW_NFT_EXPR_H

#include <stdio.h>	/* before libnftnl, which uses FILE */
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <stdint.h>

struct nftnl_expr *nft_expr_add(struct nftnl_rule *r, const char *name);
void nft_meta_load(struct nftnl_rule *r, uint32_t key, uint32_t dreg);
void nft_payload_load(struct nftnl_rule *r, uint32_t base, uint32_t off, uint32_t len,
		      uint32_t dreg);
/* register 1 op data */
void nft_cmp(struct nftnl_rule *r, uint32_t op, const void *data, uint32_t len);

#endif
