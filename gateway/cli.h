/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What every subcommand shares: global options, exit codes, usage errors. */
#ifndef NATGW_CLI_H
#define NATGW_CLI_H

#include <stdbool.h>
#include <stddef.h>

#define NATGW_DEFAULT_CONFIG "/etc/natgw/natgw.yaml"

/* SPEC section 1. */
enum {
	EXIT_OK = 0,
	EXIT_INVALID = 1,	/* the configuration is invalid; nothing was applied */
	EXIT_USAGE = 2,
	EXIT_SYSTEM = 3,	/* permission, netlink or kernel error; nothing applied */
};

struct cli {
	const char *config;	/* -c FILE; NULL: not given */
	bool json;
	int verbosity;		/* -q: -1, default 0, -v: 1 and more */
	const char *table;	/* the daemon, answering a client: its table,
				 * so no config is read to find it, and the
				 * request is never forwarded to a daemon */
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

/* Prints "natgw: message" and a hint to stderr; returns EXIT_USAGE. */
__attribute__((format(printf, 2, 3)))
int cli_usage_error(const char *cmd, const char *fmt, ...);

struct apply_run;
/* What apply prints about an apply_run (the CLI, and the daemon for it). */
void cmd_apply_report(const struct cli *cli, const struct apply_run *a, unsigned confirm);
/* When the ruleset was applied but what follows the transaction did not
 * all happen: flush_on_change left mappings of changed rules ("applied,
 * but N mappings ... could not be deleted: reason; how to flush them"), or
 * live connections of a rule whose ct mark moved kept the old mark. The
 * message in buf, and true (an error: exit status 3). */
bool cmd_apply_partial_failure(const struct apply_run *a, char *buf, size_t size);

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

#endif
