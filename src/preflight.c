/* preflight: an import's checks before anything is written or sent. */
#include "preflight.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include "endpoint.h"
#include "fingerprint.h"
#include "intake.h"
#include "outputs.h"
#include "reader.h"
#include "resultlog.h"
#include "resume.h"

/* --shard K/N as the run line writes it ("" when unsharded), from one run
 * line of ours: the writer spells its members one way, and a '"' inside a
 * string value is escaped, so the text below can only be the member. */
struct shard_check {
	char now[32];        /* this run's --shard, "" for none */
	char was[32];        /* the first import run's that differs */
	long no;             /* its log line; 0 when none differs */
};

static int shard_run(const struct resultlog_entry *e, void *ctx)
{
	struct shard_check *c = ctx;
	const char *was = e->shard ? e->shard : "";

	if (e->type != RESULTLOG_ENTRY_RUN || e->dry_run || !e->command ||
	    strcmp(e->command, "import") || !strcmp(was, c->now))
		return 0;
	snprintf(c->was, sizeof(c->was), "%s", was);
	c->no = e->line_no;
	return 1;
}

/* A log's sends were made under one --shard: a run with another (or none)
 * would send the rows that another process's log holds, billing them
 * twice. Refused like a changed --aggregate: exit 2, naming both. */
static enum rb_status check_shard(const struct config *cfg, const char *log,
                                  char *err, size_t errlen)
{
	struct shard_check c = {"", "", 0};
	struct stat sb;
	char why[256];
	const char *w;

	if (stat(log, &sb) != 0)
		return RB_OK; /* no log yet */
	if (cfg->shard_n)
		snprintf(c.now, sizeof(c.now), "%u/%u", cfg->shard_k, cfg->shard_n);
	if (resultlog_read(log, shard_run, &c, why, sizeof(why)) || !c.no)
		return RB_OK; /* an unreadable log: resume_load says why */
	w = c.was[0] ? "with --shard " : "without --shard";
	rb_detail(err, errlen,
	          "result log '%s' holds a run %s%s (log line %ld), but this run "
	          "has %s%s: it would send rows that another shard's log holds, "
	          "billing them twice; run it %s%s to resume, or give --log "
	          "NEW_PATH (after 'rbusage undo %s' if the rows it created are "
	          "to be sent again from the new log)",
	          log, w, c.was, c.no, c.now[0] ? "--shard " : "no --shard",
	          c.now, w, c.was, log);
	return RB_EUSAGE;
}

/* One input: it opens, its header binds, its outputs may be written, and
 * (unless a dry run) an existing result log belongs to it. */
static enum rb_status preflight_file(const struct config *cfg,
                                     const char *path, char *err,
                                     size_t errlen)
{
	char rejects[OUTPUTS_PATH_MAX], log[OUTPUTS_PATH_MAX], fp[FINGERPRINT_MAX];
	struct intake *in = NULL;
	struct resume *rs = NULL;
	enum rb_status st;

	if (!strcmp(path, "-") || outputs_is_stream(path)) {
		/* cannot be read twice; checked as it is read */
		if (cfg->skip_existing && !cfg->dry_run) {
			rb_detail(err, errlen,
			          "--skip-existing reads the input twice (its time "
			          "window first): give '%s' as a file", path);
			return RB_EUSAGE;
		}
		if (cfg->aggregate != CONFIG_AGGREGATE_NONE) {
			rb_detail(err, errlen,
			          "--aggregate reads the input twice (a refused "
			          "usage's rows go to the reject file as they were "
			          "read): give '%s' as a file", path);
			return RB_EUSAGE;
		}
		outputs_paths(cfg, path,
		              cfg->format == CONFIG_FORMAT_JSONL ? CONFIG_FORMAT_JSONL
		                                                 : CONFIG_FORMAT_CSV,
		              reader_delimiter_for(cfg, path), rejects, log);
		return outputs_check(cfg, rejects, log, err, errlen);
	}
	if ((st = intake_open(&in, cfg, path, 0, err, errlen)))
		return st;
	outputs_paths(cfg, path, reader_format(intake_reader(in)),
	              reader_delimiter_for(cfg, path), rejects, log);
	intake_free(in);
	if ((st = outputs_check(cfg, rejects, log, err, errlen)) || cfg->dry_run)
		return st;
	if ((st = check_shard(cfg, log, err, errlen)))
		return st;
	if (!(st = fingerprint_file(path, fp, err, errlen)))
		st = resume_load(log, path, fp, cfg->restart, cfg->aggregate, &rs,
		                 err, errlen);
	resume_free(rs);
	return st;
}

enum rb_status preflight_import(const struct config *cfg, char *err,
                                size_t errlen)
{
	size_t i, stdin_uses = 0;
	enum rb_status st = RB_OK;

	if (!cfg->dry_run &&
	    (!endpoint_check_base_url(cfg->base_url, err, errlen) ||
	     !endpoint_check_cacert(cfg->cacert, err, errlen)))
		return RB_EUSAGE;
	for (i = 0; i < cfg->nfiles; i++)
		stdin_uses += !strcmp(cfg->files[i], "-");
	if (stdin_uses > 1) {
		rb_detail(err, errlen, "'-' (standard input) can be read only once");
		return RB_EUSAGE;
	}
	for (i = 0; i < cfg->nfiles && !st; i++)
		st = preflight_file(cfg, cfg->files[i], err, errlen);
	return st;
}

