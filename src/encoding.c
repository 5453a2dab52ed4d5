/* encoding: Latin-1, Windows-1252 and UTF-16 to UTF-8 and back. */
#include "encoding.h"

#include <string.h>

#include "utf8.h"

/* Windows-1252's 0x80-0x9F; the five unassigned bytes map to themselves. */
static const unsigned short cp1252_high[32] = {
	0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
	0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

const char *encoding_name(enum encoding e)
{
	switch (e) {
	case ENCODING_UTF8: return "UTF-8";
	case ENCODING_LATIN1: return "Latin-1";
	case ENCODING_WINDOWS_1252: return "Windows-1252";
	case ENCODING_UTF16LE: return "UTF-16LE";
	case ENCODING_UTF16BE: return "UTF-16BE";
	}
	return "?";
}

/* cp as UTF-8 at out (surrogates too, in their three-byte form); returns
 * its length. */
static size_t put_utf8(char *out, unsigned long cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

static size_t decode_8bit(bool cp1252, const unsigned char *in, size_t inlen,
                          char *out, size_t outcap, size_t *used)
{
	size_t i = 0, o = 0;

	while (i < inlen && outcap - o >= 3) {
		unsigned char b = in[i++];
		if (b < 0x80)
			out[o++] = (char)b;
		else if (cp1252 && b < 0xA0)
			o += put_utf8(out + o, cp1252_high[b - 0x80]);
		else
			o += put_utf8(out + o, b);
	}
	*used = i;
	return o;
}

static size_t decode_utf16(bool be, const unsigned char *in, size_t inlen,
                           bool eof, char *out, size_t outcap, size_t *used)
{
	size_t i = 0, o = 0;

	while (outcap - o >= 4) {
		unsigned long u, lo;

		if (inlen - i < 2) {
			if (inlen - i == 1 && eof) {
				out[o++] = (char)0xFF; /* half a character */
				i++;
			}
			break;
		}
		u = be ? (unsigned long)in[i] << 8 | in[i + 1]
		       : (unsigned long)in[i + 1] << 8 | in[i];
		if (u >= 0xD800 && u <= 0xDBFF) {
			if (inlen - i < 4 && !eof)
				break; /* its pair may come with the next bytes */
			if (inlen - i >= 4) {
				lo = be ? (unsigned long)in[i + 2] << 8 | in[i + 3]
				        : (unsigned long)in[i + 3] << 8 | in[i + 2];
				if (lo >= 0xDC00 && lo <= 0xDFFF) {
					o += put_utf8(out + o,
					              0x10000 + ((u - 0xD800) << 10) +
					                      (lo - 0xDC00));
					i += 4;
					continue;
				}
			}
		}
		o += put_utf8(out + o, u); /* a lone surrogate stays one */
		i += 2;
	}
	*used = i;
	return o;
}

size_t encoding_decode(enum encoding e, const unsigned char *in, size_t inlen,
                       bool eof, char *out, size_t outcap, size_t *used)
{
	switch (e) {
	case ENCODING_LATIN1:
	case ENCODING_WINDOWS_1252:
		return decode_8bit(e == ENCODING_WINDOWS_1252, in, inlen, out,
		                   outcap, used);
	case ENCODING_UTF16LE:
	case ENCODING_UTF16BE:
		return decode_utf16(e == ENCODING_UTF16BE, in, inlen, eof, out,
		                    outcap, used);
	case ENCODING_UTF8:
		break;
	}
	*used = inlen < outcap ? inlen : outcap;
	memcpy(out, in, *used);
	return *used;
}

/* The code point of the UTF-8 sequence at s (n >= 1 bytes) and its length
 * in *k; a surrogate's three-byte form counts as one (so a lone UTF-16
 * surrogate goes back as it came); -1 with *k = 1 for any other bad byte. */
static long next_cp(const unsigned char *s, size_t n, size_t *k)
{
	*k = utf8_seq(s, n);
	switch (*k) {
	case 1: return s[0];
	case 2: return (long)(s[0] & 0x1F) << 6 | (s[1] & 0x3F);
	case 3: return (long)(s[0] & 0x0F) << 12 | (long)(s[1] & 0x3F) << 6 |
		       (s[2] & 0x3F);
	case 4: return (long)(s[0] & 0x07) << 18 | (long)(s[1] & 0x3F) << 12 |
		       (long)(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
	}
	if (n >= 3 && s[0] == 0xED && s[1] >= 0xA0 && s[1] <= 0xBF &&
	    (s[2] & 0xC0) == 0x80) {
		*k = 3;
		return 0xD000 | (long)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
	}
	*k = 1;
	return -1;
}

static enum rb_status put_unit(struct buf *b, bool be, unsigned long u)
{
	char two[2];

	two[be ? 0 : 1] = (char)(u >> 8);
	two[be ? 1 : 0] = (char)(u & 0xFF);
	return buf_append(b, two, 2);
}

static int cp1252_byte(long cp)
{
	int i;

	if (cp < 0x80 || (cp >= 0xA0 && cp <= 0xFF))
		return (int)cp;
	for (i = 0; i < 32; i++)
		if (cp1252_high[i] == cp)
			return 0x80 + i;
	return '?';
}

enum rb_status encoding_encode(enum encoding e, const char *str, size_t n,
                               struct buf *b)
{
	const unsigned char *s = (const unsigned char *)str;
	bool be = e == ENCODING_UTF16BE;
	enum rb_status st = RB_OK;
	size_t i = 0, k, run;

	if (e == ENCODING_UTF8)
		return buf_append(b, str, n);
	while (i < n && !st) {
		long cp;

		if (e == ENCODING_LATIN1 || e == ENCODING_WINDOWS_1252) {
			/* runs of ASCII go out as they are */
			for (run = i; run < n && s[run] < 0x80; run++)
				;
			if (run > i) {
				st = buf_append(b, s + i, run - i);
				i = run;
				continue;
			}
		}
		cp = next_cp(s + i, n - i, &k);
		i += k;
		switch (e) {
		case ENCODING_LATIN1:
			st = buf_putc(b, (char)(cp >= 0 && cp <= 0xFF ? cp : '?'));
			break;
		case ENCODING_WINDOWS_1252:
			st = buf_putc(b, (char)(cp >= 0 ? cp1252_byte(cp) : '?'));
			break;
		default:
			if (cp < 0)
				cp = 0xFFFD;
			if (cp < 0x10000) {
				st = put_unit(b, be, (unsigned long)cp);
			} else {
				cp -= 0x10000;
				st = put_unit(b, be, 0xD800 + ((unsigned long)cp >> 10));
				if (!st)
					st = put_unit(b, be,
					              0xDC00 + ((unsigned long)cp & 0x3FF));
			}
			break;
		}
	}
	return st;
}

const char *encoding_invalid(enum encoding e, const char *bad, size_t n,
                             char *detail, size_t detlen)
{
	const unsigned char *s = (const unsigned char *)bad;

	if ((e == ENCODING_UTF16LE || e == ENCODING_UTF16BE) && n) {
		size_t k;
		long cp = next_cp(s, n, &k);
		if (cp >= 0xD800 && cp <= 0xDFFF)
			rb_detail(detail, detlen,
			          " (a lone surrogate 0x%04lX: half of a character "
			          "whose other half is missing)", cp);
		else
			rb_detail(detail, detlen,
			          " (the input ends in the middle of a character)");
		return "invalid UTF-16";
	}
	if (!n) {
		rb_detail(detail, detlen, "%s", "");
	} else if (e != ENCODING_UTF8) {
		rb_detail(detail, detlen, " (byte 0x%02X)", s[0]);
	} else if (s[0] >= 0x80 && s[0] <= 0x9F) {
		rb_detail(detail, detlen,
		          " (byte 0x%02X): the file looks like Windows-1252; pass "
		          "--encoding windows-1252", s[0]);
	} else {
		rb_detail(detail, detlen,
		          " (byte 0x%02X): the file looks like Latin-1; pass "
		          "--encoding latin1 (or windows-1252)", s[0]);
	}
	return "invalid UTF-8";
}
