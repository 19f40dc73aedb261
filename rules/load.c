/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The top level of natgw.yaml and its gateway section; each rule item goes
 * down to its section's loader (load_forward.c, load_snat.c). Nothing below
 * calls back up here: what the loaders share is in load_rule.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"
#include "load_forward.h"
#include "load_snat.h"
#include "schema.h"
#include "natgw/xalloc.h"

static const char *const top_keys[] = { "version", "gateway", "forwards", "snat" };
enum { T_VERSION, T_GATEWAY, T_FORWARDS, T_SNAT };

static const char *const gateway_keys[] = { "table", "wan", "lan", "hairpin",
					    "flush_on_change" };
enum { G_TABLE, G_WAN, G_LAN, G_HAIRPIN, G_FLUSH };

/* nft identifiers: a letter, then letters, digits, '_' or '-'. */
static void load_table_name(struct loader *L, const struct ynode *v, char *out)
{
	const char *s = value_string(L, "table", v);
	size_t len;

	if (!s)
		return;
	len = strlen(s);
	bool shape = len <= NGW_TABLE_MAX &&
		     ((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z'));
	for (size_t i = 1; shape && i < len; i++)
		shape = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
			(s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-';
	if (!shape) {
		lerr(L, v->pos, "table: \"%.64s\" is not a valid table name: use 1 to %d "
		     "letters, digits, '_' and '-', starting with a letter", s, NGW_TABLE_MAX);
		return;
	}
	memcpy(out, s, len + 1);
}

static void load_gateway(struct loader *L, const struct ynode *v, struct ngw_gateway *g)
{
	const struct ynode *val[5];
	struct ngw_pos at[5];
	struct keys k = KEYS(gateway_keys, val, at);

	if (ynode_is_null(v) || !expect_map(L, v, "gateway"))
		return;
	snprintf(L->ctx, sizeof(L->ctx), "gateway");
	keys_collect(L, v, &k);
	if (val[G_TABLE])
		load_table_name(L, val[G_TABLE], g->table);
	if (val[G_WAN])
		value_ifaces(L, "wan", val[G_WAN], true, &g->wan);
	if (val[G_LAN])
		value_ifaces(L, "lan", val[G_LAN], true, &g->lan);
	if (val[G_HAIRPIN])
		value_bool(L, "hairpin", val[G_HAIRPIN], &g->hairpin);
	if (val[G_FLUSH])
		value_bool(L, "flush_on_change", val[G_FLUSH], &g->flush_on_change);
}

static void load_version(struct loader *L, const struct ynode *v)
{
	if (v->kind == YNODE_SCALAR && v->plain && !strcmp(v->str, "1"))
		return;
	if (v->kind == YNODE_SCALAR && v->plain && v->len > 0 &&
	    strspn(v->str, "0123456789") == v->len)
		lerr(L, v->pos, "version %.32s is not supported; this natgw reads version 1",
		     v->str);
	else
		lerr(L, v->pos, "version: expected the number 1");
}

/* A rules section: its list node, or NULL when it is absent or empty. */
static const struct ynode *rule_list(struct loader *L, const char *key, const struct ynode *v)
{
	L->ctx[0] = '\0';
	if (!v || ynode_is_null(v))
		return NULL;
	if (v->kind != YNODE_SEQ) {
		lerr(L, v->pos, "%s must be a list of rules (each item starting with '-'), "
		     "not %s", key, ynode_kind_name(v));
		return NULL;
	}
	return v;
}

static void load_sections(struct loader *L, const struct ynode *root, struct load_result *out)
{
	struct ngw_ruleset *rs = out->rs;
	const struct ynode *val[4];
	struct ngw_pos at[4];
	struct keys k = KEYS(top_keys, val, at);

	if (!expect_map(L, root, "the top level of natgw.yaml"))
		return;
	keys_collect(L, root, &k);
	if (!val[T_VERSION])
		lerr(L, root->pos, "missing required key \"version\" (add \"version: 1\")");
	else
		load_version(L, val[T_VERSION]);
	if (val[T_GATEWAY])
		load_gateway(L, val[T_GATEWAY], &rs->gateway);

	const struct ynode *fw = rule_list(L, "forwards", val[T_FORWARDS]);
	if (fw && fw->n) {
		rs->forwards = xreallocarray(NULL, fw->n, sizeof(*rs->forwards));
		out->forward_ok = xreallocarray(NULL, fw->n, sizeof(bool));
		for (size_t i = 0; i < fw->n; i++) {
			out->forward_ok[i] = load_forward(L, fw->items[i], i, &rs->forwards[i]);
			rs->n_forwards++;
		}
	}
	const struct ynode *sn = rule_list(L, "snat", val[T_SNAT]);
	if (sn && sn->n) {
		rs->snats = xreallocarray(NULL, sn->n, sizeof(*rs->snats));
		out->snat_ok = xreallocarray(NULL, sn->n, sizeof(bool));
		for (size_t i = 0; i < sn->n; i++) {
			out->snat_ok[i] = load_snat(L, sn->items[i], i, &rs->snats[i]);
			rs->n_snats++;
		}
	}
	L->ctx[0] = '\0';
}

void model_load(const struct ynode *root, struct ngw_diags *d, struct load_result *out)
{
	struct ngw_ruleset *rs = xzalloc(sizeof(*rs));
	struct loader L = { .d = d, .rs = rs };

	snprintf(rs->gateway.table, sizeof(rs->gateway.table), "natgw");
	rs->gateway.hairpin = true;
	rs->gateway.flush_on_change = true;
	*out = (struct load_result){ .rs = rs };
	if (root)
		load_sections(&L, root, out);
}

void load_result_free(struct load_result *r)
{
	free(r->forward_ok);
	free(r->snat_ok);
	ruleset_free(r->rs);
	*r = (struct load_result){ 0 };
}
