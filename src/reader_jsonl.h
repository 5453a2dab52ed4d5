/* reader_jsonl: the JSON-lines half of the reader. reader.c hands it one
 * line at a time; it parses the line with json_parse and turns the object's
 * top-level members into fields (strings decoded, other values as their
 * raw text). Internal to reader. */
#ifndef RB_READER_JSONL_H
#define RB_READER_JSONL_H

#include <stdbool.h>
#include <stddef.h>

#include "encoding.h"
#include "row.h"
#include "status.h"

struct reader_jsonl;

/* A reader of lines converted from enc (for the reasons of invalid text);
 * NULL when out of memory. */
struct reader_jsonl *reader_jsonl_new(enum encoding enc);
void reader_jsonl_free(struct reader_jsonl *j); /* accepts NULL */

/* Turns line[0..len) (line ending already removed; at most
 * READER_MAX_RECORD bytes) into *row. *ready is false for a blank line
 * (spaces, tabs, CR only), which is no row. *row borrows line and this
 * module's buffers until the next call. RB_ENOMEM stops the run. */
enum rb_status reader_jsonl_line(struct reader_jsonl *j, const char *line,
                                 size_t len, long lineno,
                                 struct reader_row *row, bool *ready);

#endif
