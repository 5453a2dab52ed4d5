/* check: the pure rules of DESIGN.md "Checks". Everything here is on the hot
 * path of a dry run (millions of rows a second), so the success path does no
 * allocation and no printf: values are scanned once and copied. Reasons are
 * only formatted when a row fails. */
#include "check.h"
#include "hash.h"
#include "quote.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define UPPER_SLACK_MS (5 * 60 * 1000) /* default upper bound: now + 5 minutes */
#define QUANTITY_MAX_DIGITS 15
#define QUANTITY_MAX_DECIMALS 3

/* ---- small helpers ------------------------------------------------------ */

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Trims spaces and tabs on both ends: spreadsheets and hand-edited files pad
 * cells, and such padding never carries meaning in these fields. */
static inline void trim(const char **s, size_t *n)
{
	const char *p = *s;
	size_t len = *n;

	/* nearly every value has no padding: inline, and done in two tests */
	if (len && p[0] != ' ' && p[0] != '\t' && p[len - 1] != ' ' &&
	    p[len - 1] != '\t')
		return;
	while (len && (*p == ' ' || *p == '\t')) {
		p++;
		len--;
	}
	while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
		len--;
	*s = p;
	*n = len;
}

/* ---- subscriptionId ----------------------------------------------------- */

/* Bytes an id may hold, one bit each (byte c is bit c & 63 of word c >> 6):
 * printable ASCII 0x21-0x7e but for the separators the loop below names. */
#define ID_BIT(c) (UINT64_C(1) << ((c) & 63))
static const uint64_t id_ok[4] = {
	(~UINT64_C(0) << 0x21) &
		~(ID_BIT('"') | ID_BIT('\'') | ID_BIT(',') | ID_BIT('/') |
		  ID_BIT(';')),
	(~UINT64_C(0) >> 1) & ~ID_BIT('\\'), /* 0x40-0x7e */
	0,
	0,
};

/* Non-zero when one of the 8 bytes in w is not an id byte: below 0x21,
 * 0x7f or above, or a separator. Each such byte sets its high bit in one of
 * the terms (a borrow may flag more, which only sends a good id down the
 * slow loop, where it passes). */
static inline uint64_t id_word_bad(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = ones * 0x80;
#define ID_EQ(c) ((w ^ (ones * (c))) - ones)
	return (ID_EQ('"') | ID_EQ('\'') | ID_EQ(',') | ID_EQ('/') |
	        ID_EQ(';') | ID_EQ('\\') | ID_EQ(0x7f) | (w - ones * 0x21) | w) &
	       highs;
#undef ID_EQ
}

int check_subscription_id(const char *s, size_t len, char out[CHECK_ID_MAX + 1],
                          char *reason, size_t reasonlen)
{
	const unsigned char *u;
	uint64_t ok = 1;
	size_t i;

	out[0] = 0;
	if (!s) {
		rb_detail(reason, reasonlen, "subscriptionId is missing");
		return -1;
	}
	trim(&s, &len);
	if (len == 0) {
		rb_detail(reason, reasonlen, "subscriptionId is empty");
		return -1;
	}
	/* The usual id passes 8 bytes at a time, then one table test a byte,
	 * without branches; only a bad one goes through the loop below, which
	 * finds the reason. */
	u = (const unsigned char *)s;
	for (i = 0; len - i >= 8; i += 8) {
		uint64_t w;
		memcpy(&w, u + i, 8);
		if (id_word_bad(w))
			ok = 0;
	}
	for (; i < len; i++)
		ok &= id_ok[u[i] >> 6] >> (u[i] & 63);
	for (i = 0; !(ok & 1) && i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x80) {
			rb_detail(reason, reasonlen,
			          "subscriptionId contains a non-ASCII character; "
			          "only printable ASCII is allowed");
			return -1;
		}
		if (c < 0x20 || c == 0x7f) {
			rb_detail(reason, reasonlen,
			          "subscriptionId contains a control character "
			          "(0x%02x); only printable ASCII is allowed",
			          c);
			return -1;
		}
		switch (c) {
		case ' ':
		case '"':
		case '\'':
		case '\\':
		case '/':
		case ';':
		case ',':
			/* ; and , separate values in Rebilly's filter syntax,
			 * so such an id could never be looked up again. */
			if (c == ' ')
				rb_detail(reason, reasonlen,
				          "subscriptionId contains a space, "
				          "which is not allowed (ids may not "
				          "contain spaces, quotes, \\, /, ; or "
				          ",)");
			else
				rb_detail(reason, reasonlen,
				          "subscriptionId contains '%c' which is "
				          "not allowed (ids may not contain "
				          "spaces, quotes, \\, /, ; or ,)",
				          (char)c);
			return -1;
		default:
			break;
		}
	}
	if (len > CHECK_ID_MAX) {
		rb_detail(reason, reasonlen,
		          "subscriptionId has %zu characters; at most %d are "
		          "allowed",
		          len, CHECK_ID_MAX);
		return -1;
	}
	memcpy(out, s, len);
	out[len] = 0;
	return 0;
}

/* ---- quantity ----------------------------------------------------------- */

/* The digits of a number as written, int part and fraction side by side,
 * read as one digit string without copying. */
struct digits {
	const char *ip, *fp;
	size_t ilen, flen;
};

static char digit_at(const struct digits *d, size_t i)
{
	return i < d->ilen ? d->ip[i] : d->fp[i - d->ilen];
}

/* Exponents beyond this are out of any range we accept; saturating here keeps
 * the arithmetic below in int64 whatever the input says (1e99999999999...). */
#define EXP_SAT INT64_C(1000000000000000)

static int bad_decimal(const char *s, size_t len, char *reason,
                       size_t reasonlen)
{
	char q[QUOTE_MAX];

	rb_detail(reason, reasonlen,
	          "quantity '%s' is not a decimal number (digits with an "
	          "optional '.', no sign, exponent, separators or units)",
	          quote_value(q, s, len));
	return -1;
}

int check_quantity(const char *s, size_t len, bool is_json_number,
                   char out[CHECK_QUANTITY_MAX], char *reason, size_t reasonlen)
{
	const char *p, *end;
	struct digits d;
	bool neg = false, exp_huge = false;
	int64_t e = 0, k, n, sig;
	size_t total, f, l, i, o;
	char q[QUOTE_MAX];

	out[0] = 0;
	if (!s) {
		rb_detail(reason, reasonlen, "quantity is missing");
		return -1;
	}
	trim(&s, &len);
	if (len == 0) {
		rb_detail(reason, reasonlen,
		          "quantity is empty; a number such as 5 or 0.25 is "
		          "required");
		return -1;
	}
	p = s;
	end = s + len;
	/* The usual quantity is already canonical: 5, 12.25, 0.001 (no sign,
	 * exponent, leading or trailing zeros, at most 3 decimals and 15
	 * digits). It is its own output, without the digit walk below. */
	if (len < CHECK_QUANTITY_MAX && is_digit(*p)) {
		const char *r = p + 1;

		while (r < end && is_digit(*r))
			r++;
		i = (size_t)(r - p); /* integer digits */
		if (r == end) {
			if (*p != '0' && i <= QUANTITY_MAX_DIGITS) {
				memcpy(out, s, len);
				out[len] = 0;
				return 0;
			}
		} else if (*r == '.' && end - r >= 2 &&
		           end - r <= 1 + QUANTITY_MAX_DECIMALS &&
		           end[-1] != '0' && (*p != '0' || i == 1) &&
		           len - 1 <= QUANTITY_MAX_DIGITS) {
			for (r++; r < end && is_digit(*r); r++)
				;
			if (r == end) {
				memcpy(out, s, len);
				out[len] = 0;
				return 0;
			}
		}
	}
	if (*p == '-') {
		/* A sign is never allowed in text, but "-5" deserves a better
		 * reason than "not a number" if the rest is one. */
		neg = true;
		p++;
	}
	d.ip = p;
	while (p < end && is_digit(*p))
		p++;
	d.ilen = (size_t)(p - d.ip);
	d.fp = p;
	d.flen = 0;
	if (p < end && *p == '.') {
		d.fp = ++p;
		while (p < end && is_digit(*p))
			p++;
		d.flen = (size_t)(p - d.fp);
	}
	if (is_json_number) {
		/* RFC 8259: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
		if (d.ilen == 0 || (d.ilen > 1 && d.ip[0] == '0') ||
		    (d.fp > d.ip + d.ilen && d.flen == 0))
			goto not_json;
		if (p < end && (*p == 'e' || *p == 'E')) {
			bool eneg = false;

			p++;
			if (p < end && (*p == '+' || *p == '-'))
				eneg = *p++ == '-';
			if (p == end || !is_digit(*p))
				goto not_json;
			for (; p < end && is_digit(*p); p++) {
				if (e < EXP_SAT)
					e = e * 10 + (*p - '0');
				else
					exp_huge = true;
			}
			if (eneg)
				e = -e;
		}
		if (p != end)
			goto not_json;
	} else if (p != end || d.ilen + d.flen == 0) {
		return bad_decimal(s, len, reason, reasonlen);
	}

	/* value = digits[f..l] * 10^k, digits[f] and digits[l] non-zero */
	total = d.ilen + d.flen;
	for (f = 0; f < total && digit_at(&d, f) == '0'; f++)
		;
	if (f == total) {
		if (neg && !is_json_number)
			return bad_decimal(s, len, reason, reasonlen);
		rb_detail(reason, reasonlen,
		          "quantity %s is below the minimum 0.001",
		          quote_value(q, s, len));
		return -1;
	}
	if (neg) {
		rb_detail(reason, reasonlen,
		          "quantity %s is negative; it must be at least 0.001",
		          quote_value(q, s, len));
		return -1;
	}
	for (l = total - 1; digit_at(&d, l) == '0'; l--)
		;
	n = (int64_t)(l - f + 1);
	k = (int64_t)d.ilen - 1 - (int64_t)l + e;
	if (exp_huge && e < 0)
		k = -EXP_SAT; /* any such value is far below the minimum */
	if (n + k <= -QUANTITY_MAX_DECIMALS) {
		rb_detail(reason, reasonlen,
		          "quantity %s is below the minimum 0.001",
		          quote_value(q, s, len));
		return -1;
	}
	if (k < -QUANTITY_MAX_DECIMALS) {
		rb_detail(reason, reasonlen,
		          "quantity %s has %" PRId64 " decimals; at most %d are "
		          "allowed",
		          quote_value(q, s, len), -k, QUANTITY_MAX_DECIMALS);
		return -1;
	}
	/* An integer's own trailing zeros are digits of the value sent
	 * (1000 is four digits); only zeros after the point don't count. */
	sig = n + (k > 0 ? k : 0);
	if (exp_huge) {
		rb_detail(reason, reasonlen,
		          "quantity %s is too large; at most %d significant "
		          "digits are allowed",
		          quote_value(q, s, len), QUANTITY_MAX_DIGITS);
		return -1;
	}
	if (sig > QUANTITY_MAX_DIGITS) {
		rb_detail(reason, reasonlen,
		          "quantity %s has %" PRId64 " significant digits; at "
		          "most %d are allowed",
		          quote_value(q, s, len), sig, QUANTITY_MAX_DIGITS);
		return -1;
	}

	o = 0;
	if (k >= 0) {
		for (i = f; i <= l; i++)
			out[o++] = digit_at(&d, i);
		for (i = 0; i < (size_t)k; i++)
			out[o++] = '0';
	} else if (n + k > 0) {
		size_t point = f + (size_t)(n + k);

		for (i = f; i <= l; i++) {
			if (i == point)
				out[o++] = '.';
			out[o++] = digit_at(&d, i);
		}
	} else {
		out[o++] = '0';
		out[o++] = '.';
		for (i = 0; i < (size_t)(-(n + k)); i++)
			out[o++] = '0';
		for (i = f; i <= l; i++)
			out[o++] = digit_at(&d, i);
	}
	out[o] = 0;
	return 0;

not_json:
	rb_detail(reason, reasonlen, "quantity '%s' is not a valid JSON number",
	          quote_value(q, s, len));
	return -1;
}

/* ---- usageTime ---------------------------------------------------------- */

int check_usage_time(const struct check_policy *p, const char *s, size_t len,
                     int64_t now_ms, int64_t *out_ms,
                     char out_text[CHECK_TIME_MAX], char *reason,
                     size_t reasonlen)
{
	int64_t ms, upper;
	char q[QUOTE_MAX], a[CHECK_TIME_MAX], b[CHECK_TIME_MAX];
	const char *shown;

	out_text[0] = 0;
	*out_ms = 0;
	if (s)
		trim(&s, &len);
	if (!s || len == 0) {
		if (p->stamp_time)
			return 0; /* stamped with the run's time later */
		rb_detail(reason, reasonlen,
		          "no usageTime; pass --stamp-time to send it at the "
		          "run's start time");
		return -1;
	}
	if (timefmt_read(&p->time, s, len, &ms, reason, reasonlen))
		return -1;
	if (p->time.kind == TIMEFMT_ISO &&
	    ((len == 20 && s[10] == 'T' && s[19] == 'Z') ||
	     (len == 24 && s[10] == 'T' && s[19] == '.' && s[23] == 'Z' &&
	      ms % 1000))) {
		/* Already canonical (the usual case): formatting again would
		 * cost a third of a row's checks. */
		memcpy(out_text, s, len);
		out_text[len] = 0;
	} else {
		timefmt_format(ms, out_text);
	}
	upper = p->has_not_after ? p->not_after_ms : now_ms + UPPER_SLACK_MS;
	if ((p->has_not_before && ms < p->not_before_ms) || ms > upper) {
		/* Show the instant in UTC, as the bound is, and the value as
		 * written when that differs. */
		bool same = len == strlen(out_text) &&
		            memcmp(s, out_text, len) == 0;

		shown = same ? "" : quote_value(q, s, len);
		if (ms > upper) {
			timefmt_format(upper, b);
			rb_detail(reason, reasonlen,
			          "usageTime %s%s%s%s is after %s %s%s",
			          same ? "" : shown, same ? "" : " (",
			          out_text, same ? "" : ")",
			          p->has_not_after ? "--not-after"
			                           : "the upper bound",
			          b,
			          p->has_not_after
			                  ? ""
			                  : " (now + 5 minutes); pass "
			                    "--not-after to change it");
		} else {
			timefmt_format(p->not_before_ms, a);
			rb_detail(reason, reasonlen,
			          "usageTime %s%s%s%s is before --not-before %s",
			          same ? "" : shown, same ? "" : " (",
			          out_text, same ? "" : ")", a);
		}
		out_text[0] = 0;
		return -1;
	}
	*out_ms = ms;
	return 0;
}

/* ---- acceptPartialQuantity ---------------------------------------------- */

static bool word_is(const char *s, size_t n, const char *w)
{
	size_t i;

	if (strlen(w) != n)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != w[i])
			return false;
	}
	return true;
}

int check_bool(const char *s, size_t len, int *out, char *reason,
               size_t reasonlen)
{
	char q[QUOTE_MAX];

	*out = -1;
	if (!s)
		return 0;
	trim(&s, &len);
	if (len == 0)
		return 0;
	if (word_is(s, len, "true") || word_is(s, len, "1") ||
	    word_is(s, len, "yes")) {
		*out = 1;
		return 0;
	}
	if (word_is(s, len, "false") || word_is(s, len, "0") ||
	    word_is(s, len, "no")) {
		*out = 0;
		return 0;
	}
	rb_detail(reason, reasonlen,
	          "acceptPartialQuantity '%s' is not a boolean (true/false, "
	          "1/0, yes/no)",
	          quote_value(q, s, len));
	return -1;
}

/* ---- records ------------------------------------------------------------ */

void check_policy_from_config(struct check_policy *p, const struct config *cfg)
{
	memset(p, 0, sizeof(*p));
	p->time.kind = cfg->time_format == CONFIG_TIME_EPOCH      ? TIMEFMT_EPOCH
	               : cfg->time_format == CONFIG_TIME_EPOCH_MS ? TIMEFMT_EPOCH_MS
	                                                          : TIMEFMT_ISO;
	p->time.has_zone = cfg->has_time_zone;
	p->time.zone_offset_min = cfg->time_zone_offset_min;
	p->has_not_before = cfg->has_not_before;
	p->not_before_ms = cfg->not_before_ms;
	p->has_not_after = cfg->has_not_after;
	p->not_after_ms = cfg->not_after_ms;
	p->stamp_time = cfg->stamp_time;
}

static const char *kind_name(enum reader_kind k)
{
	switch (k) {
	case READER_STRING: return "a string";
	case READER_NUMBER: return "a number";
	case READER_TRUE:
	case READER_FALSE: return "a boolean";
	case READER_NULL: return "null";
	case READER_COMPOSITE: return "an object or array";
	}
	return "a value of unknown kind";
}

int check_record(const struct check_policy *p, const struct record *rec,
                 int64_t now_ms, struct usage *out, char *reason,
                 size_t reasonlen)
{
	const struct record_value *v;
	char q[QUOTE_MAX];

	out->line = rec->line;
	out->subscription_id[0] = 0;
	out->quantity[0] = 0;
	out->usage_time[0] = 0;
	out->usage_time_ms = 0;
	out->accept_partial = -1;

	v = &rec->v[CONFIG_FIELD_SUBSCRIPTION_ID];
	if (v->present && v->kind != READER_STRING) {
		rb_detail(reason, reasonlen,
		          "subscriptionId must be a string, not %s",
		          kind_name(v->kind));
		return -1;
	}
	if (check_subscription_id(v->present ? v->text : NULL, v->len,
	                          out->subscription_id, reason, reasonlen))
		return -1;

	v = &rec->v[CONFIG_FIELD_QUANTITY];
	if (v->present && v->kind != READER_STRING && v->kind != READER_NUMBER) {
		rb_detail(reason, reasonlen,
		          "quantity must be a number or a string, not %s",
		          kind_name(v->kind));
		return -1;
	}
	if (check_quantity(v->present ? v->text : NULL, v->len,
	                   v->kind == READER_NUMBER, out->quantity, reason,
	                   reasonlen))
		return -1;

	v = &rec->v[CONFIG_FIELD_USAGE_TIME];
	if (v->present && v->kind != READER_STRING && v->kind != READER_NUMBER) {
		rb_detail(reason, reasonlen, "usageTime must be a string, not %s",
		          kind_name(v->kind));
		return -1;
	}
	if (check_usage_time(p, v->present ? v->text : NULL, v->len, now_ms,
	                     &out->usage_time_ms, out->usage_time, reason,
	                     reasonlen))
		return -1;

	v = &rec->v[CONFIG_FIELD_ACCEPT_PARTIAL];
	if (!v->present || v->kind == READER_NULL)
		return 0;
	switch (v->kind) {
	case READER_TRUE:
		out->accept_partial = 1;
		return 0;
	case READER_FALSE:
		out->accept_partial = 0;
		return 0;
	case READER_STRING:
		return check_bool(v->text, v->len, &out->accept_partial, reason,
		                  reasonlen);
	case READER_NUMBER:
		rb_detail(reason, reasonlen,
		          "acceptPartialQuantity %s is a number; use true or "
		          "false",
		          quote_value(q, v->text, v->len));
		return -1;
	default:
		rb_detail(reason, reasonlen,
		          "acceptPartialQuantity must be true or false, not %s",
		          kind_name(v->kind));
		return -1;
	}
}

/* ---- duplicate detection ------------------------------------------------ */

/* The set is DEDUP_SUBS sub-tables picked by the top bits of the hash, each
 * open addressing with linear probing over bare 64-bit hashes (0 = empty; a
 * hash of 0 is stored as 1). A sub-table grows when it would pass 3/4 full,
 * to as many slots as 16 bytes per row pays for (slots, segment array and
 * filter together): about 1.4 times. Growing copies only that one sub-table,
 * so the old and new copies held together add about 11 bytes per row of one
 * sub-table (1/1024 of the rows), never a second copy of the whole set.
 *
 * A sub-table's size is any number, not a power of two (that is what lets it
 * grow by a fraction): the home slot is the low 32 bits of the hash scaled to
 * the size (multiply-shift), bits independent of the top ones that chose the
 * sub-table. Past 512 slots its slots live in 4 KiB segments (the last one
 * holds the rest), so the heap sees one size over and over: the segments a
 * growth frees are the next growth's, where whole tables of ever new sizes
 * left holes that stayed resident (13 MiB more peak RSS at 8M rows).
 *
 * Most rows are new, and finding that out in the table costs a cache (and
 * TLB) miss per row: the table is 14 MiB at 1M rows. So each sub-table also
 * has a filter of DEDUP_MAP_BPS bits per slot (1/8 of the table's size, a
 * blocked Bloom filter: each key sets 2 bits of one 64-bit word),
 * small enough to stay in cache. A key whose bits are not all set is new for
 * certain: its bits are set, it is counted (its slot is reserved: count
 * includes it) and it waits in a batch of DEDUP_BATCH pending hashes. A full
 * batch is flushed: every home slot is prefetched, then every hash stored, so
 * the misses overlap instead of following one another. A key whose bits are
 * all set (a repeat, or a false positive: about 3 to 6%) flushes the batch,
 * then takes the exact path: probe, grow if need be, store. Growth only
 * happens there, after a flush, and rebuilds the filter from the stored
 * hashes; a flush needs no memory, so it cannot fail.
 *
 * The filter costs its 1 byte per slot inside the same 16 bytes per row: at
 * 3/4 full a grown sub-table is about 1.33 times bigger (1/1.33 * 3/4 = 0.56
 * full right after, 16 bytes per row) where it was 1.5 times without one.
 *
 * Two different keys with the same 64-bit hash are taken for a repeat: at
 * 10^8 distinct rows the chance of any such pair is about 3e-4. */
#define DEDUP_SUB_BITS 10
#define DEDUP_SUBS (1u << DEDUP_SUB_BITS)
#define DEDUP_SUB_MIN 16 /* slots of a new sub-table */
#define DEDUP_SEG_BITS 9
#define DEDUP_SEG (1u << DEDUP_SEG_BITS) /* slots in a segment: 4 KiB */
#define DEDUP_ROW_BYTES 16 /* the budget: a grown sub-table's bytes a row */
#define DEDUP_MAP_BPS 8 /* filter bits per slot */
#define DEDUP_LOAD_NUM 3 /* grow past 3/4 full */
#define DEDUP_LOAD_DEN 4
#define DEDUP_BATCH 32 /* pending hashes: more did not go faster */

struct dedup_sub {
	union {               /* owned, with every segment */
		uint64_t *one;  /* nslots <= DEDUP_SEG: the slots */
		uint64_t **seg; /* else dedup_nseg(nslots) segments */
	};
	uint64_t *map;   /* owned: the filter, nwords words */
	uint32_t nslots;
	uint32_t nwords;
	uint32_t count;  /* stored and pending */
};

struct dedup {
	size_t count;       /* stored and pending */
	size_t table_bytes; /* all sub-tables' slots, segment arrays, filters */
	unsigned map_shift; /* tests: filters 2^map_shift times smaller */
	long fail_allocs;   /* tests: allocations that may succeed, or -1 */
	uint32_t npend;
	uint64_t pend[DEDUP_BATCH]; /* new hashes not yet stored */
	struct dedup_sub sub[DEDUP_SUBS];
};

static size_t dedup_nseg(uint32_t n)
{
	return ((size_t)n + DEDUP_SEG - 1) / DEDUP_SEG;
}

static uint32_t dedup_nwords(const struct dedup *d, uint32_t n)
{
	uint64_t bits = ((uint64_t)n * DEDUP_MAP_BPS) >> d->map_shift;

	return bits < 64 ? 1 : (uint32_t)((bits + 63) / 64);
}

static size_t dedup_table_bytes(const struct dedup *d, uint32_t n)
{
	return (size_t)n * sizeof(uint64_t) +
	       (n > DEDUP_SEG ? dedup_nseg(n) * sizeof(uint64_t *) : 0) +
	       (size_t)dedup_nwords(d, n) * sizeof(uint64_t);
}

/* The bytes t holds (made with whatever map_shift was then). */
static size_t dedup_held(const struct dedup_sub *t)
{
	return (size_t)t->nslots * sizeof(uint64_t) +
	       (t->nslots > DEDUP_SEG ? dedup_nseg(t->nslots) * sizeof(uint64_t *)
	                              : 0) +
	       (size_t)t->nwords * sizeof(uint64_t);
}

static void *dedup_calloc(struct dedup *d, size_t n, size_t size)
{
	if (d->fail_allocs >= 0 && d->fail_allocs-- == 0) {
		d->fail_allocs = 0;
		return NULL;
	}
	return calloc(n, size);
}

/* Frees t's slots and filter; accepts a table half made by dedup_table_new. */
static void dedup_table_free(struct dedup_sub *t)
{
	size_t k;

	free(t->map);
	if (t->nslots <= DEDUP_SEG) {
		free(t->one);
	} else if (t->seg) {
		for (k = 0; k < dedup_nseg(t->nslots); k++)
			free(t->seg[k]);
		free(t->seg);
	}
}

/* Makes t an empty table of n slots with a clear filter. -1 when out of
 * memory (nothing held). */
static int dedup_table_new(struct dedup *d, struct dedup_sub *t, uint32_t n)
{
	size_t nseg = dedup_nseg(n), k;

	t->nslots = n;
	t->count = 0;
	t->nwords = dedup_nwords(d, n);
	t->one = NULL;
	if (!(t->map = dedup_calloc(d, t->nwords, sizeof(uint64_t))))
		return -1;
	if (n <= DEDUP_SEG) {
		if ((t->one = dedup_calloc(d, n, sizeof(uint64_t))))
			return 0;
		dedup_table_free(t);
		return -1;
	}
	if (!(t->seg = dedup_calloc(d, nseg, sizeof(*t->seg)))) {
		dedup_table_free(t);
		return -1;
	}
	for (k = 0; k < nseg; k++) {
		size_t len = k + 1 < nseg ? DEDUP_SEG : n - k * DEDUP_SEG;

		if (!(t->seg[k] = dedup_calloc(d, len, sizeof(uint64_t)))) {
			dedup_table_free(t);
			return -1;
		}
	}
	return 0;
}

struct dedup *dedup_new(void)
{
	struct dedup *d = malloc(sizeof(*d));
	size_t i;

	if (!d)
		return NULL;
	d->count = 0;
	d->map_shift = 0;
	d->fail_allocs = -1;
	d->npend = 0;
	d->table_bytes = 0;
	for (i = 0; i < DEDUP_SUBS; i++) {
		if (dedup_table_new(d, &d->sub[i], DEDUP_SUB_MIN)) {
			while (i--)
				dedup_table_free(&d->sub[i]);
			free(d);
			return NULL;
		}
		d->table_bytes += dedup_held(&d->sub[i]);
	}
	return d;
}

void dedup_free(struct dedup *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < DEDUP_SUBS; i++)
		dedup_table_free(&d->sub[i]);
	free(d);
}

/* The home slot of h in n slots: (low 32 bits) * n / 2^32. */
static uint32_t dedup_home(uint64_t h, uint32_t n)
{
	return (uint32_t)(((h & UINT32_MAX) * n) >> 32);
}

/* h's filter word in t: bits 22-53 scaled to the words (the top 10 picked
 * the sub-table); its bits in that word: bits 0-5 and 6-11. */
static uint64_t *dedup_map_word(const struct dedup_sub *t, uint64_t h)
{
	return &t->map[((h >> 22 & UINT32_MAX) * t->nwords) >> 32];
}

static uint64_t dedup_map_bits(uint64_t h)
{
	return UINT64_C(1) << (h & 63) | UINT64_C(1) << (h >> 6 & 63);
}

static uint64_t *dedup_slot(const struct dedup_sub *t, uint32_t i)
{
	return t->nslots <= DEDUP_SEG
	               ? &t->one[i]
	               : &t->seg[i >> DEDUP_SEG_BITS][i & (DEDUP_SEG - 1)];
}

/* Where h is in t or would go: the first slot from its home on that holds h
 * or is empty (there is one: a table is at most 3/4 full). */
static uint64_t *dedup_find(const struct dedup_sub *t, uint64_t h)
{
	uint32_t n = t->nslots, i = dedup_home(h, n);

	if (n <= DEDUP_SEG) {
		for (;;) {
			if (t->one[i] == h || !t->one[i])
				return &t->one[i];
			if (++i == n)
				i = 0;
		}
	}
	for (;;) {
		uint64_t *p = t->seg[i >> DEDUP_SEG_BITS];
		uint32_t j = i & (DEDUP_SEG - 1), base = i - j;
		uint32_t end = n - base < DEDUP_SEG ? n - base : DEDUP_SEG;

		for (; j < end; j++)
			if (p[j] == h || !p[j])
				return &p[j];
		i = base + end == n ? 0 : base + end;
	}
}

/* Stores the pending hashes: each is new (its filter bits were not all set,
 * and a repeat within the batch finds them set) and its slot was reserved. */
static void dedup_flush(struct dedup *d)
{
	uint32_t i, n = d->npend;

	for (i = 0; i < n; i++) {
		uint64_t h = d->pend[i];
		const struct dedup_sub *s = &d->sub[h >> (64 - DEDUP_SUB_BITS)];

#if defined(__GNUC__)
		__builtin_prefetch(dedup_slot(s, dedup_home(h, s->nslots)), 1);
#endif
	}
	for (i = 0; i < n; i++) {
		uint64_t h = d->pend[i];

		*dedup_find(&d->sub[h >> (64 - DEDUP_SUB_BITS)], h) = h;
	}
	d->npend = 0;
}

/* The most slots that DEDUP_ROW_BYTES bytes for each of rows pay for. */
static uint32_t dedup_fit(const struct dedup *d, uint64_t rows)
{
	uint64_t budget = rows * DEDUP_ROW_BYTES, m;

	if (budget / DEDUP_ROW_BYTES != rows)
		return 0;
	m = budget * 64 / (64 * sizeof(uint64_t) + DEDUP_MAP_BPS + 1);
	if (m > UINT32_MAX - 1)
		return 0;
	while (m > 0 && dedup_table_bytes(d, (uint32_t)m) > budget)
		m--;
	while (m < UINT32_MAX - 1 &&
	       dedup_table_bytes(d, (uint32_t)m + 1) <= budget)
		m++;
	return (uint32_t)m;
}

/* Rehashes s, which has no pending hashes, into as many slots as 16 bytes a
 * row pay for, the row being added included, and rebuilds its filter. On
 * failure s is untouched. */
static int dedup_grow(struct dedup *d, struct dedup_sub *s)
{
	uint32_t m = dedup_fit(d, (uint64_t)s->count + 1), i;
	struct dedup_sub t;

	if (m <= s->nslots)
		return -1;
	if (dedup_table_new(d, &t, m))
		return -1;
	for (i = 0; i < s->nslots; i += DEDUP_SEG) {
		const uint64_t *p = dedup_slot(s, i);
		uint64_t live[DEDUP_SEG];
		uint32_t j, k = 0;
		uint32_t len = s->nslots - i < DEDUP_SEG ? s->nslots - i : DEDUP_SEG;

		/* segment by segment, the stored hashes first: no branch per
		 * slot (a quarter to a half of them are empty, at random) */
		for (j = 0; j < len; j++) {
			live[k] = p[j];
			k += p[j] != 0;
		}
		for (j = 0; j < k; j++) {
			*dedup_find(&t, live[j]) = live[j];
			*dedup_map_word(&t, live[j]) |= dedup_map_bits(live[j]);
		}
	}
	d->table_bytes += dedup_held(&t);
	d->table_bytes -= dedup_held(s);
	t.count = s->count;
	dedup_table_free(s);
	*s = t;
	return 0;
}

static int dedup_add(struct dedup *d, uint64_t h)
{
	struct dedup_sub *s;
	uint64_t *p, *w, bits;
	int full;

	if (h == 0)
		h = 1;
	s = &d->sub[h >> (64 - DEDUP_SUB_BITS)];
	w = dedup_map_word(s, h);
	bits = dedup_map_bits(h);
	full = ((uint64_t)s->count + 1) * DEDUP_LOAD_DEN >
	       (uint64_t)s->nslots * DEDUP_LOAD_NUM;
	if ((*w & bits) != bits && !full) {
		/* new for certain, and its slot is there */
		*w |= bits;
		s->count++;
		d->count++;
		d->pend[d->npend++] = h;
		if (d->npend == DEDUP_BATCH)
			dedup_flush(d);
		return 0;
	}
	dedup_flush(d);
	p = dedup_find(s, h);
	if (*p)
		return 1;
	if (full) {
		if (dedup_grow(d, s))
			return -1;
		p = dedup_find(s, h);
	}
	*p = h;
	*dedup_map_word(s, h) |= bits;
	s->count++;
	d->count++;
	return 0;
}

static uint64_t dedup_key_hash(const struct usage *u)
{
	/* subscriptionId NUL usageTime NUL quantity: the NULs keep ("a", "b1")
	 * and ("ab", "1") apart. */
	unsigned char key[CHECK_ID_MAX + 1 + CHECK_TIME_MAX + CHECK_QUANTITY_MAX];
	size_t a = strlen(u->subscription_id), b = strlen(u->usage_time),
	       c = strlen(u->quantity);

	memcpy(key, u->subscription_id, a + 1);
	memcpy(key + a + 1, u->usage_time, b + 1);
	memcpy(key + a + 1 + b + 1, u->quantity, c);
	return hash_xxh64(key, a + b + c + 2, 0);
}

int dedup_seen(struct dedup *d, const struct usage *u)
{
	return dedup_add(d, dedup_key_hash(u));
}

int dedup_seen_key(struct dedup *d, const void *key, size_t len)
{
	return dedup_add(d, hash_xxh64(key, len, 0));
}

size_t dedup_count(const struct dedup *d)
{
	return d->count;
}

size_t dedup_bytes(const struct dedup *d)
{
	return sizeof(*d) + d->table_bytes;
}

void dedup_test_hooks(struct dedup *d, unsigned map_shift, long fail_allocs)
{
	d->map_shift = map_shift;
	d->fail_allocs = fail_allocs;
}
