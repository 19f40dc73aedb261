/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The failure path shared by the value parsers: write the reason, return -1. */
#ifndef NATGW_PARSE_ERR_H
#define NATGW_PARSE_ERR_H

__attribute__((format(printf, 2, 3)))
int parse_fail(char *err, const char *fmt, ...);

#endif
