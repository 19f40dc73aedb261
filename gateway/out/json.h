/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A streaming JSON writer: keys, values and nesting, commas handled. */
#ifndef NATGW_JSON_H
#define NATGW_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json {
	FILE *out;
	int depth;
	bool first[JSON_MAX_DEPTH];
	bool after_key;
};

void json_init(struct json *j, FILE *out);
void json_object_begin(struct json *j);
void json_object_end(struct json *j);
void json_array_begin(struct json *j);
void json_array_end(struct json *j);
void json_key(struct json *j, const char *key);
void json_string(struct json *j, const char *s);
void json_uint(struct json *j, uint64_t v);
void json_bool(struct json *j, bool v);
/* A number with the given digits after the point. */
void json_number(struct json *j, double v, int decimals);
/* Ends the document with a newline. */
void json_finish(struct json *j);

#endif
