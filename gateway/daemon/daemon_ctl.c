/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's side of the control socket: one request per connection,
 * from root only, length-checked before it is read, answered with what the
 * command would have printed had it run directly, rendered in memory. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "out/config_load.h"
#include "ctl/ctl.h"
#include "daemon.h"
#include "out/diag_print.h"
#include "conntrack/ei.h"
#include "compile/layout.h"
#include "conntrack/mappings.h"
#include "out/mappings_print.h"
#include "out/show_print.h"
#include "natgw/xalloc.h"

static void reply(int fd, const char *err, size_t err_len, const char *out, size_t out_len,
		  int status)
{
	uint32_t st = (uint32_t)status;

	/* diagnostics come before results, as they do in a terminal */
	if (err_len && ctl_send_frame(fd, CTL_ERR, err, err_len) < 0)
		return;
	if (out_len && ctl_send_frame(fd, CTL_OUT, out, out_len) < 0)
		return;
	ctl_send_frame(fd, CTL_EXIT, &st, sizeof(st));
}

static void refuse(struct daemon *d, int fd, const char *what, int status)
{
	char text[256];

	daemon_log(d, "control socket: refused %s", what);
	snprintf(text, sizeof(text), "natgw: the daemon refused %s\n", what);
	reply(fd, text, strlen(text), NULL, 0, status);
}

/* ---- requests ----------------------------------------------------------- */

/* A request that failed before its result: with --json, the error
 * document of msgs, as the command renders it without a daemon. */
static int failed(const struct daemon_answer *ans, const struct ngw_diags *msgs, int status)
{
	if (ans->json && status != NGW_OK && status != NGW_USAGE)
		diag_print_json_error(ans->out, msgs);
	return status;
}

/* Messages said to the client as they come, and kept for --json. */
static void answer_msgs_open(struct ngw_diags *msgs, struct diag_sink *sink,
		      const struct daemon_answer *ans, const char *file)
{
	*sink = (struct diag_sink){ .out = ans->err, .file = file };
	diags_init(msgs);
	diag_sink_attach(msgs, sink);
}

static int serve_mappings(struct daemon *d, const struct ctl_request *req,
			  const struct daemon_answer *ans)
{
	struct mappings_filter f = { .ri = &d->ri, .l4 = req->l4, .scope = d->scope };

	if (req->rule[0] && !(f.rule = rule_index_by_name(&d->ri, req->rule))) {
		fprintf(ans->err, "natgw: there is no rule '%s' in table inet %s\n"
			"Try 'natgw mappings --help'.\n", req->rule, d->table);
		return NGW_USAGE;
	}
	/* events keep the table's mappings; counters and time left move
	 * without events, so the answer is the dump that refreshes the table,
	 * unless the table as the events left it is asked for (--cached) */
	struct mappings l = { .f = &f, .count_only = req->count };
	struct ngw_diags msgs;
	struct diag_sink sink;
	int r = 0, status = NGW_OK;
	answer_msgs_open(&msgs, &sink, ans, d->config);
	if (req->cached)
		xlat_foreach(d->ct.x, mappings_add, &l);
	else
		r = ct_follow_resync(&d->ct, mappings_add, &l);
	if (r < 0) {
		diags_add_system(&msgs, NGW_ERROR, "reading conntrack: %s", strerror(-r));
		status = NGW_FAILED;
	}
	if (status == NGW_OK) {
		struct nl nl;
		r = nl_open(&nl);
		if (r == 0) {
			r = ei_read(&nl, d->table, mappings_add, &l);
			nl_close(&nl);
		}
		if (r < 0) {
			diags_add_system(&msgs, NGW_ERROR, "reading the endpoint-independent "
					 "mappings: %s", strerror(-r));
			status = NGW_FAILED;
		}
	}
	if (status == NGW_OK && req->count)
		mappings_print_count(ans->out, req->json, l.n);
	else if (status == NGW_OK)
		mappings_print(ans->out, req->json, &f, l.v, l.n);
	failed(ans, &msgs, status);
	mappings_free(&l);
	diags_free(&msgs);
	return status;
}

static int serve_show(struct daemon *d, const struct daemon_answer *ans)
{
	struct ngw_diags msgs;
	struct diag_sink sink;
	struct session s = { 0 };

	answer_msgs_open(&msgs, &sink, ans, d->config);
	int status = session_open_existing(&s, &msgs, d->table, 1u << KSET_EI_UNMAPPED);
	if (status == NGW_OK)
		show_print(ans->out, ans->json, &s.st, d->table);
	failed(ans, &msgs, status);
	session_close(&s);
	diags_free(&msgs);
	return status;
}

static int serve_apply(struct daemon *d, const struct ctl_request *req,
		       const struct daemon_answer *ans)
{
	struct ngw_ruleset *rs = NULL;
	struct ngw_diags diags, msgs;
	struct diag_sink sink;
	char why[320];

	diags_init(&diags);
	rules_load_buffer(req->name, req->content, req->content_len, &rs, &diags);
	diag_print_text(ans->err, req->name, &diags);
	if (!rs)
		failed(ans, &diags, NGW_INVALID);
	diags_free(&diags);
	if (!rs)
		return NGW_INVALID;
	answer_msgs_open(&msgs, &sink, ans, req->name);
	int status = NGW_OK;
	if (strcmp(rs->gateway.table, d->table)) {
		diags_add_system(&msgs, NGW_ERROR, "natgw run manages table inet %s, and %s names "
				 "table inet %s; nothing was applied", d->table, req->name,
				 rs->gateway.table);
		status = NGW_FAILED;
	} else if (d->confirm.pending) {
		diags_add_system(&msgs, NGW_ERROR, "an earlier apply --confirm of table inet %s is "
				 "waiting for `natgw confirm`; confirm it (or let it roll back) "
				 "first. Nothing was applied.", d->table);
		status = NGW_FAILED;
	}
	failed(ans, &msgs, status);
	diags_free(&msgs);
	if (status != NGW_OK) {
		ruleset_free(rs);
		return status;
	}
	config_warn_unsupported(ans->err, rs, req->name, true);
	snprintf(why, sizeof(why), "natgw apply %s%s", req->name,
		 req->confirm ? " --confirm" : "");
	status = daemon_apply(d, rs, why, false, req->confirm, ans);
	if (status == NGW_OK && req->confirm && !d->confirm.pending && !req->json &&
	    req->verbosity >= 0)
		fprintf(ans->out, "natgw: nothing changed, so there is nothing to confirm\n");
	return status;
}

static int serve(struct daemon *d, const struct ctl_request *req, const struct daemon_answer *ans)
{
	switch (req->type) {
	case CTL_SHOW:
		return serve_show(d, ans);
	case CTL_MAPPINGS:
		return serve_mappings(d, req, ans);
	case CTL_RELOAD:
		return daemon_reload(d, "reload (natgw reload)", ans);
	case CTL_APPLY:
		return serve_apply(d, req, ans);
	case CTL_CONFIRM:
		return daemon_confirm(d, ans);
	default:
		return NGW_USAGE;	/* ctl_parse_request() lets no other through */
	}
}

/* ---- the connection ------------------------------------------------------ */

static void handle(struct daemon *d, int fd)
{
	char first;
	struct ctl_header h;
	struct ctl_request req;
	char what[96];

	/* the socket is 0600 root; this holds even if its mode is changed,
	 * and a client of another network namespace is never served */
	if (ctl_peer_check(fd, true, what, sizeof(what)) < 0) {
		refuse(d, fd, what, NGW_FAILED);
		return;
	}
	/* `natgw down` and others only look whether a daemon answers */
	if (recv(fd, &first, 1, MSG_PEEK) == 0)
		return;
	int r = ctl_read_all(fd, &h, sizeof(h));
	if (r == 0)
		r = ctl_check_request_header(&h);
	if (r < 0) {
		snprintf(what, sizeof(what), "a malformed request (%s)", strerror(-r));
		refuse(d, fd, what, NGW_USAGE);
		return;
	}
	void *payload = xmalloc(h.length);
	r = ctl_read_all(fd, payload, h.length);
	if (r == 0)
		r = ctl_parse_request(&h, payload, &req);
	if (r < 0) {
		snprintf(what, sizeof(what), "a malformed request (%s)", strerror(-r));
		refuse(d, fd, what, NGW_USAGE);
		free(payload);
		return;
	}

	static const char *const names[] = {
		[CTL_SHOW] = "show", [CTL_MAPPINGS] = "mappings", [CTL_RELOAD] = "reload",
		[CTL_APPLY] = "apply", [CTL_CONFIRM] = "confirm",
	};
	if (d->verbosity > 0) {
		struct ucred cred = { 0 };
		socklen_t len = sizeof(cred);
		getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len);
		daemon_log(d, "control socket: %s (pid %d)", names[req.type], (int)cred.pid);
	}

	char *out = NULL, *err = NULL, *more = NULL;
	size_t out_len = 0, err_len = 0, more_len = 0;
	struct daemon_answer ans = { .out = open_memstream(&out, &out_len),
				     .err = open_memstream(&err, &err_len),
				     .err_unlogged = open_memstream(&more, &more_len),
				     .json = req.json, .verbosity = req.verbosity };
	if (!ans.out || !ans.err || !ans.err_unlogged) {
		FILE *f[] = { ans.out, ans.err, ans.err_unlogged };
		for (size_t i = 0; i < 3; i++)
			if (f[i])
				fclose(f[i]);
		free(out);
		free(err);
		free(more);
		refuse(d, fd, "a request: no memory for its answer", NGW_FAILED);
		free(payload);
		return;
	}
	int status = serve(d, &req, &ans);
	fclose(ans.out);
	fclose(ans.err);
	fclose(ans.err_unlogged);
	if (req.type == CTL_APPLY || req.type == CTL_RELOAD)
		daemon_log_text(d, err, err_len);	/* its diagnostics, in the log too */
	if (more_len) {
		err = xrealloc(err, err_len + more_len + 1);
		memcpy(err + err_len, more, more_len + 1);
		err_len += more_len;
	}
	reply(fd, err, err_len, out, out_len, status);
	free(out);
	free(err);
	free(more);
	free(payload);
}

void daemon_ctl_serve(struct daemon *d)
{
	struct timeval rcv = { 2, 0 }, snd = { 10, 0 };
	int fd = accept4(d->ctl_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	/* a client that stalls holds the daemon up for seconds at most */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &rcv, sizeof(rcv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &snd, sizeof(snd));
	handle(d, fd);
	close(fd);
}
