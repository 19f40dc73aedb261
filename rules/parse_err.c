/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stdio.h>

#include "natgw/addr.h"
#include "parse_err.h"

int parse_fail(char *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, NGW_ERRLEN, fmt, ap);
	va_end(ap);
	return -1;
}
