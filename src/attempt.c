/* attempt: one exchange on a libcurl easy handle. */
#include "attempt.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "response.h"

#define CONNECT_TIMEOUT_MS 10000L
#define TRACE_BODY_MAX 2000

#ifndef RBUSAGE_VERSION
#define RBUSAGE_VERSION "0.0.0-dev"
#endif

static size_t on_read(char *dst, size_t size, size_t nitems, void *userp)
{
	struct attempt *r = userp;
	size_t room = size * nitems, left = r->body_len - r->body_off;
	size_t n = left < room ? left : room;

	if (n) {
		memcpy(dst, r->body + r->body_off, n);
		r->body_off += n;
		r->body_read = true;
	}
	return n;
}

/* libcurl rewinds the body to send it again by itself: on a reused
 * connection that died, after an auth round trip... For a POST that is how
 * a usage gets stored twice (the server may have stored it and lost the
 * reply), so once any byte was handed out, rewinding is refused and the
 * transfer fails with CURLE_SEND_FAIL_REWIND: an unknown outcome for the
 * caller to reconcile. A rewind before anything was read changes nothing and
 * is allowed. */
static int on_seek(void *userp, curl_off_t offset, int origin)
{
	struct attempt *r = userp;

	if (offset == 0 && origin == SEEK_SET && !r->body_read) {
		r->body_off = 0;
		return CURL_SEEKFUNC_OK;
	}
	return CURL_SEEKFUNC_FAIL;
}

static size_t on_write(char *data, size_t size, size_t nmemb, void *userp)
{
	struct attempt *r = userp;
	size_t n = size * nmemb;

	r->got_bytes = true;
	if (buf_append(&r->reply, data, n)) {
		r->too_big = true;
		return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
	}
	return n;
}

/* Copies a header's value, trimmed, into dst (truncated to fit). */
static void header_value(const char *v, size_t n, char *dst, size_t cap)
{
	while (n && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	while (n && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' ' ||
	             v[n - 1] == '\t'))
		n--;
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, v, n);
	dst[n] = 0;
}

static void clear_headers(struct attempt *r)
{
	r->limit[0] = r->remaining[0] = r->xrl_retry_after[0] = 0;
	r->retry_after[0] = r->location[0] = r->page_total[0] = 0;
}

static size_t on_header(char *data, size_t size, size_t nitems, void *userp)
{
	static const struct {
		const char *name;
		size_t off, cap;
	} want[] = {
		{"x-ratelimit-limit", offsetof(struct attempt, limit), 24},
		{"x-ratelimit-remaining", offsetof(struct attempt, remaining), 24},
		{"x-ratelimit-retry-after", offsetof(struct attempt, xrl_retry_after), 64},
		{"retry-after", offsetof(struct attempt, retry_after), 64},
		{"location", offsetof(struct attempt, location), 512},
		{"pagination-total", offsetof(struct attempt, page_total), 24},
	};
	struct attempt *r = userp;
	size_t n = size * nitems, i;
	const char *colon;

	r->got_bytes = true;
	if (n >= 5 && !memcmp(data, "HTTP/", 5)) {
		clear_headers(r); /* a new response (after a 1xx) starts over */
		return n;
	}
	colon = memchr(data, ':', n);
	if (!colon)
		return n;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		size_t len = strlen(want[i].name);

		if ((size_t)(colon - data) == len && !strncasecmp(data, want[i].name, len))
			header_value(colon + 1, n - len - 1, (char *)r + want[i].off,
			             want[i].cap);
	}
	return n;
}

void attempt_init(struct attempt *a)
{
	memset(a, 0, sizeof(*a));
	buf_init(&a->reply, ATTEMPT_REPLY_MAX);
}

void attempt_free(struct attempt *a)
{
	buf_free(&a->reply);
}

void attempt_setup(struct attempt *a, CURL *e, const struct attempt_opts *o)
{
	curl_easy_reset(e); /* options go; its connection and DNS caches stay */
	a->easy = e;
	a->body = o->body;
	a->body_len = o->body_len;
	a->body_off = 0;
	a->body_read = a->got_bytes = a->too_big = false;
	buf_reset(&a->reply);
	clear_headers(a);
	a->errbuf[0] = 0;

	curl_easy_setopt(e, CURLOPT_PRIVATE, o->priv);
	curl_easy_setopt(e, CURLOPT_URL, o->url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, o->headers);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, o->timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
	                 o->timeout_ms < CONNECT_TIMEOUT_MS ? o->timeout_ms
	                                                    : CONNECT_TIMEOUT_MS);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	/* --cacert: with Debian's OpenSSL libcurl, CAINFO replaces the default
	 * bundle file but the default CA directory (/etc/ssl/certs) stays, so
	 * the system store is still trusted "too". */
	if (o->cacert)
		curl_easy_setopt(e, CURLOPT_CAINFO, o->cacert);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	/* HTTP/2 where TLS offers it. PIPEWAIT makes a new transfer wait for a
	 * connection still in its handshake that may multiplex, instead of
	 * opening one more; over https ALPN settles that within the handshake.
	 * Plain http (loopback only) never multiplexes here, and PIPEWAIT would
	 * hold each new transfer until the first reply: off. */
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	if (o->https)
		curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
	else /* loopback: never through a proxy, which would see the key */
		curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, a);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, a);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, a->errbuf);
	if (!strcmp(o->method, "POST")) {
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(e, CURLOPT_READDATA, a);
		curl_easy_setopt(e, CURLOPT_SEEKFUNCTION, on_seek);
		curl_easy_setopt(e, CURLOPT_SEEKDATA, a);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
		                 (curl_off_t)o->body_len);
	} else if (!strcmp(o->method, "GET")) {
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	} else {
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, o->method);
	}
}

const char *attempt_why(const struct attempt *a, CURLcode code)
{
	if (a->too_big)
		return "reply over the 1 MiB cap";
	if (code == CURLE_SEND_FAIL_REWIND)
		return "the connection closed before any reply, and sending the "
		       "request again by itself was refused";
	return a->errbuf[0] ? a->errbuf : curl_easy_strerror(code);
}

void attempt_failure(const struct attempt *a, long http, CURLcode code,
                     const char *prefix, char *out, size_t outlen)
{
	if (http && code)
		snprintf(out, outlen, "HTTP %ld but the reply broke off: %s", http,
		         attempt_why(a, code));
	else if (http)
		response_error_reason(http, a->reply.data, a->reply.len, out,
		                      outlen);
	else
		snprintf(out, outlen, "%s%s", prefix, attempt_why(a, code));
}

void attempt_unknown(const struct attempt *a, long http, CURLcode code,
                     char *out, size_t outlen)
{
	char said[900];

	if (http >= 300 && http < 400 && !code) {
		snprintf(out, outlen,
		         "HTTP %ld (a redirect: not followed, so the key goes "
		         "nowhere else; check --base-url); outcome unknown", http);
	} else if (http && !code) {
		/* a 5xx: the server's words, and what they do not prove */
		response_error_reason(http, a->reply.data, a->reply.len, said,
		                      sizeof(said));
		snprintf(out, outlen,
		         "%s; outcome unknown (a 5xx may come after the usage was "
		         "stored)", said);
	} else if (http) {
		snprintf(out, outlen,
		         "HTTP %ld but the reply broke off (%s); outcome unknown",
		         http, attempt_why(a, code));
	} else {
		snprintf(out, outlen, "sent, but no reply came (%s); outcome unknown",
		         attempt_why(a, code));
	}
}

void attempt_unreachable(const struct attempt *a, CURLcode code,
                         const char *url, unsigned fails, int64_t seconds,
                         char *out, size_t outlen)
{
	char *host = NULL;
	CURLU *u = curl_url();

	if (u && !curl_url_set(u, CURLUPART_URL, url, 0))
		curl_url_get(u, CURLUPART_HOST, &host, 0);
	snprintf(out, outlen,
	         "cannot reach %s: %s (%u attempt%s in a row over %lld s could "
	         "not connect)", host ? host : "the API", attempt_why(a, code),
	         fails, fails == 1 ? "" : "s", (long long)seconds);
	curl_free(host);
	curl_url_cleanup(u);
}

static void wipe(char *p)
{
	volatile char *v = p;

	while (v && *v)
		*v++ = 0;
}

struct curl_slist *attempt_headers(const char *key)
{
	static const char *const fixed[] = {
		"Content-Type: application/json",
		"Accept: application/json, application/problem+json",
		"User-Agent: rbusage/" RBUSAGE_VERSION,
		"Expect:", /* no "Expect: 100-continue" round trip before a body */
	};
	struct curl_slist *list = NULL, *n;
	struct buf b;
	size_t i;

	buf_init(&b, 64 * 1024);
	if (buf_printf(&b, "REB-APIKEY: %s", key)) {
		buf_free(&b);
		return NULL;
	}
	list = curl_slist_append(NULL, buf_cstr(&b));
	wipe(b.data);
	buf_free(&b);
	for (i = 0; list && i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		if (!(n = curl_slist_append(list, fixed[i]))) {
			attempt_headers_free(list);
			return NULL;
		}
		list = n;
	}
	return list;
}

void attempt_headers_free(struct curl_slist *list)
{
	struct curl_slist *h;

	for (h = list; h; h = h->next)
		wipe(h->data);
	curl_slist_free_all(list);
}

void attempt_trace(FILE *out, const char *method, const char *prefix,
                   const char *path, const char *body, size_t body_len)
{
	fprintf(out, "> %s %s%s", method, prefix, path);
	if (body) {
		int n = body_len > TRACE_BODY_MAX ? TRACE_BODY_MAX : (int)body_len;
		fprintf(out, " %.*s%s", n, body,
		        body_len > TRACE_BODY_MAX ? "..." : "");
	}
	fputc('\n', out);
}
