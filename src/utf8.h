/* utf8: the one definition of a valid UTF-8 sequence (RFC 3629: no
 * overlongs, no encoded surrogates, nothing above U+10FFFF), shared by the
 * JSON validator, the JSON writer and the quoting of values in reasons. */
#ifndef RB_UTF8_H
#define RB_UTF8_H

#include <stddef.h>

/* Length (1-4) of the valid UTF-8 sequence at s, which has n >= 1 bytes;
 * 0 when it is not valid (overlong, surrogate, > U+10FFFF, truncated, a
 * stray continuation byte). */
static inline size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		if (n >= 2 && (s[1] & 0xC0) == 0x80)
			return 2;
	} else if (c >= 0xE0 && c <= 0xEF) {
		unsigned char lo = c == 0xE0 ? 0xA0 : 0x80; /* no overlongs */
		unsigned char hi = c == 0xED ? 0x9F : 0xBF; /* no surrogates */
		if (n >= 3 && s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80)
			return 3;
	} else if (c >= 0xF0 && c <= 0xF4) {
		unsigned char lo = c == 0xF0 ? 0x90 : 0x80; /* no overlongs */
		unsigned char hi = c == 0xF4 ? 0x8F : 0xBF; /* <= U+10FFFF */
		if (n >= 4 && s[1] >= lo && s[1] <= hi &&
		    (s[2] & 0xC0) == 0x80 && (s[3] & 0xC0) == 0x80)
			return 4;
	}
	return 0;
}

#endif
