/* json: strict RFC 8259 parsing of one JSON text into jsmn's tokens, for
 * the JSON-lines reader, the server's replies and our own result logs.
 * Everything is validated (numbers, literals, escapes, UTF-8, control
 * characters, trailing garbage: jsmn alone lets them through) in the pass
 * that makes the tokens, the very ones jsmn would make for the same text.
 * Tokens are offsets into the caller's text, with escapes left in. */
#ifndef RB_JSON_H
#define RB_JSON_H

#include <stdbool.h>
#include <stddef.h>

#ifndef JSMN_H
#define JSMN_HEADER
#define JSMN_PARENT_LINKS
#define JSMN_STRICT
#include <jsmn.h>
#endif

#include "status.h"

/* Parses text[0..len) as exactly one JSON value (whitespace around it allowed).
 * toks: caller's array of max_toks tokens, filled; *ntoks set to the count.
 * Returns RB_OK, or RB_EINPUT with a reason for a person in reason, e.g.
 * "invalid JSON at column 17: expected ',' or '}'" or
 * "invalid JSON at column 3: leading zero in number", or RB_ETOOBIG when
 * max_toks is not enough. Does not check for duplicate member names. */
enum rb_status json_parse(const char *text, size_t len, jsmntok_t *toks,
                          int max_toks, int *ntoks, char *reason,
                          size_t reasonlen);

/* Index of the token just past token i and all its children. */
int json_skip(const jsmntok_t *toks, int ntoks, int i);

/* Index of the value token of member key in the object at token obj, or -1.
 * key is compared to the member name after unescaping. */
int json_find(const char *text, const jsmntok_t *toks, int ntoks, int obj,
              const char *key);

/* Decodes the content of a string token validated by json_parse (escapes,
 * \uXXXX, surrogate pairs) into out, which must hold at least the token's
 * length in bytes (decoding never grows; out may equal in). Returns the
 * decoded length. */
size_t json_unescape(const char *in, size_t len, char *out);

/* Length of the longest valid UTF-8 prefix of s[0..n): n when all of it is
 * valid (no overlongs, no encoded surrogates, nothing above U+10FFFF). NUL
 * bytes count as valid here; callers that forbid them check separately. */
size_t json_utf8_valid_len(const char *s, size_t n);

/* True when token t's text equals s (after unescaping when it is a string). */
bool json_eq(const char *text, const jsmntok_t *t, const char *s);

#endif
