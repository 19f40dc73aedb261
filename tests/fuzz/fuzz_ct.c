/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the ctnetlink message parser (gateway/ct.c), which reads
 * what the kernel sends on conntrack dumps and events, and the translation
 * table it feeds. No crash, no read past the message. */
#include <stdlib.h>
#include <string.h>

#include "conntrack/ct.h"
#include "conntrack/xlat.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	/* a buffer of exactly the message's size, so a read past it is caught */
	void *msg = malloc(size ? size : 1);
	struct ct_entry e;

	if (!msg)
		abort();
	memcpy(msg, data, size);
	if (ct_parse(msg, size, &e)) {
		struct xlat *x = xlat_new(NULL, NULL);
		bool added;
		const struct xlat_mapping *m = xlat_upsert(x, &e, &added);
		if (m && (!added || xlat_count(x) != 1))
			abort();
		if (m && !xlat_remove(x, &e, NULL))
			abort();
		xlat_free(x);
	}
	free(msg);
	return 0;
}
