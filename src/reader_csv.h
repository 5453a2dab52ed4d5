/* reader_csv: the CSV half of the reader. reader.c splits the input into
 * physical lines and feeds them here; this module runs them through libcsv
 * (strict RFC 4180 quoting), copies each record's fields into one arena and
 * checks the record (quoting, NUL, UTF-8, field count). Internal to reader. */
#ifndef RB_READER_CSV_H
#define RB_READER_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "encoding.h"
#include "row.h"
#include "status.h"

struct reader_csv;

/* A parser for fields separated by delim, of text converted from enc (for
 * the reasons of invalid text); NULL when out of memory. */
struct reader_csv *reader_csv_new(char delim, enum encoding enc);
void reader_csv_free(struct reader_csv *c); /* accepts NULL */

/* The header from --columns (names copied, trimmed of spaces). */
enum rb_status reader_csv_set_columns(struct reader_csv *c, char *const *cols,
                                      size_t n);
/* The header from a row just read (names copied, trimmed of spaces). */
enum rb_status reader_csv_set_header(struct reader_csv *c,
                                     const struct reader_row *row);
/* Borrowed until reader_csv_free; NULL and *n = 0 before a header is set. */
const struct reader_field *reader_csv_header(const struct reader_csv *c,
                                             size_t *n);

/* Feeds one physical line: line[0..len), of which the last term_len bytes
 * are its line ending ("\n", "\r\n", "\r"; 0 for a last line without one);
 * lineno is its number. *ready is set when a record ended with this line:
 * *row then borrows this module's buffers until the next call. Returns
 * RB_ETOOBIG, having fed nothing, when this line would take the record past
 * READER_MAX_RECORD: the caller skips the record's rest (see
 * reader_csv_abandon). RB_ENOMEM stops the run. */
enum rb_status reader_csv_line(struct reader_csv *c, const char *line,
                               size_t len, size_t term_len, long lineno,
                               struct reader_row *row, bool *ready);

/* Drops the record in progress because it is too long; fills *row with the
 * error and the record's first line (lineno when none was in progress).
 * The caller then skips the record's rest from the start of line lineno,
 * handing its text to reader_csv_skip_text and each line end to
 * reader_csv_skip_eol, which says where the record ends. */
void reader_csv_abandon(struct reader_csv *c, long lineno,
                        struct reader_row *row);

/* Follows s[0..n), text of the abandoned record without line endings, by
 * the parser's own quoting rules: a quote opens a quoted field only at a
 * field's start (after blanks), a quote inside an unquoted field is text,
 * a doubled quote inside quotes is text, and text after a closing quote
 * makes the rest of that line unquoted. */
void reader_csv_skip_text(struct reader_csv *c, const char *s, size_t n);

/* A line end met while skipping: true when it ends the abandoned record
 * (false inside a quoted field). */
bool reader_csv_skip_eol(struct reader_csv *c);

/* The skip is over: the record ran to last_line (at_end: to the end of the
 * input). A record of more than one line gets a reason naming its lines in
 * *row, and one cut by the end of the input inside quotes says where the
 * quote that never closed was opened. */
void reader_csv_skipped(struct reader_csv *c, long last_line, bool at_end,
                        struct reader_row *row);

/* At the end of the input: completes a record still open (a last line
 * without a line ending, or an unterminated quoted field). */
enum rb_status reader_csv_finish(struct reader_csv *c, struct reader_row *row,
                                 bool *ready);

#endif
