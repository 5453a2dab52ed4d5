/* Tests for quote: what a hostile value looks like in a message, for each
 * of the ways the tree quotes (check's reasons, reader's names, response's
 * squeezed server text). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "quote.h"

static void value_is(const char *in, size_t n, const char *want)
{
	char out[QUOTE_MAX];

	memset(out, 'x', sizeof(out));
	assert_ptr_equal(quote_value(out, in, n), out);
	if (strcmp(out, want) != 0)
		fail_msg("quote_value('%.*s') = '%s', want '%s'", (int)n, in,
		         out, want);
}

#define V(in, want) value_is(in, sizeof(in) - 1, want)

static void test_value_plain(void **state)
{
	(void)state;
	V("", "");
	V("5 kg", "5 kg");
	V("5 \xe2\x82\xac", "5 \xe2\x82\xac");        /* valid UTF-8 kept */
	V("\xf0\x9f\x98\x80!", "\xf0\x9f\x98\x80!"); /* 4 bytes */
}

static void test_value_hostile(void **state)
{
	(void)state;
	V("5\x01kg", "5?kg");
	V("5\x1b[31m", "5?[31m");
	V("a\nb\rc\td", "a?b?c?d");
	V("a\x7f", "a?");
	V("a\0b", "a?b");
	V("5\xff", "5?");
	V("\xc3", "?");             /* cut sequence */
	V("\xc0\xaf", "??");        /* overlong */
	V("\xed\xa0\x80", "???");   /* surrogate */
	V("\xe2\x82", "??");        /* truncated 3-byte */
	V("\x80x", "?x");           /* stray continuation */
}

static void test_value_cut(void **state)
{
	char in[200], want[200];

	(void)state;
	/* 40 characters fit; 41 are cut to 40 and "..." */
	memset(in, 'a', 41);
	in[41] = 0;
	memset(want, 'a', 40);
	want[40] = 0;
	value_is(in, 40, want);
	strcat(want, "...");
	value_is(in, 41, want);
	/* characters, not bytes: 41 euro signs, 4 bytes each in the worst case */
	{
		size_t i;
		for (i = 0; i < 41; i++)
			memcpy(in + 4 * i, "\xf0\x9f\x98\x80", 4);
		quote_value(want, in, 4 * 41);
		assert_int_equal(strlen(want), 4 * 40 + 3);
		assert_memory_equal(want + 160, "...", 4);
	}
}

/* The general form: appending, a byte cap, DROP, SQUEEZE, NO_DOTS. */
static void test_append(void **state)
{
	char out[32];
	size_t n;

	(void)state;
	strcpy(out, "x: ");
	n = quote_append(out, sizeof(out), 3, "abc", 3, 0, 0);
	assert_int_equal(n, 6);
	assert_string_equal(out, "x: abc");
	/* cap 10: 9 bytes of text; "..." fits in after 6 */
	n = quote_append(out, 10, 0, "0123456789abc", 13, 0, 0);
	assert_string_equal(out, "012345...");
	assert_int_equal(n, 9);
	/* exactly fitting: no dots */
	n = quote_append(out, 10, 0, "012345678", 9, 0, 0);
	assert_string_equal(out, "012345678");
	n = quote_append(out, 10, 0, "0123456789", 10, 0, QUOTE_NO_DOTS);
	assert_string_equal(out, "012345678");
	/* a character goes whole or not at all */
	n = quote_append(out, 8, 0, "ab\xe2\x82\xac\xe2\x82\xac", 8, 0,
	                 QUOTE_NO_DOTS);
	assert_string_equal(out, "ab\xe2\x82\xac");
	/* DROP leaves control characters and bad bytes out */
	n = quote_append(out, sizeof(out), 0, "a\x01" "b\xff" "c", 5, 0,
	                 QUOTE_DROP);
	assert_string_equal(out, "abc");
	/* SQUEEZE: runs of blanks and line breaks are one space, also across
	 * appends */
	n = quote_append(out, sizeof(out), 0, "a \r\n\t b ", 8, 0,
	                 QUOTE_SQUEEZE);
	assert_string_equal(out, "a b ");
	n = quote_append(out, sizeof(out), n, "\n c", 3, 0, QUOTE_SQUEEZE);
	assert_string_equal(out, "a b c");
	assert_int_equal(n, 5);
	/* the space already there counts: "  b" adds one byte and fits */
	strcpy(out, "a ");
	assert_int_equal(quote_append(out, 4, 2, "  b", 3, 0, QUOTE_SQUEEZE), 3);
	assert_string_equal(out, "a b");
	/* cap 1: only the NUL; cap 0 writes nothing */
	out[0] = 'z';
	assert_int_equal(quote_append(out, 1, 0, "abc", 3, 0, 0), 0);
	assert_string_equal(out, "");
	out[0] = 'z';
	assert_int_equal(quote_append(out, 0, 0, "abc", 3, 0, 0), 0);
	assert_int_equal(out[0], 'z');
	/* a len past the cap is taken as a full buffer */
	strcpy(out, "abcd");
	assert_int_equal(quote_append(out, 5, 9, "e", 1, 0, 0), 4);
	assert_string_equal(out, "abcd");
	/* max_chars counts characters, ? included */
	quote_append(out, sizeof(out), 0, "\x01\x02\x03\x04", 4, 2, 0);
	assert_string_equal(out, "??...");
}

/* The kind of a field in "must be a string, not ...": a composite named by
 * its first byte when the text is known. */
static void test_kind(void **state)
{
	(void)state;
	assert_string_equal(quote_kind(READER_STRING, "x"), "a string");
	assert_string_equal(quote_kind(READER_NUMBER, "5"), "a number");
	assert_string_equal(quote_kind(READER_TRUE, "true"), "a boolean");
	assert_string_equal(quote_kind(READER_FALSE, NULL), "a boolean");
	assert_string_equal(quote_kind(READER_NULL, NULL), "null");
	assert_string_equal(quote_kind(READER_COMPOSITE, "[1]"), "an array");
	assert_string_equal(quote_kind(READER_COMPOSITE, "{}"), "an object");
	assert_string_equal(quote_kind(READER_COMPOSITE, NULL),
	                    "an object or array");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_value_plain),
		cmocka_unit_test(test_value_hostile),
		cmocka_unit_test(test_value_cut),
		cmocka_unit_test(test_append),
		cmocka_unit_test(test_kind),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
