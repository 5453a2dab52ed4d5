/* pipeline: moves the data between the stages. For each input file: reader ->
 * record -> check -> (reject file | sender) -> result log, with resume from an
 * earlier result log and reconciliation of unknown outcomes. Stages never call
 * each other; this is the only place that knows them all. preflight.h checks
 * the inputs and outputs first. */
#ifndef RB_PIPELINE_H
#define RB_PIPELINE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "outcome.h"
#include "status.h"


/* Imports every file of cfg in turn. signals counts SIGINT/SIGTERM received
 * (set by main's handler). Returns RB_OK when every file ran to its end;
 * RB_EAUTH, RB_EINTR, RB_EIO, ... when the run was cut short (out says how far
 * it got); err holds the one-line reason. */
enum rb_status pipeline_import(const struct config *cfg,
                               const volatile sig_atomic_t *signals,
                               struct run_outcome *out, char *err,
                               size_t errlen);

#endif
