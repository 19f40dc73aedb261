/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Numbers for people: 3.4 KiB, 1h02m. */
#ifndef NATGW_HUMAN_H
#define NATGW_HUMAN_H

#include <stddef.h>
#include <stdint.h>

const char *human_bytes(uint64_t b, char *buf, size_t size);
const char *human_seconds(uint32_t s, char *buf, size_t size);

#endif
