/* buf: a growable byte buffer with a hard cap, so no input can make us
 * allocate without bound. Every append either fits under the cap or fails
 * with RB_ETOOBIG and leaves the buffer as it was. */
#ifndef RB_BUF_H
#define RB_BUF_H

#include <stddef.h>

#include "status.h"

struct buf {
	char *data; /* owned; NUL-terminated when len > 0 or after buf_cstr() */
	size_t len;
	size_t cap;
	size_t max; /* hard cap on len */
};

void buf_init(struct buf *b, size_t max);
void buf_free(struct buf *b); /* leaves an empty buffer with the same cap */
static inline void buf_reset(struct buf *b) { b->len = 0; if (b->data) b->data[0] = 0; }
enum rb_status buf_append(struct buf *b, const void *p, size_t n);
enum rb_status buf_putc(struct buf *b, char c);
enum rb_status buf_puts(struct buf *b, const char *s);
enum rb_status buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Appends s as a quoted JSON string: escapes ", \ and control characters, so no
 * value can break out of it, and writes U+FFFD for each byte that is not part
 * of valid UTF-8, so what we write is always valid JSON (our own strict parser
 * reads our logs back). */
enum rb_status buf_json_string(struct buf *b, const char *s, size_t n);
/* Appends s percent-encoded: every byte but RFC 3986's unreserved
 * characters (A-Z a-z 0-9 - . _ ~), for a path segment or a query value. */
enum rb_status buf_url_encode(struct buf *b, const char *s);
/* A NUL-terminated view of the contents; "" for an empty buffer. Borrowed
 * until the next change to b. */
const char *buf_cstr(struct buf *b);

/* Grows the array *p (of *cap elements of size bytes) to hold at least
 * need elements, doubling from 64; 0, or -1 out of memory with *p and *cap
 * as they were. For arrays that grow with their input, each capped by its
 * caller. */
int buf_grow_array(void **p, size_t *cap, size_t need, size_t size);

#endif
