/* SPDX-License-Identifier: GPL-2.0-or-later */
/* natgw-nl-golden FILE.yaml: the netlink transaction `natgw apply` would
 * send to create FILE's table, built without a kernel and parsed back with
 * libnftnl, one object a paragraph in libnftnl's own words (the form
 * `nft --debug=netlink` prints). The golden tests compare it with
 * NAME.netlink, so a change to the bytecode shows in review. */
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/kbatch.h"
#include "kernel/kplan_emit.h"
#include "compile/kplan.h"
#include "compile/kmodel.h"
#include "kernel/kstate_read.h"

static char text[1 << 20];
static char copy[1 << 17];

static void print_msg(const struct nlmsghdr *nlh)
{
	int type = NFNL_MSG_TYPE(nlh->nlmsg_type), ok = -1;

	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES)
		return;
	text[0] = 0;
	if (type == NFT_MSG_NEWTABLE) {
		struct nftnl_table *t = nftnl_table_alloc();
		ok = nftnl_table_nlmsg_parse(nlh, t);
		nftnl_table_snprintf(text, sizeof(text), t, NFTNL_OUTPUT_DEFAULT, 0);
		nftnl_table_free(t);
	} else if (type == NFT_MSG_NEWCHAIN) {
		struct nftnl_chain *c = nftnl_chain_alloc();
		ok = nftnl_chain_nlmsg_parse(nlh, c);
		nftnl_chain_snprintf(text, sizeof(text), c, NFTNL_OUTPUT_DEFAULT, 0);
		nftnl_chain_free(c);
	} else if (type == NFT_MSG_NEWSET) {
		struct nftnl_set *s = nftnl_set_alloc();
		ok = nftnl_set_nlmsg_parse(nlh, s);
		nftnl_set_snprintf(text, sizeof(text), s, NFTNL_OUTPUT_DEFAULT, 0);
		nftnl_set_free(s);
	} else if (type == NFT_MSG_NEWSETELEM) {
		struct nftnl_set *s = nftnl_set_alloc();
		ok = nftnl_set_elems_nlmsg_parse(kstate_as_dumped(nlh, copy, sizeof(copy)), s);
		nftnl_set_snprintf(text, sizeof(text), s, NFTNL_OUTPUT_DEFAULT, 0);
		nftnl_set_free(s);
	} else if (type == NFT_MSG_NEWRULE) {
		struct nftnl_rule *r = nftnl_rule_alloc();
		ok = nftnl_rule_nlmsg_parse(nlh, r);
		nftnl_rule_snprintf(text, sizeof(text), r, NFTNL_OUTPUT_DEFAULT, 0);
		nftnl_rule_free(r);
	}
	if (ok < 0) {
		fprintf(stderr, "natgw-nl-golden: message type %d does not parse back: %s\n", type,
			strerror(errno));
		exit(1);
	}
	printf("%s\n\n", text);
}

int main(int argc, char **argv)
{
	struct ngw_ruleset *rs = NULL;
	struct ngw_diags d;

	if (argc != 2) {
		fprintf(stderr, "usage: natgw-nl-golden FILE.yaml\n");
		return 2;
	}
	diags_init(&d);
	if (rules_load(argv[1], &rs, &d) < 0 || !rs) {
		fprintf(stderr, "natgw-nl-golden: %s does not load\n", argv[1]);
		return 1;
	}
	struct kmodel m = { 0 };
	struct kstate st = { 0 };	/* no table: the plan creates it */
	struct kplan p = { 0 };
	struct nl nl = { 0 };		/* no socket: the batch is only built */
	struct kbatch kb;
	if (kmodel_compile(rs, &m) < 0) {
		fprintf(stderr, "natgw-nl-golden: %s does not compile\n", argv[1]);
		return 1;
	}
	kplan_compute(&st, &m, false, &p);
	kbatch_init(&kb, &nl, &m, 0);
	kplan_emit(&p, &st, &kb);
	for (size_t i = 0; i < kb.nb.n_msgs; i++)
		if (kb.nb.msgs[i])
			print_msg(kb.nb.msgs[i]);
	kbatch_free(&kb);
	kplan_free(&p);
	kmodel_free(&m);
	kstate_free(&st);
	ruleset_free(rs);
	diags_free(&d);
	return 0;
}
