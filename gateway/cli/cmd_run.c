/* SPDX-License-Identifier: GPL-2.0-or-later */
/* natgw run [-c FILE]: starts the daemon (daemon.h) on a valid
 * configuration. */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "out/config_load.h"
#include "apply/confirm_timer.h"
#include "ctl/ctl.h"
#include "daemon/daemon.h"
#include "ctl/rundir.h"

static void run_help(void)
{
	printf("Usage: natgw run [-c FILE] [-v]\n"
	       "\n"
	       "The router daemon. Applies the configuration, then:\n"
	       "  - reloads it on SIGHUP, and when the file changed and has settled\n"
	       "    (closed by its writer, quiet for 200 ms); a bad or empty file is\n"
	       "    logged with its diagnostics and the running ruleset stays;\n"
	       "  - keeps watching the file when it, its directory or a symlink to it\n"
	       "    is replaced, and logs when it is gone and when it is back;\n"
	       "  - keeps the translation table of live mappings from conntrack events;\n"
	       "  - puts its table back within a second if another program deletes or\n"
	       "    changes it;\n"
	       "  - serves natgw show, mappings, apply, reload and confirm on\n"
	       "    %s/%s-<network namespace inode>.sock;\n"
	       "  - keeps only CAP_NET_ADMIN once its sockets are open.\n"
	       "SIGTERM stops it and leaves the ruleset in the kernel, so traffic flows on\n"
	       "across a restart. It logs one line per event to stderr.\n"
	       "\n"
	       "  -c, --config FILE  the configuration (default %s)\n"
	       "  -v, --verbose      log also what changed nothing\n"
	       "\n"
	       "Exit status: 0 stopped by a signal, 1 invalid configuration at start,\n"
	       "2 usage error, 3 system or kernel error.\n",
	       rundir(), CTL_SOCKET_STEM, NATGW_DEFAULT_CONFIG);
}

static int parse(struct cli *cli, int argc, char **argv)
{
	int status = cli_parse_plain(cli, argc, argv, "run", run_help);

	if (status >= 0)
		return status;
	if (optind < argc)
		return cli_usage_error("run", "unexpected argument '%s' (the file goes "
				       "after -c)", argv[optind]);
	if (cli->json)
		return cli_usage_error("run", "--json: the daemon logs text lines");
	return -1;
}

int cmd_run(struct cli *cli, int argc, char **argv)
{
	int status = parse(cli, argc, argv);
	if (status >= 0)
		return status;

	struct ngw_ruleset *rs = NULL;
	const char *config = cli->config ? cli->config : NATGW_DEFAULT_CONFIG;
	if (!strcmp(config, "-"))
		return cli_usage_error("run", "the daemon reads a file it can watch, not "
				       "standard input");
	status = config_load(config, &rs, stderr);
	if (status != EXIT_OK)
		return status;
	config_warn_unsupported(stderr, rs, config, true);
	if (confirm_timer_pending(rs->gateway.table)) {
		fprintf(stderr, "natgw: an apply --confirm of table inet %s is waiting for "
			"`natgw confirm`; confirm it or let it roll back, then start natgw run\n",
			rs->gateway.table);
		ruleset_free(rs);
		return EXIT_SYSTEM;
	}
	/* the daemon's log: a stream of its own on what stderr is now */
	int log_fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	FILE *log = log_fd >= 0 ? fdopen(log_fd, "w") : NULL;
	if (!log) {
		perror("natgw: stderr");
		ruleset_free(rs);
		return EXIT_SYSTEM;
	}
	status = daemon_run(config, rs, cli->verbosity, log);
	fclose(log);
	return status;
}
