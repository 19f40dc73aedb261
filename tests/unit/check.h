/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A minimal test harness: CHECK records a failure with its line and goes on,
 * so one run shows every broken case. */
#ifndef NATGW_TEST_CHECK_H
#define NATGW_TEST_CHECK_H

#include <stdio.h>

static int check_passed, check_failed;

#define CHECK(cond, ...)                                                        \
	do {                                                                    \
		if (cond) {                                                     \
			check_passed++;                                         \
		} else {                                                        \
			check_failed++;                                         \
			fprintf(stderr, "%s:%d: FAILED: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                           \
			fputc('\n', stderr);                                    \
		}                                                               \
	} while (0)

/* The closing line ctest output readers understand; non-zero on failure. */
static inline int check_summary(void)
{
	printf("%d passed, %d failed\n", check_passed, check_failed);
	return check_failed ? 1 : 0;
}

#endif
