/* row: what a reader hands on: one record's fields as read (names, values,
 * their JSON kinds), its line, the raw line for JSON lines, and the reason
 * when it is structurally bad. The type the reader halves produce and the
 * stages after them read; no functions. */
#ifndef RB_ROW_H
#define RB_ROW_H

#include <stddef.h>

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

#endif
