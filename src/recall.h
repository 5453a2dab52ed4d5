/* recall: rows of an input read once more, by line number. With --aggregate
 * one usage stands for many rows, and that the server refuses it (or that
 * its sum is too large) is known only after its rows were read; the reject
 * file needs each of them as read. Keeping every row would make memory grow
 * with the file, so only their lines and reasons are kept, and the input is
 * read again at the end (a file: a stream cannot be read twice). */
#ifndef RB_RECALL_H
#define RB_RECALL_H

#include <stddef.h>

#include "config.h"
#include "reader.h"
#include "rejects.h"
#include "status.h"

struct recall;

struct recall *recall_new(void); /* NULL when out of memory */
void recall_free(struct recall *rc); /* accepts NULL */

/* Remembers that the row at line goes to the reject file with reason
 * (copied; the same text as the last one given is kept once, so a usage's
 * rows share it). RB_ENOMEM. */
enum rb_status recall_add(struct recall *rc, long line, const char *reason);

/* Lines remembered. */
size_t recall_count(const struct recall *rc);

/* Reads path again as cfg says (the same reader, so the same line numbers)
 * and writes each remembered row to rj with its line and reason (in input
 * order). *missing counts the lines the input no longer has (it changed
 * since it was read). RB_OK, or the reader's or the reject file's error
 * (err says why). */
enum rb_status recall_write(struct recall *rc, const struct config *cfg,
                            const char *path, struct rejects *rj,
                            size_t *missing, char *err, size_t errlen);

#endif
