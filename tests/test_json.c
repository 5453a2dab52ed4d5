/* Tests for json: every RFC 8259 rule jsmn alone would let through, the
 * reasons given, tokens (the very ones jsmn makes, on random texts),
 * json_find/json_eq/json_skip and unescaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

/* jsmn itself, compiled here only as the reference for json_parse's tokens */
#define JSMN_STATIC
#define JSMN_PARENT_LINKS
#define JSMN_STRICT
#include <jsmn.h>

#include "json.h"

#define NTOKS 64

static enum rb_status parse(const char *text, jsmntok_t *toks, int *n,
                            char *reason, size_t rlen)
{
	return json_parse(text, strlen(text), toks, NTOKS, n, reason, rlen);
}

static void test_accepts(void **state)
{
	static const char *const ok[] = {
		"{}", "[]", " { } ", "\t\r\n[ ]\n", "0", "-0", "5", "-12",
		"1.5", "0.25", "1e5", "1E5", "1e+5", "1e-5", "-0.0e0",
		"123456789012345678901234567890", "true", "false", "null",
		"\"\"", "\"abc\"", "\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"",
		"\"\\u0041\\u00e9\\u20AC\"", "\"\\ud83d\\ude00\"",
		"\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
		"\"\xf4\x8f\xbf\xbf\"", "\"\xed\x9f\xbf\"",
		"{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}",
		"[1,[2,[3,[]]],{}]", "{ \"a\" : 1 , \"b\" : 2 }",
		"{\"a\":\"\\u0000\"}", "[-1.25e-3]",
	};
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(ok) / sizeof(ok[0]); k++) {
		jsmntok_t toks[NTOKS];
		char reason[200] = "";
		int n = -1;
		enum rb_status st = parse(ok[k], toks, &n, reason, sizeof(reason));

		if (st != RB_OK)
			fail_msg("rejected %s: %s", ok[k], reason);
		assert_true(n >= 1);
	}
}

struct bad {
	const char *text;
	const char *reason; /* exact */
};

static void test_rejects(void **state)
{
	static const struct bad bad[] = {
		{"", "invalid JSON at column 1: unexpected end of text, "
		     "expected a value"},
		{"   ", "invalid JSON at column 4: unexpected end of text, "
		        "expected a value"},
		{"01", "invalid JSON at column 1: leading zero in number"},
		{"[00]", "invalid JSON at column 2: leading zero in number"},
		{"-01", "invalid JSON at column 1: leading zero in number"},
		{"+1", "invalid JSON at column 1: a number must start with "
		       "'-' or a digit"},
		{".5", "invalid JSON at column 1: a number must start with "
		       "'-' or a digit"},
		{"5.", "invalid JSON at column 3: expected a digit after '.' "
		       "in number"},
		{"[5.]", "invalid JSON at column 4: expected a digit after "
		         "'.' in number"},
		{"1e", "invalid JSON at column 3: expected a digit in the "
		       "exponent"},
		{"1e+", "invalid JSON at column 4: expected a digit in the "
		        "exponent"},
		{"-", "invalid JSON at column 2: expected a digit after '-'"},
		{"-a", "invalid JSON at column 2: expected a digit after '-'"},
		{"0x10", "invalid JSON at column 2: unexpected text after the "
		         "JSON value"},
		{"tru", "invalid JSON at column 1: invalid literal (allowed: "
		        "true, false, null)"},
		{"truex", "invalid JSON at column 1: invalid literal "
		          "(allowed: true, false, null)"},
		{"True", "invalid JSON at column 1: unexpected 'T', expected "
		         "a value"},
		{"nul", "invalid JSON at column 1: invalid literal (allowed: "
		        "true, false, null)"},
		{"[nan]", "invalid JSON at column 2: invalid literal "
		          "(allowed: true, false, null)"},
		{"\"abc", "invalid JSON at column 1: unterminated string"},
		{"\"a\\x\"", "invalid JSON at column 3: invalid escape in "
		             "string (allowed: \\\" \\\\ \\/ \\b \\f \\n \\r "
		             "\\t \\uXXXX)"},
		{"\"\\u12\"", "invalid JSON at column 2: \\u must be followed "
		              "by 4 hex digits"},
		{"\"\\u12G4\"", "invalid JSON at column 2: \\u must be "
		                "followed by 4 hex digits"},
		{"\"\\ud83d\"", "invalid JSON at column 2: lone high "
		                "surrogate in \\u escape"},
		{"\"\\ud83dx\"", "invalid JSON at column 2: lone high "
		                 "surrogate in \\u escape"},
		{"\"\\ud83d\\u0041\"", "invalid JSON at column 2: lone high "
		                       "surrogate in \\u escape"},
		{"\"\\ude00\"", "invalid JSON at column 2: lone low surrogate "
		                "in \\u escape"},
		{"\"a\tb\"", "invalid JSON at column 3: control character in "
		             "string (must be escaped)"},
		{"\"a\nb\"", "invalid JSON at column 3: control character in "
		             "string (must be escaped)"},
		{"\"\xc0\xaf\"", "invalid JSON at column 2: invalid UTF-8 in "
		                 "string"}, /* overlong '/' */
		{"\"\xe0\x80\xaf\"", "invalid JSON at column 2: invalid UTF-8 "
		                     "in string"}, /* overlong 3-byte */
		{"\"\xf0\x80\x80\xaf\"", "invalid JSON at column 2: invalid "
		                         "UTF-8 in string"},
		{"\"\xed\xa0\x80\"", "invalid JSON at column 2: invalid UTF-8 "
		                     "in string"}, /* encoded surrogate */
		{"\"\xf4\x90\x80\x80\"", "invalid JSON at column 2: invalid "
		                         "UTF-8 in string"}, /* > U+10FFFF */
		{"\"\xff\"", "invalid JSON at column 2: invalid UTF-8 in "
		             "string"},
		{"\"\x80\"", "invalid JSON at column 2: invalid UTF-8 in "
		             "string"},
		{"\"\xc3\"", "invalid JSON at column 2: invalid UTF-8 in "
		             "string"}, /* truncated */
		{"{} x", "invalid JSON at column 4: unexpected text after the "
		         "JSON value"},
		{"{}{}", "invalid JSON at column 3: unexpected text after the "
		         "JSON value"},
		{"1 2", "invalid JSON at column 3: unexpected text after the "
		        "JSON value"},
		{"{1:2}", "invalid JSON at column 2: unexpected '1', expected "
		          "a member name in double quotes"},
		{"{true:2}", "invalid JSON at column 2: unexpected 't', "
		             "expected a member name in double quotes"},
		{"{\"a\" 1}", "invalid JSON at column 6: unexpected '1', "
		              "expected ':' after the member name"},
		{"{\"a\":1 \"b\":2}", "invalid JSON at column 8: unexpected "
		                      "'\"', expected ',' or '}'"},
		{"{\"a\":1,}", "invalid JSON at column 8: unexpected '}', "
		               "expected a member name in double quotes"},
		{"[1,]", "invalid JSON at column 4: unexpected ']', expected "
		         "a value"},
		{"[1 2]", "invalid JSON at column 4: unexpected '2', expected "
		          "',' or ']'"},
		{"[1}", "invalid JSON at column 3: unexpected '}', expected "
		        "',' or ']'"},
		{"{\"a\":1]", "invalid JSON at column 7: unexpected ']', "
		              "expected ',' or '}'"},
		{"{\"a\":1", "invalid JSON at column 7: unexpected end of "
		             "text, expected ',' or '}'"},
		{"[", "invalid JSON at column 2: unexpected end of text, "
		      "expected a value"},
		{"{\"a\"}", "invalid JSON at column 5: unexpected '}', "
		            "expected ':' after the member name"},
		{"{\"a\":}", "invalid JSON at column 6: unexpected '}', "
		             "expected a value"},
		{"'a'", "invalid JSON at column 1: unexpected ''', expected a "
		        "value"},
		{"\xef\xbb\xbf{}", "invalid JSON at column 1: unexpected byte "
		                   "0xef, expected a value"},
		{"[1,,2]", "invalid JSON at column 4: unexpected ',', "
		           "expected a value"},
		{"{\"a\"::1}", "invalid JSON at column 6: unexpected ':', "
		               "expected a value"},
		{"[\x01]", "invalid JSON at column 2: unexpected byte 0x01, "
		           "expected a value"},
	};
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		jsmntok_t toks[NTOKS];
		char reason[200] = "";
		int n;
		enum rb_status st = parse(bad[k].text, toks, &n, reason,
		                          sizeof(reason));

		if (st != RB_EINPUT)
			fail_msg("accepted %s", bad[k].text);
		if (strcmp(reason, bad[k].reason))
			fail_msg("%s:\n got  %s\n want %s", bad[k].text, reason,
			         bad[k].reason);
	}
}

static void test_nul_and_len(void **state)
{
	jsmntok_t toks[NTOKS];
	char reason[200];
	int n;

	(void)state;
	/* a raw NUL is a control character inside a string, garbage outside */
	assert_int_equal(json_parse("\"a\0b\"", 5, toks, NTOKS, &n, reason,
	                            sizeof(reason)), RB_EINPUT);
	assert_string_equal(reason, "invalid JSON at column 3: control "
	                            "character in string (must be escaped)");
	assert_int_equal(json_parse("{}\0", 3, toks, NTOKS, &n, reason,
	                            sizeof(reason)), RB_EINPUT);
	/* only len bytes are read */
	assert_int_equal(json_parse("{}xyz", 2, toks, NTOKS, &n, reason,
	                            sizeof(reason)), RB_OK);
	assert_int_equal(json_parse("12345", 3, toks, NTOKS, &n, reason,
	                            sizeof(reason)), RB_OK);
	assert_int_equal(toks[0].end, 3);
}

static void test_deep_nesting(void **state)
{
	static char text[2000];
	static jsmntok_t toks[2000];
	char reason[200];
	int n;

	(void)state;
	memset(text, '[', 1000);
	memset(text + 1000, ']', 1000);
	assert_int_equal(json_parse(text, 2000, toks, 2000, &n, reason,
	                            sizeof(reason)), RB_EINPUT);
	assert_string_equal(reason, "invalid JSON at column 513: nested too "
	                            "deeply");
	assert_int_equal(json_parse(text + 600, 800, toks, 2000, &n, reason,
	                            sizeof(reason)), RB_OK);
	assert_int_equal(n, 400);
}

static void test_too_many_tokens(void **state)
{
	jsmntok_t toks[3];
	char reason[200];
	int n;

	(void)state;
	assert_int_equal(json_parse("[1,2,3]", 7, toks, 3, &n, reason,
	                            sizeof(reason)), RB_ETOOBIG);
	assert_int_equal(json_parse("[1,2]", 5, toks, 3, &n, reason,
	                            sizeof(reason)), RB_OK);
	assert_int_equal(n, 3);
}

static void test_tokens(void **state)
{
	const char *t = " {\"a\":1,\"b\":[true,\"x\"],\"c\":{\"d\":null},"
	                "\"e\\u0021\":\"f\"} ";
	jsmntok_t toks[NTOKS];
	char reason[200];
	int n, i;

	(void)state;
	assert_int_equal(parse(t, toks, &n, reason, sizeof(reason)), RB_OK);
	assert_int_equal(toks[0].type, JSMN_OBJECT);
	assert_int_equal(toks[0].size, 4);
	assert_int_equal(toks[0].start, 1);
	assert_int_equal(n, 13);
	assert_int_equal(json_skip(toks, n, 0), n);
	i = json_find(t, toks, n, 0, "b");
	assert_int_equal(toks[i].type, JSMN_ARRAY);
	assert_int_equal(toks[i].size, 2);
	assert_int_equal(json_skip(toks, n, i), i + 3);
	i = json_find(t, toks, n, 0, "a");
	assert_int_equal(toks[i].type, JSMN_PRIMITIVE);
	assert_true(json_eq(t, &toks[i], "1"));
	assert_false(json_eq(t, &toks[i], "12"));
	i = json_find(t, toks, n, 0, "c");
	assert_int_equal(toks[i].type, JSMN_OBJECT);
	assert_int_equal(json_find(t, toks, n, i, "d"), i + 2);
	assert_int_equal(json_find(t, toks, n, 0, "d"), -1);
	i = json_find(t, toks, n, 0, "e!"); /* key compared unescaped */
	assert_true(i > 0);
	assert_true(json_eq(t, &toks[i], "f"));
	assert_false(json_eq(t, &toks[i], ""));
	assert_int_equal(json_find(t, toks, n, 0, "e"), -1);
	assert_int_equal(json_find(t, toks, n, 1, "a"), -1); /* not object */

	assert_int_equal(parse("\"s\"", toks, &n, reason, sizeof(reason)),
	                 RB_OK);
	assert_int_equal(n, 1);
	assert_int_equal(toks[0].type, JSMN_STRING);
	assert_int_equal(toks[0].start, 1);
	assert_int_equal(toks[0].end, 2);
	assert_int_equal(parse(" -1.5e3 ", toks, &n, reason, sizeof(reason)),
	                 RB_OK);
	assert_int_equal(n, 1);
	assert_int_equal(toks[0].type, JSMN_PRIMITIVE);
	assert_int_equal(toks[0].start, 1);
	assert_int_equal(toks[0].end, 7);
}

static void check_unescape(const char *in, const char *want, size_t wantlen)
{
	char out[64];
	size_t n = json_unescape(in, strlen(in), out);

	assert_int_equal(n, wantlen);
	assert_memory_equal(out, want, wantlen);
}

/* ---- json_parse's tokens against jsmn's ---- */

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

struct gen {
	char s[8192];
	size_t n;
};

static void put(struct gen *g, const char *t)
{
	size_t k = strlen(t);

	if (g->n + k < sizeof(g->s))
		memcpy(g->s + g->n, t, k), g->n += k;
}

static void ws(struct gen *g)
{
	static const char *const w[] = {"", "", "", " ", "\t", "\r\n", "  "};

	put(g, w[rnd(7)]);
}

static void gen_string(struct gen *g)
{
	static const char *const parts[] = {
		"a", "sub_riJDe5aZ", "2025-03-14T00:00:00.000Z", " ",
		"\\\"", "\\\\", "\\/", "\\n", "\\u00e9", "\\ud83d\\ude00",
		"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "0123456789",
		"{[,:]}", "'",
	};
	unsigned k = rnd(6);

	put(g, "\"");
	while (k--)
		put(g, parts[rnd(sizeof(parts) / sizeof(parts[0]))]);
	put(g, "\"");
}

static void gen_value(struct gen *g, int depth)
{
	static const char *const prims[] = {
		"0", "-0", "12.25", "1e5", "-1.5E-3", "123456789012345678",
		"true", "false", "null", "0.001",
	};
	unsigned kind = rnd(depth > 6 ? 3 : 5), k, n;

	switch (kind) {
	case 0:
		gen_string(g);
		return;
	case 1:
	case 2:
		put(g, prims[rnd(sizeof(prims) / sizeof(prims[0]))]);
		return;
	case 3:
		put(g, "{");
		ws(g);
		for (k = 0, n = rnd(5); k < n; k++) {
			if (k) {
				put(g, ",");
				ws(g);
			}
			gen_string(g);
			ws(g);
			put(g, ":");
			ws(g);
			gen_value(g, depth + 1);
			ws(g);
		}
		put(g, "}");
		return;
	default:
		put(g, "[");
		ws(g);
		for (k = 0, n = rnd(5); k < n; k++) {
			if (k) {
				put(g, ",");
				ws(g);
			}
			gen_value(g, depth + 1);
			ws(g);
		}
		put(g, "]");
		return;
	}
}

static void test_tokens_as_jsmn(void **state)
{
	static jsmntok_t ours[2048], theirs[2048];
	struct gen g;
	int round, n, r, k;
	char reason[200];

	(void)state;
	for (round = 0; round < 20000; round++) {
		jsmn_parser p;

		g.n = 0;
		ws(&g);
		gen_value(&g, round % 3 ? 0 : 5);
		/* jsmn's strict mode wants a delimiter after a top-level
		 * primitive */
		put(&g, " ");
		if (json_parse(g.s, g.n, ours, 2048, &n, reason,
		               sizeof(reason)) != RB_OK)
			fail_msg("rejected %.*s: %s", (int)g.n, g.s, reason);
		jsmn_init(&p);
		r = jsmn_parse(&p, g.s, g.n, theirs, 2048);
		assert_int_equal(r, n);
		for (k = 0; k < n; k++) {
			if (ours[k].type != theirs[k].type ||
			    ours[k].start != theirs[k].start ||
			    ours[k].end != theirs[k].end ||
			    ours[k].size != theirs[k].size ||
			    ours[k].parent != theirs[k].parent)
				fail_msg("token %d of %.*s: ours %d [%d,%d) size "
				         "%d parent %d, jsmn %d [%d,%d) size %d "
				         "parent %d",
				         k, (int)g.n, g.s, ours[k].type,
				         ours[k].start, ours[k].end, ours[k].size,
				         ours[k].parent, theirs[k].type,
				         theirs[k].start, theirs[k].end,
				         theirs[k].size, theirs[k].parent);
		}
		/* one token short: too many values for both */
		if (n > 1) {
			assert_int_equal(json_parse(g.s, g.n, ours, n - 1, &k,
			                            reason, sizeof(reason)),
			                 RB_ETOOBIG);
			jsmn_init(&p);
			assert_int_equal(jsmn_parse(&p, g.s, g.n, theirs,
			                            (unsigned)n - 1),
			                 JSMN_ERROR_NOMEM);
		}
	}
}

static void test_unescape(void **state)
{
	char same[32];
	size_t n;

	(void)state;
	check_unescape("plain", "plain", 5);
	check_unescape("a\\\"b\\\\c\\/d", "a\"b\\c/d", 7);
	check_unescape("\\b\\f\\n\\r\\t", "\b\f\n\r\t", 5);
	check_unescape("\\u0041", "A", 1);
	check_unescape("\\u0000", "\0", 1);
	check_unescape("\\u00e9", "\xc3\xa9", 2);
	check_unescape("\\u07FF", "\xdf\xbf", 2);
	check_unescape("\\u20ac", "\xe2\x82\xac", 3);
	check_unescape("\\uFFFF", "\xef\xbf\xbf", 3);
	check_unescape("\\ud83d\\ude00", "\xf0\x9f\x98\x80", 4);
	check_unescape("\\uDBFF\\uDFFF", "\xf4\x8f\xbf\xbf", 4);
	check_unescape("x\\uD800\\uDC00y", "x\xf0\x90\x80\x80y", 6);
	check_unescape("caf\xc3\xa9", "caf\xc3\xa9", 5);
	/* lone surrogates only reach here unvalidated: U+FFFD */
	check_unescape("\\ud800", "\xef\xbf\xbd", 3);
	/* in place */
	strcpy(same, "a\\n\\u00e9z");
	n = json_unescape(same, strlen(same), same);
	assert_int_equal(n, 5);
	assert_memory_equal(same, "a\n\xc3\xa9z", 5);
}

static void test_utf8(void **state)
{
	(void)state;
	assert_int_equal(json_utf8_valid_len("", 0), 0);
	assert_int_equal(json_utf8_valid_len("hello, world: ascii", 19), 19);
	assert_int_equal(json_utf8_valid_len("abcdefghij\xc3\xa9klm", 15), 15);
	assert_int_equal(json_utf8_valid_len("abcdefghij\xc3klm", 14), 10);
	assert_int_equal(json_utf8_valid_len("ab\xc0\xaf", 4), 2);
	assert_int_equal(json_utf8_valid_len("ab\xed\xa0\x80", 5), 2);
	assert_int_equal(json_utf8_valid_len("ab\xf4\x90\x80\x80", 6), 2);
	assert_int_equal(json_utf8_valid_len("\xf0\x9f\x98\x80", 4), 4);
	assert_int_equal(json_utf8_valid_len("\xf0\x9f\x98", 3), 0);
	assert_int_equal(json_utf8_valid_len("a\0b", 3), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepts),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_nul_and_len),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_too_many_tokens),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_tokens_as_jsmn),
		cmocka_unit_test(test_unescape),
		cmocka_unit_test(test_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
