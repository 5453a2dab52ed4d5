/* attempt: one HTTP exchange on a libcurl easy handle, set up the way every
 * request needs it: a POST's body through a read callback whose seek refuses
 * to rewind once a byte went out (so libcurl can never send a POST again by
 * itself), a reply capped at 1 MiB, the headers the sender reads, TLS always
 * verified, no redirects, no proxy for loopback. Internal to sender.c. */
#ifndef RB_ATTEMPT_H
#define RB_ATTEMPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <curl/curl.h>

#include "buf.h"

#define ATTEMPT_REPLY_MAX (1024 * 1024) /* a usage is < 1 KiB; a page of
                                           1000 fits */

struct attempt {
	CURL *easy;        /* while flying; the sender's, reused */
	const char *body;  /* POST: borrowed from the request for its life */
	size_t body_len;
	size_t body_off;   /* next byte the read callback hands out */
	bool body_read;    /* some of the body went to libcurl */
	bool got_bytes;    /* some of a reply came back */
	bool too_big;      /* the reply went over ATTEMPT_REPLY_MAX */
	struct buf reply;  /* owned */
	/* header values, trimmed, "" when absent */
	char limit[24], remaining[24];
	char xrl_retry_after[64], retry_after[64];
	char location[512];
	char page_total[24];
	char errbuf[CURL_ERROR_SIZE];
};

struct attempt_opts {
	const char *url;              /* copied by libcurl */
	const char *method;           /* "POST", "GET" or "DELETE" */
	const char *body;             /* POST; borrowed until the attempt ends */
	size_t body_len;
	struct curl_slist *headers;   /* borrowed: libcurl does not copy it */
	long timeout_ms;
	const char *cacert;           /* NULL: the system store only */
	bool https;
	void *priv;                   /* CURLOPT_PRIVATE */
};

void attempt_init(struct attempt *a);
void attempt_free(struct attempt *a); /* the reply; not the easy handle */

/* Starts a fresh attempt on e (reset first: its connection and DNS caches
 * stay) with o's options; the caller adds e to its multi handle. */
void attempt_setup(struct attempt *a, CURL *e, const struct attempt_opts *o);

/* The request headers every attempt carries, the key among them; NULL when
 * out of memory. The key's text is wiped wherever it was built; free with
 * attempt_headers_free, which wipes it in the list too. libcurl does not
 * copy the list: it must outlive every attempt. */
struct curl_slist *attempt_headers(const char *key);
void attempt_headers_free(struct curl_slist *list);

/* --verbose: "> POST /organizations/o/usages {body}" (the body cut at 2000
 * bytes), never a header, so never the key. body NULL for none. */
void attempt_trace(FILE *out, const char *method, const char *prefix,
                   const char *path, const char *body, size_t body_len);

/* What went wrong at the transport level, for a person. */
const char *attempt_why(const struct attempt *a, CURLcode code);

/* The reason for a failed request, into out: the server's own words when a
 * whole reply came, else what broke (a reply cut off, e.g. over the cap,
 * says little by its start); prefix goes before the transport error when
 * nothing came. */
void attempt_failure(const struct attempt *a, long http, CURLcode code,
                     const char *prefix, char *out, size_t outlen);

/* The reason for a POST whose outcome is unknown (a 5xx, a reply cut off,
 * none at all), saying that it is. */
void attempt_unknown(const struct attempt *a, long http, CURLcode code,
                     char *out, size_t outlen);

/* "cannot reach HOST: why (N attempts in a row over S s could not
 * connect)" into out; url borrowed, the host taken from it. */
void attempt_unreachable(const struct attempt *a, CURLcode code,
                         const char *url, unsigned fails, int64_t seconds,
                         char *out, size_t outlen);

#endif
