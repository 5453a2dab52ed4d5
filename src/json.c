/* json: strict RFC 8259 with jsmn's tokens. jsmn alone accepts far more
 * than JSON (01, +1, tru, "\ud800", raw control characters, bad UTF-8,
 * garbage after the value, missing commas), so everything is validated here,
 * with precise, column-numbered reasons. The validating pass also emits the
 * tokens, exactly those jsmn (JSMN_STRICT, JSMN_PARENT_LINKS) makes for the
 * same valid text: types, offsets, sizes (an object counts its keys, a key
 * has size 1) and parents (a member's value is the child of its key). jsmn
 * itself is no longer run: running it after the validator scanned every line
 * a second time and was a quarter of a JSON-lines dry run. jsmn.h still
 * defines the token type, and tests/test_json.c compares our tokens with
 * jsmn_parse's over many texts, so the two cannot drift apart. */
#include "json.h"
#include "utf8.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define JSON_MAX_DEPTH 512 /* nesting; far beyond any usage record */

enum { CTX_OBJECT, CTX_ARRAY };

struct vstate {
	const unsigned char *s;
	size_t len;
	char *reason;
	size_t reasonlen;
	jsmntok_t *toks;
	int max_toks;
	int ntoks; /* tokens the text needs; past max_toks they are only counted */
};

/* Appends a token for [start, end) (end -1: a container still open) under
 * parent (-1: none), which counts it as a child, as jsmn does. Its index, or
 * -1 once the array is full (validation goes on: invalid text must say why
 * even when it also has too many values). The count is validate's local,
 * not a member of struct vstate: the token stores (ints) could alias a
 * member, which then went back to memory on every token. */
static inline int emit(jsmntok_t *toks, int max_toks, int *ntoks,
                       jsmntype_t type, int start, int end, int parent)
{
	int k = (*ntoks)++;
	jsmntok_t *t;

	if (k >= max_toks)
		return -1;
	t = &toks[k];
	t->type = type;
	t->start = start;
	t->end = end;
	t->size = 0;
	t->parent = parent;
	if (parent >= 0)
		toks[parent].size++;
	return k;
}

static bool fail(struct vstate *v, size_t at, const char *what)
{
	rb_detail(v->reason, v->reasonlen, "invalid JSON at column %zu: %s",
	          at + 1, what);
	return false;
}

static inline size_t skip_ws(const unsigned char *s, size_t len, size_t i)
{
	while (i < len && s[i] <= ' ' &&
	       (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

/* Non-zero when one of the 8 bytes in w needs a look inside a string: '"',
 * '\\', a control character or a byte >= 0x80. Each of those sets its byte's
 * high bit in one of the terms; a borrow may also flag a byte above a match,
 * never one below, so the lowest flag is always a true one. */
static inline uint64_t string_special(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = ones * 0x80;

	return (((w ^ (ones * '"')) - ones) | ((w ^ (ones * '\\')) - ones) |
	        (w - ones * 0x20) | w) &
	       highs;
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* 4 hex digits at s[i..i+4) as a code unit, or -1. */
static long hex4(const unsigned char *s, size_t len, size_t i)
{
	long u = 0;
	size_t k;

	if (i > len || len - i < 4)
		return -1;
	for (k = 0; k < 4; k++) {
		int h = hexval(s[i + k]);
		if (h < 0)
			return -1;
		u = u * 16 + h;
	}
	return u;
}

size_t json_utf8_valid_len(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < n) {
		size_t k;

		/* ASCII fast path, 8 bytes at a time */
		while (n - i >= 8) {
			uint64_t w;
			memcpy(&w, s + i, 8);
			if (w & 0x8080808080808080ULL)
				break;
			i += 8;
		}
		if (i >= n)
			break;
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		k = utf8_seq(s + i, n - i);
		if (!k)
			return i;
		i += k;
	}
	return n;
}

/* The index of the lowest flagged byte of a word read with memcpy, where
 * that is cheap; else the byte loop after the word loop finds it. */
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && \
	__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define FIRST_FLAGGED_BYTE(m) ((size_t)__builtin_ctzll(m) >> 3)
#endif

/* The end of the run of plain printable ASCII at s[i..len): the index of
 * the first '"', '\\', control or non-ASCII byte, or len. */
static inline size_t plain_run(const unsigned char *s, size_t len, size_t i)
{
#ifdef __SSE2__
	/* 16 bytes a step: as signed bytes, controls and non-ASCII are both
	 * below 0x20, so three compares find every byte to look at */
	const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'),
	              space = _mm_set1_epi8(0x20);

	while (len - i >= 16) {
		__m128i w = _mm_loadu_si128((const __m128i *)(s + i));
		unsigned m = (unsigned)_mm_movemask_epi8(
			_mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(w, quote),
			                          _mm_cmpeq_epi8(w, bslash)),
			             _mm_cmplt_epi8(w, space)));
		if (m)
			return i + (size_t)__builtin_ctz(m);
		i += 16;
	}
#endif
	while (len - i >= 8) {
		uint64_t w, m;
		memcpy(&w, s + i, 8);
		if ((m = string_special(w))) {
#ifdef FIRST_FLAGGED_BYTE
			return i + FIRST_FLAGGED_BYTE(m);
#else
			break;
#endif
		}
		i += 8;
	}
	while (i < len && s[i] >= 0x20 && s[i] < 0x80 && s[i] != '"' &&
	       s[i] != '\\')
		i++;
	return i;
}

/* The rest of the string whose opening quote is at q, from i, the end of
 * its first plain run: the index just past the closing quote, or 0 (never
 * a valid end) with the reason set. Indexes are returned rather than passed
 * by address so that validate's own stay in registers. */
static size_t v_string_rest(struct vstate *v, size_t q, size_t i)
{
	const unsigned char *s = v->s;
	size_t len = v->len;

	for (;; i = plain_run(s, len, i)) {
		unsigned char c;

		if (i >= len)
			return fail(v, q, "unterminated string");
		c = s[i];
		if (c == '"')
			return i + 1;
		if (c < 0x20)
			return fail(v, i, "control character in string "
			                  "(must be escaped)");
		if (c >= 0x80) {
			size_t k = utf8_seq(s + i, len - i);
			if (!k)
				return fail(v, i, "invalid UTF-8 in string");
			i += k;
			continue;
		}
		/* backslash */
		if (i + 1 >= len)
			return fail(v, q, "unterminated string");
		switch (s[i + 1]) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n':
		case 'r': case 't':
			i += 2;
			break;
		case 'u': {
			long u = hex4(s, len, i + 2);
			if (u < 0)
				return fail(v, i, "\\u must be followed by 4 hex "
				                  "digits");
			if (u >= 0xDC00 && u <= 0xDFFF)
				return fail(v, i, "lone low surrogate in \\u "
				                  "escape");
			if (u >= 0xD800 && u <= 0xDBFF) {
				long lo = -1;
				if (len - i >= 12 && s[i + 6] == '\\' &&
				    s[i + 7] == 'u')
					lo = hex4(s, len, i + 8);
				if (lo < 0xDC00 || lo > 0xDFFF)
					return fail(v, i, "lone high surrogate "
					                  "in \\u escape");
				i += 12;
			} else {
				i += 6;
			}
			break;
		}
		default:
			return fail(v, i, "invalid escape in string "
			                  "(allowed: \\\" \\\\ \\/ \\b \\f \\n "
			                  "\\r \\t \\uXXXX)");
		}
	}
}

/* Validates the string whose opening quote is at q: the index just past
 * the closing quote, or 0. Inline for the usual string, a plain run and a
 * quote. */
static inline size_t v_string(struct vstate *v, size_t q)
{
	size_t i = plain_run(v->s, v->len, q + 1);

	if (i < v->len && v->s[i] == '"')
		return i + 1;
	return v_string_rest(v, q, i);
}

static bool isdigit_(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* The number at start: the index just past it, or 0 (reason set). */
static size_t v_number(struct vstate *v, size_t start)
{
	const unsigned char *s = v->s;
	size_t len = v->len, i = start;

	if (s[i] == '-')
		i++;
	if (i >= len || !isdigit_(s[i]))
		return fail(v, i, "expected a digit after '-'");
	if (s[i] == '0') {
		i++;
		if (i < len && isdigit_(s[i]))
			return fail(v, start, "leading zero in number");
	} else {
		while (i < len && isdigit_(s[i]))
			i++;
	}
	if (i < len && s[i] == '.') {
		i++;
		if (i >= len || !isdigit_(s[i]))
			return fail(v, i, "expected a digit after '.' in "
			                  "number");
		while (i < len && isdigit_(s[i]))
			i++;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= len || !isdigit_(s[i]))
			return fail(v, i, "expected a digit in the exponent");
		while (i < len && isdigit_(s[i]))
			i++;
	}
	return i;
}

/* The literal at i: the index just past it, or 0 (reason set). */
static size_t v_literal(struct vstate *v, size_t i)
{
	size_t n = v->s[i] == 'f' ? 5 : 4;
	const char *lit = v->s[i] == 't' ? "true" : n == 5 ? "false" : "null";

	/* called on 't', 'f' or 'n' only */
	if (v->len - i >= n && !memcmp(v->s + i, lit, n)) {
		/* "truex" is caught by the caller as a missing comma; letters
		 * glued on are more clearly a bad literal */
		if (i + n < v->len &&
		    ((v->s[i + n] >= 'a' && v->s[i + n] <= 'z') ||
		     (v->s[i + n] >= 'A' && v->s[i + n] <= 'Z')))
			return fail(v, i, "invalid literal (allowed: true, "
			                  "false, null)");
		return i + n;
	}
	return fail(v, i, "invalid literal (allowed: true, false, null)");
}

static bool unexpected(struct vstate *v, size_t i, const char *expected)
{
	char what[96];

	if (i >= v->len)
		rb_detail(what, sizeof(what), "unexpected end of text, "
		          "expected %s", expected);
	else if (v->s[i] >= 0x21 && v->s[i] < 0x7f)
		rb_detail(what, sizeof(what), "unexpected '%c', expected %s",
		          v->s[i], expected);
	else
		rb_detail(what, sizeof(what), "unexpected byte 0x%02x, "
		          "expected %s", v->s[i], expected);
	return fail(v, i, what);
}

/* Sets the end of the container at token k (-1: not kept) closed at i. */
static inline void close_tok(jsmntok_t *toks, int k, size_t i)
{
	if (k >= 0)
		toks[k].end = (int)i + 1;
}

/* The whole grammar, iteratively (explicit stack), so deep nesting cannot
 * overflow the C stack. Emits the tokens as it goes: parent is the token the
 * next value belongs to (its key in an object, the array, -1 at the top). */
static bool validate(struct vstate *v)
{
	const unsigned char *s = v->s;
	size_t len = v->len, i, start;
	unsigned char ctx[JSON_MAX_DEPTH];
	int tok[JSON_MAX_DEPTH]; /* the open containers' tokens */
	int depth = 0, parent = -1, k;
	jsmntok_t *const toks = v->toks;
	const int max_toks = v->max_toks;
	int ntoks = 0; /* into v->ntoks on success, the only time it is read */
#define EMIT(...) emit(toks, max_toks, &ntoks, __VA_ARGS__)

	i = skip_ws(s, len, 0);
value:
	if (i >= len)
		return unexpected(v, i, "a value");
	switch (s[i]) {
	case '{':
		if (depth == JSON_MAX_DEPTH)
			return fail(v, i, "nested too deeply");
		k = EMIT(JSMN_OBJECT, (int)i, -1, parent);
		ctx[depth] = CTX_OBJECT;
		tok[depth++] = k;
		i = skip_ws(s, len, i + 1);
		if (i < len && s[i] == '}') {
			close_tok(toks, k, i);
			depth--;
			i++;
			goto after;
		}
		goto key;
	case '[':
		if (depth == JSON_MAX_DEPTH)
			return fail(v, i, "nested too deeply");
		k = EMIT(JSMN_ARRAY, (int)i, -1, parent);
		ctx[depth] = CTX_ARRAY;
		tok[depth++] = k;
		i = skip_ws(s, len, i + 1);
		if (i < len && s[i] == ']') {
			close_tok(toks, k, i);
			depth--;
			i++;
			goto after;
		}
		parent = k;
		goto value;
	case '"':
		start = i;
		if (!(i = v_string(v, start)))
			return false;
		EMIT(JSMN_STRING, (int)start + 1, (int)i - 1, parent);
		goto after;
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		start = i;
		if (!(i = v_number(v, start)))
			return false;
		EMIT(JSMN_PRIMITIVE, (int)start, (int)i, parent);
		goto after;
	case 't': case 'f': case 'n':
		start = i;
		if (!(i = v_literal(v, start)))
			return false;
		EMIT(JSMN_PRIMITIVE, (int)start, (int)i, parent);
		goto after;
	case '+': case '.':
		return fail(v, i, "a number must start with '-' or a digit");
	default:
		return unexpected(v, i, "a value");
	}
key:
	if (i >= len || s[i] != '"')
		return unexpected(v, i, "a member name in double quotes");
	start = i;
	if (!(i = v_string(v, start)))
		return false;
	parent = EMIT(JSMN_STRING, (int)start + 1, (int)i - 1, tok[depth - 1]);
	i = skip_ws(s, len, i);
	if (i >= len || s[i] != ':')
		return unexpected(v, i, "':' after the member name");
	i = skip_ws(s, len, i + 1);
	goto value;
after:
	i = skip_ws(s, len, i);
	if (depth == 0) {
		if (i < len)
			return fail(v, i, "unexpected text after the JSON "
			                  "value");
		v->ntoks = ntoks;
		return true;
	}
	if (ctx[depth - 1] == CTX_OBJECT) {
		if (i < len && s[i] == ',') {
			i = skip_ws(s, len, i + 1);
			goto key;
		}
		if (i < len && s[i] == '}') {
			close_tok(toks, tok[--depth], i);
			i++;
			goto after;
		}
		return unexpected(v, i, "',' or '}'");
	}
	if (i < len && s[i] == ',') {
		parent = tok[depth - 1];
		i = skip_ws(s, len, i + 1);
		goto value;
	}
	if (i < len && s[i] == ']') {
		close_tok(toks, tok[--depth], i);
		i++;
		goto after;
	}
	return unexpected(v, i, "',' or ']'");
#undef EMIT
}

enum rb_status json_parse(const char *text, size_t len, jsmntok_t *toks,
                          int max_toks, int *ntoks, char *reason,
                          size_t reasonlen)
{
	struct vstate v = {(const unsigned char *)text, len, reason, reasonlen,
	                   toks, max_toks, 0};

	*ntoks = 0;
	if (len >= INT_MAX) { /* jsmn's offsets are ints */
		rb_detail(reason, reasonlen, "JSON text is too long");
		return RB_ETOOBIG;
	}
	if (!validate(&v))
		return RB_EINPUT;
	if (max_toks < 1) {
		rb_detail(reason, reasonlen, "JSON text has too many values");
		return RB_ETOOBIG;
	}
	if (v.ntoks > max_toks) {
		rb_detail(reason, reasonlen,
		          "JSON text has too many values (more than %d)",
		          max_toks);
		return RB_ETOOBIG;
	}
	*ntoks = v.ntoks;
	return RB_OK;
}

int json_skip(const jsmntok_t *toks, int ntoks, int i)
{
	long pending = 1; /* tokens still to pass over */

	while (pending > 0 && i < ntoks) {
		pending += toks[i].size; /* an object's size counts its keys,
		                            and each key has size 1 */
		pending--;
		i++;
	}
	return i;
}

int json_find(const char *text, const jsmntok_t *toks, int ntoks, int obj,
              const char *key)
{
	int j, k;

	if (obj < 0 || obj >= ntoks || toks[obj].type != JSMN_OBJECT)
		return -1;
	j = obj + 1;
	for (k = 0; k < toks[obj].size && j + 1 < ntoks; k++) {
		if (json_eq(text, &toks[j], key))
			return j + 1;
		j = json_skip(toks, ntoks, j);
	}
	return -1;
}

/* Decodes one character at in[*pi] (an escape or a plain byte) into out,
 * returns the bytes written (1..4). */
static size_t unescape_one(const unsigned char *in, size_t len, size_t *pi,
                           unsigned char *out)
{
	size_t i = *pi;
	long u, lo;

	if (in[i] != '\\' || i + 1 >= len) {
		out[0] = in[i];
		*pi = i + 1;
		return 1;
	}
	*pi = i + 2;
	switch (in[i + 1]) {
	case 'b': out[0] = '\b'; return 1;
	case 'f': out[0] = '\f'; return 1;
	case 'n': out[0] = '\n'; return 1;
	case 'r': out[0] = '\r'; return 1;
	case 't': out[0] = '\t'; return 1;
	case 'u': break;
	default: out[0] = in[i + 1]; return 1; /* " \ / */
	}
	u = hex4(in, len, i + 2);
	if (u < 0) { /* not validated input: keep the bytes as they are */
		out[0] = '\\';
		*pi = i + 1;
		return 1;
	}
	*pi = i + 6;
	if (u >= 0xD800 && u <= 0xDBFF && len - i >= 12 && in[i + 6] == '\\' &&
	    in[i + 7] == 'u' && (lo = hex4(in, len, i + 8)) >= 0xDC00 &&
	    lo <= 0xDFFF) {
		u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
		*pi = i + 12;
	} else if (u >= 0xD800 && u <= 0xDFFF) {
		u = 0xFFFD; /* lone surrogate: only in text not validated */
	}
	if (u < 0x80) {
		out[0] = (unsigned char)u;
		return 1;
	}
	if (u < 0x800) {
		out[0] = (unsigned char)(0xC0 | (u >> 6));
		out[1] = (unsigned char)(0x80 | (u & 0x3F));
		return 2;
	}
	if (u < 0x10000) {
		out[0] = (unsigned char)(0xE0 | (u >> 12));
		out[1] = (unsigned char)(0x80 | ((u >> 6) & 0x3F));
		out[2] = (unsigned char)(0x80 | (u & 0x3F));
		return 3;
	}
	out[0] = (unsigned char)(0xF0 | (u >> 18));
	out[1] = (unsigned char)(0x80 | ((u >> 12) & 0x3F));
	out[2] = (unsigned char)(0x80 | ((u >> 6) & 0x3F));
	out[3] = (unsigned char)(0x80 | (u & 0x3F));
	return 4;
}

size_t json_unescape(const char *in, size_t len, char *out)
{
	const unsigned char *s = (const unsigned char *)in;
	unsigned char *o = (unsigned char *)out;
	size_t i = 0, n = 0;

	while (i < len) {
		const unsigned char *bs = memchr(s + i, '\\', len - i);
		size_t run = bs ? (size_t)(bs - (s + i)) : len - i;

		memmove(o + n, s + i, run); /* in and out may be the same */
		n += run;
		i += run;
		if (i < len)
			n += unescape_one(s, len, &i, o + n);
	}
	return n;
}

bool json_eq(const char *text, const jsmntok_t *t, const char *s)
{
	const unsigned char *in = (const unsigned char *)text + t->start;
	size_t len = (size_t)(t->end - t->start), slen = strlen(s);
	size_t i = 0, j = 0;

	if (t->type != JSMN_STRING)
		return len == slen && !memcmp(in, s, len);
	while (i < len) {
		unsigned char buf[4];
		size_t k = unescape_one(in, len, &i, buf);
		if (slen - j < k || memcmp(s + j, buf, k))
			return false;
		j += k;
	}
	return j == slen;
}
