/* reader: turns one input (a CSV or JSON-lines file, plain or gzip, or stdin)
 * into rows, streaming, in memory bounded by the longest record (64 KiB cap).
 * Structural faults of one record (bad quoting, bad JSON, invalid UTF-8, an
 * oversized record) come back as a row with `error` set: a reject, not a stop. */
#ifndef RB_READER_H
#define RB_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "encoding.h"
#include "status.h"

/* bytes in one record, line ending excluded, counted in UTF-8 (after the
 * conversion of another encoding) */
#define READER_MAX_RECORD (64 * 1024)

enum reader_kind {
	READER_STRING,    /* CSV fields are always strings */
	READER_NUMBER,    /* JSON number: value is its exact text */
	READER_TRUE,      /* JSON literals: value is the literal's text */
	READER_FALSE,
	READER_NULL,
	READER_COMPOSITE, /* JSON object or array: value is its raw text */
};

struct reader_field {
	const char *name;  /* CSV: the header's name for this column, NULL past the
	                      header's width; JSON: the decoded member name */
	size_t name_len;
	const char *value; /* CSV: the field as read (quotes removed); JSON: the
	                      decoded string, or the raw text of other kinds */
	size_t value_len;
	enum reader_kind kind;
};

struct reader_row {
	long line;          /* physical line where the record starts (CSV header = 1) */
	size_t nfields;
	const struct reader_field *fields; /* borrowed until the next reader_next/reader_free */
	const char *raw;    /* JSONL: the line as read, line ending and BOM removed
	                       (NULL for a line over READER_MAX_RECORD, which is
	                       not kept; may hold invalid UTF-8 when error says
	                       so); CSV: NULL. Borrowed like fields. */
	size_t raw_len;
	const char *error;  /* NULL, or why the record is structurally bad: a
	                       reject reason for a person. Borrowed like fields.
	                       With error set, fields may be partial or empty
	                       (CSV keeps every field it could read). */
};

struct reader;

/* Opens path ("-" = stdin) for reading as cfg says (format, delimiter,
 * columns, encoding). gzip is detected by its magic bytes; the format is
 * cfg->format, else the extension (.csv .tsv .jsonl .ndjson, also under
 * .gz), else sniffed (first non-blank byte '{' = JSON lines). A UTF-8 BOM is
 * skipped; a UTF-16 one makes the input UTF-16 without being asked, and an
 * --encoding that contradicts a BOM is refused, as is an input that looks
 * like UTF-16 without one when no --encoding was given. Rows are UTF-8
 * whatever the input's encoding.
 * A CSV's header row is read here (names trimmed of spaces, kept as read:
 * duplicates are record.c's business); an empty file has no header and no
 * rows. On failure returns non-zero, *out is NULL and err holds a one-line
 * message naming the file, e.g. "cannot open 'x.csv': No such file or
 * directory" or "x.csv: line 1: bad header: unterminated quoted field ...".
 * Lines end at LF, CRLF, or (CSV only) a lone CR; each counts one line. */
enum rb_status reader_open(struct reader **out, const char *path,
                           const struct config *cfg, char *err, size_t errlen);

/* The next row. RB_OK: *row is filled; RB_END: no more rows; anything else
 * stops the run (err says why: "x.csv.gz: truncated gzip stream", a read
 * error, ...) and is returned again by later calls. A truncated gzip gives
 * every complete row first. */
enum rb_status reader_next(struct reader *r, struct reader_row *row, char *err,
                           size_t errlen);

/* The CSV field delimiter for path: --delimiter, else a tab for .tsv (also
 * under .gz, any case), else ','. No I/O. */
char reader_delimiter_for(const struct config *cfg, const char *path);

/* The format actually read (after detection). */
enum config_format reader_format(const struct reader *r);

/* The input's encoding as read (after BOM detection): what the reject file
 * is written back in. */
enum encoding reader_encoding(const struct reader *r);

/* CSV: the header's names (from the first row or --columns), n set to their
 * count; borrowed until reader_free. JSONL: NULL, *n = 0. */
const struct reader_field *reader_header(const struct reader *r, size_t *n);

/* How far into the input the rows taken so far reach (bytes read less the
 * bytes read ahead and not yet parsed; for .gz the compressed bytes, in
 * proportion) and the input's total size (compressed for .gz; -1 when
 * unknown, e.g. a pipe), for progress and ETA. */
void reader_progress(const struct reader *r, uint64_t *consumed, int64_t *total);

void reader_free(struct reader *r); /* accepts NULL */

/* A column or member name fit to quote in a one-line reason: at most about
 * 60 bytes of whole UTF-8 characters ("..." when cut), control characters
 * and bytes that are not UTF-8 shown as '?'. out is always NUL-terminated. */
void reader_quote_name(const char *s, size_t n, char *out, size_t outlen);

#endif
