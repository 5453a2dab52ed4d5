/* check: the pure rules of DESIGN.md "Checks". Everything here is on the hot
 * path of a dry run (millions of rows a second), so the success path does no
 * allocation and no printf: values are scanned once and copied. Reasons are
 * only formatted when a row fails. */
#include "check.h"
#include "quote.h"
#include "utf8.h"

#include <inttypes.h>
#include <stdio.h>
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

/* Rebilly's resource-id alphabet (its OpenAPI pattern ^[@~\-\.\w]+$):
 * ASCII letters, digits and _ @ ~ . - ; no other id can name a subscription. One
 * bit a byte (byte c is bit c & 63 of word c >> 6). */
#define ID_BIT(c) (UINT64_C(1) << ((c) & 63))
#define ID_RANGE(lo, hi) ((~UINT64_C(0) >> (63 - ((hi) & 63))) & (~UINT64_C(0) << ((lo) & 63)))
static const uint64_t id_ok[4] = {
	ID_RANGE('0', '9') | ID_BIT('-') | ID_BIT('.'),
	ID_RANGE('@', 'Z') | ID_RANGE('a', 'z') | ID_BIT('_') | ID_BIT('~'),
	0,
	0,
};

/* 0x80 in each byte of w that is not an id byte, exactly. A byte below 0x80
 * plus (0x80 - lo) sets its high bit when it is >= lo, plus (0x7f - hi)
 * when it is > hi, and neither sum carries into the next byte; a byte of
 * 0x80 or above is bad by its own high bit. */
static inline uint64_t id_word_bad(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = ones * 0x80;
	uint64_t x = w & ~highs;
#define GE(lo) (x + ones * (0x80 - (lo)))
#define GT(hi) (x + ones * (0x7f - (hi)))
	uint64_t good = (GE('-') & ~GT('.')) | (GE('0') & ~GT('9')) |
	                (GE('@') & ~GT('Z')) | (GE('_') & ~GT('_')) |
	                (GE('a') & ~GT('z')) | (GE('~') & ~GT('~'));
#undef GE
#undef GT
	return (~good | w) & highs;
}

/* The reason for the first byte of s that is not an id byte. */
static int bad_id_char(const char *s, size_t len, char *reason,
                       size_t reasonlen)
{
	const unsigned char *u = (const unsigned char *)s;
	char q[QUOTE_MAX], what[16];
	size_t i, k;

	for (i = 0; i < len; i++)
		if (!(id_ok[u[i] >> 6] >> (u[i] & 63) & 1))
			break;
	if (i == len)
		return 0;
	if (u[i] == ' ')
		snprintf(what, sizeof(what), "a space");
	else if (u[i] < 0x20 || u[i] == 0x7f)
		snprintf(what, sizeof(what), "byte 0x%02x", u[i]);
	else if (u[i] < 0x80)
		snprintf(what, sizeof(what), "'%c'", u[i]);
	else if ((k = utf8_seq(u + i, len - i)) != 0)
		snprintf(what, sizeof(what), "'%.*s'", (int)k, s + i);
	else
		snprintf(what, sizeof(what), "byte 0x%02x", u[i]);
	rb_detail(reason, reasonlen,
	          "subscriptionId '%s' contains %s, which no subscription id "
	          "can hold (ASCII letters, digits and _ @ ~ . - only)",
	          quote_value(q, s, len), what);
	return -1;
}

int check_subscription_id(const char *s, size_t len, char out[CHECK_ID_MAX + 1],
                          char *reason, size_t reasonlen)
{
	const unsigned char *u;
	uint64_t bad = 0, w;
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
	/* The usual id passes 8 bytes at a time without a branch, its last
	 * word overlapping the one before; a short one one table test a
	 * byte. Only a bad id goes through bad_id_char, which finds the
	 * reason. */
	u = (const unsigned char *)s;
	if (len >= 8) {
		for (i = 0; len - i > 8; i += 8) {
			memcpy(&w, u + i, 8);
			bad |= id_word_bad(w);
		}
		memcpy(&w, u + len - 8, 8);
		bad |= id_word_bad(w);
	} else {
		for (i = 0; i < len; i++)
			bad |= ~(id_ok[u[i] >> 6] >> (u[i] & 63)) & 1;
	}
	if (bad && bad_id_char(s, len, reason, reasonlen))
		return -1;
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

/* Digits, one ',' and more digits: what a decimal comma looks like. */
static bool comma_shaped(const char *s, size_t len)
{
	size_t i, commas = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == ',')
			commas++;
		else if (!is_digit(s[i]))
			return false;
	}
	return commas == 1 && s[len - 1] != ',';
}

static int bad_decimal(const char *s, size_t len, char point, char *reason,
                       size_t reasonlen)
{
	char q[QUOTE_MAX];

	rb_detail(reason, reasonlen,
	          "quantity '%s' is not a decimal number (digits with an "
	          "optional '%c'%s, no sign, exponent, separators or units)%s",
	          quote_value(q, s, len), point,
	          point == ',' ? " as --decimal-comma says" : "",
	          point == '.' && comma_shaped(s, len)
	                  ? "; if ',' is the decimal mark, pass --decimal-comma"
	                  : "");
	return -1;
}

/* check_quantity with point as the decimal mark of text ('.' or ','); a JSON
 * number always has '.'. */
static int quantity(const char *s, size_t len, bool is_json_number, char point,
                    char out[CHECK_QUANTITY_MAX], char *reason,
                    size_t reasonlen)
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
		} else if (*r == point && end - r >= 2 &&
		           end - r <= 1 + QUANTITY_MAX_DECIMALS &&
		           end[-1] != '0' && (*p != '0' || i == 1) &&
		           len - 1 <= QUANTITY_MAX_DIGITS) {
			for (r++; r < end && is_digit(*r); r++)
				;
			if (r == end) {
				memcpy(out, s, len);
				out[i] = '.'; /* sent with '.' whatever was read */
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
	if (p < end && *p == point) {
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
		return bad_decimal(s, len, point, reason, reasonlen);
	}

	/* value = digits[f..l] * 10^k, digits[f] and digits[l] non-zero */
	total = d.ilen + d.flen;
	for (f = 0; f < total && digit_at(&d, f) == '0'; f++)
		;
	if (f == total) {
		if (neg && !is_json_number)
			return bad_decimal(s, len, point, reason, reasonlen);
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
		size_t at = f + (size_t)(n + k); /* where '.' goes */

		for (i = f; i <= l; i++) {
			if (i == at)
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

int check_quantity(const char *s, size_t len, bool is_json_number,
                   char out[CHECK_QUANTITY_MAX], char *reason, size_t reasonlen)
{
	return quantity(s, len, is_json_number, '.', out, reason, reasonlen);
}

int check_quantity_comma(const char *s, size_t len, bool is_json_number,
                         char out[CHECK_QUANTITY_MAX], char *reason,
                         size_t reasonlen)
{
	return quantity(s, len, is_json_number, is_json_number ? '.' : ',', out,
	                reason, reasonlen);
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
	switch (cfg->time_format) {
	case CONFIG_TIME_EPOCH: p->time.kind = TIMEFMT_EPOCH; break;
	case CONFIG_TIME_EPOCH_MS: p->time.kind = TIMEFMT_EPOCH_MS; break;
	case CONFIG_TIME_PATTERN:
		p->time.kind = TIMEFMT_PATTERN;
		p->time.pattern = &cfg->time_pattern;
		break;
	default: p->time.kind = TIMEFMT_ISO; break;
	}
	p->time.has_zone = cfg->has_time_zone;
	p->time.zone_offset_min = cfg->time_zone_offset_min;
	p->time.zone = cfg->time_zone;
	p->time.dst = cfg->dst;
	p->has_not_before = cfg->has_not_before;
	p->not_before_ms = cfg->not_before_ms;
	p->has_not_after = cfg->has_not_after;
	p->not_after_ms = cfg->not_after_ms;
	p->stamp_time = cfg->stamp_time;
	p->decimal_comma = cfg->decimal_comma;
	memcpy(p->map, cfg->map, sizeof(p->map));
}

/* A field --map reaches that this row lacks: the reason names the path the
 * user gave, not only the field ("quantity is missing" reads as if the
 * mapping were ignored). 0 when f is present or not mapped. */
static int missing_mapped(const struct check_policy *p, const struct record *rec,
                          int f, char *reason, size_t reasonlen)
{
	char name[80];

	if (rec->v[f].present || !p->map[f] ||
	    (f == CONFIG_FIELD_USAGE_TIME && p->stamp_time))
		return 0;
	quote_name(p->map[f], strlen(p->map[f]), name, sizeof(name));
	rb_detail(reason, reasonlen,
	          "%s is missing: --map %s=%s finds no value in this row (no "
	          "such member, or null)", config_field_names[f],
	          config_field_names[f], name);
	return -1;
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

	if (missing_mapped(p, rec, CONFIG_FIELD_SUBSCRIPTION_ID, reason,
	                   reasonlen))
		return -1;
	v = &rec->v[CONFIG_FIELD_SUBSCRIPTION_ID];
	if (v->present && v->kind != READER_STRING) {
		rb_detail(reason, reasonlen,
		          "subscriptionId must be a string, not %s",
		          quote_kind(v->kind, NULL));
		return -1;
	}
	if (check_subscription_id(v->present ? v->text : NULL, v->len,
	                          out->subscription_id, reason, reasonlen))
		return -1;

	if (missing_mapped(p, rec, CONFIG_FIELD_QUANTITY, reason, reasonlen))
		return -1;
	v = &rec->v[CONFIG_FIELD_QUANTITY];
	if (v->present && v->kind != READER_STRING && v->kind != READER_NUMBER) {
		rb_detail(reason, reasonlen,
		          "quantity must be a number or a string, not %s",
		          quote_kind(v->kind, NULL));
		return -1;
	}
	if (quantity(v->present ? v->text : NULL, v->len,
	             v->kind == READER_NUMBER,
	             p->decimal_comma && v->kind != READER_NUMBER ? ',' : '.',
	             out->quantity, reason, reasonlen))
		return -1;

	if (missing_mapped(p, rec, CONFIG_FIELD_USAGE_TIME, reason, reasonlen))
		return -1;
	v = &rec->v[CONFIG_FIELD_USAGE_TIME];
	if (v->present && v->kind != READER_STRING && v->kind != READER_NUMBER) {
		rb_detail(reason, reasonlen, "usageTime must be a string, not %s",
		          quote_kind(v->kind, NULL));
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
		          quote_kind(v->kind, NULL));
		return -1;
	}
}
