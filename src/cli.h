/* cli: turns argv and the environment into one struct config. Parsing only:
 * it reads no files (the key file is apikey.c's, called by main when the
 * run will send), and says what is wrong in one line when it refuses. */
#ifndef RB_CLI_H
#define RB_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "status.h"

/* Looks up an environment variable; returns NULL when unset. Borrowed. */
typedef const char *(*cli_getenv_fn)(const char *name);

/* Fills cfg (already given config_defaults) from argv[1..argc) and env.
 * RB_OK, or RB_EUSAGE with one line in err such as
 * "unknown option '--rat'" or "--rate: '0' is not a number from 0.001 to 1000".
 * cfg borrows strings from argv and env: keep them alive as long as cfg. */
enum rb_status cli_parse(int argc, char **argv, cli_getenv_fn env,
                         struct config *cfg, char *err, size_t errlen);

/* A warning about a choice that is allowed but risky (a --settle under a
 * second: a server whose lists lag longer may be sent a row twice), into
 * warn; false when there is none. */
bool cli_warning(const struct config *cfg, char *warn, size_t warnlen);

#endif
