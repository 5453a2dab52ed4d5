/* quote: see quote.h. Only ever on the path of a bad row or a message, so
 * plain and byte by byte. */
#include "quote.h"

#include <string.h>

#include "utf8.h"

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* One walk over s: writes to out when it is not NULL, else only counts.
 * Stops before the character that would pass max_chars or leave less than
 * room bytes (plus the NUL) free in cap; *rest says whether any was left. */
static size_t walk(char *out, size_t cap, size_t len, const char *s, size_t n,
                   size_t max_chars, unsigned flags, int prev_space,
                   size_t room, int *rest, size_t *nchars)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t chars = 0, i = 0, k;

	*rest = 0;
	while (i < n) {
		const char *src;
		char q = '?';
		size_t take, w;

		k = utf8_seq(p + i, n - i);
		take = k ? k : 1; /* input bytes this step */
		if ((flags & QUOTE_SQUEEZE) && is_space(p[i])) {
			while (i + take < n && is_space(p[i + take]))
				take++;
			if (prev_space) {
				i += take;
				continue;
			}
			q = ' ';
			src = &q;
			w = 1;
		} else if (k == 0 || (k == 1 && (p[i] < 0x20 || p[i] == 0x7f))) {
			if (flags & QUOTE_DROP) {
				i += take;
				continue;
			}
			src = &q;
			w = 1;
		} else {
			src = s + i;
			w = k;
		}
		if ((max_chars && chars == max_chars) || len + w + room >= cap) {
			*rest = 1;
			break;
		}
		if (out)
			memcpy(out + len, src, w);
		prev_space = *src == ' ' && w == 1;
		len += w;
		i += take;
		chars++;
	}
	*nchars = chars;
	return len;
}

size_t quote_append(char *out, size_t cap, size_t len, const char *s, size_t n,
                    size_t max_chars, unsigned flags)
{
	size_t dots = flags & QUOTE_NO_DOTS ? 0 : 3, chars;
	int rest, sp;

	if (cap == 0)
		return 0;
	if (len >= cap)
		len = cap - 1;
	sp = len > 0 && out[len - 1] == ' ';
	/* all of s if it fits; else as much as leaves room for "..." */
	walk(NULL, cap, len, s, n, max_chars, flags, sp, 0, &rest, &chars);
	if (!rest || !dots) {
		len = walk(out, cap, len, s, n, max_chars, flags, sp, 0, &rest,
		           &chars);
	} else {
		len = walk(out, cap, len, s, n, max_chars, flags, sp, dots,
		           &rest, &chars);
		if (len + dots < cap) {
			memcpy(out + len, "...", 3);
			len += 3;
		}
	}
	out[len] = 0;
	return len;
}

const char *quote_value(char out[QUOTE_MAX], const char *s, size_t n)
{
	quote_append(out, QUOTE_MAX, 0, s, n, QUOTE_CHARS, 0);
	return out;
}

void quote_name(const char *s, size_t n, char *out, size_t outlen)
{
	if (!outlen)
		return;
	out[0] = 0;
	quote_append(out, outlen < 64 ? outlen : 64, 0, s, n, 0, 0);
}

const char *quote_kind(enum reader_kind k, const char *text)
{
	switch (k) {
	case READER_STRING: return "a string";
	case READER_NUMBER: return "a number";
	case READER_TRUE:
	case READER_FALSE: return "a boolean";
	case READER_NULL: return "null";
	case READER_COMPOSITE:
		return !text ? "an object or array"
		       : text[0] == '[' ? "an array" : "an object";
	}
	return "a value";
}
