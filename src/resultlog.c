/* resultlog: the result log, written line by line with write(2). */
#include "resultlog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "buf.h"
#include "json.h"

#define LINE_MAX_BYTES (256 * 1024)

/* The longest line list: 20 bytes a line ("-9223372036854775808,") with
 * room for the rest of the row line, whose reason and texts are capped. */
_Static_assert(RESULTLOG_LINES_MAX * 20 + 16 * 1024 < LINE_MAX_BYTES,
               "an aggregate's lines must fit one log line");

const char *const resultlog_status_names[RESULTLOG_STATUS_COUNT] = {
	"pending", "created", "rejected", "refused", "failed", "skipped", "deleted",
};

int resultlog_status_of(const char *name, size_t len)
{
	int i;

	for (i = 0; i < RESULTLOG_STATUS_COUNT; i++)
		if (strlen(resultlog_status_names[i]) == len &&
		    !memcmp(resultlog_status_names[i], name, len))
			return i;
	return -1;
}

struct resultlog {
	int fd;
	off_t size; /* bytes of whole lines: where the next line starts */
	char *path;
	struct buf line;
};

/* A crash (or a full disk) in the middle of a write can leave the log
 * ending in part of a line. Nothing after the last newline was ever a
 * whole line, and a row whose line is lost is at worst "pending" again,
 * which resume looks up before it sends; so the fragment is cut, and the
 * next line starts clean. */
static int cut_torn_line(int fd, off_t *size)
{
	char tail[4096];
	off_t end = lseek(fd, 0, SEEK_END), pos = end;
	ssize_t n, i;

	if (end < 0)
		return -1;
	while (pos > 0) {
		off_t from = pos > (off_t)sizeof(tail) ? pos - (off_t)sizeof(tail) : 0;
		n = pread(fd, tail, (size_t)(pos - from), from);
		if (n <= 0)
			return -1;
		for (i = n - 1; i >= 0; i--)
			if (tail[i] == '\n') {
				pos = from + i + 1;
				goto found;
			}
		pos = from;
	}
found:
	if (pos != end && ftruncate(fd, pos))
		return -1;
	*size = pos;
	return 0;
}

/* The pid holding a flock on the file, from /proc/locks:
 * "1: FLOCK  ADVISORY  WRITE 4242 08:01:1234567 0 EOF". 0 when unknown. */
static long lock_holder(int fd)
{
	char line[256];
	long holder = 0;
	struct stat sb;
	FILE *f;

	if (fstat(fd, &sb) || !(f = fopen("/proc/locks", "r")))
		return 0;
	while (!holder && fgets(line, sizeof(line), f)) {
		char kind[16], mode[16], rw[16];
		unsigned maj, mnr;
		unsigned long long ino;
		long pid;

		if (sscanf(line, "%*[^:]: %15s %15s %15s %ld %x:%x:%llu", kind, mode,
		           rw, &pid, &maj, &mnr, &ino) == 7 &&
		    !strcmp(kind, "FLOCK") && ino == (unsigned long long)sb.st_ino &&
		    makedev(maj, mnr) == sb.st_dev)
			holder = pid;
	}
	fclose(f);
	return holder;
}

/* flock, not fcntl: a POSIX lock would go as soon as anything in this
 * process closed another descriptor of the file (reading it back to resume
 * does). 0 locked, 1 held by another process, -1 error (errno). */
static int try_lock(int fd)
{
	while (flock(fd, LOCK_EX | LOCK_NB)) {
		if (errno == EINTR)
			continue;
		return errno == EWOULDBLOCK ? 1 : -1;
	}
	return 0;
}

/* A file just created exists for good only once its directory's entry is
 * on disk too: without this, a power cut soon after the first run started
 * could lose the whole log, pending lines and all, and the run after it
 * would send every row again. */
static int sync_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[4096];
	int fd, rc;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

static enum rb_status open_log(struct resultlog **out, const char *path,
                               bool exclusive, char *err, size_t errlen)
{
	struct resultlog *lg = calloc(1, sizeof(*lg));
	bool created;
	int busy;
	long holder;

	*out = NULL;
	if (!lg || !(lg->path = strdup(path))) {
		free(lg);
		rb_detail(err, errlen, "out of memory");
		return RB_ENOMEM;
	}
	buf_init(&lg->line, LINE_MAX_BYTES);
	created = access(path, F_OK) != 0;
	lg->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (lg->fd < 0 || (created && exclusive && sync_dir_of(path)))
		goto io;
	busy = try_lock(lg->fd);
	if (busy < 0)
		goto io;
	if (busy && exclusive) {
		holder = lock_holder(lg->fd);
		if (holder)
			rb_detail(err, errlen,
			          "another run (pid %ld) is using the result log '%s'; "
			          "nothing was sent (run again once it has finished)",
			          holder, path);
		else
			rb_detail(err, errlen,
			          "another run is using the result log '%s'; nothing "
			          "was sent (run again once it has finished)", path);
		close(lg->fd);
		buf_free(&lg->line);
		free(lg->path);
		free(lg);
		return RB_EBUSY;
	}
	/* Only the holder of the lock may cut: the last line of a run
	 * appending right now can look torn from outside. */
	if (!busy && cut_torn_line(lg->fd, &lg->size))
		goto io;
	if (busy) {
		off_t end = lseek(lg->fd, 0, SEEK_END);
		lg->size = end > 0 ? end : 0;
	} else if (!exclusive) {
		flock(lg->fd, LOCK_UN); /* a dry run blocks no import */
	}
	*out = lg;
	return RB_OK;
io:
	rb_detail(err, errlen, "cannot open '%s': %s", path, strerror(errno));
	if (lg->fd >= 0)
		close(lg->fd);
	buf_free(&lg->line);
	free(lg->path);
	free(lg);
	return RB_EIO;
}

struct resultlog *resultlog_open(const char *path, char *err, size_t errlen)
{
	struct resultlog *lg;

	open_log(&lg, path, false, err, errlen);
	return lg;
}

enum rb_status resultlog_open_exclusive(struct resultlog **out,
                                        const char *path, char *err,
                                        size_t errlen)
{
	return open_log(out, path, true, err, errlen);
}

enum rb_status resultlog_sync(struct resultlog *lg, char *err, size_t errlen)
{
	if (fdatasync(lg->fd) == 0)
		return RB_OK;
	rb_detail(err, errlen, "cannot write '%s': %s", lg->path,
	          strerror(errno));
	return RB_EIO;
}

enum rb_status resultlog_close(struct resultlog *lg, char *err, size_t errlen)
{
	enum rb_status st = RB_OK;

	if (!lg)
		return RB_OK;
	if (close(lg->fd)) {
		rb_detail(err, errlen, "cannot write '%s': %s", lg->path,
		          strerror(errno));
		st = RB_EIO;
	}
	buf_free(&lg->line);
	free(lg->path);
	free(lg);
	return st;
}

/* One line, one write(2): O_APPEND makes it land whole at the end. */
static enum rb_status emit(struct resultlog *lg, enum rb_status st, char *err,
                           size_t errlen)
{
	size_t off = 0;

	if (!st)
		st = buf_putc(&lg->line, '\n');
	if (st) {
		rb_detail(err, errlen, "%s: result line too long", lg->path);
		return st;
	}
	while (off < lg->line.len) {
		ssize_t n = write(lg->fd, lg->line.data + off, lg->line.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : ENOSPC;
			/* Take back the part that went out: the log keeps whole
			 * lines only, so a resume reads it without a stumble. */
			if (off && ftruncate(lg->fd, lg->size) == 0)
				off = 0;
			rb_detail(err, errlen, "cannot write '%s': %s", lg->path,
			          strerror(e));
			return RB_EIO;
		}
		off += (size_t)n;
	}
	lg->size += (off_t)off;
	return RB_OK;
}

static enum rb_status put_str(struct buf *b, const char *key, const char *v)
{
	enum rb_status st;

	if (!v)
		return RB_OK;
	if ((st = buf_printf(b, ",\"%s\":", key)))
		return st;
	return buf_json_string(b, v, strlen(v));
}

/* --encoding as given (NULL when not: UTF-8 unless a BOM says otherwise). */
static const char *encoding_option(enum config_encoding e)
{
	switch (e) {
	case CONFIG_ENCODING_UTF8: return "utf-8";
	case CONFIG_ENCODING_LATIN1: return "latin1";
	case CONFIG_ENCODING_WINDOWS_1252: return "windows-1252";
	case CONFIG_ENCODING_UTF16: return "utf-16";
	default: return NULL;
	}
}

enum rb_status resultlog_write_run(struct resultlog *lg,
                                   const struct resultlog_run *run, char *err,
                                   size_t errlen)
{
	const struct config *c = run->cfg;
	struct buf *b = &lg->line;
	enum rb_status st;
	int f;

	buf_reset(b);
	st = buf_printf(b, "{\"type\":\"run\",\"tool\":\"rbusage\",\"version\":\"%s\"",
	                RBUSAGE_VERSION);
	if (!st) st = put_str(b, "command", run->command);
	if (!st) st = put_str(b, "input", run->input);
	if (!st) st = put_str(b, "fingerprint", run->fingerprint);
	if (!st) st = put_str(b, "format", run->format);
	if (!st) st = put_str(b, "started", run->started);
	if (!st) st = put_str(b, "stampedTime", run->stamped_time);
	if (!st) st = buf_printf(b, ",\"dryRun\":%s", c->dry_run ? "true" : "false");
	if (!st && !c->dry_run) st = put_str(b, "baseUrl", c->base_url);
	if (!st && !c->dry_run) st = put_str(b, "organization", c->org);
	if (!st) /* --rate auto is 0 in cfg */
		st = c->rate > 0 ? buf_printf(b, ",\"options\":{\"rate\":%g", c->rate)
		                 : buf_puts(b, ",\"options\":{\"rate\":\"auto\"");
	if (!st)
		st = buf_printf(b,
		                ",\"concurrency\":%u,"
		                "\"retries\":%u,\"timeoutMs\":%ld,\"reserve\":%u,"
		                "\"rateWindowS\":%g,\"settleMs\":%ld,"
		                "\"allowDuplicates\":%s,\"stampTime\":%s",
		                c->concurrency, c->retries, c->timeout_ms,
		                c->reserve_pct, c->rate_window_s, c->settle_ms,
		                c->allow_duplicates ? "true" : "false",
		                c->stamp_time ? "true" : "false");
	if (!st && c->time_zone)
		st = put_str(b, "timeZone", timefmt_zone_name(c->time_zone));
	else if (!st && c->has_time_zone)
		st = buf_printf(b, ",\"timeZoneOffsetMinutes\":%d",
		                c->time_zone_offset_min);
	if (!st && c->dst != TIMEFMT_DST_REJECT)
		st = put_str(b, "dst",
		             c->dst == TIMEFMT_DST_EARLIER ? "earlier" : "later");
	if (!st && c->time_format == CONFIG_TIME_PATTERN)
		st = put_str(b, "timeFormat", c->time_pattern.text);
	else if (!st && c->time_format != CONFIG_TIME_ISO)
		st = buf_printf(b, ",\"timeFormat\":\"%s\"",
		                c->time_format == CONFIG_TIME_EPOCH ? "epoch"
		                                                    : "epoch-ms");
	if (!st && c->decimal_comma)
		st = buf_printf(b, ",\"decimalComma\":true");
	if (!st && c->has_not_before)
		st = buf_printf(b, ",\"notBeforeMs\":%lld", (long long)c->not_before_ms);
	if (!st && c->has_not_after)
		st = buf_printf(b, ",\"notAfterMs\":%lld", (long long)c->not_after_ms);
	if (!st && c->shard_n)
		st = buf_printf(b, ",\"shard\":\"%u/%u\"", c->shard_k, c->shard_n);
	if (!st && encoding_option(c->encoding))
		st = buf_printf(b, ",\"encoding\":\"%s\"",
		                encoding_option(c->encoding));
	/* resume matches an aggregate's usage only under the same bucketing */
	if (!st && c->aggregate != CONFIG_AGGREGATE_NONE)
		st = buf_printf(b, ",\"aggregate\":\"%s\"",
		                config_aggregate_name(c->aggregate));
	for (f = 0; f < CONFIG_FIELD_COUNT && !st; f++)
		if (c->map[f]) {
			st = buf_printf(b, ",\"map.%s\":", config_field_names[f]);
			if (!st)
				st = buf_json_string(b, c->map[f], strlen(c->map[f]));
		}
	if (!st)
		st = buf_putc(b, '}');
	if (!st)
		st = buf_putc(b, '}');
	return emit(lg, st, err, errlen);
}

enum rb_status resultlog_write_row(struct resultlog *lg,
                                   const struct resultlog_row *r, char *err,
                                   size_t errlen)
{
	struct buf *b = &lg->line;
	enum rb_status st;

	buf_reset(b);
	st = buf_printf(b, "{\"type\":\"row\",\"line\":%ld,\"status\":\"%s\"",
	                r->line, resultlog_status_names[r->status]);
	if (!st && r->nlines) {
		size_t i;

		if (r->nlines > RESULTLOG_LINES_MAX)
			st = RB_ETOOBIG;
		for (i = 0; i < r->nlines && !st; i++)
			st = buf_printf(b, "%s%ld", i ? "," : ",\"lines\":[",
			                r->lines[i]);
		if (!st)
			st = buf_putc(b, ']');
	}
	if (!st) st = put_str(b, "usageId", r->usage_id);
	if (!st && r->http) st = buf_printf(b, ",\"http\":%ld", r->http);
	if (!st && r->attempts) st = buf_printf(b, ",\"attempts\":%u", r->attempts);
	if (!st && r->ms >= 0) st = buf_printf(b, ",\"ms\":%ld", r->ms);
	if (!st) st = put_str(b, "subscriptionId", r->subscription_id);
	/* canonical decimal text is a valid JSON number: written as one */
	if (!st && r->quantity) st = buf_printf(b, ",\"quantity\":%s", r->quantity);
	if (!st) st = put_str(b, "usageTime", r->usage_time);
	if (!st && r->stored_quantity)
		st = buf_printf(b, ",\"storedQuantity\":%s", r->stored_quantity);
	if (!st) st = put_str(b, "storedUsageTime", r->stored_usage_time);
	if (!st && r->stored_maybe) st = buf_puts(b, ",\"storedMaybe\":true");
	if (!st) st = put_str(b, "found", r->found);
	if (!st) st = put_str(b, "reason", r->reason);
	if (!st)
		st = buf_putc(b, '}');
	return emit(lg, st, err, errlen);
}

enum rb_status resultlog_write_summary(struct resultlog *lg,
                                       const struct run_counts *c,
                                       bool dry_run, bool interrupted,
                                       const char *input_failed,
                                       long elapsed_ms, char *err,
                                       size_t errlen)
{
	struct buf *b = &lg->line;
	enum rb_status st;

	buf_reset(b);
	st = buf_printf(b,
	                "{\"type\":\"summary\",\"read\":%lu,\"valid\":%lu,"
	                "\"created\":%lu,\"rejected\":%lu,\"refused\":%lu,"
	                "\"failed\":%lu,\"skipped\":%lu",
	                c->read, c->valid, c->created, c->rejected, c->refused,
	                c->failed, c->skipped);
	if (!st && c->other_shard)
		st = buf_printf(b, ",\"otherShard\":%lu", c->other_shard);
	if (!st && c->reconciled)
		st = buf_printf(b, ",\"reconciled\":%lu", c->reconciled);
	if (!st && c->remaining)
		st = buf_printf(b, ",\"remaining\":%lu", c->remaining);
	if (!st && c->usages)
		st = buf_printf(b, ",\"usages\":%lu", c->usages);
	if (!st && input_failed)
		st = put_str(b, "inputFailed", *input_failed ? input_failed
		                                             : "the input ended early");
	if (!st)
		st = buf_printf(b, ",\"dryRun\":%s,\"interrupted\":%s,\"elapsedMs\":%ld}",
		                dry_run ? "true" : "false",
		                interrupted ? "true" : "false", elapsed_ms);
	return emit(lg, st, err, errlen);
}

/* ---- reading back ---- */

/* the members of a line, and an aggregate's line numbers */
#define MAX_TOKS (128 + RESULTLOG_LINES_MAX)

/* Decodes string token t into scratch; returns a NUL-terminated pointer into
 * scratch, or NULL when t is not a string. */
static const char *tok_str(const char *text, const jsmntok_t *t, char **scratch)
{
	char *out = *scratch;
	size_t n;

	if (t->type != JSMN_STRING)
		return NULL;
	n = json_unescape(text + t->start, (size_t)(t->end - t->start), out);
	out[n] = 0;
	*scratch = out + n + 1;
	return out;
}

static long tok_long(const char *text, const jsmntok_t *t)
{
	if (t->type != JSMN_PRIMITIVE)
		return 0;
	return strtol(text + t->start, NULL, 10);
}

/* A count: a non-negative whole number, else 0. */
static unsigned long tok_count(const char *text, const jsmntok_t *t)
{
	long v = tok_long(text, t);

	return v > 0 ? (unsigned long)v : 0;
}

/* quantity is a JSON number in our logs: copy its text. */
static const char *tok_raw(const char *text, const jsmntok_t *t, char **scratch)
{
	char *out = *scratch;
	size_t n = (size_t)(t->end - t->start);

	if (t->type == JSMN_STRING)
		return tok_str(text, t, scratch);
	memcpy(out, text + t->start, n);
	out[n] = 0;
	*scratch = out + n + 1;
	return out;
}

/* "lines": an array of line numbers (at most RESULTLOG_LINES_MAX) into
 * out; -1 for anything else. */
static int tok_lines(const char *text, const jsmntok_t *toks, int ntoks,
                     int arr, long *out, size_t *n)
{
	int i, k;

	if (toks[arr].type != JSMN_ARRAY || toks[arr].size > RESULTLOG_LINES_MAX)
		return -1;
	for (k = 0, i = arr + 1; k < toks[arr].size; k++, i++) {
		if (i >= ntoks || toks[i].type != JSMN_PRIMITIVE ||
		    (out[k] = tok_long(text, &toks[i])) < 1)
			return -1;
	}
	*n = (size_t)toks[arr].size;
	return 0;
}

static int parse_line(const char *text, size_t len, long line_no,
                      struct resultlog_entry *e, char *scratch,
                      jsmntok_t *toks, long *lines)
{
	int ntoks, i, k;
	char why[160];
	const char *type;

	memset(e, 0, sizeof(*e));
	e->line_no = line_no;
	e->row.ms = -1;
	e->elapsed_ms = -1;
	if (json_parse(text, len, toks, MAX_TOKS, &ntoks, why, sizeof(why)) ||
	    ntoks < 1 || toks[0].type != JSMN_OBJECT)
		return -1;
	k = json_find(text, toks, ntoks, 0, "type");
	type = k >= 0 ? tok_str(text, &toks[k], &scratch) : NULL;
	if (!type)
		return -1;
	if (!strcmp(type, "run"))
		e->type = RESULTLOG_ENTRY_RUN;
	else if (!strcmp(type, "row"))
		e->type = RESULTLOG_ENTRY_ROW;
	else if (!strcmp(type, "summary"))
		e->type = RESULTLOG_ENTRY_SUMMARY;
	else
		e->type = RESULTLOG_ENTRY_OTHER;
	for (i = 1; i < ntoks; i = json_skip(toks, ntoks, i + 1)) {
		const jsmntok_t *key = &toks[i], *val = &toks[i + 1];
		if (i + 1 >= ntoks)
			break;
#define KEY(s) json_eq(text, key, s)
		if (e->type == RESULTLOG_ENTRY_RUN) {
			if (KEY("input")) e->input = tok_str(text, val, &scratch);
			else if (KEY("fingerprint")) e->fingerprint = tok_str(text, val, &scratch);
			else if (KEY("stampedTime")) e->stamped_time = tok_str(text, val, &scratch);
			else if (KEY("command")) e->command = tok_str(text, val, &scratch);
			else if (KEY("baseUrl")) e->base_url = tok_str(text, val, &scratch);
			else if (KEY("organization")) e->organization = tok_str(text, val, &scratch);
			else if (KEY("started")) e->started = tok_str(text, val, &scratch);
			else if (KEY("dryRun")) e->dry_run = val->type == JSMN_PRIMITIVE && text[val->start] == 't';
			else if (KEY("options") && val->type == JSMN_OBJECT) {
				int a = json_find(text, toks, ntoks, i + 1, "aggregate");
				int sh = json_find(text, toks, ntoks, i + 1, "shard");
				if (a >= 0)
					e->aggregate = tok_str(text, &toks[a], &scratch);
				if (sh >= 0)
					e->shard = tok_str(text, &toks[sh], &scratch);
			}
		} else if (e->type == RESULTLOG_ENTRY_ROW) {
			struct resultlog_row *r = &e->row;
			if (KEY("line")) r->line = tok_long(text, val);
			else if (KEY("lines")) {
				if (tok_lines(text, toks, ntoks, i + 1, lines, &r->nlines))
					return -1;
				r->lines = lines;
			} else if (KEY("status")) {
				const char *s = tok_str(text, val, &scratch);
				int st = s ? resultlog_status_of(s, strlen(s)) : -1;
				if (st < 0)
					return -1;
				r->status = (enum resultlog_status)st;
			} else if (KEY("usageId")) r->usage_id = tok_str(text, val, &scratch);
			else if (KEY("http")) r->http = tok_long(text, val);
			else if (KEY("attempts")) r->attempts = (unsigned)tok_long(text, val);
			else if (KEY("ms")) r->ms = tok_long(text, val);
			else if (KEY("reason")) r->reason = tok_str(text, val, &scratch);
			else if (KEY("subscriptionId")) r->subscription_id = tok_str(text, val, &scratch);
			else if (KEY("quantity")) r->quantity = tok_raw(text, val, &scratch);
			else if (KEY("usageTime")) r->usage_time = tok_str(text, val, &scratch);
			else if (KEY("found")) r->found = tok_str(text, val, &scratch);
			else if (KEY("storedQuantity")) r->stored_quantity = tok_raw(text, val, &scratch);
			else if (KEY("storedUsageTime")) r->stored_usage_time = tok_str(text, val, &scratch);
			else if (KEY("storedMaybe")) r->stored_maybe = val->type == JSMN_PRIMITIVE && text[val->start] == 't';
		} else if (e->type == RESULTLOG_ENTRY_SUMMARY) {
			struct run_counts *c = &e->counts;
			if (KEY("read")) c->read = tok_count(text, val);
			else if (KEY("valid")) c->valid = tok_count(text, val);
			else if (KEY("created")) c->created = tok_count(text, val);
			else if (KEY("rejected")) c->rejected = tok_count(text, val);
			else if (KEY("refused")) c->refused = tok_count(text, val);
			else if (KEY("failed")) c->failed = tok_count(text, val);
			else if (KEY("skipped")) c->skipped = tok_count(text, val);
			else if (KEY("otherShard")) c->other_shard = tok_count(text, val);
			else if (KEY("reconciled")) c->reconciled = tok_count(text, val);
			else if (KEY("remaining")) c->remaining = tok_count(text, val);
			else if (KEY("usages")) c->usages = tok_count(text, val);
			else if (KEY("dryRun")) e->dry_run = val->type == JSMN_PRIMITIVE && text[val->start] == 't';
			else if (KEY("interrupted")) e->interrupted = val->type == JSMN_PRIMITIVE && text[val->start] == 't';
			else if (KEY("elapsedMs")) e->elapsed_ms = tok_long(text, val);
			else if (KEY("inputFailed")) e->input_failed = tok_str(text, val, &scratch);
		}
#undef KEY
	}
	return 0;
}

enum rb_status resultlog_read(const char *path, resultlog_cb cb, void *ctx,
                              char *err, size_t errlen)
{
	enum rb_status st = RB_OK;
	struct resultlog_entry e;
	jsmntok_t *toks = NULL;
	long *lines = NULL;
	char *line = NULL, *scratch = NULL;
	long line_no = 0;
	size_t len = 0;
	int c;
	FILE *fp = fopen(path, "r");

	if (!fp) {
		rb_detail(err, errlen, "cannot open '%s': %s", path, strerror(errno));
		return RB_EIO;
	}
	line = malloc(LINE_MAX_BYTES + 1);
	scratch = malloc(LINE_MAX_BYTES + 64);
	toks = malloc(MAX_TOKS * sizeof(*toks));
	lines = malloc(RESULTLOG_LINES_MAX * sizeof(*lines));
	if (!line || !scratch || !toks || !lines) {
		rb_detail(err, errlen, "out of memory");
		st = RB_ENOMEM;
		goto out;
	}
	for (;;) {
		c = getc(fp);
		if (c != EOF && c != '\n') {
			if (len == LINE_MAX_BYTES) {
				rb_detail(err, errlen, "%s: line %ld is longer than %d bytes",
				          path, line_no + 1, LINE_MAX_BYTES);
				st = RB_EINPUT;
				goto out;
			}
			line[len++] = (char)c;
			continue;
		}
		if (c == EOF)
			break; /* a last line without '\n' was torn by a crash */
		line_no++;
		if (len) {
			if (parse_line(line, len, line_no, &e, scratch, toks,
			               lines)) {
				rb_detail(err, errlen,
				          "%s: line %ld is not a result log line", path,
				          line_no);
				st = RB_EINPUT;
				goto out;
			}
			if (cb(&e, ctx))
				break;
		}
		len = 0;
	}
	if (ferror(fp)) {
		rb_detail(err, errlen, "cannot read '%s': %s", path, strerror(errno));
		st = RB_EIO;
	}
out:
	free(lines);
	free(toks);
	free(scratch);
	free(line);
	fclose(fp);
	return st;
}

void resultlog_counts_add(struct run_counts *to, const struct run_counts *from)
{
	to->read += from->read;
	to->valid += from->valid;
	to->created += from->created;
	to->rejected += from->rejected;
	to->refused += from->refused;
	to->failed += from->failed;
	to->skipped += from->skipped;
	to->other_shard += from->other_shard;
	to->reconciled += from->reconciled;
	to->remaining += from->remaining;
	to->usages += from->usages;
}

size_t resultlog_row_lines(const struct resultlog_row *r, const long **lines)
{
	if (r->nlines) {
		*lines = r->lines;
		return r->nlines;
	}
	*lines = &r->line;
	return 1;
}
