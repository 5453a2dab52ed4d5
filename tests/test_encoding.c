/* Tests for encoding: Latin-1 and Windows-1252 decode every byte and encode
 * it back (and keep 0x80-0x9F apart: C1 controls in one, the euro sign and
 * smart quotes in the other); UTF-16 in both byte orders, surrogate pairs,
 * lone surrogates and a last odd byte (rejected text that still goes back
 * as it came); decoding in pieces cut anywhere gives what decoding whole
 * gives; characters an encoding cannot hold become '?'; the reasons. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "encoding.h"
#include "json.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Decodes in whole into out (NUL-terminated); returns the length. */
static size_t dec(enum encoding e, const void *in, size_t n, char *out,
                  size_t cap)
{
	size_t used, o;

	o = encoding_decode(e, in, n, true, out, cap - 1, &used);
	assert_int_equal(used, n);
	out[o] = 0;
	return o;
}

/* Decodes in pieces of `step` bytes into outputs of `room` bytes at a
 * time, as the reader does; returns the length. */
static size_t dec_pieces(enum encoding e, const unsigned char *in, size_t n,
                         size_t step, size_t room, char *out)
{
	size_t have = 0, fed = 0, o = 0, used;

	for (;;) {
		size_t got;
		bool eof;

		if (fed < n && (have == fed || have - fed < 4))
			have = have + step > n ? n : have + step;
		eof = have == n;
		got = encoding_decode(e, in + fed, have - fed, eof, out + o, room,
		                      &used);
		fed += used;
		o += got;
		if (eof && fed == n && !got)
			break;
		assert_true(got || used || !eof || fed < n);
	}
	return o;
}

static void enc_eq(enum encoding e, const char *utf8, size_t n,
                   const void *want, size_t want_len)
{
	struct buf b;

	buf_init(&b, 1 << 20);
	assert_int_equal(encoding_encode(e, utf8, n, &b), RB_OK);
	assert_int_equal(b.len, want_len);
	assert_memory_equal(b.data, want, want_len);
	buf_free(&b);
}

static void test_8bit_every_byte_round_trips(void **state)
{
	static const enum encoding encs[] = {ENCODING_LATIN1,
	                                     ENCODING_WINDOWS_1252};
	unsigned char all[256];
	char out[1024];
	size_t i, k, n;

	(void)state;
	for (i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	for (k = 0; k < N(encs); k++) {
		n = dec(encs[k], all, 256, out, sizeof(out));
		/* valid UTF-8 whatever the bytes (NUL included) */
		assert_int_equal(json_utf8_valid_len(out, n), n);
		enc_eq(encs[k], out, n, all, 256);
	}
}

static void test_latin1_and_windows_1252_apart(void **state)
{
	static const struct {
		unsigned char byte;
		const char *latin1, *cp1252;
	} cases[] = {
		{0x41, "A", "A"},
		{0xE9, "\xc3\xa9", "\xc3\xa9"},                /* é */
		{0xFF, "\xc3\xbf", "\xc3\xbf"},                /* ÿ */
		{0xA0, "\xc2\xa0", "\xc2\xa0"},                /* no-break space */
		{0x80, "\xc2\x80", "\xe2\x82\xac"},            /* C1 / € */
		{0x93, "\xc2\x93", "\xe2\x80\x9c"},            /* C1 / “ */
		{0x94, "\xc2\x94", "\xe2\x80\x9d"},            /* C1 / ” */
		{0x92, "\xc2\x92", "\xe2\x80\x99"},            /* C1 / ’ */
		{0x96, "\xc2\x96", "\xe2\x80\x93"},            /* C1 / – */
		{0x9F, "\xc2\x9f", "\xc5\xb8"},                /* C1 / Ÿ */
		{0x81, "\xc2\x81", "\xc2\x81"},  /* unassigned in 1252: kept */
		{0x9D, "\xc2\x9d", "\xc2\x9d"},
	};
	char out[16];
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		dec(ENCODING_LATIN1, &cases[i].byte, 1, out, sizeof(out));
		assert_string_equal(out, cases[i].latin1);
		dec(ENCODING_WINDOWS_1252, &cases[i].byte, 1, out, sizeof(out));
		assert_string_equal(out, cases[i].cp1252);
	}
}

static void test_8bit_cannot_hold(void **state)
{
	(void)state;
	/* € has no Latin-1 byte; Ā (U+0100) none in either; a bad byte */
	enc_eq(ENCODING_LATIN1, "a\xe2\x82\xac" "b", 5, "a?b", 3);
	enc_eq(ENCODING_WINDOWS_1252, "a\xe2\x82\xac" "b", 5, "a\x80" "b", 3);
	enc_eq(ENCODING_WINDOWS_1252, "\xc4\x80", 2, "?", 1);
	/* a C1 control that is not one of 1252's five: no byte for it */
	enc_eq(ENCODING_WINDOWS_1252, "\xc2\x80", 2, "?", 1);
	enc_eq(ENCODING_LATIN1, "x\xff" "y", 3, "x?y", 3);
	enc_eq(ENCODING_UTF8, "x\xff" "y", 3, "x\xff" "y", 3);
	/* a lone surrogate's form has no 8-bit byte either */
	enc_eq(ENCODING_LATIN1, "\xed\xa0\x80", 3, "?", 1);
}

static void test_utf16(void **state)
{
	/* "Aé€😀\r\n" */
	static const unsigned char le[] = {0x41, 0, 0xE9, 0, 0xAC, 0x20, 0x3D,
	                                   0xD8, 0x00, 0xDE, '\r', 0, '\n', 0};
	static const unsigned char be[] = {0, 0x41, 0, 0xE9, 0x20, 0xAC, 0xD8,
	                                   0x3D, 0xDE, 0x00, 0, '\r', 0, '\n'};
	static const char want[] = "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\r\n";
	char out[64];

	(void)state;
	dec(ENCODING_UTF16LE, le, sizeof(le), out, sizeof(out));
	assert_string_equal(out, want);
	dec(ENCODING_UTF16BE, be, sizeof(be), out, sizeof(out));
	assert_string_equal(out, want);
	enc_eq(ENCODING_UTF16LE, want, strlen(want), le, sizeof(le));
	enc_eq(ENCODING_UTF16BE, want, strlen(want), be, sizeof(be));
	/* a character UTF-16 cannot hold: none; a bad UTF-8 byte: U+FFFD */
	enc_eq(ENCODING_UTF16LE, "\xff", 1, "\xfd\xff", 2);
}

static void test_utf16_invalid_goes_back_as_it_came(void **state)
{
	/* a lone high surrogate, a lone low one, a high one before a letter */
	static const unsigned char le[] = {0x3D, 0xD8, 'a', 0, 0x00, 0xDE,
	                                   'b', 0, 0x3D, 0xD8};
	char out[64];
	size_t n;

	(void)state;
	n = dec(ENCODING_UTF16LE, le, sizeof(le), out, sizeof(out));
	assert_int_equal(n, 3 + 1 + 3 + 1 + 3);
	assert_memory_equal(out, "\xed\xa0\xbd" "a" "\xed\xb8\x80" "b"
	                         "\xed\xa0\xbd", n);
	assert_int_equal(json_utf8_valid_len(out, n), 0); /* rejected */
	enc_eq(ENCODING_UTF16LE, out, n, le, sizeof(le)); /* the same bytes */

	/* an odd last byte at the end of input */
	n = dec(ENCODING_UTF16LE, (const unsigned char *)"a\0b", 3, out,
	        sizeof(out));
	assert_int_equal(n, 2);
	assert_memory_equal(out, "a\xff", 2);
}

static void test_pieces_cut_anywhere(void **state)
{
	static const enum encoding encs[] = {ENCODING_LATIN1,
	                                     ENCODING_WINDOWS_1252,
	                                     ENCODING_UTF16LE,
	                                     ENCODING_UTF16BE};
	unsigned char in[301];
	char whole[2048], piece[2048];
	size_t k, step, room, nw, np, i;
	uint32_t x = 12345;

	(void)state;
	/* surrogate-rich pseudo-random bytes, an odd count */
	for (i = 0; i < sizeof(in); i++) {
		x = x * 1103515245 + 12345;
		in[i] = (unsigned char)(x >> 16);
		if (i % 4 == 1)
			in[i] = (unsigned char)(0xD8 + (x >> 28) % 8);
	}
	for (k = 0; k < N(encs); k++) {
		nw = dec(encs[k], in, sizeof(in), whole, sizeof(whole));
		for (step = 1; step <= 9; step++)
			for (room = ENCODING_MIN_OUT; room <= 11; room++) {
				np = dec_pieces(encs[k], in, sizeof(in), step, room,
				                piece);
				assert_int_equal(np, nw);
				assert_memory_equal(piece, whole, nw);
			}
	}
}

static void test_invalid_reasons(void **state)
{
	char d[200];

	(void)state;
	assert_string_equal(encoding_invalid(ENCODING_UTF8, "\xe9t\xe9", 3, d,
	                                     sizeof(d)),
	                    "invalid UTF-8");
	assert_string_equal(d, " (byte 0xE9): the file looks like Latin-1; pass "
	                       "--encoding latin1 (or windows-1252)");
	encoding_invalid(ENCODING_UTF8, "\x93quoted\x94", 8, d, sizeof(d));
	assert_string_equal(d, " (byte 0x93): the file looks like Windows-1252; "
	                       "pass --encoding windows-1252");
	assert_string_equal(encoding_invalid(ENCODING_UTF16LE, "\xed\xa0\xbd",
	                                     3, d, sizeof(d)),
	                    "invalid UTF-16");
	assert_string_equal(d, " (a lone surrogate 0xD83D: half of a character "
	                       "whose other half is missing)");
	encoding_invalid(ENCODING_UTF16BE, "\xff", 1, d, sizeof(d));
	assert_string_equal(d, " (the input ends in the middle of a character)");
	assert_string_equal(encoding_name(ENCODING_WINDOWS_1252),
	                    "Windows-1252");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_8bit_every_byte_round_trips),
		cmocka_unit_test(test_latin1_and_windows_1252_apart),
		cmocka_unit_test(test_8bit_cannot_hold),
		cmocka_unit_test(test_utf16),
		cmocka_unit_test(test_utf16_invalid_goes_back_as_it_came),
		cmocka_unit_test(test_pieces_cut_anywhere),
		cmocka_unit_test(test_invalid_reasons),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
