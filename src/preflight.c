/* preflight: an import's checks before anything is written or sent. */
#include "preflight.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "endpoint.h"
#include "fingerprint.h"
#include "intake.h"
#include "outputs.h"
#include "reader.h"
#include "resume.h"

/* One input: it opens, its header binds, its outputs may be written, and
 * (unless a dry run) an existing result log belongs to it. */
static enum rb_status preflight_file(const struct config *cfg,
                                     const char *path, char *err,
                                     size_t errlen)
{
	char rejects[OUTPUTS_PATH_MAX], log[OUTPUTS_PATH_MAX], fp[FINGERPRINT_MAX];
	char shard[32] = "";
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
	if (cfg->shard_n)
		snprintf(shard, sizeof(shard), "%u/%u", cfg->shard_k, cfg->shard_n);
	if (!(st = fingerprint_file(path, fp, err, errlen)))
		st = resume_load(log, path, fp, cfg->restart, cfg->aggregate, &rs,
		                 err, errlen);
	if (!st)
		st = resume_check_shard(rs, log, shard, err, errlen);
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

