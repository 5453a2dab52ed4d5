#include "response.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "quote.h"

/* Parses body into a token array sized to fit, grown from a small start (a
 * reply may be up to the sender's 1 MiB cap, so no fixed array fits all).
 * *toks is malloc'd for the caller, NULL on failure. */
static enum rb_status parse(const char *body, size_t len, jsmntok_t **toks,
                            int *ntoks, char *reason, size_t reasonlen)
{
	int max = 64;
	enum rb_status st;

	*toks = NULL;
	for (;;) {
		jsmntok_t *t = realloc(*toks, (size_t)max * sizeof(**toks));

		if (!t) {
			free(*toks);
			*toks = NULL;
			return RB_ENOMEM;
		}
		*toks = t;
		st = json_parse(body, len, t, max, ntoks, reason, reasonlen);
		/* a JSON text of n bytes never holds more than n tokens */
		if (st != RB_ETOOBIG || (size_t)max > len)
			break;
		max *= 4;
	}
	if (st) {
		free(*toks);
		*toks = NULL;
	}
	return st;
}

/* Decodes string token t into out (NUL-terminated); false when it is not a
 * string or does not fit. */
static bool str_of(const char *text, const jsmntok_t *t, char *out, size_t outlen)
{
	size_t n = (size_t)(t->end - t->start);
	char *tmp;

	if (t->type != JSMN_STRING || !outlen)
		return false;
	if (n < outlen) { /* decoding never grows */
		out[json_unescape(text + t->start, n, out)] = 0;
		return true;
	}
	tmp = malloc(n + 1);
	if (!tmp)
		return false;
	n = json_unescape(text + t->start, n, tmp);
	if (n < outlen) {
		memcpy(out, tmp, n);
		out[n] = 0;
	}
	free(tmp);
	return n < outlen;
}

/* An id is printable ASCII without '/', '?', '#' or space, and not empty. */
static bool good_id(const char *s, size_t n)
{
	size_t i;

	if (!n)
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c >= 0x7f || c == '/' || c == '?' || c == '#')
			return false;
	}
	return true;
}

bool response_usage_id(const char *body, size_t len, const char *location,
                       char *id, size_t idlen)
{
	jsmntok_t *toks = NULL;
	int ntoks, v;
	const char *end, *seg;

	if (!idlen)
		return false;
	id[0] = 0;
	if (body && len && !parse(body, len, &toks, &ntoks, NULL, 0)) {
		v = json_find(body, toks, ntoks, 0, "id");
		if (v >= 0 && str_of(body, &toks[v], id, idlen) &&
		    good_id(id, strlen(id))) {
			free(toks);
			return true;
		}
		id[0] = 0;
	}
	free(toks);
	if (!location)
		return false;
	/* ".../usages/ID" possibly followed by a query, a fragment or blanks */
	end = location + strcspn(location, "?# \t\r\n");
	seg = end;
	while (seg > location && seg[-1] != '/')
		seg--;
	if (seg == location || !good_id(seg, (size_t)(end - seg)) ||
	    (size_t)(end - seg) >= idlen)
		return false;
	memcpy(id, seg, (size_t)(end - seg));
	id[end - seg] = 0;
	return true;
}

/* ---- error lines ---- */

struct line {
	char *out;
	size_t cap; /* bytes of out usable, the NUL included */
	size_t len;
	size_t budget; /* bytes still allowed from the current source */
};

/* Appends n bytes of s: control characters and bytes that are not UTF-8
 * dropped (the line ends up in JSON logs, which must stay valid UTF-8),
 * runs of blanks (newlines and tabs included) squeezed to one space, never
 * cutting a UTF-8 character, at most budget bytes of it. */
static void put(struct line *l, const char *s, size_t n)
{
	size_t cap = l->cap, before = l->len;

	if (!l->budget)
		return;
	if (l->budget < cap - l->len)
		cap = l->len + l->budget + 1;
	l->len = quote_append(l->out, cap, l->len, s, n, 0,
	                      QUOTE_DROP | QUOTE_SQUEEZE | QUOTE_NO_DOTS);
	l->budget -= l->len - before < l->budget ? l->len - before : l->budget;
}

static void puts_(struct line *l, const char *s)
{
	l->budget = (size_t)-1;
	put(l, s, strlen(s));
}

/* Appends string token t decoded, sanitized. */
static void put_tok(struct line *l, const char *text, const jsmntok_t *t)
{
	size_t n = (size_t)(t->end - t->start);
	char *tmp = malloc(n + 1);

	l->budget = 400;
	if (tmp) {
		n = json_unescape(text + t->start, n, tmp);
		put(l, tmp, n);
		free(tmp);
	} else {
		put(l, text + t->start, n);
	}
}

static void trim(struct line *l)
{
	while (l->len && l->out[l->len - 1] == ' ')
		l->len--;
	l->out[l->len] = 0;
}

static const char *phrase(long http)
{
	switch (http) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	}
	return "no details given";
}

/* "field: message; field: message" from invalidFields; false when there
 * is no usable entry. A message that repeats the field name first
 * ("quantity must be ...") drops the repeat. */
static bool invalid_fields(struct line *l, const char *text,
                           const jsmntok_t *toks, int ntoks)
{
	int arr = json_find(text, toks, ntoks, 0, "invalidFields");
	int i, k, n = 0;

	if (arr < 0 || toks[arr].type != JSMN_ARRAY)
		return false;
	for (k = 0, i = arr + 1; k < toks[arr].size && i < ntoks;
	     k++, i = json_skip(toks, ntoks, i)) {
		int f = json_find(text, toks, ntoks, i, "field");
		int m = json_find(text, toks, ntoks, i, "message");
		jsmntok_t mt;
		bool hasf = f >= 0 && toks[f].type == JSMN_STRING &&
		            toks[f].end > toks[f].start;

		if (m < 0 || toks[m].type != JSMN_STRING)
			continue;
		mt = toks[m];
		if (n++)
			puts_(l, "; ");
		if (hasf) {
			size_t fl = (size_t)(toks[f].end - toks[f].start);

			put_tok(l, text, &toks[f]);
			puts_(l, ": ");
			if ((size_t)(mt.end - mt.start) > fl + 1 &&
			    !memcmp(text + mt.start, text + toks[f].start, fl) &&
			    text[mt.start + fl] == ' ')
				mt.start += (int)fl + 1;
		}
		put_tok(l, text, &mt);
		trim(l);
	}
	return n > 0;
}

static bool member(struct line *l, const char *text, const jsmntok_t *toks,
                   int ntoks, const char *key)
{
	int v = json_find(text, toks, ntoks, 0, key);
	size_t before = l->len;

	if (v < 0 || toks[v].type != JSMN_STRING)
		return false;
	put_tok(l, text, &toks[v]);
	while (l->len > before && l->out[l->len - 1] == ' ')
		l->len--;
	l->out[l->len] = 0;
	return l->len > before;
}

void response_error_reason(long http, const char *body, size_t len, char *out,
                           size_t outlen)
{
	struct line l = {out, outlen, 0, 0};
	jsmntok_t *toks = NULL;
	int ntoks;
	char head[32];
	size_t mark;

	if (!out || !outlen)
		return;
	out[0] = 0;
	snprintf(head, sizeof(head), "HTTP %ld: ", http);
	puts_(&l, head);
	mark = l.len;
	if (body && len && !parse(body, len, &toks, &ntoks, NULL, 0) &&
	    toks[0].type == JSMN_OBJECT) {
		if (invalid_fields(&l, body, toks, ntoks) ||
		    member(&l, body, toks, ntoks, "detail") ||
		    member(&l, body, toks, ntoks, "title") ||
		    member(&l, body, toks, ntoks, "message") ||
		    member(&l, body, toks, ntoks, "error")) {
			free(toks);
			trim(&l);
			return;
		}
	}
	free(toks);
	/* not JSON, or JSON saying nothing we know: the start of the body */
	l.len = mark;
	l.budget = 200;
	if (body)
		put(&l, body, len);
	if (l.len == mark)
		puts_(&l, phrase(http));
	trim(&l);
}

/* ---- lists ---- */

/* Copies member key of object obj into out: a string decoded, a number as
 * its text; absent or null leaves "". False when it is another kind or does
 * not fit. */
static bool field(const char *text, const jsmntok_t *toks, int ntoks, int obj,
                  const char *key, char *out, size_t outlen, bool *is_number)
{
	int v = json_find(text, toks, ntoks, obj, key);
	size_t n;

	out[0] = 0;
	*is_number = false;
	if (v < 0)
		return true;
	if (toks[v].type == JSMN_STRING)
		return str_of(text, &toks[v], out, outlen);
	if (toks[v].type != JSMN_PRIMITIVE)
		return false;
	n = (size_t)(toks[v].end - toks[v].start);
	if (json_eq(text, &toks[v], "null"))
		return true;
	if (json_eq(text, &toks[v], "true") || json_eq(text, &toks[v], "false") ||
	    n >= outlen)
		return false;
	memcpy(out, text + toks[v].start, n);
	out[n] = 0;
	*is_number = true;
	return true;
}

/* Fills u from the usage object at token obj; false when a member does not
 * fit its field (which is named in reason). */
static bool element(const char *body, const jsmntok_t *toks, int ntoks,
                    int obj, struct response_usage *u, char *reason,
                    size_t reasonlen, int k)
{
	static const char *const keys[] = {"id", "subscriptionId", "quantity",
	                                   "usageTime"};
	char *dst[4] = {u->id, u->subscription_id, u->quantity, u->usage_time};
	size_t cap[4] = {sizeof(u->id), sizeof(u->subscription_id),
	                 sizeof(u->quantity), sizeof(u->usage_time)};
	bool is_number[4];
	int f;

	for (f = 0; f < 4; f++) {
		if (!field(body, toks, ntoks, obj, keys[f], dst[f], cap[f],
		           &is_number[f])) {
			if (k)
				rb_detail(reason, reasonlen,
				          "usage list element %d: unusable '%s'", k,
				          keys[f]);
			else
				rb_detail(reason, reasonlen, "usage: unusable '%s'",
				          keys[f]);
			return false;
		}
	}
	u->quantity_is_number = is_number[2];
	return true;
}

enum rb_status response_usage_list(const char *body, size_t len,
                                   response_usage_fn fn, void *ctx,
                                   char *reason, size_t reasonlen)
{
	jsmntok_t *toks = NULL;
	int ntoks, i, k;
	enum rb_status st;
	struct response_usage u;

	st = parse(body ? body : "", body ? len : 0, &toks, &ntoks, reason,
	           reasonlen);
	if (st == RB_ETOOBIG)
		st = RB_EINPUT;
	if (st)
		return st;
	if (toks[0].type != JSMN_ARRAY) {
		rb_detail(reason, reasonlen, "usage list is not a JSON array");
		st = RB_EINPUT;
		goto out;
	}
	for (k = 0, i = 1; k < toks[0].size && i < ntoks;
	     k++, i = json_skip(toks, ntoks, i)) {
		if (toks[i].type != JSMN_OBJECT) {
			rb_detail(reason, reasonlen,
			          "usage list element %d is not an object", k + 1);
			st = RB_EINPUT;
			goto out;
		}
		if (!element(body, toks, ntoks, i, &u, reason, reasonlen, k + 1)) {
			st = RB_EINPUT;
			goto out;
		}
		if (fn(ctx, &u))
			break;
	}
out:
	free(toks);
	return st;
}

bool response_usage_one(const char *body, size_t len, struct response_usage *u)
{
	jsmntok_t *toks = NULL;
	int ntoks;
	char why[160];
	bool ok;

	memset(u, 0, sizeof(*u));
	if (!body || parse(body, len, &toks, &ntoks, why, sizeof(why)))
		return false;
	ok = toks[0].type == JSMN_OBJECT &&
	     element(body, toks, ntoks, 0, u, why, sizeof(why), 0);
	free(toks);
	return ok;
}
