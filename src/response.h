/* response: reads the server's replies, as pure functions over bytes: the id
 * of a created usage, one line for a person out of an error body (problem+json,
 * plain JSON or anything else), and a GET /usages list for reconciliation. */
#ifndef RB_RESPONSE_H
#define RB_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>

#include "status.h"

/* The id of the usage a 201 created: the "id" member of the body, else the
 * last path segment of the Location header value (NULL when absent). Both
 * borrowed for the call. False, with id set to "", when neither holds one
 * that fits idlen. */
bool response_usage_id(const char *body, size_t len, const char *location,
                       char *id, size_t idlen);

/* One line for a person about an error reply, e.g.
 *   "HTTP 422: quantity: must be at least 0.001; usageTime: invalid date-time"
 * from invalidFields[{field, message}], else the problem's detail, else its
 * title; a body that is not JSON gives "HTTP 502: <its first 200 printable
 * bytes>"; an empty one "HTTP 503: Service Unavailable". Control characters
 * never reach out (newlines and tabs become spaces). Always NUL-terminated. */
void response_error_reason(long http, const char *body, size_t len, char *out,
                           size_t outlen);

/* One element of a GET /usages list. Strings are decoded (no JSON escapes)
 * and NUL-terminated; a member that is absent or null is "". */
struct response_usage {
	char id[128];
	char subscription_id[128];
	char quantity[64];   /* the number's text as the server wrote it ("5.250"
	                        stays "5.250"), or a string's content: compare
	                        canonical forms, never doubles */
	bool quantity_is_number; /* quantity was a JSON number, not a string */
	char usage_time[64]; /* as the server wrote it */
};

/* Called once per usage, in the list's order; u is borrowed for the call.
 * Returning non-zero stops the walk. */
typedef int (*response_usage_fn)(void *ctx, const struct response_usage *u);

/* Walks a GET /usages reply (a JSON array of usage objects). RB_OK when the
 * walk ended (all elements, or fn stopped it); RB_EINPUT with reason when the
 * body is not such an array or a member does not fit its field (nothing is
 * then trusted: fn may have seen the elements before the bad one); RB_ENOMEM. */
enum rb_status response_usage_list(const char *body, size_t len,
                                   response_usage_fn fn, void *ctx,
                                   char *reason, size_t reasonlen);

/* A single usage object, such as a 201's body, into u (members absent or
 * null are ""). False when body is not such an object. body is borrowed
 * for the call. */
bool response_usage_one(const char *body, size_t len,
                        struct response_usage *u);

#endif
