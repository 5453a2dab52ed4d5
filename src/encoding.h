/* encoding: the input encodings read besides UTF-8 (Latin-1, Windows-1252,
 * UTF-16 in either byte order), decoded to UTF-8 as the input is read and
 * encoded back, byte for byte, when a row is written to the reject file.
 * Pure functions on buffers: the reader streams, the fuzzers drive them. */
#ifndef RB_ENCODING_H
#define RB_ENCODING_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "status.h"

enum encoding {
	ENCODING_UTF8,         /* read as is: no conversion at all */
	ENCODING_LATIN1,       /* ISO 8859-1: byte = code point */
	ENCODING_WINDOWS_1252, /* 0x80-0x9F are the euro sign, smart quotes... */
	ENCODING_UTF16LE,
	ENCODING_UTF16BE,
};

/* Room encoding_decode needs to make progress: the longest character. */
#define ENCODING_MIN_OUT 4

/* "UTF-8", "Latin-1", "Windows-1252", "UTF-16LE", "UTF-16BE". */
const char *encoding_name(enum encoding e);

/* Decodes whole characters of in[0..inlen) as UTF-8 into out[0..outcap)
 * (outcap >= ENCODING_MIN_OUT); returns the bytes written and sets *used
 * to the input bytes read. Without eof, a character cut by the end of in is
 * left for the next call (so *used may be < inlen with room to spare); with
 * eof everything is read.
 * Every Latin-1 and Windows-1252 byte is a character: Windows-1252's five
 * unassigned bytes (0x81 0x8D 0x8F 0x90 0x9D) stand for U+0081... as
 * browsers read them, so decoding never fails and encoding gives the same
 * bytes back. UTF-16 text that is not valid comes out as bytes that are not
 * valid UTF-8, so the row holding them is rejected and still written back
 * unchanged: a surrogate without its pair as its three-byte form
 * (ED A0..BF xx), a last lone byte at eof as 0xFF. ENCODING_UTF8 copies. */
size_t encoding_decode(enum encoding e, const unsigned char *in, size_t inlen,
                       bool eof, char *out, size_t outcap, size_t *used);

/* Appends s[0..n) (UTF-8, or what encoding_decode wrote) to b encoded as
 * e: exactly the input's bytes again for anything encoding_decode wrote; a
 * character e cannot hold, and a byte that is not UTF-8, becomes '?' (in
 * UTF-16, U+FFFD). ENCODING_UTF8 copies. RB_ETOOBIG/RB_ENOMEM from b. */
enum rb_status encoding_encode(enum encoding e, const char *s, size_t n,
                               struct buf *b);

/* For a reason about bytes in a field or line that are not valid text:
 * returns what is wrong ("invalid UTF-8", "invalid UTF-16") and writes to
 * detail what the bytes at bad[0..n) (from the first invalid one) say, with
 * a way out when there is one, e.g. " (byte 0xE9): the file looks like
 * Latin-1; pass --encoding latin1 (or windows-1252)". */
const char *encoding_invalid(enum encoding e, const char *bad, size_t n,
                             char *detail, size_t detlen);

#endif
