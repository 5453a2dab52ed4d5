/* preflight: everything an import checks before anything is written or
 * sent, for every input: it opens, its header binds, its reject file and
 * result log may be written (and are not inputs), an existing log belongs to
 * it (same input, same --aggregate), and options that read an input twice
 * get a file, not a stream. */
#ifndef RB_PREFLIGHT_H
#define RB_PREFLIGHT_H

#include <stddef.h>

#include "config.h"
#include "status.h"

/* RB_OK, or RB_EUSAGE/RB_EINPUT with err set (exit 2: nothing was sent). */
enum rb_status preflight_import(const struct config *cfg, char *err,
                                size_t errlen);

#endif
