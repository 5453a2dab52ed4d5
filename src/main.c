/* rbusage: imports metered usage into Rebilly. main only sets up (signals,
 * configuration, key) and maps how the run ended to an exit status:
 * 0 all done, 1 some rows not created, 2 usage/configuration error (nothing
 * sent), 3 cut short (resumable). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <poll.h>
#include <sys/prctl.h>

#include "apikey.h"
#include "cli.h"
#include "clock.h"
#include "config.h"
#include "help.h"
#include "metrics.h"
#include "pipeline.h"
#include "preflight.h"
#include "report_log.h"
#include "status.h"
#include "undo.h"

enum {
	EXIT_ALL_DONE = 0,
	EXIT_SOME_ROWS = 1,
	EXIT_USAGE = 2,
	EXIT_CUT_SHORT = 3,
};

#define SAME_STOP_MS 1000 /* a repeat from one sender within this is one stop */

static volatile sig_atomic_t signals_seen;
/* Only the handler touches these, and it never interrupts itself (both
 * signals are blocked while it runs). */
static pid_t last_sender;
static int last_signal;
static int64_t last_ms;

/* First signal: the pipeline stops reading and winds down. Second: leave at
 * once; every log line went out in one write(2), so the log stays whole.
 * One stop can arrive twice: timeout(1) signals its child and then its whole
 * process group, and so does a shell's "kill PID; kill -- -PGID". The same
 * signal sent by the same process (kill(2), not a terminal's Ctrl-C) within
 * a second counts once. */
static void on_signal(int sig, siginfo_t *si, void *uctx)
{
	struct timespec ts;
	int64_t now;

	(void)uctx;
	clock_gettime(CLOCK_MONOTONIC, &ts); /* async-signal-safe */
	now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	if (signals_seen && si && si->si_code == SI_USER &&
	    si->si_pid == last_sender && sig == last_signal &&
	    now - last_ms < SAME_STOP_MS)
		return;
	last_sender = si && si->si_code == SI_USER ? si->si_pid : 0;
	last_signal = sig;
	last_ms = now;
	if (signals_seen++) {
		/* write(2) only: the log's lines are each one write, so what
		 * is not there was not written; pending rows are looked up */
		static const char msg[] =
		        "rbusage: second signal: stopping now; rows in flight stay "
		        "pending and the next run looks them up before sending\n";
		ssize_t w = write(2, msg, sizeof(msg) - 1);

		(void)w;
		_exit(EXIT_CUT_SHORT);
	}
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
	struct pollfd p = {STDOUT_FILENO, POLLOUT, 0};

	errno = 0;
	if (fflush(stdout) == 0 && !ferror(stdout))
		return code;
	/* an earlier write may have met the closed pipe: ask the pipe */
	if (errno == EPIPE || (poll(&p, 1, 0) == 1 && (p.revents & POLLERR)))
		return code;
	fprintf(stderr, "rbusage: cannot write to standard output: %s\n",
	        strerror(errno));
	return code ? code : EXIT_CUT_SHORT;
}

/* --metrics-file, at the end of a run however it ended (a second signal
 * aside). A file that cannot be written is said; a run that was otherwise
 * all done then exits 3, since the monitoring will not see it. */
static int write_metrics(const struct config *cfg,
                         const struct run_outcome *o, int code)
{
	struct metrics_input *none = NULL;
	struct metrics_run m;
	char shard[32], err[512];
	size_t i;

	memset(&m, 0, sizeof(m));
	m.command = cfg->cmd == CONFIG_CMD_UNDO ? "undo"
	            : cfg->dry_run              ? "dry-run"
	                                        : "import";
	if (cfg->shard_n) {
		snprintf(shard, sizeof(shard), "%u/%u", cfg->shard_k, cfg->shard_n);
		m.shard = shard;
	}
	m.end_ms = clock_wall_ms();
	m.exit_status = code;
	m.inputs = o->files;
	m.ninputs = o->nfiles;
	if (!o->files) {
		/* stopped before any input (exit 2): each input, with nothing */
		none = calloc(cfg->nfiles, sizeof(*none));
		if (!none) {
			fprintf(stderr, "rbusage: --metrics-file: out of memory\n");
			return code ? code : EXIT_CUT_SHORT;
		}
		for (i = 0; i < cfg->nfiles; i++)
			none[i].input = cfg->files[i];
		m.inputs = none;
		m.ninputs = cfg->nfiles;
	}
	if (metrics_write(cfg->metrics_path, &m, err, sizeof(err))) {
		fprintf(stderr, "rbusage: %s\n", err);
		if (!code)
			code = EXIT_CUT_SHORT;
	}
	free(none);
	return code;
}

static int exit_for(enum rb_status st, const struct run_outcome *o)
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
	    o->input_failed || o->earlier_unknown)
		return EXIT_SOME_ROWS;
	return EXIT_ALL_DONE;
}

int main(int argc, char **argv)
{
	struct config cfg;
	struct run_outcome outcome;
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
		fputs(help_text, stdout);
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

	/* The metrics file first: every later failure is reported there. */
	if (cfg.metrics_path &&
	    metrics_check_path(cfg.metrics_path, err, sizeof(err))) {
		config_free(&cfg);
		return usage_error(err);
	}
	memset(&outcome, 0, sizeof(outcome));
	st = RB_OK;
	if (!cfg.dry_run) {
		/* Keep the key out of core dumps and ptrace by other users. */
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		st = apikey_load(&cfg, env_lookup("REBILLY_API_KEY"), warn, sizeof(warn), err,
		                  sizeof(err));
		if (warn[0])
			fprintf(stderr, "rbusage: %s\n", warn);
	}
	if (cli_warning(&cfg, warn, sizeof(warn)))
		fprintf(stderr, "rbusage: warning: %s\n", warn);

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGINT);
	sigaddset(&sa.sa_mask, SIGTERM);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (st) {
		/* no key: exit 2, as a usage error */
	} else if (cfg.cmd == CONFIG_CMD_IMPORT) {
		st = preflight_import(&cfg, err, sizeof(err));
		if (!st)
			st = pipeline_import(&cfg, &signals_seen, &outcome, err,
			                     sizeof(err));
	} else {
		st = undo_run(&cfg, &signals_seen, &outcome, err, sizeof(err));
	}
	if (st && err[0])
		fprintf(stderr, "rbusage: %s\n", err);
	code = stdout_done(exit_for(st, &outcome));
	if (cfg.metrics_path)
		code = write_metrics(&cfg, &outcome, code);
	free(outcome.files);
	config_free(&cfg);
	return code;
}
