/* outputs: the reject file's and the result log's paths, and their checks;
 * --emit's request bodies on stdout. */
#include "outputs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include "request.h"

static bool ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n >= k && !strncmp(s + n - k, suffix, k);
}

void outputs_default_paths(const char *input, enum config_format format,
                           char delimiter, char *rejects, char *log,
                           size_t len)
{
	static const char *const exts[] = {".csv", ".tsv", ".jsonl", ".ndjson"};
	const char *ext = format == CONFIG_FORMAT_JSONL ? ".jsonl"
	                  : delimiter == '\t'          ? ".tsv"
	                                               : ".csv";
	const char *base = strcmp(input, "-") ? input : "stdin";
	size_t n = strlen(base), i;

	if (ends_with(base, n, ".gz"))
		n -= 3;
	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		if (ends_with(base, n, exts[i])) {
			n -= strlen(exts[i]);
			/* keep the input's own extension when it fits the format
			 * (x.ndjson -> x.rejects.ndjson), never a wrong one */
			if ((format == CONFIG_FORMAT_JSONL) == (i >= 2))
				ext = exts[i];
			break;
		}
	snprintf(rejects, len, "%.*s.rejects%s", (int)n, base, ext);
	snprintf(log, len, "%.*s.results.jsonl", (int)n, base);
}

void outputs_paths(const struct config *cfg, const char *input,
                   enum config_format format, char delimiter,
                   char rejects[OUTPUTS_PATH_MAX], char log[OUTPUTS_PATH_MAX])
{
	outputs_default_paths(input, format, delimiter, rejects, log,
	                      OUTPUTS_PATH_MAX);
	if (cfg->rejects_path)
		snprintf(rejects, OUTPUTS_PATH_MAX, "%s", cfg->rejects_path);
	if (cfg->log_path)
		snprintf(log, OUTPUTS_PATH_MAX, "%s", cfg->log_path);
}

bool outputs_is_stream(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && (S_ISFIFO(sb.st_mode) ||
	                                S_ISCHR(sb.st_mode) || S_ISSOCK(sb.st_mode));
}

/* Does path name the same file as one of the inputs? */
static const char *same_as_input(const struct config *cfg, const char *path)
{
	struct stat a, b;
	size_t i;

	if (stat(path, &a) != 0)
		return NULL; /* not there yet: cannot be an input */
	for (i = 0; i < cfg->nfiles; i++)
		if (strcmp(cfg->files[i], "-") && stat(cfg->files[i], &b) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			return cfg->files[i];
	return NULL;
}

/* The reject file and the log are written while the inputs are read: one
 * that is an input would be truncated, removed, or read back without end. */
static enum rb_status apart(const struct config *cfg, const char *rej,
                            const char *log, char *err, size_t errlen)
{
	const char *in;

	if ((in = same_as_input(cfg, rej))) {
		rb_detail(err, errlen,
		          "the reject file '%s' is the input '%s'; give --rejects "
		          "another path (a fixed reject file is read, not rewritten)",
		          rej, in);
		return RB_EUSAGE;
	}
	if ((in = same_as_input(cfg, log))) {
		rb_detail(err, errlen,
		          "the result log '%s' is the input '%s'; give --log another "
		          "path", log, in);
		return RB_EUSAGE;
	}
	if (!strcmp(rej, log)) {
		rb_detail(err, errlen,
		          "the reject file and the result log are both '%s'", log);
		return RB_EUSAGE;
	}
	return RB_OK;
}

/* Can path be written (appended to, or created)? Probes without changing
 * anything: an existing file is opened for appending and closed; a missing
 * one is created and removed again. */
static enum rb_status can_write(const char *what, const char *path, char *err,
                                size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd >= 0) {
		close(fd);
		unlink(path);
		return RB_OK;
	}
	if (errno == EEXIST &&
	    (fd = open(path, O_WRONLY | O_APPEND | O_NONBLOCK | O_CLOEXEC)) >= 0) {
		close(fd);
		return RB_OK;
	}
	rb_detail(err, errlen, "cannot write the %s '%s': %s", what, path,
	          strerror(errno));
	return RB_EUSAGE;
}

enum rb_status outputs_check(const struct config *cfg, const char *rejects,
                             const char *log, char *err, size_t errlen)
{
	enum rb_status st = apart(cfg, rejects, log, err, errlen);

	if (!st)
		st = can_write("reject file", rejects, err, errlen);
	if (!st)
		st = can_write("result log", log, err, errlen);
	return st;
}

enum rb_status outputs_emit(struct buf *body, const struct usage *u,
                            FILE *out, bool *closed, char *err,
                            size_t errlen)
{
	enum rb_status st = request_usage_body(body, u);

	if (!st)
		st = buf_putc(body, '\n');
	if (st)
		return st;
	if (fwrite(body->data, 1, body->len, out) == body->len)
		return RB_OK;
	if (errno == EPIPE) {
		*closed = true;
		return RB_OK;
	}
	rb_detail(err, errlen, "cannot write to stdout: %s", strerror(errno));
	return RB_EIO;
}
