/* reader_csv: libcsv in strict mode, fed one physical line at a time so
 * that at most one record ends per call and the caller can hand rows out one
 * by one. libcsv's field text lives only during its callback, so each
 * record's fields are copied into one arena allocated once (a record never
 * exceeds READER_MAX_RECORD, so neither does the arena), and the fields array
 * is reused: no allocation per row. A line that is a whole record without a
 * quote (nearly all of them) skips libcsv: it is split here the way libcsv
 * would, its fields pointing into the line (split_plain). */
#include "reader_csv.h"

#include <csv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "quote.h"

/* Field bytes never exceed the record's bytes, plus one NUL per field. */
#define ARENA_CAP (2 * (size_t)READER_MAX_RECORD + 64)

/* A quote inside an unquoted field (37.8"N) is kept as text, as most CSV
 * readers and csv-spectrum's location_coordinates case do: the value is not
 * ambiguous. Text after a closing quote ("a"b) is, and is a row error. Set
 * to 0 to make the former an error too. */
#define STRAY_QUOTE_IS_TEXT 1

static const char too_long[] = "record is longer than 65536 bytes";

/* Where the skip of an abandoned record stands, by libcsv's strict rules as
 * feed() applies them (see reader_csv_skip_text). */
enum skip_state {
	SKIP_START,        /* a field not begun: spaces, then maybe a quote */
	SKIP_UNQUOTED,     /* a quote here is text (STRAY_QUOTE_IS_TEXT) */
	SKIP_QUOTED,       /* inside quotes: a line end is text */
	SKIP_QUOTE_SEEN,   /* a quote inside quotes: closing, or doubled */
	SKIP_QUOTE_SPACES, /* spaces after a closing quote */
	SKIP_BROKEN,       /* text after a closing quote: read leniently to
	                      the line's end, where the record ends */
};

struct reader_csv {
	struct csv_parser p;
	unsigned char opts; /* strict options; cleared for a broken record */
	char delim;
	enum encoding enc; /* what the text was converted from */

	/* the header: names in header_store, owned */
	struct reader_field *header;
	size_t nheader;
	char *header_store;

	/* the record in progress (and, once done, the row handed out) */
	char *arena;
	size_t arena_len;
	struct reader_field *fields;
	size_t nfields, fields_cap;
	bool in_record;     /* a record started and has not ended yet */
	long start_line;    /* where it started */
	size_t record_bytes; /* its bytes so far, line endings included */
	bool row_done;      /* libcsv ended the record */
	bool has_nul, non_ascii;
	bool lenient;       /* strict error seen: rest of record read leniently */
	bool nomem;
	size_t open_field;  /* the quoted field a line end left open ... */
	long open_line;     /* ... and the line its quote opened on */
	long last_line;     /* the last line fed */
	enum skip_state skip; /* while the caller skips an abandoned record */
	size_t skip_field;  /* the field the skip is in, and its line */
	long skip_line;
	size_t skip_quote_field; /* the quoted field the skip is in, if it */
	long skip_quote_line;    /* is, and where its quote opened */
	char error[256]; /* the record's structural fault, "" if none */
};

/* Makes room for one more field; false when out of memory. */
static bool field_room(struct reader_csv *c)
{
	size_t ncap;
	struct reader_field *nf;

	if (c->nfields < c->fields_cap)
		return true;
	ncap = c->fields_cap ? c->fields_cap * 2 : 64;
	nf = realloc(c->fields, ncap * sizeof(*nf));
	if (!nf) {
		c->nomem = true;
		return false;
	}
	c->fields = nf;
	c->fields_cap = ncap;
	return true;
}

static void on_field(void *s, size_t len, void *data)
{
	struct reader_csv *c = data;
	struct reader_field *f;

	if (!field_room(c))
		return;
	if (len + 1 > ARENA_CAP - c->arena_len) /* cannot happen: capped */
		len = 0;
	f = &c->fields[c->nfields++];
	f->name = NULL;
	f->name_len = 0;
	f->value = c->arena + c->arena_len;
	f->value_len = len;
	f->kind = READER_STRING;
	if (len)
		memcpy(c->arena + c->arena_len, s, len);
	c->arena[c->arena_len + len] = 0;
	c->arena_len += len + 1;
}

static void on_row(int ch, void *data)
{
	struct reader_csv *c = data;

	(void)ch;
	c->row_done = true;
}

struct reader_csv *reader_csv_new(char delim, enum encoding enc)
{
	struct reader_csv *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->opts = CSV_STRICT | CSV_STRICT_FINI;
	c->delim = delim;
	c->enc = enc;
	if (csv_init(&c->p, c->opts) != 0 ||
	    !(c->arena = malloc(ARENA_CAP))) {
		free(c);
		return NULL;
	}
	csv_set_delim(&c->p, (unsigned char)delim);
	return c;
}

void reader_csv_free(struct reader_csv *c)
{
	if (!c)
		return;
	csv_free(&c->p);
	free(c->header);
	free(c->header_store);
	free(c->arena);
	free(c->fields);
	free(c);
}

static void describe_column(const struct reader_csv *c, size_t i, char *out,
                            size_t outlen)
{
	char name[80];

	if (i < c->nheader) {
		quote_name(c->header[i].name, c->header[i].name_len, name,
		                  sizeof(name));
		rb_detail(out, outlen, "column '%s'", name);
	} else
		rb_detail(out, outlen, "column %zu", i + 1);
}

static enum rb_status set_names(struct reader_csv *c, const char *const *names,
                                const size_t *lens, size_t n)
{
	size_t i, total = 0, off = 0;
	struct reader_field *h;
	char *store;

	for (i = 0; i < n; i++)
		total += lens[i] + 1;
	h = calloc(n ? n : 1, sizeof(*h));
	store = malloc(total ? total : 1);
	if (!h || !store) {
		free(h);
		free(store);
		return RB_ENOMEM;
	}
	for (i = 0; i < n; i++) {
		const char *s = names[i];
		size_t len = lens[i];

		while (len && (*s == ' ' || *s == '\t')) {
			s++;
			len--;
		}
		while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
		memcpy(store + off, s, len);
		store[off + len] = 0;
		h[i].name = store + off;
		h[i].name_len = len;
		h[i].value = h[i].name;
		h[i].value_len = len;
		h[i].kind = READER_STRING;
		off += len + 1;
	}
	free(c->header);
	free(c->header_store);
	c->header = h;
	c->header_store = store;
	c->nheader = n;
	return RB_OK;
}

enum rb_status reader_csv_set_columns(struct reader_csv *c, char *const *cols,
                                      size_t n)
{
	const char **names = calloc(n ? n : 1, sizeof(*names));
	size_t *lens = calloc(n ? n : 1, sizeof(*lens));
	enum rb_status st = RB_ENOMEM;
	size_t i;

	if (names && lens) {
		for (i = 0; i < n; i++) {
			names[i] = cols[i];
			lens[i] = strlen(cols[i]);
		}
		st = set_names(c, names, lens, n);
	}
	free(names);
	free(lens);
	return st;
}

enum rb_status reader_csv_set_header(struct reader_csv *c,
                                     const struct reader_row *row)
{
	size_t n = row->nfields, i;
	const char **names = calloc(n ? n : 1, sizeof(*names));
	size_t *lens = calloc(n ? n : 1, sizeof(*lens));
	enum rb_status st = RB_ENOMEM;

	if (names && lens) {
		for (i = 0; i < n; i++) {
			names[i] = row->fields[i].value;
			lens[i] = row->fields[i].value_len;
		}
		st = set_names(c, names, lens, n);
	}
	free(names);
	free(lens);
	return st;
}

const struct reader_field *reader_csv_header(const struct reader_csv *c,
                                             size_t *n)
{
	*n = c->nheader;
	return c->nheader ? c->header : NULL;
}

/* Flags NUL bytes and bytes >= 0x80 in one pass, a word at a time. */
static void scan_bytes(struct reader_csv *c, const char *s, size_t n)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = ones * 0x80;
	uint64_t hi = 0, zero = 0;
	size_t i = 0;

	for (; n - i >= 8; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		hi |= w;
		zero |= (w - ones) & ~w;
	}
	for (; i < n; i++) {
		unsigned char b = (unsigned char)s[i];
		hi |= b;
		zero |= b ? 0 : 0x80;
	}
	if (hi & highs)
		c->non_ascii = true;
	if (zero & highs)
		c->has_nul = true;
}

/* Ends the record in progress whatever libcsv's state: the partial field
 * and the row are submitted as they are. */
static void force_end(struct reader_csv *c)
{
	csv_set_opts(&c->p, 0);
	csv_fini(&c->p, on_field, on_row, c);
	csv_set_opts(&c->p, c->opts);
	c->row_done = true;
	if (c->nfields) { /* the line ending fed last is not field text */
		struct reader_field *f = &c->fields[c->nfields - 1];
		while (f->value_len && (f->value[f->value_len - 1] == '\n' ||
		                        f->value[f->value_len - 1] == '\r'))
			f->value_len--;
		c->arena[(size_t)(f->value - c->arena) + f->value_len] = 0;
	}
}

static void feed(struct reader_csv *c, const char *s, size_t len)
{
	size_t off = 0;

	while (off < len) {
		off += csv_parse(&c->p, s + off, len - off, on_field, on_row,
		                 c);
		if (off >= len)
			break;
		if (csv_error(&c->p) != CSV_EPARSE) {
			c->nomem = true;
			return;
		}
		c->p.status = 0;
		if (!c->p.quoted && STRAY_QUOTE_IS_TEXT) {
			/* 37.8"N: the value is unambiguous, keep the quote */
			csv_set_opts(&c->p, 0);
			off += csv_parse(&c->p, s + off, 1, on_field, on_row, c);
			csv_set_opts(&c->p, c->lenient ? 0 : c->opts);
			continue;
		}
		/* Keep what libcsv has, note why, and read the rest of this
		 * record leniently so every field still reaches the reject. */
		if (!c->error[0]) {
			char col[140];
			describe_column(c, c->nfields, col, sizeof(col));
			if (c->p.quoted)
				rb_detail(c->error, sizeof(c->error),
				          "text after the closing quote in %s "
				          "(a quote inside a quoted field must "
				          "be doubled)", col);
			else
				rb_detail(c->error, sizeof(c->error),
				          "quote inside unquoted %s (quote the "
				          "whole field and double the quotes "
				          "in it)", col);
		}
		/* after "a"b read the rest of the field unquoted, so the line's
		 * remaining fields stay fields */
		c->p.quoted = 0;
		csv_set_opts(&c->p, 0);
		c->lenient = true;
	}
}

static bool blank(const struct reader_csv *c, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && (s[i] != '\t' || c->delim == '\t'))
			return false;
	return true;
}

/* The usual line: one whole record without a quote. Split here exactly as
 * libcsv in strict mode would (spaces and tabs around an unquoted field are
 * dropped, except the delimiter itself), with the fields pointing into the
 * line instead of copied into the arena: the line is the reader's window,
 * which stays put until the next call, as long as the row is borrowed.
 * Returns false when out of memory. */
static bool split_plain(struct reader_csv *c, const char *s, size_t n)
{
	const char *end = s + n;
	bool trim_tab = c->delim != '\t', trim_space = c->delim != ' ';

	for (;;) {
		const char *d = memchr(s, c->delim, (size_t)(end - s));
		const char *e = d ? d : end;
		struct reader_field *f;

		while (s < e && ((*s == ' ' && trim_space) ||
		                 (*s == '\t' && trim_tab)))
			s++;
		while (e > s && ((e[-1] == ' ' && trim_space) ||
		                 (e[-1] == '\t' && trim_tab)))
			e--;
		if (!field_room(c))
			return false;
		f = &c->fields[c->nfields++];
		f->name = NULL;
		f->name_len = 0;
		f->value = s;
		f->value_len = (size_t)(e - s);
		f->kind = READER_STRING;
		if (!d)
			return true;
		s = d + 1;
	}
}

static void start_record(struct reader_csv *c, long lineno)
{
	c->start_line = lineno;
	c->arena_len = 0;
	c->nfields = 0;
	c->record_bytes = 0;
	c->row_done = false;
	c->has_nul = c->non_ascii = false;
	c->error[0] = 0;
}

static void finish_row(struct reader_csv *c, struct reader_row *row)
{
	size_t i;

	for (i = 0; i < c->nfields; i++) {
		if (i < c->nheader) {
			c->fields[i].name = c->header[i].name;
			c->fields[i].name_len = c->header[i].name_len;
		}
	}
	if (!c->error[0] && c->has_nul) {
		for (i = 0; i < c->nfields; i++)
			if (memchr(c->fields[i].value, 0, c->fields[i].value_len))
				break;
		if (i < c->nfields) {
			char col[140];
			describe_column(c, i, col, sizeof(col));
			rb_detail(c->error, sizeof(c->error), "NUL byte in %s",
			          col);
		} else
			rb_detail(c->error, sizeof(c->error),
			          "NUL byte in record");
	}
	if (!c->error[0] && c->non_ascii) {
		for (i = 0; i < c->nfields; i++) {
			const struct reader_field *f = &c->fields[i];
			size_t k = json_utf8_valid_len(f->value, f->value_len);
			if (k != f->value_len) {
				char col[140], why[160];
				const char *what = encoding_invalid(
					c->enc, f->value + k, f->value_len - k, why,
					sizeof(why));
				describe_column(c, i, col, sizeof(col));
				rb_detail(c->error, sizeof(c->error), "%s in %s%s",
				          what, col, why);
				break;
			}
		}
	}
	if (!c->error[0] && c->nheader && c->nfields != c->nheader)
		rb_detail(c->error, sizeof(c->error),
		          "row has %zu field%s; the header has %zu", c->nfields,
		          c->nfields == 1 ? "" : "s", c->nheader);
	if (c->lenient) {
		csv_set_opts(&c->p, c->opts);
		c->lenient = false;
	}
	row->line = c->start_line;
	row->nfields = c->nfields;
	row->fields = c->fields;
	row->raw = NULL;
	row->raw_len = 0;
	row->error = c->error[0] ? c->error : NULL;
	c->in_record = false;
	c->row_done = false;
	c->record_bytes = 0;
}

enum rb_status reader_csv_line(struct reader_csv *c, const char *line,
                               size_t len, size_t term_len, long lineno,
                               struct reader_row *row, bool *ready)
{
	size_t content = len - term_len;
	bool fresh = !c->in_record;

	*ready = false;
	if (fresh)
		start_record(c, lineno);
	c->last_line = lineno;
	if (content > READER_MAX_RECORD - c->record_bytes ||
	    c->record_bytes > READER_MAX_RECORD)
		return RB_ETOOBIG;
	c->record_bytes += len;
	scan_bytes(c, line, len);
	if (fresh && term_len && !memchr(line, '"', content) &&
	    !blank(c, line, content)) {
		if (!split_plain(c, line, content))
			return RB_ENOMEM;
		finish_row(c, row);
		*ready = true;
		return RB_OK;
	}
	feed(c, line, len);
	if (c->nomem)
		return RB_ENOMEM;
	if (!c->row_done) {
		if (c->lenient) {
			/* resynchronize: a broken record ends with its line */
			force_end(c);
		} else if (fresh && c->nfields == 0 && blank(c, line, content)) {
			c->in_record = false; /* a blank line: no row */
			return RB_OK;
		} else {
			c->in_record = true; /* a quoted field goes on */
			if (fresh || c->nfields != c->open_field) {
				c->open_field = c->nfields;
				c->open_line = lineno;
			}
			return RB_OK;
		}
	}
	if (c->nomem)
		return RB_ENOMEM;
	finish_row(c, row);
	*ready = true;
	return RB_OK;
}

void reader_csv_abandon(struct reader_csv *c, long lineno,
                        struct reader_row *row)
{
	/* a record goes on past a line end only inside a quoted field */
	c->skip = c->in_record ? SKIP_QUOTED : SKIP_START;
	row->line = c->in_record ? c->start_line : lineno;
	c->skip_field = c->in_record ? c->open_field : 0;
	c->skip_quote_field = c->skip_field;
	c->skip_quote_line = c->in_record ? c->open_line : lineno;
	c->skip_line = lineno;
	/* reset libcsv without submitting anything */
	csv_set_opts(&c->p, 0);
	csv_fini(&c->p, NULL, NULL, NULL);
	csv_set_opts(&c->p, c->opts);
	c->lenient = false;
	start_record(c, lineno);
	c->in_record = false;
	row->nfields = 0;
	row->fields = c->fields;
	row->raw = NULL;
	row->raw_len = 0;
	row->error = too_long;
}

void reader_csv_skip_text(struct reader_csv *c, const char *s, size_t n)
{
	enum skip_state st = c->skip;
	char delim = c->delim;
	size_t i;

	for (i = 0; i < n && st != SKIP_BROKEN; i++) {
		char ch = s[i];
		bool blank = (ch == ' ' || ch == '\t') && ch != delim;

		if (ch == delim && st != SKIP_QUOTED && st != SKIP_BROKEN)
			c->skip_field++;
		switch (st) {
		case SKIP_START:
			if (ch == delim || blank)
				break;
			st = ch == '"' ? SKIP_QUOTED : SKIP_UNQUOTED;
			if (st == SKIP_QUOTED) {
				c->skip_quote_field = c->skip_field;
				c->skip_quote_line = c->skip_line;
			}
			break;
		case SKIP_UNQUOTED:
			if (ch == delim)
				st = SKIP_START;
			break;
		case SKIP_QUOTED:
			if (ch == '"')
				st = SKIP_QUOTE_SEEN;
			break;
		case SKIP_QUOTE_SEEN:
		case SKIP_QUOTE_SPACES:
			if (ch == delim)
				st = SKIP_START;
			else if (blank)
				st = SKIP_QUOTE_SPACES;
			else if (ch == '"' && st == SKIP_QUOTE_SEEN)
				st = SKIP_QUOTED; /* a doubled quote */
			else
				st = SKIP_BROKEN;
			break;
		case SKIP_BROKEN:
			break;
		}
	}
	c->skip = st;
}

bool reader_csv_skip_eol(struct reader_csv *c)
{
	c->skip_line++;
	if (c->skip == SKIP_QUOTED)
		return false;
	c->skip = SKIP_START;
	return true;
}

void reader_csv_skipped(struct reader_csv *c, long last_line, bool at_end,
                        struct reader_row *row)
{
	char col[140], span[64] = "", hint[256] = "";

	if (last_line > row->line)
		snprintf(span, sizeof(span), " from line %ld to line %ld",
		         row->line, last_line);
	if (at_end && c->skip == SKIP_QUOTED) {
		describe_column(c, c->skip_quote_field, col, sizeof(col));
		snprintf(hint, sizeof(hint),
		         " (a quote opened in %s on line %ld is never closed?)",
		         col, c->skip_quote_line);
	}
	if (!span[0] && !hint[0])
		return; /* one line: too_long says it all */
	rb_detail(c->error, sizeof(c->error),
	          "record%s is longer than 65536 bytes%s", span, hint);
	row->error = c->error;
}

enum rb_status reader_csv_finish(struct reader_csv *c, struct reader_row *row,
                                 bool *ready)
{
	*ready = false;
	if (!c->in_record)
		return RB_OK;
	c->row_done = false;
	if (csv_fini(&c->p, on_field, on_row, c) != 0) {
		/* CSV_STRICT_FINI: a quoted field is still open at the end */
		if (!c->error[0]) {
			char col[140];
			describe_column(c, c->open_field, col, sizeof(col));
			rb_detail(c->error, sizeof(c->error),
			          "a quote opened in %s on line %ld is never "
			          "closed (the record runs to the end of the "
			          "file, line %ld)", col, c->open_line,
			          c->last_line);
		}
		c->p.status = 0;
		force_end(c);
	}
	if (c->nomem)
		return RB_ENOMEM;
	c->row_done = true;
	finish_row(c, row);
	*ready = true;
	return RB_OK;
}
