/* reader: the input side. Owns the file descriptor, gzip inflation, the
 * conversion of a Latin-1, Windows-1252 or UTF-16 input to UTF-8, and a
 * window of (decompressed, converted) bytes that holds at least one whole
 * capped line; splits it into physical lines and hands them to reader_csv or
 * reader_jsonl. Memory is the window (64 KiB chunk + 64 KiB record), a
 * window's worth of raw bytes when converting, plus the format's buffers,
 * whatever the input's length. UTF-8, by far the usual, is never copied
 * through the conversion: fill() reads straight into the window. */
#include "reader.h"
#include "encoding.h"
#include "json.h"
#include "utf8.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "reader_csv.h"
#include "reader_jsonl.h"

#define CHUNK (64 * 1024)
/* a line of READER_MAX_RECORD bytes plus "\r\n" always fits with a chunk */
#define WINDOW ((size_t)READER_MAX_RECORD + 2 + CHUNK)

static const char too_long[] = "record is longer than 65536 bytes";

struct reader {
	char *path;      /* owned copy, for messages */
	int fd;
	bool own_fd;
	int64_t total;   /* file size, -1 unknown */
	uint64_t consumed; /* bytes read from fd */
	uint64_t inflated; /* bytes inflate gave (over every gzip member) */

	bool gz;
	z_stream zs;
	bool zs_ready;
	bool member_done; /* inflate reached the end of a gzip member */
	unsigned char *zin; /* compressed chunk */
	bool raw_eof;    /* read(2) returned 0 */
	bool eof;        /* no more decompressed bytes */

	enum encoding enc; /* of the input; the window always holds UTF-8 */
	unsigned char *raw; /* when converting: input bytes [raw_pos, raw_avail)
	                       not yet decoded (WINDOW bytes) */
	size_t raw_pos, raw_avail;
	bool src_eof;    /* when converting: no more input bytes */

	char *win;       /* decompressed bytes [pos, avail) not yet used */
	size_t pos, avail;
	long line;       /* number of the line starting at pos */
	long unended;    /* CSV: the last line, when it had no line end */

	enum config_format format;
	struct reader_csv *csv;
	struct reader_jsonl *jsonl;

	enum rb_status sticky; /* a stopping error, repeated once reached */
	char sticky_msg[320];
};

static enum rb_status set_sticky(struct reader *r, enum rb_status st,
                                 char *err, size_t errlen)
{
	r->sticky = st;
	rb_detail(err, errlen, "%s", r->sticky_msg);
	return st;
}

/* Reads what is available from the descriptor, retrying on EINTR. */
static enum rb_status read_fd(struct reader *r, void *dst, size_t cap,
                              size_t *got)
{
	ssize_t n;

	*got = 0;
	if (r->raw_eof)
		return RB_OK;
	do
		n = read(r->fd, dst, cap);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		rb_detail(r->sticky_msg, sizeof(r->sticky_msg),
		          "%s: read error: %s", r->path, strerror(errno));
		return RB_EIO;
	}
	if (n == 0)
		r->raw_eof = true;
	r->consumed += (uint64_t)n;
	*got = (size_t)n;
	return RB_OK;
}

/* Up to cap decompressed bytes into dst; *got = 0 only at the end. */
static enum rb_status inflate_some(struct reader *r, unsigned char *dst,
                                   size_t cap, size_t *got)
{
	enum rb_status st;
	size_t n;
	int zr;

	*got = 0;
	for (;;) {
		if (r->zs.avail_in == 0 && !r->raw_eof) {
			if ((st = read_fd(r, r->zin, CHUNK, &n)))
				return st;
			r->zs.next_in = r->zin;
			r->zs.avail_in = (uInt)n;
			continue;
		}
		if (r->member_done) {
			if (r->zs.avail_in == 0) /* and raw_eof */
				return RB_OK;
			/* another gzip member follows (cat a.gz b.gz) */
			if (inflateReset(&r->zs) != Z_OK)
				goto bad;
			r->member_done = false;
		}
		r->zs.next_out = dst;
		r->zs.avail_out = (uInt)cap;
		zr = inflate(&r->zs, Z_NO_FLUSH);
		*got = cap - r->zs.avail_out;
		r->inflated += *got;
		if (zr == Z_STREAM_END)
			r->member_done = true;
		else if (zr == Z_MEM_ERROR)
			return RB_ENOMEM;
		else if (zr != Z_OK && zr != Z_BUF_ERROR)
			goto bad;
		if (*got)
			return RB_OK;
		if (!r->member_done && r->zs.avail_in == 0 && r->raw_eof) {
			rb_detail(r->sticky_msg, sizeof(r->sticky_msg),
			          "%s: truncated gzip stream", r->path);
			return RB_EINPUT;
		}
	}
bad:
	rb_detail(r->sticky_msg, sizeof(r->sticky_msg),
	          "%s: invalid gzip data (%s)", r->path,
	          r->zs.msg ? r->zs.msg : "corrupt stream");
	return RB_EINPUT;
}

/* Up to cap bytes of the input as UTF-8 into dst; *got = 0 only at the
 * end. Reads (and inflates) into r->raw, decodes from there. */
static enum rb_status decode_some(struct reader *r, char *dst, size_t cap,
                                  size_t *got)
{
	enum rb_status st;
	size_t used, n;

	*got = 0;
	for (;;) {
		if (r->raw_avail > r->raw_pos || r->src_eof) {
			*got = encoding_decode(r->enc, r->raw + r->raw_pos,
			                       r->raw_avail - r->raw_pos, r->src_eof,
			                       dst, cap, &used);
			r->raw_pos += used;
			if (*got || r->src_eof)
				return RB_OK;
		}
		/* what is left is part of one character: keep it, read more */
		memmove(r->raw, r->raw + r->raw_pos, r->raw_avail - r->raw_pos);
		r->raw_avail -= r->raw_pos;
		r->raw_pos = 0;
		if (r->gz)
			st = inflate_some(r, r->raw + r->raw_avail,
			                  WINDOW - r->raw_avail, &n);
		else
			st = read_fd(r, r->raw + r->raw_avail,
			             WINDOW - r->raw_avail, &n);
		if (st)
			return st;
		if (!n)
			r->src_eof = true;
		r->raw_avail += n;
	}
}

/* Moves the unread bytes to the window's start and reads more after them.
 * Sets r->eof when there is nothing more. */
static enum rb_status fill(struct reader *r)
{
	enum rb_status st;
	size_t got;

	if (r->eof)
		return RB_OK;
	if (r->pos) {
		memmove(r->win, r->win + r->pos, r->avail - r->pos);
		r->avail -= r->pos;
		r->pos = 0;
	}
	/* callers never ask with a full window (nor, converting, with less
	 * room than a character needs: a line fits with CHUNK to spare) */
	if (r->avail == WINDOW ||
	    (r->enc != ENCODING_UTF8 && WINDOW - r->avail < ENCODING_MIN_OUT))
		return RB_OK;
	if (r->enc != ENCODING_UTF8)
		st = decode_some(r, r->win + r->avail, WINDOW - r->avail, &got);
	else if (r->gz)
		st = inflate_some(r, (unsigned char *)r->win + r->avail,
		                  WINDOW - r->avail, &got);
	else
		st = read_fd(r, r->win + r->avail, WINDOW - r->avail, &got);
	if (st)
		return st;
	if (!got)
		r->eof = true;
	r->avail += got;
	return RB_OK;
}

/* The next physical line at pos: *len bytes of which the last *term are its
 * ending. CSV lines end at "\n", "\r\n" or a lone "\r"; JSON lines at "\n"
 * only (a "\r" before it is stripped by the caller). RB_END at the end of
 * input; RB_ETOOBIG when the line is longer than a record may be (pos is
 * left at its start). Nothing is consumed. */
static enum rb_status next_line(struct reader *r, bool csv, size_t *len,
                                size_t *term)
{
	enum rb_status st;

	for (;;) {
		const char *s = r->win + r->pos;
		size_t n = r->avail - r->pos;
		const char *nl = memchr(s, '\n', n);
		const char *cr = NULL;

		if (csv)
			cr = memchr(s, '\r', nl ? (size_t)(nl - s) : n);
		if (cr && (cr + 1 < s + n || r->eof)) {
			bool crlf = cr + 1 < s + n && cr[1] == '\n';
			*len = (size_t)(cr - s) + (crlf ? 2 : 1);
			*term = crlf ? 2 : 1;
			return RB_OK;
		}
		if (nl && !cr) {
			*len = (size_t)(nl - s) + 1;
			*term = 1;
			return RB_OK;
		}
		if (n >= (size_t)READER_MAX_RECORD + 2)
			return RB_ETOOBIG;
		if (r->eof) {
			if (!n)
				return RB_END;
			*len = n;
			*term = 0;
			return RB_OK;
		}
		if ((st = fill(r)))
			return st;
	}
}

/* Skips the rest of a too-long record from pos: for JSON lines to the end
 * of the line; for CSV to the line end that reader_csv says ends the record
 * (not one inside a quoted field), so every line after it is read as the
 * parser would have read it. Each line end skipped is counted; a CSV
 * record of more lines than one gets a reason naming them in *row. */
static enum rb_status skip_record(struct reader *r, bool csv,
                                 struct reader_row *row)
{
	enum rb_status st;
	long last = r->line;

	for (;;) {
		const char *s, *e;
		size_t n, k, term;

		if (r->pos == r->avail) {
			if (r->eof) {
				if (csv)
					reader_csv_skipped(r->csv, last, true,
					                   row);
				return RB_OK;
			}
			if ((st = fill(r)))
				return st;
			continue;
		}
		s = r->win + r->pos;
		n = r->avail - r->pos;
		if (!csv) {
			const char *nl = memchr(s, '\n', n);
			if (!nl) {
				r->pos = r->avail;
				continue;
			}
			r->pos += (size_t)(nl - s) + 1;
			r->line++;
			return RB_OK;
		}
		for (e = s; e < s + n && *e != '\n' && *e != '\r'; e++)
			;
		k = (size_t)(e - s);
		reader_csv_skip_text(r->csv, s, k);
		r->pos += k;
		if (k)
			last = r->line;
		if (k == n)
			continue;
		if (*e == '\r' && k + 1 == n && !r->eof) {
			if ((st = fill(r))) /* "\r\n" split: look again */
				return st;
			continue;
		}
		term = *e == '\r' && k + 1 < n && e[1] == '\n' ? 2 : 1;
		r->pos += term;
		last = r->line++;
		if (reader_csv_skip_eol(r->csv)) {
			reader_csv_skipped(r->csv, last, false, row);
			return RB_OK;
		}
	}
}

static enum config_format by_extension(const char *path, bool *tsv)
{
	static const struct {
		const char *ext;
		enum config_format f;
	} exts[] = {
		{".csv", CONFIG_FORMAT_CSV}, {".tsv", CONFIG_FORMAT_CSV},
		{".jsonl", CONFIG_FORMAT_JSONL}, {".ndjson", CONFIG_FORMAT_JSONL},
	};
	size_t n = strlen(path), k;

	*tsv = false;
	if (n >= 3 && !strcasecmp(path + n - 3, ".gz"))
		n -= 3;
	for (k = 0; k < sizeof(exts) / sizeof(exts[0]); k++) {
		size_t e = strlen(exts[k].ext);
		if (n > e && !strncasecmp(path + n - e, exts[k].ext, e)) {
			*tsv = k == 1;
			return exts[k].f;
		}
	}
	return CONFIG_FORMAT_AUTO;
}

char reader_delimiter_for(const struct config *cfg, const char *path)
{
	bool tsv = false;

	if (cfg->delimiter)
		return cfg->delimiter;
	if (strcmp(path, "-"))
		(void)by_extension(path, &tsv);
	return tsv ? '\t' : ',';
}

/* The encoding of an input whose first bytes are s[0..n) (n < 4 only for a
 * shorter input), as asked: a byte-order mark names UTF-16 (or UTF-8) by
 * itself, and an --encoding that contradicts it is refused; so is UTF-16
 * without a mark, unless asked for. *bom is the mark's length, to skip. */
static enum rb_status choose_encoding(struct reader *r, enum config_encoding
                                      want, const unsigned char *s, size_t n,
                                      size_t *bom, char *err, size_t errlen)
{
	static const char *const asked[] = {
		"", "utf-8", "latin1", "windows-1252", "utf-16",
	};
	enum encoding mark = ENCODING_UTF8;
	size_t i, zero_even = 0, zero_odd = 0, k;

	*bom = 0;
	if (n >= 3 && !memcmp(s, "\xef\xbb\xbf", 3)) {
		*bom = 3;
	} else if (n >= 2 && s[0] == 0xFF && s[1] == 0xFE) {
		*bom = 2;
		mark = ENCODING_UTF16LE;
	} else if (n >= 2 && s[0] == 0xFE && s[1] == 0xFF) {
		*bom = 2;
		mark = ENCODING_UTF16BE;
	}
	if (*bom) {
		bool utf16 = mark != ENCODING_UTF8;
		if (want == CONFIG_ENCODING_AUTO ||
		    want == (utf16 ? CONFIG_ENCODING_UTF16
		                   : CONFIG_ENCODING_UTF8)) {
			r->enc = mark;
			if (!utf16)
				*bom = 0; /* the UTF-8 path skips it after sniffing */
			return RB_OK;
		}
		rb_detail(err, errlen,
		          "%s starts with a %s byte-order mark, but --encoding %s "
		          "was given: drop --encoding, or pass --encoding %s",
		          r->path, utf16 ? "UTF-16" : "UTF-8", asked[want],
		          utf16 ? "utf-16" : "utf-8");
		return RB_EINPUT;
	}
	/* up to 64 bytes: ASCII in UTF-16 is every other byte zero */
	k = n > 64 ? 64 : n & ~(size_t)1;
	for (i = 0; i < k; i++) {
		if (s[i])
			continue;
		if (i % 2)
			zero_odd++;
		else
			zero_even++;
	}
	switch (want) {
	case CONFIG_ENCODING_AUTO:
		if (k >= 4 && (zero_odd == k / 2 || zero_even == k / 2) &&
		    zero_odd + zero_even == k / 2) {
			rb_detail(err, errlen,
			          "%s looks like UTF-16 without a byte-order mark "
			          "(every other byte is 0): pass --encoding utf-16",
			          r->path);
			return RB_EINPUT;
		}
		/* fall through */
	case CONFIG_ENCODING_UTF8: r->enc = ENCODING_UTF8; break;
	case CONFIG_ENCODING_LATIN1: r->enc = ENCODING_LATIN1; break;
	case CONFIG_ENCODING_WINDOWS_1252:
		r->enc = ENCODING_WINDOWS_1252;
		break;
	case CONFIG_ENCODING_UTF16:
		/* no mark: big-endian when the first byte is the zero one */
		r->enc = n >= 2 && !s[0] && s[1] ? ENCODING_UTF16BE
		                                 : ENCODING_UTF16LE;
		break;
	}
	return RB_OK;
}

/* Opens the descriptor, detects gzip and the encoding, and fills the
 * window's first bytes. */
static enum rb_status start_input(struct reader *r, enum config_encoding want,
                                  char *err, size_t errlen)
{
	struct stat sb;
	enum rb_status st;
	size_t got = 0, n, bom;

	if (fstat(r->fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		rb_detail(err, errlen, "cannot open '%s': %s", r->path,
		          strerror(EISDIR));
		return RB_EIO;
	}
	r->total = fstat(r->fd, &sb) == 0 && S_ISREG(sb.st_mode)
	                   ? (int64_t)sb.st_size
	                   : -1;
	/* the magic needs two bytes, a pipe may give them one by one */
	while (got < 2 && !r->raw_eof) {
		if ((st = read_fd(r, r->zin + got, CHUNK - got, &n))) {
			rb_detail(err, errlen, "%s", r->sticky_msg);
			return st;
		}
		got += n;
	}
	if (got >= 2 && r->zin[0] == 0x1f && r->zin[1] == 0x8b) {
		r->gz = true;
		if (inflateInit2(&r->zs, 16 + MAX_WBITS) != Z_OK)
			return RB_ENOMEM;
		r->zs_ready = true;
		r->zs.next_in = r->zin;
		r->zs.avail_in = (uInt)got;
	} else {
		memcpy(r->win, r->zin, got);
		r->avail = got;
		if (!got)
			r->eof = r->raw_eof;
	}
	/* the (decompressed) input's first bytes tell its encoding */
	while (r->avail < 4 && !r->eof) {
		if ((st = fill(r))) {
			rb_detail(err, errlen, "%s", r->sticky_msg);
			return st;
		}
	}
	if ((st = choose_encoding(r, want, (const unsigned char *)r->win,
	                          r->avail, &bom, err, errlen)))
		return st;
	if (r->enc != ENCODING_UTF8) {
		/* what was read is raw input: it becomes the conversion's, and
		 * the window is filled again with UTF-8 */
		r->raw = (unsigned char *)r->win;
		r->raw_pos = bom;
		r->raw_avail = r->avail;
		r->src_eof = r->eof;
		r->win = malloc(WINDOW);
		if (!r->win)
			return RB_ENOMEM;
		r->pos = r->avail = 0;
		r->eof = false;
	}
	/* enough bytes to skip a BOM and to sniff the format */
	for (;;) {
		size_t i = r->avail >= 3 && !memcmp(r->win, "\xef\xbb\xbf", 3)
		                   ? 3
		                   : 0;
		bool seen = false;

		for (; i < r->avail && r->avail >= 3 && !seen; i++)
			seen = r->win[i] != ' ' && r->win[i] != '\t' &&
			       r->win[i] != '\r' && r->win[i] != '\n';
		if (seen || r->eof || r->avail >= WINDOW / 2)
			break;
		if ((st = fill(r))) {
			rb_detail(err, errlen, "%s", r->sticky_msg);
			return st;
		}
	}
	if (r->avail >= 3 && !memcmp(r->win, "\xef\xbb\xbf", 3))
		r->pos = 3;
	return RB_OK;
}

static enum config_format sniff(const struct reader *r)
{
	size_t i;

	for (i = r->pos; i < r->avail; i++) {
		char c = r->win[i];
		if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
			return c == '{' ? CONFIG_FORMAT_JSONL : CONFIG_FORMAT_CSV;
	}
	return CONFIG_FORMAT_CSV;
}

/* The next row, or RB_END. */
/* A JSON line over the cap: a reject with no fields and no raw text (the
 * line was never held whole). */
static void set_too_long(struct reader_row *row, long lineno)
{
	row->line = lineno;
	row->nfields = 0;
	row->fields = NULL;
	row->raw = NULL;
	row->raw_len = 0;
	row->error = too_long;
}

static enum rb_status next_row(struct reader *r, struct reader_row *row)
{
	bool csv = r->format == CONFIG_FORMAT_CSV;
	enum rb_status st;

	for (;;) {
		size_t len, term;
		const char *s;
		bool ready = false;
		long lineno = r->line;

		st = next_line(r, csv, &len, &term);
		if (st == RB_END) {
			if (!csv)
				return RB_END;
			if ((st = reader_csv_finish(r->csv, row, &ready)))
				return st;
			return ready ? RB_OK : RB_END;
		}
		if (st == RB_ETOOBIG) {
			if (csv)
				reader_csv_abandon(r->csv, lineno, row);
			else
				set_too_long(row, lineno);
			if ((st = skip_record(r, csv, row)))
				return st;
			return RB_OK;
		}
		if (st)
			return st;
		s = r->win + r->pos;
		if (csv) {
			if (!term && len)
				r->unended = lineno;
			st = reader_csv_line(r->csv, s, len, term, lineno, row,
			                     &ready);
			if (st == RB_ETOOBIG) {
				/* the record, not this line, is too long */
				reader_csv_abandon(r->csv, lineno, row);
				if ((st = skip_record(r, true, row)))
					return st;
				return RB_OK;
			}
		} else {
			size_t content = len - term;
			if (content && s[content - 1] == '\r')
				content--;
			if (content > READER_MAX_RECORD) {
				set_too_long(row, lineno);
				ready = true;
				st = RB_OK;
			} else {
				st = reader_jsonl_line(r->jsonl, s, content,
				                       lineno, row, &ready);
			}
		}
		if (st)
			return st;
		r->pos += len;
		if (term)
			r->line++;
		if (ready)
			return RB_OK;
	}
}

enum rb_status reader_open(struct reader **out, const char *path,
                           const struct config *cfg, char *err, size_t errlen)
{
	struct reader *r;
	enum rb_status st = RB_ENOMEM;
	bool stdin_ = !strcmp(path, "-"), tsv;
	enum config_format ext;
	char delim;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		goto nomem;
	r->fd = -1;
	r->line = 1;
	r->path = strdup(stdin_ ? "standard input" : path);
	r->win = malloc(WINDOW);
	r->zin = malloc(CHUNK);
	if (!r->path || !r->win || !r->zin)
		goto nomem;
	if (stdin_) {
		r->fd = STDIN_FILENO;
	} else {
		r->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (r->fd < 0) {
			rb_detail(err, errlen, "cannot open '%s': %s", path,
			          strerror(errno));
			st = RB_EIO;
			goto fail;
		}
		r->own_fd = true;
	}
	if ((st = start_input(r, cfg->encoding, err, errlen))) {
		if (st == RB_ENOMEM)
			goto nomem;
		goto fail;
	}

	ext = stdin_ ? CONFIG_FORMAT_AUTO : by_extension(path, &tsv);
	r->format = cfg->format != CONFIG_FORMAT_AUTO ? cfg->format
	            : ext != CONFIG_FORMAT_AUTO      ? ext
	                                             : sniff(r);
	if (r->format == CONFIG_FORMAT_JSONL) {
		if (!(r->jsonl = reader_jsonl_new(r->enc)))
			goto nomem;
		*out = r;
		return RB_OK;
	}
	delim = reader_delimiter_for(cfg, path);
	if (!(r->csv = reader_csv_new(delim, r->enc)))
		goto nomem;
	if (cfg->ncolumns) {
		if ((st = reader_csv_set_columns(r->csv, cfg->columns,
		                                 cfg->ncolumns)))
			goto fail;
	} else {
		struct reader_row hdr;

		st = next_row(r, &hdr);
		if (st == RB_OK && hdr.error) {
			rb_detail(err, errlen, "%s: line %ld: bad header: %s",
			          r->path, hdr.line, hdr.error);
			st = RB_EINPUT;
			goto fail;
		}
		if (st == RB_OK)
			st = reader_csv_set_header(r->csv, &hdr);
		else if (st == RB_END) /* an empty file: no header, no rows */
			st = RB_OK;
		else if (st != RB_ENOMEM)
			rb_detail(err, errlen, "%s", r->sticky_msg);
		if (st)
			goto fail;
	}
	*out = r;
	return RB_OK;
nomem:
	st = RB_ENOMEM;
	rb_detail(err, errlen, "%s: out of memory", path);
fail:
	reader_free(r);
	return st;
}

enum rb_status reader_next(struct reader *r, struct reader_row *row, char *err,
                           size_t errlen)
{
	enum rb_status st;

	if (r->sticky)
		return set_sticky(r, r->sticky, err, errlen);
	st = next_row(r, row);
	if (st == RB_OK || st == RB_END)
		return st;
	if (st == RB_ENOMEM)
		rb_detail(r->sticky_msg, sizeof(r->sticky_msg),
		          "%s: out of memory", r->path);
	return set_sticky(r, st, err, errlen);
}

long reader_unended_line(const struct reader *r)
{
	return r->unended;
}

enum config_format reader_format(const struct reader *r)
{
	return r->format;
}

enum encoding reader_encoding(const struct reader *r)
{
	return r->enc;
}

const struct reader_field *reader_header(const struct reader *r, size_t *n)
{
	if (!r->csv) {
		*n = 0;
		return NULL;
	}
	return reader_csv_header(r->csv, n);
}

void reader_progress(const struct reader *r, uint64_t *consumed, int64_t *total)
{
	/* Up to where rows were taken, not how far the reads got ahead: the
	 * window and the compressed chunk hold up to ~190 KiB not yet parsed,
	 * which for a small file is all of it. */
	uint64_t ahead = r->avail - r->pos;

	if (!r->gz) {
		*consumed = r->consumed > ahead ? r->consumed - ahead : 0;
	} else {
		/* compressed bytes fed to inflate, in the share of its output
		 * already parsed */
		uint64_t fed = r->consumed - r->zs.avail_in;
		*consumed = r->inflated > ahead
		                ? (uint64_t)((double)fed *
		                             (double)(r->inflated - ahead) /
		                             (double)r->inflated)
		                : 0;
	}
	*total = r->total;
}

void reader_free(struct reader *r)
{
	if (!r)
		return;
	if (r->own_fd && r->fd >= 0)
		close(r->fd);
	if (r->zs_ready)
		inflateEnd(&r->zs);
	reader_csv_free(r->csv);
	reader_jsonl_free(r->jsonl);
	free(r->win);
	free(r->raw);
	free(r->zin);
	free(r->path);
	free(r);
}
