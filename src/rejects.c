/* rejects: the reject file. Each reject goes out with one write(2) and no
 * user-space buffer: once rejects_write returns, the row is in the file even
 * if the process is killed next, as the result log already says it is.
 * Lines are made in UTF-8, as rows are read, and encoded back into the
 * input's encoding just before they are written. */
#include "rejects.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

struct rejects {
	int fd;          /* -1 until the first reject creates the file */
	char *path;
	enum config_format format;
	char delim;
	enum encoding enc;   /* the input's: the file is written in it */
	unsigned char *skip; /* CSV: input columns we drop (old reject columns) */
	size_t nskip;
	unsigned long count;
	struct buf header; /* written when the file is created: a UTF-16 BOM,
	                      the CSV header; in the input's encoding */
	struct buf line;
	struct buf encoded; /* line in the input's encoding */
	int failed_errno;
};

static bool is_reason_name(const char *s, size_t n)
{
	return n == 12 && !strncasecmp(s, "rejectReason", 12);
}

static bool is_reject_name(const char *s, size_t n)
{
	return (n == 10 && !strncasecmp(s, "rejectLine", 10)) ||
	       is_reason_name(s, n);
}


const char *rejects_earlier_reason(const struct reader_row *row, size_t *len)
{
	size_t i;

	for (i = 0; i < row->nfields; i++) {
		const struct reader_field *f = &row->fields[i];

		if (f->name && f->kind == READER_STRING &&
		    is_reason_name(f->name, f->name_len)) {
			*len = f->value_len;
			return f->value;
		}
	}
	*len = 0;
	return NULL;
}

bool rejects_header_fed_back(const struct reader_field *hdr, size_t nhdr)
{
	size_t i;

	for (i = 0; i < nhdr; i++)
		if (hdr[i].name && is_reason_name(hdr[i].name, hdr[i].name_len))
			return true;
	return false;
}

/* RFC 4180: quote when the field holds the delimiter, a quote, CR or LF, or
 * starts/ends with a space or tab (a reader that trims keeps it intact). */
static enum rb_status csv_field(struct buf *b, const char *s, size_t n,
                                char delim)
{
	size_t i;
	bool quote = n && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' ||
	                   s[n - 1] == '\t');
	enum rb_status st;

	for (i = 0; i < n && !quote; i++)
		if (s[i] == delim || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
			quote = true;
	if (!quote)
		return buf_append(b, s, n);
	if ((st = buf_putc(b, '"')))
		return st;
	for (i = 0; i < n; i++) {
		if (s[i] == '"' && (st = buf_putc(b, '"')))
			return st;
		if ((st = buf_putc(b, s[i])))
			return st;
	}
	return buf_putc(b, '"');
}

/* The byte-order mark a file in e starts with ("" for the 8-bit ones and
 * UTF-8: an input's UTF-8 BOM is not written back). */
static const char *bom_of(enum encoding e)
{
	return e == ENCODING_UTF16LE   ? "\xff\xfe"
	       : e == ENCODING_UTF16BE ? "\xfe\xff"
	                               : "";
}

struct rejects *rejects_open(const char *path, enum config_format format,
                             char delimiter, enum encoding enc,
                             const struct reader_field *hdr, size_t nhdr,
                             char *err, size_t errlen)
{
	struct rejects *rj = calloc(1, sizeof(*rj));
	size_t i;

	if (!rj)
		goto nomem;
	rj->fd = -1;
	if (!(rj->path = strdup(path)))
		goto nomem;
	rj->format = format;
	rj->delim = delimiter ? delimiter : ',';
	rj->enc = enc;
	buf_init(&rj->line, 4 * READER_MAX_RECORD + 4096);
	buf_init(&rj->encoded, 8 * READER_MAX_RECORD + 8192);
	if (format == CONFIG_FORMAT_CSV && nhdr) {
		rj->skip = calloc(nhdr, 1);
		if (!rj->skip)
			goto nomem;
		rj->nskip = nhdr;
		for (i = 0; i < nhdr; i++)
			rj->skip[i] = hdr[i].name &&
			              is_reject_name(hdr[i].name, hdr[i].name_len);
	}
	/* The file is created at the first reject, so a clean run leaves none;
	 * fail now, though, if it could not be created then. */
	{
		char dir[4096];
		const char *slash = strrchr(path, '/');
		snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1,
		         slash ? (slash == path ? "/" : path) : ".");
		if (access(dir, W_OK) != 0) {
			rb_detail(err, errlen, "cannot create '%s': %s", path,
			          strerror(errno));
			rejects_close(rj, NULL, 0);
			return NULL;
		}
	}
	buf_init(&rj->header, 8 * READER_MAX_RECORD);
	if (buf_puts(&rj->header, bom_of(enc)))
		goto nomem;
	if (format == CONFIG_FORMAT_CSV) {
		struct buf *h = &rj->line; /* in UTF-8 first */
		buf_reset(h);
		buf_puts(h, "rejectLine");
		buf_putc(h, rj->delim);
		buf_puts(h, "rejectReason");
		for (i = 0; i < nhdr; i++) {
			if (rj->skip[i])
				continue;
			buf_putc(h, rj->delim);
			csv_field(h, hdr[i].name ? hdr[i].name : "", hdr[i].name_len,
			          rj->delim);
		}
		if (buf_puts(h, "\n") ||
		    encoding_encode(enc, h->data, h->len, &rj->header))
			goto nomem;
		buf_reset(h);
	}
	return rj;
nomem:
	rb_detail(err, errlen, "out of memory");
	rejects_close(rj, NULL, 0);
	return NULL;
}

enum rb_status rejects_format_row(const struct rejects *rj,
                                  const struct reader_row *row, struct buf *out)
{
	size_t i;
	bool first = true, has_reject_members = false;
	enum rb_status st = RB_OK;

	buf_reset(out);
	if (rj->format == CONFIG_FORMAT_CSV) {
		for (i = 0; i < row->nfields && !st; i++) {
			if (i < rj->nskip && rj->skip[i])
				continue;
			if (!first)
				st = buf_putc(out, rj->delim);
			first = false;
			if (!st)
				st = csv_field(out, row->fields[i].value,
				               row->fields[i].value_len, rj->delim);
		}
		return st;
	}
	if (row->error || !row->raw) {
		/* Not a usable object: keep the line as a string member, so the
		 * reject line is still one valid JSON object. */
		if (!row->raw)
			return RB_OK;
		if ((st = buf_puts(out, "{\"raw\":")) ||
		    (st = buf_json_string(out, row->raw, row->raw_len)))
			return st;
		return buf_putc(out, '}');
	}
	for (i = 0; i < row->nfields; i++)
		if (is_reject_name(row->fields[i].name, row->fields[i].name_len))
			has_reject_members = true;
	if (!has_reject_members)
		return buf_append(out, row->raw, row->raw_len);
	/* A reject file fed back and refused again: drop its old reject members
	 * so the object never names one twice. */
	st = buf_putc(out, '{');
	for (i = 0; i < row->nfields && !st; i++) {
		const struct reader_field *f = &row->fields[i];
		if (is_reject_name(f->name, f->name_len))
			continue;
		if (!first)
			st = buf_putc(out, ',');
		first = false;
		if (!st)
			st = buf_json_string(out, f->name, f->name_len);
		if (!st)
			st = buf_putc(out, ':');
		if (!st)
			st = f->kind == READER_STRING
			         ? buf_json_string(out, f->value, f->value_len)
			         : buf_append(out, f->value, f->value_len);
	}
	return st ? st : buf_putc(out, '}');
}

/* One line for a person: control characters would break the file's lines. */
static void clean_reason(const char *in, char *out, size_t outlen)
{
	size_t i;

	for (i = 0; in[i] && i + 1 < outlen; i++)
		out[i] = (unsigned char)in[i] < 0x20 ? ' ' : in[i];
	out[i] = 0;
}

/* All of data[0..n), retrying on EINTR and short writes. */
static int write_all(int fd, const char *data, size_t n)
{
	while (n) {
		ssize_t w = write(fd, data, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		data += w;
		n -= (size_t)w;
	}
	return 0;
}

enum rb_status rejects_write(struct rejects *rj, long line, const char *reason,
                             const char *body, size_t body_len, char *err,
                             size_t errlen)
{
	struct buf *b = &rj->line;
	char why[1024];
	enum rb_status st;

	clean_reason(reason, why, sizeof(why));
	buf_reset(b);
	if (rj->format == CONFIG_FORMAT_CSV) {
		st = buf_printf(b, "%ld%c", line, rj->delim);
		if (!st)
			st = csv_field(b, why, strlen(why), rj->delim);
		if (!st && body_len)
			st = buf_putc(b, rj->delim);
		if (!st)
			st = buf_append(b, body, body_len);
	} else {
		/* body is an object (or empty): splice our members in after '{'. */
		const char *p = body, *end = body + body_len;
		st = buf_printf(b, "{\"rejectLine\":%ld,\"rejectReason\":", line);
		if (!st)
			st = buf_json_string(b, why, strlen(why));
		while (p && p < end && *p != '{')
			p++;
		if (p && p < end) {
			const char *q = p + 1;
			while (q < end && (*q == ' ' || *q == '\t'))
				q++;
			if (!st && q < end && *q != '}')
				st = buf_putc(b, ',');
			if (!st)
				st = buf_append(b, q, (size_t)(end - q));
		} else if (!st) {
			st = buf_putc(b, '}');
		}
	}
	if (!st)
		st = buf_putc(b, '\n');
	if (!st && rj->enc != ENCODING_UTF8) {
		buf_reset(&rj->encoded);
		st = encoding_encode(rj->enc, b->data, b->len, &rj->encoded);
		b = &rj->encoded;
	}
	if (st) {
		rb_detail(err, errlen, "%s: reject line too long", rj->path);
		return st;
	}
	if (rj->fd < 0) {
		rj->fd = open(rj->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		              0666);
		if (rj->fd < 0) {
			rb_detail(err, errlen, "cannot open '%s': %s", rj->path,
			          strerror(errno));
			return RB_EIO;
		}
		if (rj->header.len &&
		    write_all(rj->fd, rj->header.data, rj->header.len)) {
			rb_detail(err, errlen, "cannot write '%s': %s", rj->path,
			          strerror(errno));
			return RB_EIO;
		}
	}
	if (write_all(rj->fd, b->data, b->len)) {
		rb_detail(err, errlen, "cannot write '%s': %s", rj->path,
		          strerror(errno));
		return RB_EIO;
	}
	rj->count++;
	return RB_OK;
}

unsigned long rejects_count(const struct rejects *rj)
{
	return rj ? rj->count : 0;
}

/* A run without rejects removes the reject file an earlier run of the same
 * input left, so nobody fixes rows that have since gone through; only a file
 * that starts the way ours do (in the input's encoding) is touched. */
static void remove_stale(const char *path, enum encoding enc)
{
	static const char *const starts[] = {"rejectLine", "{\"rejectLine\":"};
	char head[64];
	size_t n, k;
	FILE *fp = fopen(path, "r");

	if (!fp)
		return;
	n = fread(head, 1, sizeof(head), fp);
	fclose(fp);
	for (k = 0; k < 2; k++) {
		struct buf want;
		bool ours;

		buf_init(&want, sizeof(head));
		ours = !buf_puts(&want, bom_of(enc)) &&
		       !encoding_encode(enc, starts[k], strlen(starts[k]), &want) &&
		       n >= want.len && !memcmp(head, want.data, want.len);
		buf_free(&want);
		if (ours) {
			unlink(path);
			return;
		}
	}
}

enum rb_status rejects_close(struct rejects *rj, char *err, size_t errlen)
{
	enum rb_status st = RB_OK;

	if (!rj)
		return RB_OK;
	if (rj->fd < 0 && rj->path && rj->header.max)
		remove_stale(rj->path, rj->enc);
	if (rj->fd >= 0 && close(rj->fd)) {
		rb_detail(err, errlen, "cannot write '%s': %s", rj->path,
		          strerror(errno));
		st = RB_EIO;
	}
	buf_free(&rj->line);
	buf_free(&rj->encoded);
	buf_free(&rj->header);
	free(rj->skip);
	free(rj->path);
	free(rj);
	return st;
}
