/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gateway/cli/: the natgw command: main, options, one cmd_*.c per
 * subcommand, talking to the daemon, and exit codes, the only place that
 * picks them. Uses everything.
 *
 * What every subcommand shares: global options, exit codes, usage errors. */
#ifndef NATGW_CLI_H
#define NATGW_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "natgw/diag.h"
#include "natgw/rules.h"
#include "out/diag_print.h"
#include "apply/status.h"

#define NATGW_DEFAULT_CONFIG "/etc/natgw/natgw.yaml"

/* SPEC section 1: the exit status of each outcome (status.h). */
enum {
	EXIT_OK = NGW_OK,
	EXIT_INVALID = NGW_INVALID,	/* the configuration is invalid; nothing was applied */
	EXIT_USAGE = NGW_USAGE,
	EXIT_SYSTEM = NGW_FAILED,	/* permission, netlink or kernel error; nothing applied */
};

struct cli {
	const char *config;	/* -c FILE; NULL: not given */
	bool json;
	int verbosity;		/* -q: -1, default 0, -v: 1 and more */
};

/* Handles a global option seen by any getopt loop; false if c is not one. */
bool cli_global_option(struct cli *cli, int c, const char *arg);

/* Long options and short string every subcommand appends to its own. */
#define CLI_GLOBAL_SHORT "c:qvh"
#define CLI_GLOBAL_LONG \
	{ "config", required_argument, 0, 'c' }, \
	{ "json", no_argument, 0, 'J' }, \
	{ "quiet", no_argument, 0, 'q' }, \
	{ "verbose", no_argument, 0, 'v' }, \
	{ "help", no_argument, 0, 'h' }

/* The option loop of a command that takes the global options only. Returns
 * -1 to go on, or the exit status to return now (after its help, or a
 * usage error). */
int cli_parse_plain(struct cli *cli, int argc, char **argv, const char *cmd,
		    void (*help)(void));

/* Whether --json is anywhere on the command line (before "--"): then a
 * usage error, found before the options are all read, is JSON too. Called
 * by main() before any parsing. */
void cli_json_asked(int argc, char **argv);

/* Prints "natgw: message" and a hint to stderr, and with --json on the
 * command line {"error", "diagnostics"} on stdout; returns EXIT_USAGE. */
__attribute__((format(printf, 2, 3)))
int cli_usage_error(const char *cmd, const char *fmt, ...);

/* The messages of the library code a command calls (struct ngw_diags),
 * shown on stderr as they come: what it waits for, warnings, why it
 * stopped. file names the configuration kernel refusals point into. */
struct cli_msgs {
	struct ngw_diags d;
	struct diag_sink sink;
};

void cli_msgs_init(struct cli_msgs *m, const char *file);
void cli_msgs_free(struct cli_msgs *m);

/* How a command that failed before its result ends: with --json, one JSON
 * document on stdout too, {"error", "diagnostics"} of m's messages
 * (diag_print_json_error(); the daemon's answers render the same). Usage
 * errors say it through cli_usage_error(). Returns status. */
int cli_fail(const struct cli *cli, const struct cli_msgs *m, int status);

/* Starts the confirm timer of table in a detached process, which inherits
 * previous (NULL: there was no table) with the rest of the memory; the
 * caller still frees its own as usual. 0 or -errno, after which no timer
 * runs. */
int confirm_detach(const char *table, struct ngw_ruleset *previous, unsigned seconds);

struct ctl_request;
/* Sends req on fd and relays the reply to stdout and stderr. Returns the
 * daemon's exit status, or EXIT_SYSTEM after a message when the exchange
 * broke. */
int cli_daemon_exchange(int fd, const struct ctl_request *req);

/* When `natgw run` serves the socket: sends req, relays the answer, sets
 * *status and returns true. False when no daemon answers: do it directly. */
bool cli_daemon_request(const struct ctl_request *req, int *status);

/* Which table a command about the table alone (show, down, flush...)
 * means: the one -c's file names, or the default file's if there is one,
 * else "natgw". EXIT_OK, or the status after a message in msgs. */
int cli_table_name(const struct cli *cli, struct ngw_diags *msgs, char *table, size_t size);

struct session;
/* cli_table_name(), session_open() and session_read(). */
int cli_open_table(struct session *s, struct ngw_diags *msgs, const struct cli *cli,
		   unsigned sets_mask, char *table, size_t size);

int cmd_check(struct cli *cli, int argc, char **argv);
int cmd_plan(struct cli *cli, int argc, char **argv);
int cmd_apply(struct cli *cli, int argc, char **argv);
int cmd_show(struct cli *cli, int argc, char **argv);
int cmd_down(struct cli *cli, int argc, char **argv);
int cmd_mappings(struct cli *cli, int argc, char **argv);
int cmd_flush(struct cli *cli, int argc, char **argv);
int cmd_confirm(struct cli *cli, int argc, char **argv);
int cmd_reload(struct cli *cli, int argc, char **argv);
int cmd_run(struct cli *cli, int argc, char **argv);
int cmd_doctor(struct cli *cli, int argc, char **argv);

#endif
