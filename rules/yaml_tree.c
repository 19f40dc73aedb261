/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "natgw/xalloc.h"
#include "yaml_tree.h"

/* An open sequence or mapping while its children are being read. */
struct frame {
	struct ynode *node;
	struct ynode **kids;
	size_t n, cap;
};

struct builder {
	const char *buf;
	size_t len;
	struct arena *arena;
	struct ngw_diags *d;
	struct frame stack[YAML_TREE_MAX_DEPTH + 1];
	size_t depth;
	const struct ynode *root;
	bool failed;
	char **aliases_reported;	/* one error per alias name, not per use */
	size_t n_aliases_reported;
};

static struct ngw_pos mark_pos(const yaml_mark_t *m)
{
	return (struct ngw_pos){ .line = (uint32_t)m->line + 1, .col = (uint32_t)m->column + 1 };
}

/* libyaml's reader reports only a byte offset; count lines and characters
 * up to it so a bad byte still gets line:col. */
static struct ngw_pos offset_pos(const char *buf, size_t len, size_t off)
{
	struct ngw_pos p = { 1, 1 };
	for (size_t i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			p.line++;
			p.col = 1;
		} else if (((unsigned char)buf[i] & 0xc0) != 0x80) {
			p.col++;
		}
	}
	return p;
}

/* The byte at a 0-based line/column (column counted in characters). */
static int byte_at(const char *buf, size_t len, const yaml_mark_t *m)
{
	size_t i = 0, line = 0, col = 0;
	while (i < len && line < m->line)
		if (buf[i++] == '\n')
			line++;
	while (i < len && buf[i] != '\n') {
		if (((unsigned char)buf[i] & 0xc0) != 0x80) {
			if (col == m->column)
				return (unsigned char)buf[i];
			col++;
		}
		i++;
	}
	return -1;
}

static void syntax_error(struct builder *b, const yaml_parser_t *p)
{
	const char *problem = p->problem ? p->problem : "unknown problem";

	b->failed = true;
	if (p->error == YAML_READER_ERROR) {
		size_t off = p->problem_offset;
		if (strstr(problem, "UTF-8")) {
			/* libyaml names the byte where decoding failed, which may be
			 * a continuation; show where the sequence starts instead */
			for (int k = 0; k < 3 && off > 0 && off < b->len &&
			     ((unsigned char)b->buf[off] & 0xc0) != 0xc0 &&
			     ((unsigned char)b->buf[off - 1] & 0x80); k++)
				off--;
		}
		struct ngw_pos pos = offset_pos(b->buf, b->len, off);
		if (p->problem_value == 0 && strstr(problem, "control"))
			diags_add(b->d, NGW_ERROR, pos, "NUL byte in the file; "
				  "natgw.yaml must be UTF-8 text");
		else if (strstr(problem, "UTF-8"))
			diags_add(b->d, NGW_ERROR, pos, "invalid UTF-8 (byte 0x%02x); "
				  "natgw.yaml must be UTF-8 text",
				  off < b->len ? (unsigned char)b->buf[off] : 0);
		else
			diags_add(b->d, NGW_ERROR, pos, "%s (byte 0x%02x)", problem,
				  p->problem_value);
		return;
	}
	if (byte_at(b->buf, b->len, &p->problem_mark) == '\t' ||
	    strstr(problem, "tab character")) {
		diags_add(b->d, NGW_ERROR, mark_pos(&p->problem_mark),
			  "tab character in indentation; YAML indents with spaces only");
		return;
	}
	if (p->context)
		diags_add(b->d, NGW_ERROR, mark_pos(&p->problem_mark),
			  "syntax error: %s (%s at %zu:%zu)", problem, p->context,
			  p->context_mark.line + 1, p->context_mark.column + 1);
	else
		diags_add(b->d, NGW_ERROR, mark_pos(&p->problem_mark),
			  "syntax error: %s", problem);
}

static void attach(struct builder *b, struct ynode *n)
{
	if (b->depth == 0) {
		b->root = n;
		return;
	}
	struct frame *f = &b->stack[b->depth - 1];
	f->kids = grow(f->kids, &f->cap, f->n, sizeof(*f->kids));
	f->kids[f->n++] = n;
}

/* Anchors and tags are refused on every node: an anchor only exists to be
 * aliased (the billion-laughs door), and tags would change types behind
 * the schema's back. */
static void refuse_extras(struct builder *b, const yaml_event_t *e,
			  const yaml_char_t *anchor, const yaml_char_t *tag, bool implicit)
{
	if (anchor) {
		diags_add(b->d, NGW_ERROR, mark_pos(&e->start_mark),
			  "anchors (&%.32s) are not supported; write each value out",
			  (const char *)anchor);
		b->failed = true;
	}
	if (tag && !implicit) {
		static const char core[] = "tag:yaml.org,2002:";
		const char *t = (const char *)tag;
		bool short_form = !strncmp(t, core, sizeof(core) - 1);
		diags_add(b->d, NGW_ERROR, mark_pos(&e->start_mark),
			  "YAML tags (%s%.48s) are not supported", short_form ? "!!" : "",
			  short_form ? t + sizeof(core) - 1 : t);
		b->failed = true;
	}
}

static void refuse_alias(struct builder *b, const yaml_event_t *e)
{
	const char *name = (const char *)e->data.alias.anchor;

	b->failed = true;
	for (size_t i = 0; i < b->n_aliases_reported; i++)
		if (!strcmp(b->aliases_reported[i], name))
			return;
	diags_add(b->d, NGW_ERROR, mark_pos(&e->start_mark),
		  "aliases (*%.32s) are not supported; write each value out", name);
	b->aliases_reported = xreallocarray(b->aliases_reported, b->n_aliases_reported + 1,
					    sizeof(*b->aliases_reported));
	b->aliases_reported[b->n_aliases_reported++] = arena_strndup(b->arena, name,
								     strlen(name));
}

static struct ynode *node_new(struct builder *b, enum ynode_kind kind, const yaml_mark_t *m)
{
	struct ynode *n = arena_alloc(b->arena, sizeof(*n));
	n->kind = kind;
	n->pos = mark_pos(m);
	return n;
}

static bool open_container(struct builder *b, const yaml_event_t *e, enum ynode_kind kind)
{
	if (b->depth == YAML_TREE_MAX_DEPTH) {
		diags_add(b->d, NGW_ERROR, mark_pos(&e->start_mark),
			  "nesting deeper than %d levels", YAML_TREE_MAX_DEPTH);
		b->failed = true;
		return false;
	}
	struct ynode *n = node_new(b, kind, &e->start_mark);
	attach(b, n);
	b->stack[b->depth++] = (struct frame){ .node = n };
	return true;
}

static void close_container(struct builder *b)
{
	struct frame *f = &b->stack[--b->depth];
	struct ynode *n = f->node;

	if (f->n) {
		n->items = arena_alloc(b->arena, f->n * sizeof(*n->items));
		memcpy(n->items, f->kids, f->n * sizeof(*n->items));
	}
	n->n = n->kind == YNODE_MAP ? f->n / 2 : f->n;
	free(f->kids);
	f->kids = NULL;
}

/* One event; false stops the parse. */
static bool handle_event(struct builder *b, const yaml_event_t *e, int *documents)
{
	struct ynode *n;

	switch (e->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++*documents > 1) {
			diags_add(b->d, NGW_ERROR, mark_pos(&e->start_mark),
				  "a second YAML document starts here; natgw.yaml "
				  "holds exactly one");
			b->failed = true;
			return false;
		}
		return true;
	case YAML_ALIAS_EVENT:
		refuse_alias(b, e);
		n = node_new(b, YNODE_SCALAR, &e->start_mark);
		n->plain = true;
		n->str = "";
		attach(b, n);
		return true;
	case YAML_SCALAR_EVENT:
		refuse_extras(b, e, e->data.scalar.anchor, e->data.scalar.tag,
			      e->data.scalar.plain_implicit || e->data.scalar.quoted_implicit);
		n = node_new(b, YNODE_SCALAR, &e->start_mark);
		n->plain = e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		n->len = e->data.scalar.length;
		n->str = arena_strndup(b->arena, (const char *)e->data.scalar.value, n->len);
		attach(b, n);
		return true;
	case YAML_SEQUENCE_START_EVENT:
		refuse_extras(b, e, e->data.sequence_start.anchor,
			      e->data.sequence_start.tag, e->data.sequence_start.implicit);
		return open_container(b, e, YNODE_SEQ);
	case YAML_MAPPING_START_EVENT:
		refuse_extras(b, e, e->data.mapping_start.anchor,
			      e->data.mapping_start.tag, e->data.mapping_start.implicit);
		return open_container(b, e, YNODE_MAP);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		close_container(b);
		return true;
	default:
		return true;
	}
}

const struct ynode *yaml_tree_parse(const char *buf, size_t len, struct arena *arena,
				    struct ngw_diags *d, bool *ok)
{
	struct builder b = { .buf = buf, .len = len, .arena = arena, .d = d };
	yaml_parser_t parser;
	yaml_event_t event;
	int documents = 0;
	bool done = false;

	if (!yaml_parser_initialize(&parser))
		xalloc_die();
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	while (!done) {
		if (!yaml_parser_parse(&parser, &event)) {
			syntax_error(&b, &parser);
			break;
		}
		done = event.type == YAML_STREAM_END_EVENT ||
		       !handle_event(&b, &event, &documents);
		yaml_event_delete(&event);
	}
	yaml_parser_delete(&parser);
	while (b.depth)
		free(b.stack[--b.depth].kids);
	free(b.aliases_reported);

	*ok = !b.failed;
	if (b.failed)
		return NULL;
	if (b.root && b.root->kind == YNODE_SCALAR && b.root->plain && b.root->len == 0)
		return NULL;	/* "---" alone: an empty document */
	return b.root;
}

bool ynode_is_null(const struct ynode *n)
{
	if (n->kind != YNODE_SCALAR || !n->plain)
		return false;
	return n->len == 0 || !strcmp(n->str, "~") || !strcmp(n->str, "null") ||
	       !strcmp(n->str, "Null") || !strcmp(n->str, "NULL");
}

const char *ynode_kind_name(const struct ynode *n)
{
	if (n->kind == YNODE_SEQ)
		return "a list";
	if (n->kind == YNODE_MAP)
		return "a mapping";
	return ynode_is_null(n) ? "nothing" : "a single value";
}
