/* cli: turns argv and the environment into one struct config. Parsing only:
 * it reads no files (the key file is read by cli_load_key, called by main when
 * the run will send), and says what is wrong in one line when it refuses. */
#ifndef RB_CLI_H
#define RB_CLI_H

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

/* Loads the API key into cfg->api_key: from --api-key-file if given, else
 * from $REBILLY_API_KEY. Warns on stderr (warn != NULL gets the text) when the
 * file is readable by group or others. RB_EUSAGE when there is no key. */
enum rb_status cli_load_key(struct config *cfg, cli_getenv_fn env, char *warn,
                            size_t warnlen, char *err, size_t errlen);

/* The --help text. */
extern const char cli_usage[];

#endif
