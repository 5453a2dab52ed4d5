/* metrics: the last run in Prometheus' text exposition format. */
#include "metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include "utf8.h"

#define METRICS_MAX_BYTES (16u << 20)

void metrics_add_quantity(struct metrics_input *mi, const char *q)
{
	int64_t v = 0;
	int frac = -1;

	if (!mi || !q || !*q)
		return;
	for (; *q; q++) {
		if (*q == '.' && frac < 0) {
			frac = 0;
			continue;
		}
		if (*q < '0' || *q > '9' || frac >= 3 || v > INT64_MAX / 10 - 10)
			return;
		v = v * 10 + (*q - '0');
		if (frac >= 0)
			frac++;
	}
	for (frac = frac < 0 ? 0 : frac; frac < 3; frac++) {
		if (v > INT64_MAX / 10)
			return;
		v *= 10;
	}
	if (mi->created_milli <= INT64_MAX - v)
		mi->created_milli += v;
}

/* A label value: \, " and newline escaped as the format asks; bytes that
 * are not UTF-8 (the format requires it) and other control characters as
 * '?'. */
static enum rb_status label_value(struct buf *b, const char *s)
{
	enum rb_status st = RB_OK;
	size_t n = strlen(s), i = 0, k;

	while (i < n && !st) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\\')
			st = buf_puts(b, "\\\\");
		else if (c == '"')
			st = buf_puts(b, "\\\"");
		else if (c == '\n')
			st = buf_puts(b, "\\n");
		else if (c < 0x20 || c == 0x7f)
			st = buf_putc(b, '?');
		else if (c < 0x80)
			st = buf_putc(b, (char)c);
		else if ((k = utf8_seq((const unsigned char *)s + i, n - i))) {
			st = buf_append(b, s + i, k);
			i += k;
			continue;
		} else {
			st = buf_putc(b, '?');
		}
		i++;
	}
	return st;
}

/* name{command="...",input="...",shard="..."[,extra="value"]} */
static enum rb_status series(struct buf *b, const char *name,
                             const struct metrics_run *m,
                             const struct metrics_input *in,
                             const char *extra, const char *value)
{
	enum rb_status st = buf_printf(b, "%s{command=\"", name);

	if (!st) st = label_value(b, m->command);
	if (!st) st = buf_puts(b, "\",input=\"");
	if (!st) st = label_value(b, in->input ? in->input : "");
	if (!st && m->shard) {
		st = buf_puts(b, "\",shard=\"");
		if (!st) st = label_value(b, m->shard);
	}
	if (!st && extra) {
		st = buf_printf(b, "\",%s=\"", extra);
		if (!st) st = label_value(b, value);
	}
	if (!st)
		st = buf_puts(b, "\"} ");
	return st;
}

static enum rb_status family(struct buf *b, const char *name, const char *help)
{
	return buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* Thousandths (or milliseconds) as a decimal, "12.5", "0.001", "3". */
static enum rb_status put_milli(struct buf *b, int64_t v)
{
	char frac[8];
	int n;

	if (v < 0)
		v = 0; /* no count or duration is negative */
	if (v % 1000 == 0)
		return buf_printf(b, "%lld\n", (long long)(v / 1000));
	n = snprintf(frac, sizeof(frac), "%03lld", (long long)(v % 1000));
	while (n > 0 && frac[n - 1] == '0')
		frac[--n] = 0;
	return buf_printf(b, "%lld.%s\n", (long long)(v / 1000), frac);
}

struct status_row {
	const char *name;
	size_t offset; /* of the count in struct run_counts */
};

#define COUNT(field) offsetof(struct run_counts, field)

static const struct status_row import_rows[] = {
	{"created", COUNT(created)},   {"rejected", COUNT(rejected)},
	{"refused", COUNT(refused)},   {"failed", COUNT(failed)},
	{"skipped", COUNT(skipped)},   {NULL, 0},
};
static const struct status_row dry_rows[] = {
	{"valid", COUNT(valid)}, {"rejected", COUNT(rejected)}, {NULL, 0},
};
static const struct status_row undo_rows[] = {
	{"deleted", COUNT(created)},
	{"deleted_earlier", COUNT(skipped)},
	{"remaining", COUNT(remaining)},
	{NULL, 0},
};

static bool input_ok(const struct metrics_input *in, const char *command)
{
	const struct run_counts *c = &in->counts;

	if (!in->started || !in->finished || in->earlier_unknown)
		return false;
	if (!strcmp(command, "undo"))
		return !c->remaining;
	return !c->rejected && !c->refused && !c->failed;
}

/* The exit status input i alone would have given: 2 for a configuration
 * error (nothing ran); 3 for the input the run was cut short on, and for
 * those it never reached; else 0 when every row of it was done, 1 when some
 * were not or its input ended early. */
static int input_status(const struct metrics_run *m, size_t i)
{
	const struct metrics_input *in = &m->inputs[i];
	size_t last = 0, k;

	if (m->exit_status == 2)
		return 2;
	for (k = 0; k < m->ninputs; k++)
		if (m->inputs[k].started)
			last = k;
	if (!in->started || (m->exit_status == 3 && i == last))
		return 3;
	return input_ok(in, m->command) ? 0 : 1;
}

enum rb_status metrics_format(struct buf *b, const struct metrics_run *m)
{
	const struct status_row *rows = !strcmp(m->command, "undo") ? undo_rows
	                                : !strcmp(m->command, "dry-run")
	                                    ? dry_rows
	                                    : import_rows;
	enum rb_status st;
	size_t i, k;
	char code[8];

	st = family(b, "rbusage_rows",
	            "Rows of the last run by final status (undo: usages).");
	for (i = 0; i < m->ninputs && !st; i++)
		for (k = 0; rows[k].name && !st; k++) {
			const unsigned long *n =
				(const unsigned long *)((const char *)&m->inputs[i]
				                            .counts +
				                        rows[k].offset);
			st = series(b, "rbusage_rows", m, &m->inputs[i], "status",
			            rows[k].name);
			if (!st)
				st = buf_printf(b, "%lu\n", *n);
		}
	if (!st)
		st = family(b, "rbusage_requests",
		            "Requests of the last run by HTTP status of the reply "
		            "(none: no reply).");
	for (i = 0; i < m->ninputs && !st; i++)
		for (k = 0; k < METRICS_HTTP_CODES && !st; k++) {
			if (!m->inputs[i].requests[k])
				continue;
			snprintf(code, sizeof(code), k ? "%zu" : "none", k);
			st = series(b, "rbusage_requests", m, &m->inputs[i], "code",
			            code);
			if (!st)
				st = buf_printf(b, "%lu\n", m->inputs[i].requests[k]);
		}
	if (!st)
		st = family(b, "rbusage_rate_limit_pauses",
		            "Times a 429 reply paused all sending in the last run.");
	for (i = 0; i < m->ninputs && !st; i++) {
		st = series(b, "rbusage_rate_limit_pauses", m, &m->inputs[i], NULL,
		            NULL);
		if (!st)
			st = buf_printf(b, "%lu\n", m->inputs[i].pauses);
	}
	if (!st)
		st = family(b, "rbusage_quantity_created",
		            "Sum of the quantities the last run created.");
	for (i = 0; i < m->ninputs && !st; i++) {
		st = series(b, "rbusage_quantity_created", m, &m->inputs[i], NULL,
		            NULL);
		if (!st)
			st = put_milli(b, m->inputs[i].created_milli);
	}
	if (!st)
		st = family(b, "rbusage_run_duration_seconds",
		            "How long the last run spent on the input.");
	for (i = 0; i < m->ninputs && !st; i++) {
		st = series(b, "rbusage_run_duration_seconds", m, &m->inputs[i],
		            NULL, NULL);
		if (!st)
			st = put_milli(b, m->inputs[i].duration_ms);
	}
	if (!st)
		st = family(b, "rbusage_last_run_end_timestamp_seconds",
		            "When the last run ended, in seconds since 1970.");
	for (i = 0; i < m->ninputs && !st; i++) {
		st = series(b, "rbusage_last_run_end_timestamp_seconds", m,
		            &m->inputs[i], NULL, NULL);
		if (!st)
			st = put_milli(b, m->end_ms);
	}
	if (!st)
		st = family(b, "rbusage_last_run_success",
		            "1 when the last run finished the input with every row "
		            "created (dry run: valid; undo: deleted), else 0.");
	for (i = 0; i < m->ninputs && !st; i++) {
		st = series(b, "rbusage_last_run_success", m, &m->inputs[i], NULL,
		            NULL);
		if (!st)
			st = buf_printf(b, "%d\n", input_status(m, i) == 0);
	}
	if (!st)
		st = family(b, "rbusage_last_run_exit_status",
		            "The exit status the last run would have had with this "
		            "input alone: 0 all done, 1 some rows not created, 2 "
		            "configuration error, 3 cut short.");
	for (i = 0; i < m->ninputs && !st; i++) {
		st = series(b, "rbusage_last_run_exit_status", m, &m->inputs[i],
		            NULL, NULL);
		if (!st)
			st = buf_printf(b, "%d\n", input_status(m, i));
	}
	return st;
}

/* "dir/name" -> "dir/.name.tmp-PID-N" beside it, for an atomic rename. */
static void temp_path(const char *path, char *out, size_t len)
{
	static unsigned n;
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path + 1) : 0;

	snprintf(out, len, "%.*s.%s.tmp-%ld-%u", dirlen, path,
	         slash ? slash + 1 : path, (long)getpid(), n++);
}

enum rb_status metrics_check_path(const char *path, char *err, size_t errlen)
{
	char tmp[4200];
	struct stat sb;
	int fd;

	if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		rb_detail(err, errlen, "--metrics-file: '%s' is not a regular file",
		          path);
		return RB_EUSAGE;
	}
	temp_path(path, tmp, sizeof(tmp));
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		rb_detail(err, errlen, "--metrics-file: cannot write '%s': %s", path,
		          strerror(errno));
		return RB_EUSAGE;
	}
	close(fd);
	unlink(tmp);
	return RB_OK;
}

enum rb_status metrics_write(const char *path, const struct metrics_run *m,
                             char *err, size_t errlen)
{
	char tmp[4200];
	struct buf b;
	enum rb_status st;
	size_t off = 0;
	int fd = -1, e = 0;

	buf_init(&b, METRICS_MAX_BYTES);
	if ((st = metrics_format(&b, m))) {
		rb_detail(err, errlen, "--metrics-file: %s", rb_strerror(st));
		goto out;
	}
	temp_path(path, tmp, sizeof(tmp));
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		e = errno;
		goto fail;
	}
	while (off < b.len) {
		ssize_t n = write(fd, b.data + off, b.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			e = n < 0 ? errno : ENOSPC;
			goto fail;
		}
		off += (size_t)n;
	}
	/* 0644 whatever the umask: node_exporter runs as another user */
	if (fchmod(fd, 0644) || fsync(fd) || close(fd)) {
		e = errno;
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path)) {
		e = errno;
		goto fail;
	}
	st = RB_OK;
	goto out;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	rb_detail(err, errlen, "cannot write the metrics file '%s': %s", path,
	          strerror(e));
	st = RB_EIO;
out:
	buf_free(&b);
	return st;
}

void metrics_note(struct metrics_input *mi, const struct run_counts *c,
                  bool finished, long duration_ms,
                  const struct sender_stats *ss)
{
	size_t k;

	if (!mi)
		return;
	mi->started = true;
	mi->finished = finished;
	mi->counts = *c;
	mi->duration_ms = duration_ms;
	if (!ss)
		return;
	for (k = 0; k < METRICS_HTTP_CODES && k < SENDER_HTTP_CODES; k++)
		mi->requests[k] = ss->replies[k];
	mi->pauses = ss->pauses;
}
