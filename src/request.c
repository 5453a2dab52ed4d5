/* request: POST bodies and lookup paths. */
#include "request.h"

#include <stdio.h>
#include <string.h>

#include "timefmt.h"

enum rb_status request_usage_body(struct buf *b, const struct usage *u)
{
	enum rb_status st;

	buf_reset(b);
	st = buf_puts(b, "{\"subscriptionId\":");
	if (!st)
		st = buf_json_string(b, u->subscription_id,
		                     strlen(u->subscription_id));
	if (!st)
		st = buf_printf(b, ",\"quantity\":%s,\"usageTime\":\"%s\"",
		                u->quantity, u->usage_time);
	if (!st && u->accept_partial >= 0)
		st = buf_printf(b, ",\"acceptPartialQuantity\":%s",
		                u->accept_partial ? "true" : "false");
	if (!st)
		st = buf_putc(b, '}');
	return st;
}

bool request_id_filterable(const char *id)
{
	size_t i, n = strlen(id);

	/* Only ids that no filter syntax can read as anything else: letters,
	 * digits, '_', and '-' or '.' inside (not first, not last, never
	 * ".."). '@' names a value list, ".." a range; '~', a leading '-'
	 * or '.' are not known to be safe, so such ids go by time alone. */
	if (!n || id[0] == '-' || id[0] == '.' || id[n - 1] == '-' ||
	    id[n - 1] == '.' || strstr(id, ".."))
		return false;
	for (i = 0; i < n; i++) {
		char c = id[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
			return false;
	}
	return true;
}

/* "&limit=1000&offset=N&sort=createdTime": oldest first, so usages created
 * while we page land after the pages already read. */
static enum rb_status page_args(struct buf *b, unsigned long offset)
{
	return buf_printf(b, "&limit=%d&offset=%lu&sort=createdTime",
	                  REQUEST_PAGE_LIMIT, offset);
}

/* "usageTime:A..B", the second holding from_ms to the one after to_ms. */
static void time_range(char *out, size_t len, int64_t from_ms, int64_t to_ms)
{
	char a[CHECK_TIME_MAX], b[CHECK_TIME_MAX];

	from_ms -= ((from_ms % 1000) + 1000) % 1000;
	to_ms -= ((to_ms % 1000) + 1000) % 1000;
	timefmt_format(from_ms, a);
	timefmt_format(to_ms + 1000, b);
	snprintf(out, len, "usageTime:%s..%s", a, b);
}

enum rb_status request_lookup_path(struct buf *b, const struct usage *u,
                                   unsigned long offset)
{
	char filter[CHECK_ID_MAX + 2 * CHECK_TIME_MAX + 64];
	char range[2 * CHECK_TIME_MAX + 16];
	enum rb_status st;

	time_range(range, sizeof(range), u->usage_time_ms, u->usage_time_ms);
	if (request_id_filterable(u->subscription_id))
		snprintf(filter, sizeof(filter), "subscriptionId:%s;%s",
		         u->subscription_id, range);
	else
		snprintf(filter, sizeof(filter), "%s", range);
	buf_reset(b);
	st = buf_puts(b, "/usages?filter=");
	if (!st)
		st = buf_url_encode(b, filter);
	if (!st)
		st = page_args(b, offset);
	return st;
}

enum rb_status request_window_path(struct buf *b, int64_t from_ms,
                                   int64_t to_ms, unsigned long offset)
{
	char range[2 * CHECK_TIME_MAX + 16];
	enum rb_status st;

	time_range(range, sizeof(range), from_ms, to_ms);
	buf_reset(b);
	st = buf_puts(b, "/usages?filter=");
	if (!st)
		st = buf_url_encode(b, range);
	if (!st)
		st = page_args(b, offset);
	return st;
}

bool request_next_page(unsigned long offset, unsigned long n, long total,
                       unsigned long *next)
{
	if (n == 0)
		return false;
	*next = offset + n;
	return total < 0 || *next < (unsigned long)total;
}
