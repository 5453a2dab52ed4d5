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
#include "row.h"
#include "status.h"

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
 * directory" or "x.csv: line 1: bad header: a quote opened in column 2 on
 * line 1 is never closed ...".
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

/* CSV: the input's last line when it had no line end (a cut-off export
 * may have sent a cut value), once the rows are read to it; else 0. */
long reader_unended_line(const struct reader *r);

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


#endif
