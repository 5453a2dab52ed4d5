/* fuzz_encoding: any bytes through each encoding. Decoding in pieces (of
 * sizes and output room taken from the input) gives what decoding whole
 * gives; Latin-1 and Windows-1252 always give valid UTF-8 and encode back
 * to the very bytes; UTF-16 gives valid UTF-8 but for its marks of a lone
 * surrogate (ED A0..BF xx) and of an odd last byte (FF), and encodes back
 * to the very bytes (an odd last byte as U+FFFD). What the reader and the
 * reject file rely on for "a fixed reject file imports again". */
#include "fuzz.h"
#include "encoding.h"
#include "utf8.h"

#define MAX_IN 65536

static char whole[4 * MAX_IN + 16], piece[4 * MAX_IN + 16];

static size_t decode_whole(enum encoding e, const uint8_t *in, size_t n)
{
	size_t used, o;

	o = encoding_decode(e, in, n, true, whole, sizeof(whole), &used);
	FUZZ_CHECK(used == n, "%s: %zu of %zu bytes read at eof",
	           encoding_name(e), used, n);
	return o;
}

/* In pieces of step input bytes, into room output bytes at a time. */
static size_t decode_pieces(enum encoding e, const uint8_t *in, size_t n,
                            size_t step, size_t room)
{
	size_t have = 0, fed = 0, o = 0, used, got, rounds = 0;

	for (;;) {
		bool eof;

		if (have < n && have - fed < 4)
			have = have + step > n ? n : have + step;
		eof = have == n;
		got = encoding_decode(e, in + fed, have - fed, eof, piece + o,
		                      room, &used);
		FUZZ_CHECK(used <= have - fed, "read past its input");
		FUZZ_CHECK(got <= room, "wrote past its room");
		FUZZ_CHECK(got || used || !eof || fed == n,
		           "%s: no progress at eof", encoding_name(e));
		fed += used;
		o += got;
		if (eof && fed == n && !got)
			break;
		FUZZ_CHECK(++rounds < 8 * n + 16, "%s: no end",
		           encoding_name(e));
	}
	return o;
}

/* Every invalid sequence of s[0..n) is one UTF-16 decoding may write. */
static void check_marks(const char *s, size_t n, size_t in_len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < n) {
		k = utf8_seq(u + i, n - i);
		if (k) {
			i += k;
			continue;
		}
		if (u[i] == 0xFF) {
			FUZZ_CHECK(i == n - 1 && in_len % 2,
			           "an odd-byte mark not at the end of odd input");
			i++;
			continue;
		}
		FUZZ_CHECK(n - i >= 3 && u[i] == 0xED && u[i + 1] >= 0xA0 &&
		                   u[i + 1] <= 0xBF && (u[i + 2] & 0xC0) == 0x80,
		           "invalid UTF-8 at %zu that is no surrogate's form", i);
		i += 3;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum encoding encs[] = {
		ENCODING_LATIN1, ENCODING_WINDOWS_1252, ENCODING_UTF16LE,
		ENCODING_UTF16BE, ENCODING_UTF8,
	};
	size_t k, nw, np, step, room;
	struct buf back;

	if (size > MAX_IN)
		return 0;
	step = size ? 1 + data[0] % 11 : 1;
	room = ENCODING_MIN_OUT + (size > 1 ? data[1] % 9 : 0);
	buf_init(&back, 2 * (size_t)MAX_IN + 16);
	for (k = 0; k < sizeof(encs) / sizeof(encs[0]); k++) {
		enum encoding e = encs[k];
		bool utf16 = e == ENCODING_UTF16LE || e == ENCODING_UTF16BE;

		nw = decode_whole(e, data, size);
		np = decode_pieces(e, data, size, step, room);
		FUZZ_CHECK(np == nw && !memcmp(piece, whole, nw),
		           "%s: pieces of %zu into %zu differ from whole",
		           encoding_name(e), step, room);
		if (e == ENCODING_UTF8)
			continue; /* copied as is */
		if (utf16)
			check_marks(whole, nw, size);
		else
			FUZZ_CHECK(json_utf8_valid_len(whole, nw) == nw,
			           "%s gave invalid UTF-8", encoding_name(e));
		buf_reset(&back);
		FUZZ_CHECK(encoding_encode(e, whole, nw, &back) == RB_OK,
		           "%s: cannot encode back", encoding_name(e));
		if (utf16 && size % 2) {
			const char *fffd = e == ENCODING_UTF16LE ? "\xfd\xff"
			                                         : "\xff\xfd";
			FUZZ_CHECK(back.len == size + 1 &&
			                   !memcmp(back.data, data, size - 1) &&
			                   !memcmp(back.data + size - 1, fffd, 2),
			           "%s: odd input not back with U+FFFD last",
			           encoding_name(e));
		} else {
			FUZZ_CHECK(back.len == size &&
			                   (!size || !memcmp(back.data, data, size)),
			           "%s: %zu bytes encoded back as %zu other bytes",
			           encoding_name(e), size, back.len);
		}
	}
	buf_free(&back);
	return 0;
}
