/* Tests for buf: the hard cap (an append over it fails with RB_ETOOBIG and
 * leaves the buffer as it was), growth, buf_printf, and buf_json_string's
 * escapes and its U+FFFD for every byte that is not valid UTF-8. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"

/* The buffer's contents equal exp (exp_len bytes), NUL-terminated. */
static void assert_buf(struct buf *b, const char *exp, size_t exp_len)
{
	assert_int_equal(b->len, exp_len);
	assert_memory_equal(buf_cstr(b), exp, exp_len);
	assert_int_equal(buf_cstr(b)[exp_len], 0);
}

/* buf_json_string of s (n bytes) gives exactly exp. */
static void assert_json(const char *s, size_t n, const char *exp)
{
	struct buf b;

	buf_init(&b, 1024);
	assert_int_equal(buf_json_string(&b, s, n), RB_OK);
	assert_buf(&b, exp, strlen(exp));
	buf_free(&b);
}

static void test_empty(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 10);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.max, 10);
	assert_string_equal(buf_cstr(&b), "");
	buf_reset(&b); /* no data yet: fine */
	assert_int_equal(buf_append(&b, "", 0), RB_OK);
	assert_string_equal(buf_cstr(&b), "");
	buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.max, 10); /* same cap after free */
	buf_free(&b);                /* twice is fine */
}

static void test_cap_exact_fits(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 5);
	assert_int_equal(buf_append(&b, "abcde", 5), RB_OK);
	assert_buf(&b, "abcde", 5);
	/* one byte over: refused, contents untouched */
	assert_int_equal(buf_putc(&b, 'f'), RB_ETOOBIG);
	assert_buf(&b, "abcde", 5);
	assert_int_equal(buf_append(&b, "", 0), RB_OK);
	assert_buf(&b, "abcde", 5);
	buf_free(&b);
}

static void test_cap_over_leaves_buffer(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 8);
	assert_int_equal(buf_puts(&b, "abc"), RB_OK);
	assert_int_equal(buf_append(&b, "123456", 6), RB_ETOOBIG);
	assert_buf(&b, "abc", 3);
	assert_int_equal(buf_puts(&b, "12345"), RB_OK);
	assert_buf(&b, "abc12345", 8);
	assert_int_equal(buf_puts(&b, "x"), RB_ETOOBIG);
	assert_int_equal(buf_printf(&b, "%d", 7), RB_ETOOBIG);
	assert_buf(&b, "abc12345", 8);
	/* a length that would wrap size_t is refused, not overflowed */
	assert_int_equal(buf_append(&b, "x", SIZE_MAX), RB_ETOOBIG);
	assert_int_equal(buf_append(&b, "x", SIZE_MAX - 4), RB_ETOOBIG);
	assert_buf(&b, "abc12345", 8);
	/* reset makes room again */
	buf_reset(&b);
	assert_buf(&b, "", 0);
	assert_int_equal(buf_puts(&b, "xyz"), RB_OK);
	assert_buf(&b, "xyz", 3);
	buf_free(&b);
}

static void test_cap_zero(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	assert_int_equal(buf_putc(&b, 'a'), RB_ETOOBIG);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_cstr(&b), "");
	buf_free(&b);
}

static void test_growth(void **state)
{
	struct buf b;
	char exp[100000];
	size_t i;

	(void)state;
	buf_init(&b, sizeof(exp));
	for (i = 0; i < sizeof(exp); i++) {
		exp[i] = (char)('a' + i % 26);
		assert_int_equal(buf_putc(&b, exp[i]), RB_OK);
		assert_true(b.cap >= b.len + 1);
		assert_true(b.cap <= b.max + 1); /* never more than the cap needs */
	}
	assert_buf(&b, exp, sizeof(exp));
	assert_int_equal(buf_putc(&b, 'x'), RB_ETOOBIG);
	assert_buf(&b, exp, sizeof(exp));
	buf_free(&b);
}

static void test_binary_data(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 64);
	assert_int_equal(buf_append(&b, "a\0b", 3), RB_OK);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.data, "a\0b\0", 4);
	buf_free(&b);
}

static void test_printf(void **state)
{
	struct buf b;
	char big[300];

	(void)state;
	buf_init(&b, 1000);
	assert_int_equal(buf_printf(&b, "%s=%d", "n", 42), RB_OK);
	assert_int_equal(buf_printf(&b, ",%ld,%c", -7L, 'z'), RB_OK);
	assert_buf(&b, "n=42,-7,z", 9);
	assert_int_equal(buf_printf(&b, "%s", ""), RB_OK);
	assert_buf(&b, "n=42,-7,z", 9);
	/* longer than the first allocation: grows */
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	assert_int_equal(buf_printf(&b, "[%s]", big), RB_OK);
	assert_int_equal(b.len, 9 + 301);
	assert_memory_equal(b.data + 9, "[qqq", 4);
	assert_string_equal(b.data + 9 + 300, "]");
	buf_free(&b);

	/* empty printf on a fresh buffer leaves a valid empty string */
	buf_init(&b, 10);
	assert_int_equal(buf_printf(&b, "%s", ""), RB_OK);
	assert_buf(&b, "", 0);
	/* exactly the cap */
	assert_int_equal(buf_printf(&b, "%010d", 5), RB_OK);
	assert_buf(&b, "0000000005", 10);
	buf_free(&b);
}

static void test_json_plain(void **state)
{
	(void)state;
	assert_json("", 0, "\"\"");
	assert_json("abc", 3, "\"abc\"");
	assert_json("a/b", 3, "\"a/b\""); /* '/' needs no escape */
	assert_json("\x7f", 1, "\"\x7f\""); /* DEL is not a control char in JSON */
}

static void test_json_escapes(void **state)
{
	(void)state;
	assert_json("\"", 1, "\"\\\"\"");
	assert_json("\\", 1, "\"\\\\\"");
	assert_json("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
	assert_json("\n\r\t\b\f", 5, "\"\\n\\r\\t\\b\\f\"");
	assert_json("\x01", 1, "\"\\u0001\"");
	assert_json("\x1f", 1, "\"\\u001f\"");
	assert_json("\x0b", 1, "\"\\u000b\"");
	assert_json("\x1b[31m", 5, "\"\\u001b[31m\"");
	/* a NUL inside the string is escaped, not the end */
	assert_json("a\0b", 3, "\"a\\u0000b\"");
	/* every control character */
	{
		char exp[16];
		unsigned c;
		for (c = 0; c < 0x20; c++) {
			char s[1] = {(char)c};
			switch (c) {
			case '\n': strcpy(exp, "\"\\n\""); break;
			case '\r': strcpy(exp, "\"\\r\""); break;
			case '\t': strcpy(exp, "\"\\t\""); break;
			case '\b': strcpy(exp, "\"\\b\""); break;
			case '\f': strcpy(exp, "\"\\f\""); break;
			default: snprintf(exp, sizeof(exp), "\"\\u%04x\"", c);
			}
			assert_json(s, 1, exp);
		}
	}
}

static void test_json_utf8_valid_kept(void **state)
{
	(void)state;
	assert_json("\xc3\xa9", 2, "\"\xc3\xa9\"");                 /* é U+00E9 */
	assert_json("\xc2\x80", 2, "\"\xc2\x80\"");                 /* U+0080 */
	assert_json("\xdf\xbf", 2, "\"\xdf\xbf\"");                 /* U+07FF */
	assert_json("\xe0\xa0\x80", 3, "\"\xe0\xa0\x80\"");         /* U+0800 */
	assert_json("\xe2\x82\xac", 3, "\"\xe2\x82\xac\"");         /* € */
	assert_json("\xed\x9f\xbf", 3, "\"\xed\x9f\xbf\"");         /* U+D7FF */
	assert_json("\xee\x80\x80", 3, "\"\xee\x80\x80\"");         /* U+E000 */
	assert_json("\xef\xbf\xbd", 3, "\"\xef\xbf\xbd\"");         /* U+FFFD */
	assert_json("\xf0\x90\x80\x80", 4, "\"\xf0\x90\x80\x80\""); /* U+10000 */
	assert_json("\xf0\x9f\x98\x80", 4, "\"\xf0\x9f\x98\x80\""); /* 😀 */
	assert_json("\xf4\x8f\xbf\xbf", 4, "\"\xf4\x8f\xbf\xbf\""); /* U+10FFFF */
	assert_json("a\xc3\xa9\"\xe2\x82\xac", 7, "\"a\xc3\xa9\\\"\xe2\x82\xac\"");
}

#define FFFD "\xef\xbf\xbd"

static void test_json_utf8_invalid(void **state)
{
	(void)state;
	/* lone continuation bytes and bytes never in UTF-8 */
	assert_json("\x80", 1, "\"" FFFD "\"");
	assert_json("\xbf", 1, "\"" FFFD "\"");
	assert_json("\xff", 1, "\"" FFFD "\"");
	assert_json("\xfe", 1, "\"" FFFD "\"");
	assert_json("\xf5\x80\x80\x80", 4, "\"" FFFD FFFD FFFD FFFD "\"");
	/* Latin-1 é: one replacement per byte, text around kept */
	assert_json("caf\xe9!", 5, "\"caf" FFFD "!\"");
	assert_json("a\xff\xfe" "b", 4, "\"a" FFFD FFFD "b\"");
	/* truncated sequences: the lead byte is replaced, what follows is read
	 * again on its own */
	assert_json("\xc3", 1, "\"" FFFD "\"");
	assert_json("\xe2\x82", 2, "\"" FFFD FFFD "\"");
	assert_json("\xe2\x82x", 3, "\"" FFFD FFFD "x\"");
	assert_json("\xf0\x9f\x98", 3, "\"" FFFD FFFD FFFD "\"");
	assert_json("\xc3" "A", 2, "\"" FFFD "A\"");
	/* a lead byte followed by a quote: the quote is still escaped */
	assert_json("\xc3\"", 2, "\"" FFFD "\\\"\"");
}

static void test_json_utf8_overlong_surrogate(void **state)
{
	(void)state;
	/* overlong encodings of '/', NUL and U+07FF / U+FFFF: invalid */
	assert_json("\xc0\xaf", 2, "\"" FFFD FFFD "\"");
	assert_json("\xc1\xbf", 2, "\"" FFFD FFFD "\"");
	assert_json("\xc0\x80", 2, "\"" FFFD FFFD "\"");
	assert_json("\xe0\x80\xaf", 3, "\"" FFFD FFFD FFFD "\"");
	assert_json("\xe0\x9f\xbf", 3, "\"" FFFD FFFD FFFD "\"");
	assert_json("\xf0\x80\x80\xaf", 4, "\"" FFFD FFFD FFFD FFFD "\"");
	assert_json("\xf0\x8f\xbf\xbf", 4, "\"" FFFD FFFD FFFD FFFD "\"");
	/* UTF-16 surrogates encoded as UTF-8 (CESU): invalid */
	assert_json("\xed\xa0\x80", 3, "\"" FFFD FFFD FFFD "\"");
	assert_json("\xed\xbf\xbf", 3, "\"" FFFD FFFD FFFD "\"");
	assert_json("\xed\xa0\xbd\xed\xb8\x80", 6,
	            "\"" FFFD FFFD FFFD FFFD FFFD FFFD "\"");
	/* above U+10FFFF */
	assert_json("\xf4\x90\x80\x80", 4, "\"" FFFD FFFD FFFD FFFD "\"");
}

static void test_json_appends(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 100);
	assert_int_equal(buf_puts(&b, "{\"k\":"), RB_OK);
	assert_int_equal(buf_json_string(&b, "v\n", 2), RB_OK);
	assert_int_equal(buf_putc(&b, '}'), RB_OK);
	assert_string_equal(buf_cstr(&b), "{\"k\":\"v\\n\"}");
	buf_free(&b);
}

static void test_json_cap(void **state)
{
	struct buf b;

	(void)state;
	/* "\"abc\"" is 5 bytes: fits exactly */
	buf_init(&b, 5);
	assert_int_equal(buf_json_string(&b, "abc", 3), RB_OK);
	assert_buf(&b, "\"abc\"", 5);
	buf_free(&b);
	/* an escape that grows past the cap is refused */
	buf_init(&b, 5);
	assert_int_not_equal(buf_json_string(&b, "ab\x01", 3), RB_OK);
	buf_free(&b);
	buf_init(&b, 4);
	assert_int_equal(buf_json_string(&b, "abc", 3), RB_ETOOBIG);
	buf_free(&b);
}

static void test_url_encode(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 256);
	assert_int_equal(buf_url_encode(&b, "subscriptionId:a&b;usageTime:2026-01-01T00:00:00Z ~x_y.z-"), RB_OK);
	assert_string_equal(buf_cstr(&b),
	                    "subscriptionId%3Aa%26b%3BusageTime%3A2026-01-01T00%3A00%3A00Z%20~x_y.z-");
	buf_reset(&b);
	assert_int_equal(buf_url_encode(&b, "\xc3\xa9/%"), RB_OK);
	assert_string_equal(buf_cstr(&b), "%C3%A9%2F%25");
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_cap_exact_fits),
		cmocka_unit_test(test_cap_over_leaves_buffer),
		cmocka_unit_test(test_cap_zero),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_binary_data),
		cmocka_unit_test(test_printf),
		cmocka_unit_test(test_json_plain),
		cmocka_unit_test(test_json_escapes),
		cmocka_unit_test(test_json_utf8_valid_kept),
		cmocka_unit_test(test_json_utf8_invalid),
		cmocka_unit_test(test_json_utf8_overlong_surrogate),
		cmocka_unit_test(test_json_appends),
		cmocka_unit_test(test_json_cap),
		cmocka_unit_test(test_url_encode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
