/* rejects: writes the rows we will not send, in the input's own format and
 * encoding, so a person can fix them and feed the file back unchanged. CSV
 * gets columns rejectLine,rejectReason before the input's header; JSON lines
 * get members "rejectLine" and "rejectReason" added to the original object. */
#ifndef RB_REJECTS_H
#define RB_REJECTS_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "config.h"
#include "encoding.h"
#include "row.h"
#include "status.h"

struct rejects;

/* Creates (truncates) path. For CSV, hdr/nhdr is the input's header (borrowed
 * for the call) and delimiter the input's. enc is the input's encoding
 * (reader_encoding): rows, read as UTF-8, are written back in it, byte for
 * byte as they were read, after a UTF-16 byte-order mark for UTF-16; a
 * reason's character the encoding cannot hold becomes '?'. NULL with err
 * set on failure. */
struct rejects *rejects_open(const char *path, enum config_format format,
                             char delimiter, enum encoding enc,
                             const struct reader_field *hdr, size_t nhdr,
                             char *err, size_t errlen);

/* Serializes row's content as it will appear in the reject file, without the
 * reject columns, into out (reset first): CSV, the fields re-quoted as needed;
 * JSON lines, the original line (or its members, re-encoded). Used to keep a
 * copy of a row that is in flight, in case the server refuses it. */
enum rb_status rejects_format_row(const struct rejects *rj,
                                  const struct reader_row *row, struct buf *out);

/* Writes one reject: line number, reason (one line for a person) and the row
 * as formatted by rejects_format_row (body may be NULL for a JSONL line that
 * could not be kept, e.g. an oversized one). The line goes out with one
 * write(2) before this returns (the first also writes the CSV header):
 * nothing is held in a buffer that a kill could lose. */
enum rb_status rejects_write(struct rejects *rj, long line, const char *reason,
                             const char *body, size_t body_len, char *err,
                             size_t errlen);

/* A reject file fed back as input: the reason its rejectReason column or
 * member gave row (borrowed from row), or NULL (*len 0) when it has none. */
const char *rejects_earlier_reason(const struct reader_row *row, size_t *len);
/* Whether a CSV header has the reject columns' reason (a reject file). */
bool rejects_header_fed_back(const struct reader_field *hdr, size_t nhdr);

/* The count written so far. */
unsigned long rejects_count(const struct rejects *rj);

/* Closes (removing a stale reject file of ours when there was no reject);
 * returns non-zero with err set when closing failed. */
enum rb_status rejects_close(struct rejects *rj, char *err, size_t errlen);

#endif
