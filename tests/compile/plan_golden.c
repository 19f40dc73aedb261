/* SPDX-License-Identifier: GPL-2.0-or-later */
/* natgw-plan-golden BEFORE.yaml AFTER.yaml: the plan `natgw plan AFTER`
 * prints when the kernel holds the table natgw made from BEFORE, made
 * without a kernel: BEFORE's creating transaction is read back as a
 * kernel dump would be (kstate_from_batch), and AFTER is planned against
 * it. With --nft-messages, the number of messages the plan sends too. */
#include <stdio.h>
#include <string.h>

#include "kernel/kbatch.h"
#include "kernel/kplan_emit.h"
#include "compile/kplan.h"
#include "kernel/kstate_read.h"
#include "compile/kmodel.h"
#include "out/plan_print.h"

static int load(const char *path, struct ngw_ruleset **rs, struct kmodel *m)
{
	struct ngw_diags d;
	diags_init(&d);
	int r = rules_load(path, rs, &d);
	diags_free(&d);
	if (r < 0 || !*rs || kmodel_compile(*rs, m) < 0) {
		fprintf(stderr, "natgw-plan-golden: %s does not load\n", path);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct ngw_ruleset *before = NULL, *after = NULL;
	struct kmodel mb = { 0 }, ma = { 0 };
	struct kstate empty = { 0 }, st = { 0 };
	struct kplan create = { 0 }, p = { 0 };
	struct nl nl = { 0 };
	struct kbatch kb, kb2;

	if (argc != 3) {
		fprintf(stderr, "usage: natgw-plan-golden BEFORE.yaml AFTER.yaml\n");
		return 2;
	}
	if (load(argv[1], &before, &mb) < 0 || load(argv[2], &after, &ma) < 0)
		return 1;
	kplan_compute(&empty, &mb, false, &create);
	kbatch_init(&kb, &nl, &mb, 0);
	kplan_emit(&create, &empty, &kb);
	kstate_from_batch(mb.table, kb.nb.msgs, kb.nb.n_msgs, &st);
	kplan_compute(&st, &ma, false, &p);
	plan_print_text(&p, true, stdout);
	kbatch_init(&kb2, &nl, &ma, 0);
	kplan_emit(&p, &st, &kb2);
	printf("messages: %zu; %s%s\n", kb2.nb.n_objects,
	       p.create ? "new table" : p.rebuild ? "table rebuilt: " : "patched",
	       p.rebuild ? p.rebuild_reason : "");
	kbatch_free(&kb2);
	kbatch_free(&kb);
	kplan_free(&p);
	kplan_free(&create);
	kstate_free(&st);
	kmodel_free(&ma);
	kmodel_free(&mb);
	ruleset_free(before);
	ruleset_free(after);
	return 0;
}
