#include "sender.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <sys/stat.h>

#include <curl/curl.h>

#include "buf.h"
#include "clock.h"
#include "response.h"
#include "retry.h"
#include "throttle.h"

#ifndef RBUSAGE_VERSION
#define RBUSAGE_VERSION "0.0.0-dev"
#endif

#define REPLY_MAX (1024 * 1024)  /* a usage is < 1 KiB; a list page of 1000 fits */
#define MAX_RATE_LIMITED 100     /* 429s in a row for one request before giving up */
#define CONNECT_TIMEOUT_MS 10000L
#define TRACE_BODY_MAX 2000
/* A GET the budget does not count, asked for by the throttle at the floor
 * to learn whether the window has reset. */
#define PROBE_PATH "/usages?limit=1"

enum req_state { REQ_WAITING, REQ_FLYING, REQ_DONE };

/* One request, from sender_submit until the caller has taken its result
 * and called sender_next (or sender_free) again. */
struct req {
	struct sender *s;
	struct req *next;       /* in whichever list state says */
	enum req_state state;
	uint64_t tag;
	enum sender_method method;
	bool probe;             /* the throttle's probe: no result for the caller */
	struct throttle_ticket ticket; /* the throttle's, from take to observe */
	char *path;             /* owned; relative to the organization */
	char *url;              /* owned; the full URL */
	char *body;             /* owned; POST only */
	size_t body_len;

	/* this attempt */
	CURL *easy;             /* while flying */
	size_t body_off;        /* next byte the read callback hands out */
	bool body_read;         /* some of the body went to libcurl */
	bool got_bytes;         /* some of a reply came back */
	bool too_big;           /* the reply went over REPLY_MAX */
	int64_t start_ms;
	struct buf reply;
	char limit[24], remaining[24];
	char xrl_retry_after[64], retry_after[64];
	char location[512];
	char page_total[24];
	char errbuf[CURL_ERROR_SIZE];

	/* across attempts */
	unsigned attempts;      /* real attempts (429 re-sends taken back) */
	unsigned rate_limited;  /* 429s in a row */
	int64_t first_ms;       /* first send, -1 before */
	int64_t ready_ms;       /* not sent again before this (backoff) */
	struct sender_result res;
};

struct sender {
	CURLM *multi;
	struct curl_slist *headers; /* holds the key: wiped before it is freed */
	char *base;             /* base URL + "/organizations/{org}" */
	char *shown_prefix;     /* "/organizations/{org}", for --verbose */
	char *cacert;
	long timeout_ms;
	unsigned concurrency;
	unsigned retries;
	bool verbose;
	bool https;
	long backoff_base_ms, backoff_cap_ms;
	struct throttle th;
	uint64_t rng;

	struct req *waiting, *waiting_tail; /* FIFO; retries wait their time */
	struct req *flying;
	struct req *done, *done_tail;       /* FIFO of results not yet taken */
	unsigned nwaiting, nflying, ndone;
	unsigned nprobes;       /* probes flying (counted in nflying, not busy) */
	struct req *returned;   /* the result last handed out: freed next call */
	CURL **idle;            /* easy handles to reuse */
	unsigned nidle;
	bool aborted;
	int64_t capped_told_until; /* the capped-wait notice, said once a pause */

	/* Is the API reachable at all? (see SENDER_UNREACHABLE) */
	bool got_reply;         /* some HTTP reply came back in this run */
	unsigned conn_fails;    /* connection-level failures in a row */
	int64_t conn_fail_since_ms;
	struct sender_stats stats;
	int64_t paused_until;      /* for stats: the pause a 429 set */
};

static const char *method_name(enum sender_method m)
{
	switch (m) {
	case SENDER_POST: return "POST";
	case SENDER_GET: return "GET";
	case SENDER_DELETE: return "DELETE";
	}
	return "?";
}

/* ---- lists ---- */

static void push(struct req **head, struct req **tail, struct req *r)
{
	r->next = NULL;
	if (*tail)
		(*tail)->next = r;
	else
		*head = r;
	*tail = r;
}

static void push_front(struct req **head, struct req **tail, struct req *r)
{
	r->next = *head;
	*head = r;
	if (!*tail)
		*tail = r;
}

/* Unlinks r from a singly linked list; prev is its predecessor or NULL. */
static void unlink_req(struct req **head, struct req **tail, struct req *prev,
                       struct req *r)
{
	if (prev)
		prev->next = r->next;
	else
		*head = r->next;
	if (tail && *tail == r)
		*tail = prev;
	r->next = NULL;
}

static void req_free(struct req *r)
{
	if (!r)
		return;
	free(r->path);
	free(r->url);
	free(r->body);
	buf_free(&r->reply);
	free(r);
}

/* ---- set-up ---- */


static bool is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	char tmp[64];
	size_t n = strlen(host);

	if (!strcasecmp(host, "localhost"))
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (n >= 2 && n < sizeof(tmp) && host[0] == '[' && host[n - 1] == ']') {
		memcpy(tmp, host + 1, n - 2);
		tmp[n - 2] = 0;
		if (inet_pton(AF_INET6, tmp, &a6) == 1)
			return !memcmp(&a6, &in6addr_loopback, sizeof(a6));
	}
	return false;
}

bool sender_check_base_url(const char *url, char *err, size_t errlen)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *part = NULL;
	bool ok = false;

	if (!u) {
		rb_detail(err, errlen, "out of memory");
		return false;
	}
	if (curl_url_set(u, CURLUPART_URL, url, 0) ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0)) {
		rb_detail(err, errlen, "invalid base URL '%s'", url);
		goto out;
	}
	if (!curl_url_get(u, CURLUPART_USER, &part, 0) ||
	    !curl_url_get(u, CURLUPART_PASSWORD, &part, 0)) {
		rb_detail(err, errlen, "the base URL must not hold credentials "
		                       "(the key comes from --api-key-file or "
		                       "$REBILLY_API_KEY)");
		goto out;
	}
	if (!curl_url_get(u, CURLUPART_QUERY, &part, 0) ||
	    !curl_url_get(u, CURLUPART_FRAGMENT, &part, 0)) {
		rb_detail(err, errlen, "the base URL '%s' must not have a query or "
		                       "a fragment", url);
		goto out;
	}
	{
		/* "http://127.0.0.1:" parses as port 80: a port left out by
		 * mistake must not send anywhere */
		const char *a = strstr(url, "://");
		size_t n = a ? strcspn(a + 3, "/?#") : 0;
		if (n && a[3 + n - 1] == ':') {
			rb_detail(err, errlen, "the base URL '%s' has an empty port",
			          url);
			goto out;
		}
	}
	if (!strcasecmp(scheme, "http")) {
		if (!is_loopback(host)) {
			rb_detail(err, errlen,
			          "refusing to send the API key over plain http:// to "
			          "'%s': use https:// (http:// is accepted only for "
			          "loopback addresses such as the local fake server)",
			          host);
			goto out;
		}
	} else if (strcasecmp(scheme, "https")) {
		rb_detail(err, errlen, "the base URL '%s' must start with https://",
		          url);
		goto out;
	}
	ok = true;
out:
	curl_free(part);
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return ok;
}

bool sender_check_cacert(const char *path, char *err, size_t errlen)
{
	struct stat sb;
	int fd;

	if (!path)
		return true;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		rb_detail(err, errlen, "--cacert: cannot read '%s': %s", path,
		          fd < 0 ? strerror(errno) : "not a regular file");
		if (fd >= 0)
			close(fd);
		return false;
	}
	close(fd);
	return true;
}

static void wipe(char *p)
{
	volatile char *v = p;

	while (v && *v)
		*v++ = 0;
}

static struct curl_slist *add_header(struct curl_slist *list, const char *h,
                                     bool *oom)
{
	struct curl_slist *n = curl_slist_append(list, h);

	if (!n)
		*oom = true;
	return n ? n : list;
}

struct sender *sender_new(const struct config *cfg, char *err, size_t errlen)
{
	struct sender *s = NULL;
	struct buf b;
	const char *p;
	size_t n;
	bool oom = false;

	buf_init(&b, 64 * 1024);
	if (!cfg->org || !*cfg->org) {
		rb_detail(err, errlen, "no organization id: use --org or "
		                       "$REBILLY_ORGANIZATION_ID");
		return NULL;
	}
	if (!cfg->api_key || !*cfg->api_key) {
		rb_detail(err, errlen, "no API key: use --api-key-file or "
		                       "$REBILLY_API_KEY");
		return NULL;
	}
	for (p = cfg->api_key; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			rb_detail(err, errlen, "the API key holds a control character "
			                       "(a stray line break in the key file?)");
			return NULL;
		}
	}
	if (!cfg->base_url || !*cfg->base_url) {
		rb_detail(err, errlen, "no base URL");
		return NULL;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		rb_detail(err, errlen, "cannot initialize libcurl");
		return NULL;
	}
	if (!sender_check_base_url(cfg->base_url, err, errlen))
		goto fail_global;
	s = calloc(1, sizeof(*s));
	if (!s)
		goto oom;
	s->concurrency = cfg->concurrency ? cfg->concurrency : 1;
	s->retries = cfg->retries;
	s->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 30000;
	s->verbose = cfg->verbose;
	s->https = !strncasecmp(cfg->base_url, "https:", 6);
	s->backoff_base_ms = 500;
	s->backoff_cap_ms = 30000;
	s->rng = (uint64_t)clock_wall_ms() * 0x9e3779b97f4a7c15ULL ^
	         ((uint64_t)getpid() << 32) ^ (uint64_t)clock_mono_ms();
	throttle_init(&s->th, cfg->rate, cfg->reserve_pct,
	              cfg->rate_window_s > 0 ? cfg->rate_window_s : 600,
	              clock_mono_ms());

	/* the URLs: base without trailing slashes, then the organization */
	n = strlen(cfg->base_url);
	while (n > 0 && cfg->base_url[n - 1] == '/')
		n--;
	/* the organization id as one path segment */
	if (buf_puts(&b, "/organizations/") || buf_url_encode(&b, cfg->org))
		goto oom;
	if (!(s->shown_prefix = strdup(buf_cstr(&b))))
		goto oom;
	buf_reset(&b);
	if (buf_append(&b, cfg->base_url, n) || buf_puts(&b, s->shown_prefix))
		goto oom;
	if (!(s->base = strdup(buf_cstr(&b))))
		goto oom;
	if (cfg->cacert && !(s->cacert = strdup(cfg->cacert)))
		goto oom;

	/* headers; libcurl does not copy the list, so it lives here */
	buf_reset(&b);
	if (buf_printf(&b, "REB-APIKEY: %s", cfg->api_key))
		goto oom;
	s->headers = add_header(NULL, buf_cstr(&b), &oom);
	wipe(b.data);
	s->headers = add_header(s->headers, "Content-Type: application/json", &oom);
	s->headers = add_header(s->headers,
	                        "Accept: application/json, application/problem+json",
	                        &oom);
	s->headers = add_header(s->headers, "User-Agent: rbusage/" RBUSAGE_VERSION,
	                        &oom);
	/* no "Expect: 100-continue" round trip before a body */
	s->headers = add_header(s->headers, "Expect:", &oom);
	if (oom)
		goto oom;

	if (!(s->idle = calloc(s->concurrency, sizeof(*s->idle))))
		goto oom;
	if (!(s->multi = curl_multi_init()))
		goto oom;
	curl_multi_setopt(s->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	curl_multi_setopt(s->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
	                  (long)s->concurrency);
	curl_multi_setopt(s->multi, CURLMOPT_MAXCONNECTS, (long)s->concurrency);
	buf_free(&b);
	return s;
oom:
	rb_detail(err, errlen, "out of memory");
	buf_free(&b);
	if (s)
		sender_free(s); /* its curl_global_cleanup pairs with ours */
	else
		curl_global_cleanup();
	return NULL;
fail_global:
	buf_free(&b);
	curl_global_cleanup();
	return NULL;
}

void sender_set_backoff(struct sender *s, long base_ms, long cap_ms)
{
	s->backoff_base_ms = base_ms > 0 ? base_ms : 0;
	s->backoff_cap_ms = cap_ms > 0 ? cap_ms : 0;
}

unsigned sender_busy(const struct sender *s)
{
	return s->nwaiting + s->nflying - s->nprobes + s->ndone;
}

unsigned sender_room(const struct sender *s)
{
	unsigned busy = sender_busy(s);

	if (s->aborted)
		return 0;
	return busy < s->concurrency ? s->concurrency - busy : 0;
}

static struct req *req_new(struct sender *s, uint64_t tag,
                           enum sender_method method, const char *path,
                           const char *body, size_t body_len)
{
	struct req *r;
	size_t plen = strlen(path), blen = strlen(s->base);

	if (!(r = calloc(1, sizeof(*r))))
		return NULL;
	r->s = s;
	r->tag = tag;
	r->method = method;
	r->first_ms = -1;
	buf_init(&r->reply, REPLY_MAX);
	r->path = strdup(path);
	r->url = malloc(blen + plen + 1);
	if (method == SENDER_POST) {
		r->body = malloc(body_len ? body_len : 1);
		if (r->body && body_len)
			memcpy(r->body, body, body_len);
		r->body_len = body_len;
	}
	if (!r->path || !r->url || (method == SENDER_POST && !r->body)) {
		req_free(r);
		return NULL;
	}
	memcpy(r->url, s->base, blen);
	memcpy(r->url + blen, path, plen + 1);
	return r;
}

enum rb_status sender_submit(struct sender *s, uint64_t tag,
                             enum sender_method method, const char *path,
                             const char *body, size_t body_len)
{
	struct req *r;

	if (s->aborted)
		return RB_EINTR;
	if (!sender_room(s))
		return RB_ETOOBIG;
	if (!(r = req_new(s, tag, method, path, body, body_len)))
		return RB_ENOMEM;
	r->state = REQ_WAITING;
	push(&s->waiting, &s->waiting_tail, r);
	s->nwaiting++;
	return RB_OK;
}

/* ---- libcurl callbacks ---- */

static size_t on_read(char *dst, size_t size, size_t nitems, void *userp)
{
	struct req *r = userp;
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
	struct req *r = userp;

	if (offset == 0 && origin == SEEK_SET && !r->body_read) {
		r->body_off = 0;
		return CURL_SEEKFUNC_OK;
	}
	return CURL_SEEKFUNC_FAIL;
}

static size_t on_write(char *data, size_t size, size_t nmemb, void *userp)
{
	struct req *r = userp;
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

static void clear_headers(struct req *r)
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
		{"x-ratelimit-limit", offsetof(struct req, limit), 24},
		{"x-ratelimit-remaining", offsetof(struct req, remaining), 24},
		{"x-ratelimit-retry-after", offsetof(struct req, xrl_retry_after), 64},
		{"retry-after", offsetof(struct req, retry_after), 64},
		{"location", offsetof(struct req, location), 512},
		{"pagination-total", offsetof(struct req, page_total), 24},
	};
	struct req *r = userp;
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

/* ---- reachability ---- */

/* The request never reached the server: no connection (DNS, refused,
 * unreachable, a connect or TLS handshake that timed out). */
static bool no_connection(const struct req *r, long http, CURLcode code)
{
	if (http || r->got_bytes || r->body_read)
		return false;
	switch (code) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SSL_CONNECT_ERROR:
		return true;
	default:
		return false;
	}
}

#define UNREACHABLE_FIRST_MS 5000   /* no reply yet: a short streak will do */
#define UNREACHABLE_LATER_MS 60000  /* the API answered before: be patient */

/* Counts an attempt for the reachability check; true when the API is to be
 * taken as unreachable now. */
static bool unreachable_now(struct sender *s, const struct req *r, long http,
                            CURLcode code, int64_t now)
{
	if (!no_connection(r, http, code)) {
		if (http)
			s->got_reply = true;
		s->conn_fails = 0;
		return false;
	}
	if (s->conn_fails++ == 0)
		s->conn_fail_since_ms = now;
	return s->conn_fails > s->retries &&
	       now - s->conn_fail_since_ms >=
	               (s->got_reply ? UNREACHABLE_LATER_MS : UNREACHABLE_FIRST_MS);
}

/* ---- one attempt ---- */

static void trace_request(struct sender *s, struct req *r)
{
	if (!s->verbose)
		return;
	fprintf(stderr, "> %s %s%s", method_name(r->method), s->shown_prefix,
	        r->path);
	if (r->method == SENDER_POST) {
		int n = r->body_len > TRACE_BODY_MAX ? TRACE_BODY_MAX : (int)r->body_len;
		fprintf(stderr, " %.*s%s", n, r->body,
		        r->body_len > TRACE_BODY_MAX ? "..." : "");
	}
	fputc('\n', stderr);
}

static enum rb_status start(struct sender *s, struct req *r, int64_t now)
{
	CURL *e = s->nidle ? s->idle[--s->nidle] : curl_easy_init();

	if (!e)
		return RB_ENOMEM;
	curl_easy_reset(e); /* options go; its connection and DNS caches stay */
	r->easy = e;
	r->body_off = 0;
	r->body_read = r->got_bytes = r->too_big = false;
	buf_reset(&r->reply);
	clear_headers(r);
	r->errbuf[0] = 0;

	curl_easy_setopt(e, CURLOPT_PRIVATE, r);
	curl_easy_setopt(e, CURLOPT_URL, r->url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, s->headers);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, s->timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
	                 s->timeout_ms < CONNECT_TIMEOUT_MS ? s->timeout_ms
	                                                    : CONNECT_TIMEOUT_MS);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	/* --cacert: with Debian's OpenSSL libcurl, CAINFO replaces the default
	 * bundle file but the default CA directory (/etc/ssl/certs) stays, so
	 * the system store is still trusted "too". */
	if (s->cacert)
		curl_easy_setopt(e, CURLOPT_CAINFO, s->cacert);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	/* HTTP/2 where TLS offers it. PIPEWAIT makes a new transfer wait for a
	 * connection still in its handshake that may multiplex, instead of
	 * opening one more; over https ALPN settles that within the handshake.
	 * Plain http (loopback only) never multiplexes here, and PIPEWAIT would
	 * hold each new transfer until the first reply: off. */
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	if (s->https)
		curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
	else /* loopback: never through a proxy, which would see the key */
		curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
	switch (r->method) {
	case SENDER_POST:
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(e, CURLOPT_READDATA, r);
		curl_easy_setopt(e, CURLOPT_SEEKFUNCTION, on_seek);
		curl_easy_setopt(e, CURLOPT_SEEKDATA, r);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
		                 (curl_off_t)r->body_len);
		break;
	case SENDER_GET:
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
		break;
	case SENDER_DELETE:
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "DELETE");
		break;
	}
	if (curl_multi_add_handle(s->multi, e)) {
		curl_easy_cleanup(e);
		r->easy = NULL;
		return RB_ENOMEM;
	}
	r->attempts++;
	if (r->first_ms < 0)
		r->first_ms = now;
	r->start_ms = now;
	r->state = REQ_FLYING;
	r->next = s->flying;
	s->flying = r;
	s->nflying++;
	trace_request(s, r);
	return RB_OK;
}

/* Takes r off the multi handle and keeps its easy handle for reuse. */
static void land(struct sender *s, struct req *r)
{
	struct req *p = NULL, *q;

	for (q = s->flying; q && q != r; p = q, q = q->next)
		;
	if (q)
		unlink_req(&s->flying, NULL, p, r);
	s->nflying--;
	curl_multi_remove_handle(s->multi, r->easy);
	if (s->nidle < s->concurrency)
		s->idle[s->nidle++] = r->easy;
	else
		curl_easy_cleanup(r->easy);
	r->easy = NULL;
}

static void finish(struct sender *s, struct req *r, enum sender_outcome o,
                   long http, int64_t now)
{
	r->res.tag = r->tag;
	r->res.outcome = o;
	r->res.http = http;
	r->res.attempts = r->attempts;
	r->res.ms = r->first_ms < 0 ? 0 : (long)(now - r->first_ms);
	r->res.body = r->reply.data ? r->reply.data : "";
	r->res.body_len = r->reply.len;
	r->res.page_total = -1;
	if (r->page_total[0] >= '0' && r->page_total[0] <= '9' &&
	    strlen(r->page_total) < 16)
		r->res.page_total = atol(r->page_total);
	if (o == SENDER_DONE)
		r->res.reason[0] = 0;
	r->state = REQ_DONE;
	push(&s->done, &s->done_tail, r);
	s->ndone++;
}

static void requeue(struct sender *s, struct req *r, int64_t ready_ms, bool front)
{
	r->ready_ms = ready_ms;
	r->state = REQ_WAITING;
	if (front)
		push_front(&s->waiting, &s->waiting_tail, r);
	else
		push(&s->waiting, &s->waiting_tail, r);
	s->nwaiting++;
}

/* What went wrong at the transport level, for a person. */
static const char *curl_why(const struct req *r, CURLcode code)
{
	if (r->too_big)
		return "reply over the 1 MiB cap";
	if (code == CURLE_SEND_FAIL_REWIND)
		return "the connection closed before any reply, and sending the "
		       "request again by itself was refused";
	return r->errbuf[0] ? r->errbuf : curl_easy_strerror(code);
}

/* The reason for a failed request: the server's own words when a whole reply
 * came, else what broke (a reply cut off, e.g. over the cap, says little by
 * its start); prefix goes before the transport error when nothing came. */
static void failure_reason(struct req *r, long http, CURLcode code,
                           const char *prefix)
{
	if (http && code)
		snprintf(r->res.reason, sizeof(r->res.reason),
		         "HTTP %ld but the reply broke off: %s", http,
		         curl_why(r, code));
	else if (http)
		response_error_reason(http, r->reply.data, r->reply.len,
		                      r->res.reason, sizeof(r->res.reason));
	else
		snprintf(r->res.reason, sizeof(r->res.reason), "%s%s", prefix,
		         curl_why(r, code));
}

/* A probe came back: the throttle has read its headers; a 429 still pauses
 * everything, like any other. */
static void probe_done(struct sender *s, struct req *r, long http, int64_t now)
{
	if (s->verbose)
		fprintf(stderr, "< %ld %ld ms (rate probe)\n", http,
		        (long)(now - r->start_ms));
	if (http == 429) {
		struct retry_hint hint = retry_hint_parse(
			r->xrl_retry_after[0] ? r->xrl_retry_after : NULL,
			r->retry_after[0] ? r->retry_after : NULL, clock_wall_ms());

		throttle_pause_until(&s->th, now + (hint.have ? hint.wait_ms : 1000));
	}
	s->nprobes--;
	req_free(r);
}

static void done_attempt(struct sender *s, struct req *r, CURLcode code)
{
	long http = 0;
	int64_t now = clock_mono_ms(), wait;
	enum retry_class cls;
	struct retry_hint hint;
	char line[256];

	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &http);
	s->stats.replies[http >= 100 && http < SENDER_HTTP_CODES ? http : 0]++;
	land(s, r);
	throttle_observe(&s->th, &r->ticket, http, r->limit[0] ? r->limit : NULL,
	                 r->remaining[0] ? r->remaining : NULL, now);
	if (r->probe) {
		probe_done(s, r, http, now);
		return;
	}
	cls = retry_classify(http, code, r->method != SENDER_POST,
	                     r->body_read || r->got_bytes);
	if (unreachable_now(s, r, http, code, now)) {
		char *host = NULL;
		CURLU *u = curl_url();

		if (u && !curl_url_set(u, CURLUPART_URL, r->url, 0))
			curl_url_get(u, CURLUPART_HOST, &host, 0);
		snprintf(r->res.reason, sizeof(r->res.reason),
		         "cannot reach %s: %s (%u attempts in a row over %lld s "
		         "could not connect)",
		         host ? host : "the API", curl_why(r, code), s->conn_fails,
		         (long long)((now - s->conn_fail_since_ms) / 1000));
		curl_free(host);
		curl_url_cleanup(u);
		finish(s, r, SENDER_UNREACHABLE, 0, now);
		return;
	}
	if (s->verbose) {
		if (http)
			fprintf(stderr, "< %ld %ld ms%s%s\n", http,
			        (long)(now - r->start_ms), code ? ": " : "",
			        code ? curl_why(r, code) : "");
		else
			fprintf(stderr, "< no reply %ld ms: %s\n",
			        (long)(now - r->start_ms), curl_why(r, code));
	}
	switch (cls) {
	case RETRY_DONE:
		if (r->method == SENDER_POST &&
		    !response_usage_id(r->reply.data, r->reply.len,
		                       r->location[0] ? r->location : NULL,
		                       r->res.usage_id, sizeof(r->res.usage_id))) {
			/* Stored, but we cannot tell which usage it is: the caller
			 * finds it by reconciling, as for any unknown outcome. */
			snprintf(r->res.reason, sizeof(r->res.reason),
			         "HTTP %ld but the reply names no usage id; outcome "
			         "unknown", http);
			finish(s, r, SENDER_UNKNOWN, http, now);
			return;
		}
		finish(s, r, SENDER_DONE, http, now);
		return;
	case RETRY_REFUSED:
		response_error_reason(http, r->reply.data, r->reply.len,
		                      r->res.reason, sizeof(r->res.reason));
		finish(s, r, SENDER_REFUSED, http, now);
		return;
	case RETRY_AUTH:
		response_error_reason(http, r->reply.data, r->reply.len,
		                      r->res.reason, sizeof(r->res.reason));
		finish(s, r, SENDER_AUTH, http, now);
		return;
	case RETRY_RATE_LIMITED:
		/* Not an attempt: the server turned it away unread. */
		r->attempts--;
		r->rate_limited++;
		hint = retry_hint_parse(r->xrl_retry_after[0] ? r->xrl_retry_after : NULL,
		                        r->retry_after[0] ? r->retry_after : NULL,
		                        clock_wall_ms());
		if (hint.have) {
			wait = hint.wait_ms;
			/* the window ends then; a GET's limit may be another one */
			if (r->method != SENDER_GET)
				throttle_reset_at(&s->th, now + wait, now);
			retry_hint_describe(&hint, line, sizeof(line));
			/* every request in flight meets the same 429: say it once */
			if (hint.capped && now >= s->capped_told_until) {
				fprintf(stderr, "rbusage: %s\n", line);
				s->capped_told_until = now + wait;
			}
		} else {
			/* no hint: back off, at least a second, longer each time */
			wait = 1000 + retry_backoff_ms(r->rate_limited - 1, 1000, 60000,
			                               &s->rng);
			snprintf(line, sizeof(line), "no wait hint from the server");
		}
		/* The same request turned away again although we waited as told:
		 * the hint is off (clocks apart?). Wait longer each time rather
		 * than hammer: 1, 2, 4... 30 s. */
		if (r->rate_limited > 1) {
			unsigned k = r->rate_limited - 2 < 5 ? r->rate_limited - 2 : 5;
			int64_t floor_ms = 1000LL << k;

			if (floor_ms > 30000)
				floor_ms = 30000;
			if (wait < floor_ms)
				wait = floor_ms;
		}
		if (s->verbose)
			fprintf(stderr, "  429: all sending paused for %lld ms (%s)\n",
			        (long long)wait, line);
		if (now >= s->paused_until)
			s->stats.pauses++; /* a new pause, not one more 429 in it */
		if (now + wait > s->paused_until)
			s->paused_until = now + wait;
		throttle_pause_until(&s->th, now + wait);
		if (r->rate_limited >= MAX_RATE_LIMITED) {
			response_error_reason(http, r->reply.data, r->reply.len,
			                      r->res.reason, sizeof(r->res.reason));
			snprintf(line, sizeof(line), " (rate limited %u times in a "
			         "row; gave up, nothing stored)", r->rate_limited);
			strncat(r->res.reason, line,
			        sizeof(r->res.reason) - strlen(r->res.reason) - 1);
			finish(s, r, SENDER_FAILED, http, now);
			return;
		}
		requeue(s, r, now, true);
		return;
	case RETRY_SAFE:
		r->rate_limited = 0;
		r->res.http = http; /* kept should an abort end the wait */
		failure_reason(r, http, code, "no reply: ");
		if (r->attempts > s->retries) {
			snprintf(line, sizeof(line), " (gave up after %u attempt%s)",
			         r->attempts, r->attempts == 1 ? "" : "s");
			strncat(r->res.reason, line,
			        sizeof(r->res.reason) - strlen(r->res.reason) - 1);
			finish(s, r, SENDER_FAILED, http, now);
			return;
		}
		wait = retry_backoff_ms(r->attempts - 1, s->backoff_base_ms,
		                        s->backoff_cap_ms, &s->rng);
		/* a 503 may say when to come back; within our cap, honor it */
		hint = retry_hint_parse(NULL, r->retry_after[0] ? r->retry_after : NULL,
		                        clock_wall_ms());
		if (hint.have && hint.wait_ms > wait)
			wait = hint.wait_ms < s->backoff_cap_ms ? hint.wait_ms
			                                        : s->backoff_cap_ms;
		if (s->verbose)
			fprintf(stderr, "  retrying in %lld ms (attempt %u of %u): %s\n",
			        (long long)wait, r->attempts + 1, s->retries + 1,
			        r->res.reason);
		requeue(s, r, now + wait, false);
		return;
	case RETRY_UNKNOWN:
		if (http && !code) {
			/* a 5xx: the server's words, and what they do not prove */
			char said[sizeof(r->res.reason) - 80];

			response_error_reason(http, r->reply.data, r->reply.len,
			                      said, sizeof(said));
			snprintf(r->res.reason, sizeof(r->res.reason),
			         "%s; outcome unknown (a 5xx may come after the "
			         "usage was stored)", said);
		} else if (http)
			snprintf(r->res.reason, sizeof(r->res.reason),
			         "HTTP %ld but the reply broke off (%s); outcome unknown",
			         http, curl_why(r, code));
		else
			snprintf(r->res.reason, sizeof(r->res.reason),
			         "sent, but no reply came (%s); outcome unknown",
			         curl_why(r, code));
		finish(s, r, SENDER_UNKNOWN, http, now);
		return;
	case RETRY_GIVE_UP:
		failure_reason(r, http, code, "");
		if (http >= 300 && http < 400)
			strncat(r->res.reason, " (a redirect: not followed, so the "
			        "key goes nowhere else; check --base-url)",
			        sizeof(r->res.reason) - strlen(r->res.reason) - 1);
		/* A server we cannot trust fails every row the same way: one
		 * failed handshake is enough to stop. */
		finish(s, r, !http && retry_tls_untrusted(code) ? SENDER_STOP
		                                              : SENDER_FAILED,
		       http, now);
		return;
	}
}

/*
 * How long to sleep when the throttle says a token comes in t ms. At a high
 * --rate a token comes every millisecond or so, and waking for each one
 * costs a timer wakeup, a poll and a curl_multi_perform per request: at
 * --rate 1000 that was over a third of the client's CPU (bench/send). The
 * bucket holds more than one token (throttle.c: 30 ms worth above 50 per
 * second), so sleeping a little longer loses none: what accrues meanwhile
 * starts as a small batch, at the same long-run rate and within the same
 * rate + capacity bound on any window. The sleep is stretched to at most
 * TOKEN_BATCH_MS and to half the bucket's room above one token, so the
 * other half still absorbs a late wakeup. At low rates (a token every
 * 20 ms or more) the stretch only applies to the last few milliseconds.
 */
#define TOKEN_BATCH_MS 10.0
static double bucket_room_ms(const struct throttle_bucket *b)
{
	return (b->capacity - 1.0) * 1000.0 / b->rate / 2;
}

static int64_t token_sleep_ms(const struct sender *s, int64_t t)
{
	double room_ms = bucket_room_ms(&s->th.all) < bucket_room_ms(&s->th.paced)
	                         ? bucket_room_ms(&s->th.all)
	                         : bucket_room_ms(&s->th.paced);
	int64_t floor_ms = (int64_t)(room_ms < TOKEN_BATCH_MS ? room_ms
	                                                      : TOKEN_BATCH_MS);

	return t < floor_ms ? floor_ms : t;
}

/* At the budget's floor the throttle may want a probe: a GET it reads the
 * headers of, whose result nobody takes. */
static enum rb_status start_probe(struct sender *s, int64_t now, int64_t *wait)
{
	struct throttle_ticket tk;
	struct req *r;
	enum rb_status st;
	int64_t t;

	if (s->nflying >= s->concurrency || s->aborted)
		return RB_OK;
	t = throttle_probe(&s->th, now, &tk);
	if (t > 0 && (*wait < 0 || t < *wait))
		*wait = t;
	if (t != 0)
		return RB_OK;
	if (!(r = req_new(s, 0, SENDER_GET, PROBE_PATH, NULL, 0))) {
		throttle_observe(&s->th, &tk, 0, NULL, NULL, now);
		return RB_ENOMEM;
	}
	r->probe = true;
	r->ticket = tk;
	if ((st = start(s, r, now))) {
		throttle_observe(&s->th, &r->ticket, 0, NULL, NULL, now);
		req_free(r);
		return st;
	}
	s->nprobes++;
	return RB_OK;
}

/* Starts every waiting request whose time has come, as far as the
 * throttle allows: the budget counts every non-GET, so a GET (a lookup)
 * need not wait behind a POST held at the budget's floor. Returns how long
 * until the next one could start, -1 when only a finishing transfer can
 * change that. */
static enum rb_status start_ready(struct sender *s, int64_t now, int64_t *wait)
{
	struct req *prev = NULL, *r = s->waiting, *next;
	enum rb_status st;
	bool held[2] = {false, false}; /* [counted]: the throttle said wait */

	*wait = -1;
	for (; r; r = next) {
		int64_t t;
		bool counted = r->method != SENDER_GET;

		next = r->next;
		if (s->nflying >= s->concurrency)
			break;
		if (held[counted] || r->ready_ms > now) {
			t = r->ready_ms - now;
			if (!held[counted] && (*wait < 0 || t < *wait))
				*wait = t;
			prev = r;
			continue;
		}
		t = throttle_take(&s->th, counted, now, &r->ticket);
		if (t > 0) {
			t = token_sleep_ms(s, t);
			if (*wait < 0 || t < *wait)
				*wait = t;
			held[counted] = true;
			if (held[!counted])
				break;
			prev = r;
			continue;
		}
		unlink_req(&s->waiting, &s->waiting_tail, prev, r);
		s->nwaiting--;
		if ((st = start(s, r, now))) {
			throttle_observe(&s->th, &r->ticket, 0, NULL, NULL, now);
			/* put it back where it was; the caller stops the run */
			r->state = REQ_WAITING;
			if (prev) {
				r->next = prev->next;
				prev->next = r;
				if (!r->next)
					s->waiting_tail = r;
			} else {
				push_front(&s->waiting, &s->waiting_tail, r);
			}
			s->nwaiting++;
			return st;
		}
	}
	return held[true] ? start_probe(s, now, wait) : RB_OK;
}

static void reap(struct sender *s)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(s->multi, &left))) {
		struct req *r = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
		if (r)
			done_attempt(s, r, m->data.result);
	}
}

static bool take_result(struct sender *s, struct sender_result *res)
{
	struct req *r = s->done;

	if (!r)
		return false;
	unlink_req(&s->done, &s->done_tail, NULL, r);
	s->ndone--;
	*res = r->res;
	s->returned = r;
	return true;
}

enum rb_status sender_next(struct sender *s, int timeout_ms,
                           struct sender_result *res, bool *have, char *err,
                           size_t errlen)
{
	int64_t now = clock_mono_ms(), deadline = timeout_ms < 0 ? -1 : now + timeout_ms;
	enum rb_status st;

	*have = false;
	req_free(s->returned);
	s->returned = NULL;
	for (;;) {
		int64_t wait, t;
		int running;
		CURLMcode mc;

		if (take_result(s, res)) {
			*have = true;
			return RB_OK;
		}
		if (!sender_busy(s))
			return RB_OK;
		if ((st = start_ready(s, now, &wait))) {
			rb_detail(err, errlen, "cannot start a request: %s",
			          rb_strerror(st));
			return st;
		}
		mc = curl_multi_perform(s->multi, &running);
		if (mc) {
			rb_detail(err, errlen, "libcurl: %s", curl_multi_strerror(mc));
			return mc == CURLM_OUT_OF_MEMORY ? RB_ENOMEM : RB_ENET;
		}
		reap(s);
		if (s->done)
			continue;
		now = clock_mono_ms();
		if (deadline >= 0 && now >= deadline)
			return RB_OK;
		/* sleep until a socket moves, curl's own timer (curl_multi_poll
		 * honors it), a token, a backoff or the caller's deadline */
		t = deadline >= 0 ? deadline - now : 60000;
		if (wait >= 0 && wait < t)
			t = wait;
		if (t > 0) {
			mc = curl_multi_poll(s->multi, NULL, 0, (int)t, NULL);
			if (mc) {
				rb_detail(err, errlen, "libcurl: %s",
				          curl_multi_strerror(mc));
				return RB_ENET;
			}
		}
		now = clock_mono_ms();
	}
}

void sender_abort(struct sender *s)
{
	int64_t now = clock_mono_ms();
	struct req *r;

	s->aborted = true;
	while ((r = s->flying)) {
		land(s, r);
		throttle_observe(&s->th, &r->ticket, 0, NULL, NULL, now);
		if (r->probe) {
			s->nprobes--;
			req_free(r);
			continue;
		}
		if (r->method == SENDER_POST && (r->body_read || r->got_bytes)) {
			snprintf(r->res.reason, sizeof(r->res.reason),
			         "interrupted after sending; outcome unknown");
			finish(s, r, SENDER_UNKNOWN, 0, now);
		} else {
			snprintf(r->res.reason, sizeof(r->res.reason), "%s",
			         r->method == SENDER_POST ? "interrupted before sending"
			                                  : "interrupted");
			finish(s, r, SENDER_FAILED, 0, now);
		}
	}
	while ((r = s->waiting)) {
		unlink_req(&s->waiting, &s->waiting_tail, NULL, r);
		s->nwaiting--;
		if (r->attempts) {
			char last[sizeof(r->res.reason)];

			memcpy(last, r->res.reason, sizeof(last));
			snprintf(r->res.reason, sizeof(r->res.reason),
			         "interrupted before sending again (last: %.900s)", last);
		} else {
			snprintf(r->res.reason, sizeof(r->res.reason),
			         "interrupted before sending");
		}
		finish(s, r, SENDER_FAILED, r->res.http, now);
	}
}

void sender_stats(const struct sender *s, struct sender_stats *out)
{
	*out = s->stats;
}

void sender_free(struct sender *s)
{
	struct req *r;
	struct curl_slist *h;
	unsigned i;

	if (!s)
		return;
	if (s->multi) {
		sender_abort(s);
		while ((r = s->done)) {
			unlink_req(&s->done, &s->done_tail, NULL, r);
			req_free(r);
		}
		curl_multi_cleanup(s->multi);
	}
	req_free(s->returned);
	for (i = 0; i < s->nidle; i++)
		curl_easy_cleanup(s->idle[i]);
	free(s->idle);
	for (h = s->headers; h; h = h->next)
		wipe(h->data);
	curl_slist_free_all(s->headers);
	free(s->base);
	free(s->shown_prefix);
	free(s->cacert);
	free(s);
	curl_global_cleanup();
}
