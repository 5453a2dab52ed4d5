#include "buf.h"
#include "utf8.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->max = max;
}

void buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

static enum rb_status buf_reserve(struct buf *b, size_t extra)
{
	size_t need, ncap;
	char *p;

	if (extra > b->max || b->len > b->max - extra)
		return RB_ETOOBIG;
	need = b->len + extra + 1; /* room for a terminating NUL */
	if (need <= b->cap)
		return RB_OK;
	ncap = b->cap ? b->cap : 256;
	while (ncap < need)
		ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
	if (ncap > b->max + 1)
		ncap = b->max + 1;
	p = realloc(b->data, ncap);
	if (!p)
		return RB_ENOMEM;
	b->data = p;
	b->cap = ncap;
	return RB_OK;
}

enum rb_status buf_append(struct buf *b, const void *p, size_t n)
{
	enum rb_status st = buf_reserve(b, n);

	if (st)
		return st;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = 0;
	return RB_OK;
}

enum rb_status buf_putc(struct buf *b, char c)
{
	return buf_append(b, &c, 1);
}

enum rb_status buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

enum rb_status buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	enum rb_status st;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return RB_EIO;
	st = buf_reserve(b, (size_t)n);
	if (st)
		return st;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return RB_OK;
}

static enum rb_status json_string(struct buf *b, const char *s, size_t n);

/* All or nothing, like every append: a string that does not fit leaves the
 * buffer as it was. */
enum rb_status buf_json_string(struct buf *b, const char *s, size_t n)
{
	size_t start = b->len;
	enum rb_status st = json_string(b, s, n);

	if (st) {
		b->len = start;
		if (b->data)
			b->data[start] = 0;
	}
	return st;
}

static enum rb_status json_string(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0, k;
	enum rb_status st;

	if ((st = buf_putc(b, '"')))
		return st;
	for (i = 0; i < n; i += k) {
		unsigned char c = (unsigned char)s[i];
		char esc[7];
		size_t elen = 2;

		k = 1;
		if (c >= 0x80) {
			k = utf8_seq((const unsigned char *)s + i, n - i);
			if (k)
				continue;
			/* not UTF-8: U+FFFD, so the output stays valid JSON */
			k = 1;
			if ((st = buf_append(b, s + run, i - run)) ||
			    (st = buf_append(b, "\xef\xbf\xbd", 3)))
				return st;
			run = i + 1;
			continue;
		}
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		if ((st = buf_append(b, s + run, i - run)))
			return st;
		run = i + 1;
		esc[0] = '\\';
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		default:
			esc[1] = 'u'; esc[2] = '0'; esc[3] = '0';
			esc[4] = hex[c >> 4]; esc[5] = hex[c & 15];
			elen = 6;
		}
		if ((st = buf_append(b, esc, elen)))
			return st;
	}
	if ((st = buf_append(b, s + run, n - run)))
		return st;
	return buf_putc(b, '"');
}

enum rb_status buf_url_encode(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	enum rb_status st = RB_OK;

	for (; *s && !st; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
		    c == '~')
			st = buf_putc(b, (char)c);
		else
			st = buf_printf(b, "%%%c%c", hex[c >> 4], hex[c & 15]);
	}
	return st;
}

const char *buf_cstr(struct buf *b)
{
	return b->data ? b->data : "";
}

int buf_grow_array(void **p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 64;
	void *q;

	if (need <= *cap)
		return 0;
	while (n < need) {
		if (n > ((size_t)-1 / 2) / size)
			return -1;
		n *= 2;
	}
	if (!(q = realloc(*p, n * size)))
		return -1;
	*p = q;
	*cap = n;
	return 0;
}
