/* request: the text of what goes to Rebilly: a usage's POST body, and the
 * paths of the lookups that find usages again (GET /usages with a filter
 * Rebilly's syntax cannot misread, page by page). Pure: no I/O. */
#ifndef RB_REQUEST_H
#define RB_REQUEST_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "check.h"
#include "status.h"

/* Usages asked for per lookup page (the API's maximum). */
#define REQUEST_PAGE_LIMIT 1000

/* b (reset first) = the POST /usages body of u: subscriptionId, quantity
 * (the canonical decimal text, unquoted), usageTime, and
 * acceptPartialQuantity when the row gave one. */
enum rb_status request_usage_body(struct buf *b, const struct usage *u);

/* May a lookup filter by id? Only when Rebilly's filter syntax cannot read
 * it as anything else: letters, digits, '_', and '-' or '.' inside. A
 * leading '@' names a saved value list, ".." a range, and the rest is not
 * known to be safe: such ids are looked up by time alone. (Values also
 * compare without regard to case there: every id found is compared exactly
 * by the caller.) */
bool request_id_filterable(const char *id);

/* b (reset first) = the path of page `offset` of the lookup for u: usages of
 * its subscriptionId (when filterable) whose usageTime lies from u's time cut
 * to the second to one second later, oldest first, REQUEST_PAGE_LIMIT a
 * page, e.g. "/usages?filter=subscriptionId%3As1%3BusageTime%3A...". */
enum rb_status request_lookup_path(struct buf *b, const struct usage *u,
                                   unsigned long offset);

/* b (reset first) = page `offset` of every usage whose usageTime lies in
 * [from_ms, to_ms] cut to whole seconds (--skip-existing). */
enum rb_status request_window_path(struct buf *b, int64_t from_ms,
                                   int64_t to_ms, unsigned long offset);

/* After a page of n usages at offset, with the reply's Pagination-Total
 * (-1 when absent): the next page's offset, or false when this was the
 * last. Without a total, only an empty page ends the walk (a server may
 * serve fewer than asked for). */
bool request_next_page(unsigned long offset, unsigned long n, long total,
                       unsigned long *next);

#endif
