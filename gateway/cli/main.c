/* SPDX-License-Identifier: GPL-2.0-or-later */
/* natgw: the command-line front end. Global options, then a subcommand. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "natgw/version.h"

struct command {
	const char *name;
	int (*run)(struct cli *cli, int argc, char **argv);
	const char *summary;
};

static int cmd_help(struct cli *cli, int argc, char **argv);

static const struct command commands[] = {
	{ "check", cmd_check, "parse and validate the configuration (no root, no kernel)" },
	{ "plan", cmd_plan, "what apply would change (--nft: the table as an nft script)" },
	{ "apply", cmd_apply, "make the kernel's table match the configuration, atomically" },
	{ "confirm", cmd_confirm, "keep the ruleset of a pending apply --confirm" },
	{ "show", cmd_show, "the rules in the kernel now, with packet and byte counters" },
	{ "mappings", cmd_mappings, "the live NAT mappings, from conntrack (--watch: as they come)" },
	{ "flush", cmd_flush, "delete the mappings of one rule, or of every natgw rule" },
	{ "down", cmd_down, "remove natgw's table, and nothing else" },
	{ "run", cmd_run, "the daemon: apply, track mappings, reload, keep the table" },
	{ "reload", cmd_reload, "make the daemon apply its configuration again" },
	{ "doctor", cmd_doctor, "why a forward would not work on this router (changes nothing)" },
	{ "help", cmd_help, "show the help of a command (natgw help COMMAND)" },
};

#define N_COMMANDS (sizeof(commands) / sizeof(*commands))

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: natgw [OPTIONS] COMMAND [COMMAND OPTIONS] [FILE]\n"
		"\n"
		"NAT port-forwarding gateway for Linux routers.\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(out,
		"\n"
		"Options:\n"
		"  -c, --config FILE  configuration file (default %s)\n"
		"      --json         machine-readable output\n"
		"  -q, --quiet        print only problems\n"
		"  -v, --verbose      print more detail\n"
		"  -h, --help         show this help (after a command: that command's help)\n"
		"      --version      show the version\n"
		"\n"
		"Exit status: 0 success, 1 invalid configuration, 2 usage error,\n"
		"3 system or kernel error.\n",
		NATGW_DEFAULT_CONFIG);
}

static void help_help(void)
{
	printf("Usage: natgw help [COMMAND]\n"
	       "\n"
	       "Show the help of COMMAND (what `natgw COMMAND --help` shows), or without\n"
	       "one the overview of every command.\n"
	       "\n"
	       "Exit status: 0 success, 2 usage error (no such command).\n");
}

static const struct command *command_find(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (!strcmp(name, commands[i].name))
			return &commands[i];
	return NULL;
}

/* natgw help [COMMAND]: what natgw --help or natgw COMMAND --help print. */
static int cmd_help(struct cli *cli, int argc, char **argv)
{
	int status = cli_parse_plain(cli, argc, argv, "help", help_help);

	if (status >= 0)
		return status;
	if (argc - optind > 1)
		return cli_usage_error("help", "unexpected argument '%s'", argv[optind + 1]);
	if (optind == argc) {
		usage(stdout);
		return EXIT_OK;
	}
	const struct command *c = command_find(argv[optind]);
	if (!c)
		return cli_usage_error(NULL, "unknown command '%s'", argv[optind]);
	if (c->run == cmd_help) {
		help_help();
		return EXIT_OK;
	}
	char *args[] = { argv[optind], "--help", NULL };
	optind = 0;	/* glibc: start getopt afresh */
	return c->run(cli, 2, args);
}

/* A caller may start natgw with stdin, stdout or stderr closed (a daemon
 * manager, `natgw run >&-`): then the first socket natgw opens would take
 * that number, and a message meant for the terminal would go into a
 * netlink socket. They are parked on /dev/null, opened the other way round
 * (stdin write-only, stdout and stderr read-only), so using them fails as
 * on a closed descriptor: `natgw apply -` with stdin closed cannot read an
 * empty ruleset, and `natgw run` with stderr closed has no log and says so
 * by failing. */
static void std_fds_open(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		int null = open("/dev/null", fd == STDIN_FILENO ? O_WRONLY : O_RDONLY);
		if (null >= 0 && null != fd) {	/* a lower one was closed too */
			dup2(null, fd);
			close(null);
		}
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_GLOBAL_LONG,
		{ "version", no_argument, 0, 'V' },
		{ 0, 0, 0, 0 },
	};
	struct cli cli = { 0 };
	int c;

	std_fds_open();
	cli_json_asked(argc, argv);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+" CLI_GLOBAL_SHORT, opts, NULL)) != -1) {
		if (cli_global_option(&cli, c, optarg))
			continue;
		switch (c) {
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("natgw %s\n", NATGW_VERSION);
			return EXIT_OK;
		default:
			return cli_usage_error(NULL, "unknown or incomplete option '%s'",
					       argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const struct command *cmd = command_find(argv[optind]);
	if (!cmd)
		return cli_usage_error(NULL, "unknown command '%s'", argv[optind]);
	int at = optind;
	optind = 0;	/* glibc: start getopt afresh for the subcommand */
	return cmd->run(&cli, argc - at, argv + at);
}
