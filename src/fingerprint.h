/* fingerprint: names an input file's exact content, so a result log is only
 * ever resumed against the file it was written for (resume keys rows by line
 * number, which means nothing for another file). */
#ifndef RB_FINGERPRINT_H
#define RB_FINGERPRINT_H

#include <stddef.h>

#include "status.h"

#define FINGERPRINT_MAX 64

/* "v1:<bytes>:<16 hex digits>" over the whole file (compressed bytes for .gz);
 * "stdin" for "-" and other streams (FIFO, device): they cannot be read
 * twice. */
enum rb_status fingerprint_file(const char *path, char out[FINGERPRINT_MAX],
                                char *err, size_t errlen);

#endif
