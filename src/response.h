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

/* One element of a GET /usages list. Each text is decoded (no JSON escapes),
 * NUL-terminated, and borrowed for the callback only; a member that is
 * absent or null is "" with length 0. */
struct response_usage {
	const char *id;
	size_t id_len;
	const char *subscription_id;
	size_t subscription_id_len;
	const char *quantity;     /* a number's text as the server wrote it ("5.250"
	                             stays "5.250"), or a string's content: compare
	                             canonical forms, never doubles */
	size_t quantity_len;
	bool quantity_is_number;  /* it was a JSON number, not a string */
	const char *usage_time;   /* as the server wrote it */
	size_t usage_time_len;
};

/* Called once per usage, in the list's order. Returning non-zero stops the
 * walk. */
typedef int (*response_usage_fn)(const struct response_usage *u, void *ctx);

/* Walks a GET /usages reply (a JSON array of usage objects). Returns how many
 * elements fn was given, or -1 when the body is not such an array, an element
 * is not an object, one of its four members has the wrong kind (an object,
 * a boolean...), or memory ran out; fn may then have seen the elements before
 * the bad one, and nothing about the list should be trusted. */
int response_usages(const char *body, size_t len, response_usage_fn fn,
                    void *ctx);

#endif
