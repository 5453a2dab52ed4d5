/* outputs: where an import writes (a reject file and a result log beside its
 * input, or where --rejects and --log say) and whether it may: neither may be
 * an input, and both must be writable. Checked before anything is sent. */
#ifndef RB_OUTPUTS_H
#define RB_OUTPUTS_H

#include <stdbool.h>
#include <stddef.h>

#include <stdio.h>

#include "buf.h"
#include "check.h"
#include "config.h"
#include "status.h"

#define OUTPUTS_PATH_MAX 4096

/* Default paths beside the input: "x.csv" -> "x.rejects.csv" and
 * "x.results.jsonl" (".gz" and the format's extension are dropped; "-" gives
 * "stdin.*" in the current directory); a tab delimiter makes ".tsv". Both
 * buffers hold len bytes. */
void outputs_default_paths(const char *input, enum config_format format,
                           char delimiter, char *rejects, char *log,
                           size_t len);

/* The paths a run on input uses: the defaults, or --rejects/--log. */
void outputs_paths(const struct config *cfg, const char *input,
                   enum config_format format, char delimiter,
                   char rejects[OUTPUTS_PATH_MAX], char log[OUTPUTS_PATH_MAX]);

/* Neither path is one of cfg's inputs, they differ, and both can be
 * written (probed without leaving anything behind). RB_EUSAGE with err
 * naming the path otherwise. */
enum rb_status outputs_check(const struct config *cfg, const char *rejects,
                             const char *log, char *err, size_t errlen);

/* --emit: u's request body and a newline to out, built in body (the
 * caller's, reused). *closed set when the reader went away (EPIPE: RB_OK,
 * the caller stops quietly); RB_EIO with err on another write error. */
enum rb_status outputs_emit(struct buf *body, const struct usage *u,
                            FILE *out, bool *closed, char *err,
                            size_t errlen);

/* A FIFO, socket or character device: an input that can be read only once. */
bool outputs_is_stream(const char *path);

#endif
