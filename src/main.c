/* rbusage: imports metered usage into Rebilly. main only sets up (signals,
 * configuration, key) and maps how the run ended to an exit status:
 * 0 all done, 1 some rows not created, 2 usage/configuration error (nothing
 * sent), 3 cut short (resumable). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/prctl.h>

#include "cli.h"
#include "config.h"
#include "pipeline.h"
#include "report_log.h"
#include "status.h"
#include "undo.h"

enum {
	EXIT_ALL_DONE = 0,
	EXIT_SOME_ROWS = 1,
	EXIT_USAGE = 2,
	EXIT_CUT_SHORT = 3,
};

static volatile sig_atomic_t signals_seen;

/* First signal: the pipeline stops reading and winds down. Second: leave at
 * once; every log line went out in one write(2), so the log stays whole. */
static void on_signal(int sig)
{
	(void)sig;
	if (signals_seen++)
		_exit(EXIT_CUT_SHORT);
}

static const char *env_lookup(const char *name)
{
	return getenv(name);
}

static int usage_error(const char *msg)
{
	fprintf(stderr, "rbusage: %s\n", msg);
	return EXIT_USAGE;
}

/* Flushes stdout. A reader that went away (| head) ends the output
 * quietly, as for any Unix filter; another write error is said, and turns
 * success into failure. */
static int stdout_done(int code)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return code;
	if (errno == EPIPE)
		return code;
	fprintf(stderr, "rbusage: cannot write to standard output: %s\n",
	        strerror(errno));
	return code ? code : EXIT_CUT_SHORT;
}

static int exit_for(enum rb_status st, const struct pipeline_outcome *o)
{
	const struct run_counts *c = &o->counts;

	switch (st) {
	case RB_OK:
		break;
	case RB_EUSAGE:
	case RB_EINPUT:
		return EXIT_USAGE;
	default:
		return EXIT_CUT_SHORT;
	}
	if (c->rejected || c->refused || c->failed || c->remaining ||
	    o->input_failed)
		return EXIT_SOME_ROWS;
	return EXIT_ALL_DONE;
}

int main(int argc, char **argv)
{
	struct config cfg;
	struct pipeline_outcome outcome;
	struct sigaction sa;
	char err[2048] = "", warn[512] = "";
	enum rb_status st;
	int code;

	config_defaults(&cfg);
	st = cli_parse(argc, argv, env_lookup, &cfg, err, sizeof(err));
	if (st) {
		config_free(&cfg);
		return usage_error(err);
	}
	switch (cfg.cmd) {
	case CONFIG_CMD_HELP:
		fputs(cli_usage, stdout);
		config_free(&cfg);
		return EXIT_ALL_DONE;
	case CONFIG_CMD_VERSION:
		printf("rbusage %s\n", RBUSAGE_VERSION);
		config_free(&cfg);
		return EXIT_ALL_DONE;
	case CONFIG_CMD_REPORT: {
		unsigned long unknown = 0;

		signal(SIGPIPE, SIG_IGN);
		st = report_run(&cfg, stdout, &unknown, err, sizeof(err));
		if (st)
			fprintf(stderr, "rbusage: %s\n", err);
		config_free(&cfg);
		/* 1: rows left pending may have been billed; only an import
		 * run can tell */
		code = st == RB_ENOMEM ? EXIT_CUT_SHORT
		       : st            ? EXIT_USAGE
		       : unknown       ? EXIT_SOME_ROWS
		                       : EXIT_ALL_DONE;
		return stdout_done(code);
	}
	default:
		break;
	}

	if (!cfg.dry_run) {
		/* Keep the key out of core dumps and ptrace by other users. */
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		st = cli_load_key(&cfg, env_lookup, warn, sizeof(warn), err,
		                  sizeof(err));
		if (warn[0])
			fprintf(stderr, "rbusage: %s\n", warn);
		if (st) {
			config_free(&cfg);
			return usage_error(err);
		}
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	memset(&outcome, 0, sizeof(outcome));
	if (cfg.cmd == CONFIG_CMD_IMPORT) {
		st = pipeline_preflight(&cfg, err, sizeof(err));
		if (!st)
			st = pipeline_import(&cfg, &signals_seen, &outcome, err,
			                     sizeof(err));
	} else {
		st = undo_run(&cfg, &signals_seen, &outcome, err, sizeof(err));
	}
	if (st && err[0])
		fprintf(stderr, "rbusage: %s\n", err);
	code = exit_for(st, &outcome);
	if (fflush(stdout) && !code)
		code = EXIT_CUT_SHORT;
	config_free(&cfg);
	return code;
}
