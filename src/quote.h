/* quote: the one way a value read from a file or from a server is put into
 * text for a person (a reject reason, an error, a log line): one line of
 * valid UTF-8 however hostile the bytes, cut with "..." past a limit. */
#ifndef RB_QUOTE_H
#define RB_QUOTE_H

#include <stddef.h>

#include "row.h"

#define QUOTE_CHARS 40                  /* characters of a value in a reason */
#define QUOTE_MAX (QUOTE_CHARS * 4 + 4) /* their UTF-8 bytes, "..." and NUL */

enum quote_flags {
	/* leave out control characters and bytes that are not valid UTF-8
	 * (by default each becomes '?') */
	QUOTE_DROP = 1,
	/* each run of spaces, tabs, CRs and LFs becomes one space, none at
	 * all right after a space already in out */
	QUOTE_SQUEEZE = 2,
	/* cut without "..." */
	QUOTE_NO_DOTS = 4,
};

/* Appends s[0..n) to the text in out (len bytes of it, NUL-terminated,
 * within cap bytes): whole UTF-8 characters only, at most max_chars of them
 * (0: as many as cap allows), control characters (below 0x20, 0x7f) and
 * invalid bytes as '?'; when s does not fit, "..." ends it (unless
 * QUOTE_NO_DOTS). out is NUL-terminated whatever happens (cap >= 1). s is
 * borrowed for the call and may hold NULs. Returns the new length. */
size_t quote_append(char *out, size_t cap, size_t len, const char *s, size_t n,
                    size_t max_chars, unsigned flags);

/* A value as a reject reason shows it: at most QUOTE_CHARS characters, then
 * "...", control characters and invalid bytes as '?'. Returns out. */
const char *quote_value(char out[QUOTE_MAX], const char *s, size_t n);

/* A column or member name fit for a one-line reason: about 60 bytes of
 * whole UTF-8 characters ("..." when cut), control characters and bytes
 * that are not UTF-8 as '?'. out (outlen >= 1) is always NUL-terminated. */
void quote_name(const char *s, size_t n, char *out, size_t outlen);

/* What kind of value a field holds, for "must be a string, not a number":
 * "a string", "a number", "a boolean", "null", and for a composite "an
 * array" or "an object" by its first byte (text, borrowed), or "an object
 * or array" when text is NULL. */
const char *quote_kind(enum reader_kind k, const char *text);

#endif
