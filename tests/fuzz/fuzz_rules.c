/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the YAML loader and validator (rules/), then the
 * compiler (gateway/kmodel.c) and the nft script writer. Whatever the input,
 * no crash and no sanitizer report; and for a valid ruleset, its canonical
 * form loads back and prints the same text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile/kmodel.h"
#include "natgw/diag.h"
#include "natgw/rules.h"
#include "compile/nft_script.h"

static char *print(const struct ngw_ruleset *rs, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);
	if (!f || rules_print(rs, f) != 0)
		abort();
	fclose(f);
	return text;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct ngw_ruleset *rs = NULL, *again = NULL;
	struct ngw_diags d;

	diags_init(&d);
	rules_load_buffer("fuzz.yaml", (const char *)data, size, &rs, &d);
	diags_free(&d);
	if (!rs)
		return 0;

	size_t len1, len2;
	char *one = print(rs, &len1);
	diags_init(&d);
	rules_load_buffer("canonical.yaml", one, len1, &again, &d);
	diags_free(&d);
	if (!again)
		abort();	/* the canonical form of a valid ruleset is valid */
	char *two = print(again, &len2);
	if (len1 != len2 || memcmp(one, two, len1))
		abort();	/* and prints the same */

	struct kmodel m;
	if (kmodel_compile(rs, &m) == 0) {
		FILE *null = fopen("/dev/null", "w");
		if (!null || nft_script_write(&m, null) != 0)
			abort();
		fclose(null);
	}
	kmodel_free(&m);
	free(one);
	free(two);
	ruleset_free(again);
	ruleset_free(rs);
	return 0;
}
