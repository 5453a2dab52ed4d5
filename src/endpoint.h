/* endpoint: where requests may go, checked before any file is written or
 * anything sent: the base URL (https anywhere, http:// only to loopback, no
 * credentials, query, fragment or empty port) and the --cacert file. No
 * connection is made here. */
#ifndef RB_ENDPOINT_H
#define RB_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>

/* The base URL policy. A refused URL (perhaps holding a pasted key) leaves
 * no trace. False with err set when refused. */
bool endpoint_check_base_url(const char *url, char *err, size_t errlen);

/* --cacert names a readable regular file (or is NULL): a typo is a
 * configuration error (exit 2), not a run cut short. False with err set
 * otherwise. */
bool endpoint_check_cacert(const char *path, char *err, size_t errlen);

#endif
