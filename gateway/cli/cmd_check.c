/* SPDX-License-Identifier: GPL-2.0-or-later */
/* natgw check [-c FILE] [--print] [--json] [FILE]: parse and validate only. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cli.h"
#include "config.h"
#include "out/config_load.h"
#include "out/diag_print.h"
#include "natgw/rules.h"

struct check_result {
	const char *file;
	const struct ngw_ruleset *rs;	/* NULL when invalid */
	const struct ngw_diags *d;
	double ms;
};

/* The two output formats, chosen once. */
struct check_output {
	void (*report)(const struct cli *cli, const struct check_result *r);
};

static void check_help(void)
{
	printf("Usage: natgw check [-c FILE] [--print] [--json] [-q] [-v] [FILE]\n"
	       "\n"
	       "Parse and validate a natgw configuration. Needs no root and does not\n"
	       "touch the kernel. Every problem is reported as FILE:LINE:COL.\n"
	       "\n"
	       "  -c, --config FILE  the file to check (default %s); \"-\" reads stdin\n"
	       "  -p, --print        write the canonical form (defaults filled in)\n"
	       "      --json         write the result as one JSON object\n"
	       "  -q, --quiet        no output when the file is valid\n"
	       "  -v, --verbose      also say how long the check took\n"
	       "\n"
	       "Exit status: 0 valid, 1 invalid, 2 usage error, 3 the file cannot be read.\n",
	       NATGW_DEFAULT_CONFIG);
}

static void plural(FILE *out, size_t n, const char *what)
{
	fprintf(out, "%zu %s%s", n, what, n == 1 ? "" : "s");
}

static void report_text(const struct cli *cli, const struct check_result *r)
{
	diag_print_text(stderr, r->file, r->d);
	if (!r->rs || cli->verbosity < 0)
		return;
	size_t disabled = r->rs->n_forwards - ruleset_count_enabled_forwards(r->rs);
	printf("%s: ok: ", r->file);
	plural(stdout, r->rs->n_forwards, "forward");
	if (disabled)
		printf(" (%zu disabled)", disabled);
	printf(", ");
	plural(stdout, r->rs->n_snats, "snat rule");
	printf("\n");
	if (cli->verbosity > 0) {
		struct rusage ru;
		getrusage(RUSAGE_SELF, &ru);
		fflush(stdout);		/* after the result, also in one file */
		fprintf(stderr, "natgw: checked %s in %.1f ms, peak memory %.1f MiB\n",
			r->file, r->ms, (double)ru.ru_maxrss / 1024.0);
	}
}

static void report_json(const struct cli *cli, const struct check_result *r)
{
	struct json j;

	(void)cli;
	json_init(&j, stdout);
	json_object_begin(&j);
	json_key(&j, "file");
	json_string(&j, r->file);
	json_key(&j, "valid");
	json_bool(&j, r->rs != NULL);
	json_key(&j, "forwards");
	json_uint(&j, r->rs ? r->rs->n_forwards : 0);
	json_key(&j, "forwards_disabled");
	json_uint(&j, r->rs ? r->rs->n_forwards - ruleset_count_enabled_forwards(r->rs) : 0);
	json_key(&j, "snat");
	json_uint(&j, r->rs ? r->rs->n_snats : 0);
	json_key(&j, "errors");
	json_uint(&j, r->d->errors);
	json_key(&j, "warnings");
	json_uint(&j, r->d->warnings);
	json_key(&j, "diagnostics");
	diag_print_json(&j, r->d);
	json_object_end(&j);
	json_finish(&j);
}

static const struct check_output output_text = { report_text };
static const struct check_output output_json = { report_json };

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int cmd_check(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_GLOBAL_LONG,
		{ "print", no_argument, 0, 'p' },
		{ 0, 0, 0, 0 },
	};
	bool print = false;
	int c;

	while ((c = getopt_long(argc, argv, CLI_GLOBAL_SHORT "p", opts, NULL)) != -1) {
		if (cli_global_option(cli, c, optarg))
			continue;
		switch (c) {
		case 'h':
			check_help();
			return EXIT_OK;
		case 'p':
			print = true;
			break;
		default:
			return cli_usage_error("check", "unknown or incomplete option '%s'",
					       argv[optind - 1]);
		}
	}
	int status;
	const char *file = config_path(cli, "check", argc, argv, &status);
	if (!file)
		return status;
	if (print && cli->json)
		return cli_usage_error("check", "--print and --json cannot be combined");

	struct ngw_ruleset *rs;
	struct ngw_diags d;
	double start = now_ms();

	diags_init(&d);
	int r = rules_load(file, &rs, &d);
	if (r < 0) {
		char why[512];
		snprintf(why, sizeof(why), "cannot read %s: %s", file, strerror(-r));
		fprintf(stderr, "natgw: %s\n", why);
		if (cli->json)
			diag_print_json_message(stdout, why);
		diags_free(&d);
		return EXIT_SYSTEM;
	}
	file = config_display_name(file);
	struct check_result res = { .file = file, .rs = rs, .d = &d, .ms = now_ms() - start };
	if (print && rs) {
		diag_print_text(stderr, file, &d);
		if (rules_print(rs, stdout) < 0 || fflush(stdout) != 0) {
			fprintf(stderr, "natgw: writing the canonical form: %s\n", strerror(errno));
			r = -1;
		}
	} else {
		(cli->json ? &output_json : &output_text)->report(cli, &res);
	}
	status = r < 0 ? EXIT_SYSTEM : rs ? EXIT_OK : EXIT_INVALID;
	ruleset_free(rs);
	diags_free(&d);
	return status;
}
