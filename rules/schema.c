/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"
#include "suggest.h"
#include "natgw/xalloc.h"

__attribute__((format(printf, 4, 0)))
static void lvadd(struct loader *L, enum ngw_severity sev, struct ngw_pos pos,
		  const char *fmt, va_list ap)
{
	char *msg;

	if (vasprintf(&msg, fmt, ap) < 0)
		xalloc_die();
	if (L->ctx[0])
		diags_add(L->d, sev, pos, "%s: %s", L->ctx, msg);
	else
		diags_add(L->d, sev, pos, "%s", msg);
	free(msg);
}

void lerr(struct loader *L, struct ngw_pos pos, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lvadd(L, NGW_ERROR, pos, fmt, ap);
	va_end(ap);
	L->rule_failed = true;
}

void lwarn(struct loader *L, struct ngw_pos pos, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lvadd(L, NGW_WARNING, pos, fmt, ap);
	va_end(ap);
}

static void unknown_key(struct loader *L, const struct ynode *key, const struct keys *k)
{
	const char *near = suggest_closest(key->str, k->names, k->n);
	char list[256] = "";
	size_t used = 0;

	if (near) {
		lerr(L, key->pos, "unknown key \"%.64s\"; did you mean \"%s\"?", key->str, near);
		return;
	}
	for (size_t i = 0; i < k->n && used < sizeof(list); i++)
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
					 i ? ", " : "", k->names[i]);
	if (key->len == 0)
		lerr(L, key->pos, "empty key; expected one of: %s", list);
	else
		lerr(L, key->pos, "unknown key \"%.64s\"; expected one of: %s", key->str, list);
}

void keys_collect(struct loader *L, const struct ynode *map, struct keys *k)
{
	for (size_t i = 0; i < k->n; i++) {
		k->value[i] = NULL;
		k->at[i] = (struct ngw_pos){ 0, 0 };
	}
	for (size_t i = 0; i < map->n; i++) {
		const struct ynode *key = map->items[2 * i];
		const struct ynode *val = map->items[2 * i + 1];
		size_t j;

		if (key->kind != YNODE_SCALAR) {
			lerr(L, key->pos, "a key must be a plain name, not %s",
			     ynode_kind_name(key));
			continue;
		}
		for (j = 0; j < k->n; j++)
			if (key->len == strlen(k->names[j]) && !strcmp(key->str, k->names[j]))
				break;
		if (j == k->n) {
			unknown_key(L, key, k);
			continue;
		}
		if (k->value[j]) {
			lerr(L, key->pos, "key \"%s\" appears twice (first at %u:%u)",
			     k->names[j], k->at[j].line, k->at[j].col);
			continue;
		}
		k->value[j] = val;
		k->at[j] = key->pos;
	}
}

void keys_require(struct loader *L, const struct ynode *map, const struct keys *k,
		  const int *required, size_t n)
{
	char list[128] = "";
	size_t used = 0, missing = 0;

	for (size_t i = 0; i < n; i++)
		if (!k->value[required[i]])
			missing++;
	for (size_t i = 0, seen = 0; i < n && used < sizeof(list); i++) {
		if (k->value[required[i]])
			continue;
		seen++;
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s\"%s\"",
					 seen == 1 ? "" : seen == missing ? " and " : ", ",
					 k->names[required[i]]);
	}
	if (missing)
		lerr(L, map->pos, "missing required key%s %s", missing > 1 ? "s" : "", list);
}

bool expect_map(struct loader *L, const struct ynode *node, const char *what)
{
	if (node->kind == YNODE_MAP)
		return true;
	lerr(L, node->pos, "%s must be a mapping of keys, not %s", what, ynode_kind_name(node));
	return false;
}

const char *value_string(struct loader *L, const char *key, const struct ynode *v)
{
	if (v->kind != YNODE_SCALAR) {
		lerr(L, v->pos, "%s: expected a single value, not %s", key, ynode_kind_name(v));
		return NULL;
	}
	if (ynode_is_null(v)) {
		lerr(L, v->pos, "%s: missing value", key);
		return NULL;
	}
	if (strlen(v->str) != v->len) {
		lerr(L, v->pos, "%s: the value contains a NUL character", key);
		return NULL;
	}
	if (v->len == 0) {
		lerr(L, v->pos, "%s: empty value", key);
		return NULL;
	}
	return v->str;
}

bool value_uint(struct loader *L, const char *key, const struct ynode *v, unsigned lo,
		unsigned hi, unsigned *out)
{
	const char *s = value_string(L, key, v);
	unsigned long n = 0;
	size_t i;

	if (!s)
		return false;
	for (i = 0; v->plain && s[i] >= '0' && s[i] <= '9' && i < 10; i++)
		n = n * 10 + (unsigned long)(s[i] - '0');
	if (!v->plain || i == 0 || s[i]) {
		lerr(L, v->pos, "%s: expected a number (%u-%u), not %s\"%.64s\"", key, lo, hi,
		     v->plain ? "" : "the string ", s);
		return false;
	}
	if (n < lo || n > hi) {
		lerr(L, v->pos, "%s: %.64s is out of range (%u-%u)", key, s, lo, hi);
		return false;
	}
	*out = (unsigned)n;
	return true;
}

bool value_bool(struct loader *L, const char *key, const struct ynode *v, bool *out)
{
	static const char *const yes[] = { "true", "True", "TRUE" };
	static const char *const no[] = { "false", "False", "FALSE" };
	static const char *const yaml11[] = { "yes", "Yes", "YES", "no", "No", "NO",
					      "on", "On", "ON", "off", "Off", "OFF",
					      "y", "Y", "n", "N" };
	const char *s = value_string(L, key, v);

	if (!s)
		return false;
	for (size_t i = 0; v->plain && i < 3; i++) {
		if (!strcmp(s, yes[i]))
			return *out = true, true;
		if (!strcmp(s, no[i]))
			return *out = false, true;
	}
	for (size_t i = 0; v->plain && i < sizeof(yaml11) / sizeof(*yaml11); i++) {
		if (!strcmp(s, yaml11[i])) {
			lerr(L, v->pos, "%s: \"%s\" is ambiguous in YAML; write true or false",
			     key, s);
			return false;
		}
	}
	lerr(L, v->pos, "%s: expected true or false, not %s\"%.64s\"", key,
	     v->plain ? "" : "the string ", s);
	return false;
}

int value_enum(struct loader *L, const char *key, const struct ynode *v,
	       const char *const *names, size_t n)
{
	const char *s = value_string(L, key, v);
	char list[128] = "";
	size_t used = 0;

	if (!s)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return (int)i;
	const char *near = suggest_closest(s, names, n);
	if (near) {
		lerr(L, v->pos, "%s: unknown value \"%.64s\"; did you mean \"%s\"?", key, s, near);
		return -1;
	}
	for (size_t i = 0; i < n && used < sizeof(list); i++)
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
					 i == 0 ? "" : i + 1 == n ? " or " : ", ", names[i]);
	lerr(L, v->pos, "%s: unknown value \"%.64s\"; expected %s", key, s, list);
	return -1;
}

bool value_list(struct loader *L, const char *key, const struct ynode *v, const char *hint,
		bool (*each)(struct loader *L, const char *key, const struct ynode *item, void *arg),
		void *arg)
{
	bool ok = true;

	if (v->kind == YNODE_MAP) {
		lerr(L, v->pos, "%s: expected a value or a list, not a mapping", key);
		return false;
	}
	if (v->kind == YNODE_SCALAR)
		return each(L, key, v, arg);
	if (v->n == 0 && hint) {
		lerr(L, v->pos, "%s: empty list; %s", key, hint);
		return false;
	}
	for (size_t i = 0; i < v->n; i++)
		ok &= each(L, key, v->items[i], arg);
	return ok;
}

/* The kernel's dev_valid_name(): 1-15 bytes, not "." or "..", no '/',
 * ':' or white space. */
static bool iface_each(struct loader *L, const char *key, const struct ynode *item, void *arg)
{
	struct ngw_ifaces *out = arg;
	const char *s = value_string(L, key, item);

	if (!s)
		return false;
	if (strlen(s) >= NGW_IFNAMSIZ) {
		lerr(L, item->pos, "%s: interface name \"%.64s\" is longer than %d characters",
		     key, s, NGW_IFNAMSIZ - 1);
		return false;
	}
	if (!strcmp(s, ".") || !strcmp(s, "..") || strpbrk(s, "/: \t\n\r\f\v")) {
		lerr(L, item->pos, "%s: \"%s\" is not a valid interface name", key, s);
		return false;
	}
	for (size_t i = 0; i < out->n; i++) {
		if (!strcmp(out->name[i], s)) {
			lerr(L, item->pos, "%s: interface \"%s\" is listed twice", key, s);
			return false;
		}
	}
	out->name = xreallocarray(out->name, out->n + 1, sizeof(*out->name));
	snprintf(out->name[out->n++], NGW_IFNAMSIZ, "%s", s);
	return true;
}

bool value_ifaces(struct loader *L, const char *key, const struct ynode *v,
		  bool empty_ok, struct ngw_ifaces *out)
{
	return value_list(L, key, v, empty_ok ? NULL : "leave the key out to match every "
			  "interface", iface_each, out);
}

static bool prefix_each(struct loader *L, const char *key, const struct ynode *item, void *arg)
{
	struct ngw_prefixes *out = arg;
	const char *s = value_string(L, key, item);
	char err[NGW_ERRLEN];
	struct ngw_prefix p;

	if (!s)
		return false;
	if (prefix_parse(s, &p, err) < 0) {
		lerr(L, item->pos, "%s: %s", key, err);
		return false;
	}
	out->v = xreallocarray(out->v, out->n + 1, sizeof(*out->v));
	out->v[out->n++] = p;
	return true;
}

bool value_prefixes(struct loader *L, const char *key, const struct ynode *v,
		    struct ngw_prefixes *out)
{
	return value_list(L, key, v, "leave the key out to allow every source",
			  prefix_each, out);
}

bool value_name(struct loader *L, const struct ynode *v, char *out)
{
	const char *s = value_string(L, "name", v);
	size_t len;

	if (!s)
		return false;
	len = strlen(s);
	bool shape = len <= NGW_NAME_MAX &&
		     ((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9'));
	for (size_t i = 1; shape && i < len; i++)
		shape = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
			s[i] == '_' || s[i] == '-';
	if (!shape) {
		lerr(L, v->pos, "name \"%.64s\" is not valid: use 1 to %d characters "
		     "a-z, 0-9, '_' and '-', starting with a letter or digit",
		     s, NGW_NAME_MAX);
		return false;
	}
	memcpy(out, s, len + 1);
	return true;
}
