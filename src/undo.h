/* undo: deletes, throttled and retried like an import, every usage an
 * import's result log says was created, with its own resumable log
 * (<result log>.undo.jsonl). It runs only against the base URL and
 * organization the import used. */
#ifndef RB_UNDO_H
#define RB_UNDO_H

#include <signal.h>
#include <stddef.h>

#include "config.h"
#include "outcome.h"
#include "status.h"

/* Deletes what cfg->files[0] (a result log) says was created: 204 and 404
 * (already gone) count as deleted, anything else as remaining (409: the
 * usage is invoiced). signals counts SIGINT/SIGTERM, as for the import.
 * out->counts: read = usages listed, created = deleted now, skipped =
 * deleted by an earlier undo, remaining. */
enum rb_status undo_run(const struct config *cfg,
                        const volatile sig_atomic_t *signals,
                        struct run_outcome *out, char *err, size_t errlen);

#endif
