/* timefmt: see timefmt.h. Reading a usageTime is on the hot path of a dry
 * run (millions of rows a second): the usual canonical form is checked a
 * word at a time, and nothing is formatted unless a value fails. */
#include "timefmt.h"

#include <string.h>

#include "quote.h"
#include "status.h"

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Spaces and tabs around an option value carry no meaning. */
static void trim(const char **s, size_t *n)
{
	while (*n && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*n)--;
	}
	while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
}

/* ---- calendar ------------------------------------------------------------ */

int64_t timefmt_days_from_civil(int64_t y, int m, int d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (unsigned)((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1);
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void timefmt_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

bool timefmt_is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int timefmt_days_in_month(int64_t y, int m)
{
	static const int dim[12] = { 31, 28, 31, 30, 31, 30,
		                     31, 31, 30, 31, 30, 31 };

	return m == 2 && timefmt_is_leap(y) ? 29 : dim[m - 1];
}

static void put2(char *p, int v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

void timefmt_format(int64_t ms, char out[TIMEFMT_MAX])
{
	int64_t days, rem, y;
	int m, d, sec, msec;

	if (ms < TIMEFMT_MIN_MS)
		ms = TIMEFMT_MIN_MS;
	if (ms > TIMEFMT_MAX_MS)
		ms = TIMEFMT_MAX_MS;
	days = ms / TIMEFMT_MS_PER_DAY;
	rem = ms % TIMEFMT_MS_PER_DAY;
	if (rem < 0) {
		rem += TIMEFMT_MS_PER_DAY;
		days--;
	}
	timefmt_civil_from_days(days, &y, &m, &d);
	put2(out, (int)(y / 100));
	put2(out + 2, (int)(y % 100));
	out[4] = '-';
	put2(out + 5, m);
	out[7] = '-';
	put2(out + 8, d);
	out[10] = 'T';
	sec = (int)(rem / 1000);
	msec = (int)(rem % 1000);
	put2(out + 11, sec / 3600);
	out[13] = ':';
	put2(out + 14, sec / 60 % 60);
	out[16] = ':';
	put2(out + 17, sec % 60);
	if (msec) {
		out[19] = '.';
		out[20] = (char)('0' + msec / 100);
		put2(out + 21, msec % 100);
		out[23] = 'Z';
		out[24] = 0;
	} else {
		out[19] = 'Z';
		out[20] = 0;
	}
}

/* ---- ISO 8601 / RFC 3339 parsing ---------------------------------------- */

static int num2(const char *p)
{
	return (p[0] - '0') * 10 + (p[1] - '0');
}

static bool all_digits(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_digit(p[i]))
			return false;
	return true;
}

int timefmt_check_civil(const char *pfx, const char *s, size_t n, int y,
                        int mo, int d, int h, int mi, int sec, char *reason,
                        size_t reasonlen)
{
	static const char *const names[12] = {
		"January", "February", "March",     "April",
		"May",     "June",     "July",      "August",
		"September", "October", "November", "December",
	};
	char q[QUOTE_MAX];

	if (y < 1) {
		rb_detail(reason, reasonlen,
		          "%s'%s' has year 0000; years are 0001-9999", pfx,
		          quote_value(q, s, n));
		return -1;
	}
	if (mo < 1 || mo > 12) {
		rb_detail(reason, reasonlen,
		          "%s'%s' has month %02d; months are 01-12", pfx,
		          quote_value(q, s, n), mo);
		return -1;
	}
	if (d < 1 || d > timefmt_days_in_month(y, mo)) {
		rb_detail(reason, reasonlen,
		          "%s'%s' has day %02d; %s %04d has %d days", pfx,
		          quote_value(q, s, n), d, names[mo - 1], y,
		          timefmt_days_in_month(y, mo));
		return -1;
	}
	if (h > 23) {
		rb_detail(reason, reasonlen,
		          "%s'%s' has hour %02d; hours are 00-23", pfx,
		          quote_value(q, s, n), h);
		return -1;
	}
	if (mi > 59) {
		rb_detail(reason, reasonlen,
		          "%s'%s' has minute %02d; minutes are 00-59", pfx,
		          quote_value(q, s, n), mi);
		return -1;
	}
	if (sec == 60) {
		/* Rebilly stores instants; a leap second names none. */
		rb_detail(reason, reasonlen,
		          "%s'%s' is a leap second (:60); seconds are 00-59",
		          pfx, quote_value(q, s, n));
		return -1;
	}
	if (sec > 59) {
		rb_detail(reason, reasonlen,
		          "%s'%s' has second %02d; seconds are 00-59", pfx,
		          quote_value(q, s, n), sec);
		return -1;
	}
	return 0;
}

/* Reads "+HH:MM", "+HHMM" or "+HH" (or '-') of exactly n bytes into minutes
 * east of UTC. Returns 0, 1 for bad syntax, 2 for a bad range (*hh, *mm say
 * what was read). */
static int parse_offset_digits(const char *p, size_t n, int *minutes, int *hh,
                               int *mm)
{
	int sign;

	if (n < 3 || (p[0] != '+' && p[0] != '-') || !all_digits(p + 1, 2))
		return 1;
	sign = p[0] == '-' ? -1 : 1;
	*hh = num2(p + 1);
	*mm = 0;
	if (n == 6 && p[3] == ':' && all_digits(p + 4, 2))
		*mm = num2(p + 4);
	else if (n == 5 && all_digits(p + 3, 2))
		*mm = num2(p + 3);
	else if (n != 3)
		return 1;
	if (*hh > 23 || *mm > 59)
		return 2;
	*minutes = sign * (*hh * 60 + *mm);
	return 0;
}

/* True when the 8 bytes at p hold a digit where tmpl has '0' and tmpl's own
 * byte everywhere else (tmpl is ASCII, so no term carries into the next
 * byte; the masks fold to constants for a literal tmpl). */
static inline bool shape8(const char *p, const char *tmpl)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = ones * 0x80;
	uint64_t w, t, x, dm, pm;

	memcpy(&w, p, 8);
	memcpy(&t, tmpl, 8);
	x = t ^ (ones * '0');
	dm = ~(((x & ~highs) + ~highs) | x) & highs; /* 0x80 where tmpl is '0' */
	pm = ~((dm >> 7) * 0xff);                    /* 0xff where it is not */
	return !(w & highs) && ((w + ones * 0x50) & dm) == dm &&
	       !((w + ones * 0x46) & dm) && (w & pm) == (t & pm);
}

/* The usual form, YYYY-MM-DDTHH:MM:SS[.fff]Z, when it is also a valid
 * instant: checked a word at a time. false sends anything else, valid or
 * not, to iso_parse's general path, which gives the reasons. */
static bool iso_fast(const char *p, size_t n, struct timefmt_iso *t)
{
	int y, mo, d, h, mi, sec, ms = 0;

	if (n == 24) {
		if (!shape8(p + 16, ":00.000Z"))
			return false;
		ms = (p[20] - '0') * 100 + num2(p + 21);
	} else if (n != 20 || !shape8(p + 12, "0:00:00Z")) {
		return false;
	}
	if (!shape8(p, "0000-00-") || !shape8(p + 8, "00T00:00"))
		return false;
	y = num2(p) * 100 + num2(p + 2);
	mo = num2(p + 5);
	d = num2(p + 8);
	h = num2(p + 11);
	mi = num2(p + 14);
	sec = num2(p + 17);
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > timefmt_days_in_month(y, mo) ||
	    h > 23 || mi > 59 || sec > 59)
		return false;
	t->has_time = true;
	t->has_zone = true;
	t->offset_min = 0;
	t->local_ms = timefmt_days_from_civil(y, mo, d) * TIMEFMT_MS_PER_DAY +
	              (int64_t)((h * 60 + mi) * 60 + sec) * 1000 + ms;
	return true;
}

int timefmt_iso_parse(const char *s, size_t n, const char *pfx,
                      struct timefmt_iso *t, char *reason, size_t reasonlen)
{
	char q[QUOTE_MAX];
	const char *p = s, *end = s + n;
	int y, mo, d, h = 0, mi = 0, sec = 0, ms = 0, hh, mm;
	size_t fd = 0, i;

	if (iso_fast(s, n, t))
		return 0;
	t->has_time = false;
	t->has_zone = false;
	t->offset_min = 0;
	if (n < 10 || !all_digits(p, 4) || p[4] != '-' ||
	    !all_digits(p + 5, 2) || p[7] != '-' || !all_digits(p + 8, 2))
		goto syntax;
	y = num2(p) * 100 + num2(p + 2);
	mo = num2(p + 5);
	d = num2(p + 8);
	p += 10;
	if (p < end) {
		if ((*p == 'T' || *p == 't' || *p == ' ') && end - p >= 6 &&
		    all_digits(p + 1, 2) && p[3] == ':' && all_digits(p + 4, 2) &&
		    (end - p == 6 || p[6] != ':')) {
			/* 2025-07-01 12:00: the seconds are what is wrong,
			 * whatever follows */
			if (end - p == 6)
				rb_detail(reason, reasonlen,
				          "%s'%s' has no seconds (RFC 3339 wants "
				          "HH:MM:SS); for times without them "
				          "pass --time-format '%%Y-%%m-%%d%s%%H:%%M'",
				          pfx, quote_value(q, s, n),
				          *p == ' ' ? " " : "T");
			else
				rb_detail(reason, reasonlen,
				          "%s'%s' has no seconds (RFC 3339 wants "
				          "HH:MM:SS)", pfx, quote_value(q, s, n));
			return -1;
		}
		if ((*p != 'T' && *p != 't' && *p != ' ') || end - p < 9 ||
		    !all_digits(p + 1, 2) || p[3] != ':' ||
		    !all_digits(p + 4, 2) || p[6] != ':' ||
		    !all_digits(p + 7, 2))
			goto syntax;
		t->has_time = true;
		h = num2(p + 1);
		mi = num2(p + 4);
		sec = num2(p + 7);
		p += 9;
		if (p < end && *p == '.') {
			p++;
			for (; p < end && is_digit(*p); p++, fd++)
				if (fd < 3)
					ms = ms * 10 + (*p - '0');
			if (fd == 0)
				goto syntax;
			for (i = fd; i < 3; i++)
				ms *= 10;
		}
		if (p < end) {
			if ((*p == 'Z' || *p == 'z') && end - p == 1) {
				t->has_zone = true;
			} else {
				int rc = parse_offset_digits(p, (size_t)(end - p),
				                             &t->offset_min, &hh,
				                             &mm);
				if (rc == 1)
					goto syntax;
				if (rc == 2) {
					rb_detail(reason, reasonlen,
					          "%s'%s' has offset %c%02d:%02d; "
					          "offsets are -23:59 to +23:59",
					          pfx, quote_value(q, s, n), *p, hh,
					          mm);
					return -1;
				}
				t->has_zone = true;
			}
		}
	}
	if (fd > TIMEFMT_FRACTION_MAX) {
		rb_detail(reason, reasonlen,
		          "%s'%s' has a fraction of %zu digits; at most %d are "
		          "allowed",
		          pfx, quote_value(q, s, n), fd, TIMEFMT_FRACTION_MAX);
		return -1;
	}
	if (timefmt_check_civil(pfx, s, n, y, mo, d, h, mi, sec, reason,
	                        reasonlen))
		return -1;
	t->local_ms = timefmt_days_from_civil(y, mo, d) * TIMEFMT_MS_PER_DAY +
	              (int64_t)((h * 60 + mi) * 60 + sec) * 1000 + ms;
	return 0;

syntax:
	rb_detail(reason, reasonlen,
	          "%s'%s' is not an RFC 3339 date-time "
	          "(YYYY-MM-DDTHH:MM:SS[.fff] with Z or an offset like +02:00)%s",
	          pfx, quote_value(q, s, n),
	          n && all_digits(s, n) ? "; for Unix times pass --time-format "
	                                  "epoch or epoch-ms"
	                                : "");
	return -1;
}

int timefmt_check_range(const char *pfx, const char *s, size_t n, int64_t ms,
                        char *reason, size_t reasonlen)
{
	char q[QUOTE_MAX];

	if (ms >= TIMEFMT_MIN_MS && ms <= TIMEFMT_MAX_MS)
		return 0;
	rb_detail(reason, reasonlen,
	          "%s'%s' is outside 0001-01-01T00:00:00Z to "
	          "9999-12-31T23:59:59.999Z",
	          pfx, quote_value(q, s, n));
	return -1;
}

int timefmt_epoch_parse(const char *s, size_t n, bool millis, int64_t *ms,
                        char *reason, size_t reasonlen)
{
	char q[QUOTE_MAX];
	const char *p = s, *end = s + n;
	int64_t v = 0;
	int frac = 0;
	size_t id = 0, fd = 0, i;
	bool big = false;

	for (; p < end && is_digit(*p); p++, id++) {
		v = v * 10 + (*p - '0');
		if (v > TIMEFMT_MAX_MS) {
			big = true;
			v = TIMEFMT_MAX_MS; /* keeps v * 10 within int64 */
		}
	}
	if (!millis && p < end && *p == '.') {
		for (p++; p < end && is_digit(*p); p++, fd++)
			if (fd < 3)
				frac = frac * 10 + (*p - '0');
		if (fd == 0)
			goto syntax; /* "5." has no fraction digits */
		for (i = fd; i < 3; i++)
			frac *= 10;
	}
	if (p != end || id == 0)
		goto syntax;
	if (fd > TIMEFMT_FRACTION_MAX) {
		rb_detail(reason, reasonlen,
		          "usageTime '%s' has a fraction of %zu digits; at most "
		          "%d are allowed",
		          quote_value(q, s, n), fd, TIMEFMT_FRACTION_MAX);
		return -1;
	}
	if (!millis && !big && v > TIMEFMT_MAX_MS / 1000)
		big = true;
	if (big) {
		rb_detail(reason, reasonlen,
		          "usageTime '%s' is after 9999-12-31T23:59:59.999Z%s",
		          quote_value(q, s, n),
		          millis ? "" : " in seconds: probably milliseconds "
		                        "(pass --time-format epoch-ms)");
		return -1;
	}
	*ms = millis ? v : v * 1000 + frac;
	/* A unit mistaken is the likely error, and it would bill in 1970 or
	 * in year 57,000: a value far from any real usage says so. */
	if (millis ? *ms < TIMEFMT_EPOCH_MS_MIN : *ms >= TIMEFMT_EPOCH_MAX) {
		char t[TIMEFMT_MAX];

		timefmt_format(*ms, t);
		rb_detail(reason, reasonlen,
		          millis ? "usageTime '%s' is %s in milliseconds, before "
		                   "2000: probably seconds (pass --time-format "
		                   "epoch)"
		                 : "usageTime '%s' is %s in seconds, in 2100 or "
		                   "later: probably milliseconds (pass "
		                   "--time-format epoch-ms)",
		          quote_value(q, s, n), t);
		return -1;
	}
	return 0;

syntax:
	rb_detail(reason, reasonlen,
	          millis ? "usageTime '%s' is not a Unix time in milliseconds "
	                   "(digits only, --time-format epoch-ms)"
	                 : "usageTime '%s' is not a Unix time in seconds "
	                   "(digits with an optional fraction, --time-format "
	                   "epoch)",
	          quote_value(q, s, n));
	return -1;
}

/* ---- option values --------------------------------------------------------- */

static int parse_bound(const char *s, bool end_of_day, int64_t *ms,
                       char *reason, size_t reasonlen)
{
	struct timefmt_iso t;
	size_t len = strlen(s);
	char q[QUOTE_MAX];

	trim(&s, &len);
	if (timefmt_iso_parse(s, len, "", &t, reason, reasonlen))
		return -1;
	if (t.has_time && !t.has_zone) {
		rb_detail(reason, reasonlen,
		          "'%s' has no time zone; add Z or an offset like "
		          "+02:00",
		          quote_value(q, s, len));
		return -1;
	}
	*ms = t.local_ms - (int64_t)t.offset_min * 60000;
	if (!t.has_time && end_of_day)
		*ms += TIMEFMT_MS_PER_DAY - 1; /* the window is inclusive */
	return timefmt_check_range("", s, len, *ms, reason, reasonlen);
}

int timefmt_parse_bound(const char *s, int64_t *ms, char *reason,
                        size_t reasonlen)
{
	return parse_bound(s, false, ms, reason, reasonlen);
}

int timefmt_parse_end_bound(const char *s, int64_t *ms, char *reason,
                            size_t reasonlen)
{
	return parse_bound(s, true, ms, reason, reasonlen);
}

int timefmt_parse_offset(const char *s, int *minutes)
{
	size_t n = strlen(s);
	int hh, mm;

	if ((n == 1 && (s[0] == 'Z' || s[0] == 'z')) ||
	    (n == 3 && (s[0] == 'U' || s[0] == 'u') &&
	     (s[1] == 'T' || s[1] == 't') && (s[2] == 'C' || s[2] == 'c'))) {
		*minutes = 0;
		return 0;
	}
	return parse_offset_digits(s, n, minutes, &hh, &mm) ? -1 : 0;
}

/* ---- HTTP dates --------------------------------------------------------------- */

static bool valid_date(int64_t y, int m, int d, int hh, int mm, int ss)
{
	if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 ||
	    d > timefmt_days_in_month(y, m))
		return false;
	return hh >= 0 && hh <= 23 && mm >= 0 && mm <= 59 && ss >= 0 && ss <= 60;
}

static int64_t to_unix(int64_t y, int m, int d, int hh, int mm, int ss)
{
	return timefmt_days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss;
}

/* Reads exactly n digits. */
static bool digits(const char **p, int n, int *out)
{
	int v = 0;

	while (n-- > 0) {
		if (**p < '0' || **p > '9')
			return false;
		v = v * 10 + (*(*p)++ - '0');
	}
	*out = v;
	return true;
}

static bool lit(const char **p, const char *s)
{
	size_t n = strlen(s);

	if (strncmp(*p, s, n))
		return false;
	*p += n;
	return true;
}

static int month_of(const char **p)
{
	static const char *const names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	int i;

	for (i = 0; i < 12; i++)
		if (lit(p, names[i]))
			return i + 1;
	return 0;
}

static bool skip_day_name(const char **p, bool long_form)
{
	static const char *const s[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
	static const char *const l[] = {"Monday", "Tuesday", "Wednesday", "Thursday",
	                                "Friday", "Saturday", "Sunday"};
	int i;

	for (i = 0; i < 7; i++)
		if (lit(p, long_form ? l[i] : s[i]))
			return true;
	return false;
}

static bool hms(const char **p, int *hh, int *mm, int *ss)
{
	return digits(p, 2, hh) && lit(p, ":") && digits(p, 2, mm) && lit(p, ":") &&
	       digits(p, 2, ss);
}

static bool only_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return !*p;
}

bool timefmt_parse_http_date(const char *s, int64_t *unix_s)
{
	const char *p;
	int d, m, y4, y2, hh, mm, ss;
	int64_t y;

	if (!s)
		return false;
	while (*s == ' ' || *s == '\t')
		s++;
	/* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
	p = s;
	if (skip_day_name(&p, false) && lit(&p, ", ") && digits(&p, 2, &d) &&
	    lit(&p, " ") && (m = month_of(&p)) && lit(&p, " ") &&
	    digits(&p, 4, &y4) && lit(&p, " ") && hms(&p, &hh, &mm, &ss) &&
	    lit(&p, " GMT") && only_blanks(p)) {
		y = y4;
		goto found;
	}
	/* RFC 850: Sunday, 06-Nov-94 08:49:37 GMT; a two-digit year is taken in
	 * the 50 years around 2000 (RFC 9110 says: not more than 50 years ahead). */
	p = s;
	if (skip_day_name(&p, true) && lit(&p, ", ") && digits(&p, 2, &d) &&
	    lit(&p, "-") && (m = month_of(&p)) && lit(&p, "-") &&
	    digits(&p, 2, &y2) && lit(&p, " ") && hms(&p, &hh, &mm, &ss) &&
	    lit(&p, " GMT") && only_blanks(p)) {
		y = y2 < 70 ? 2000 + y2 : 1900 + y2;
		goto found;
	}
	/* asctime: Sun Nov  6 08:49:37 1994 */
	p = s;
	if (skip_day_name(&p, false) && lit(&p, " ") && (m = month_of(&p)) &&
	    lit(&p, " ")) {
		if (*p == ' ') {
			p++;
			if (!digits(&p, 1, &d))
				return false;
		} else if (!digits(&p, 2, &d)) {
			return false;
		}
		if (lit(&p, " ") && hms(&p, &hh, &mm, &ss) && lit(&p, " ") &&
		    digits(&p, 4, &y4) && only_blanks(p)) {
			y = y4;
			goto found;
		}
	}
	return false;
found:
	if (!valid_date(y, m, d, hh, mm, ss))
		return false;
	*unix_s = to_unix(y, m, d, hh, mm, ss);
	return true;
}
