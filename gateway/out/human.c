/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>

#include "human.h"

const char *human_bytes(uint64_t b, char *buf, size_t size)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)b;
	int u = 0;

	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, size, "%llu B", (unsigned long long)b);
	else
		snprintf(buf, size, "%.1f %s", v, unit[u]);
	return buf;
}

const char *human_seconds(uint32_t s, char *buf, size_t size)
{
	if (s >= 86400)
		snprintf(buf, size, "%ud%02uh", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(buf, size, "%uh%02um", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		snprintf(buf, size, "%um%02us", s / 60, s % 60);
	else
		snprintf(buf, size, "%us", s);
	return buf;
}
