/* apikey: the secret key, from the file --api-key-file names or else from
 * $REBILLY_API_KEY; never from argv (cli refuses --api-key). Read whole or
 * refused, one line, trimmed of the newline editors leave; never printed,
 * wiped where it was read. */
#ifndef RB_APIKEY_H
#define RB_APIKEY_H

#include <stddef.h>

#include "config.h"
#include "status.h"

/* Loads the key into cfg->api_key (owned by cfg: config_free wipes and frees
 * it): from cfg->api_key_file if given, else env_value ($REBILLY_API_KEY,
 * NULL when unset; borrowed for the call). warn (may be NULL) gets a warning
 * when the file is readable by group or others. RB_EUSAGE with err set when
 * there is no key, it cannot be read whole, or it is more than one line. */
enum rb_status apikey_load(struct config *cfg, const char *env_value,
                           char *warn, size_t warnlen, char *err,
                           size_t errlen);

#endif
