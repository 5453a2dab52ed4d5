/* timefmt_pattern: see timefmt_pattern.h. strptime itself is not used: it
 * depends on the locale, skips what it likes, and says nothing about what
 * was wrong. */
#include "timefmt_pattern.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "quote.h"
#include "status.h"

#define DIRECTIVES "YmdHIMSpbzf"

static const char *const month_names[12] = {
	"january", "february", "march",     "april",   "may",      "june",
	"july",    "august",   "september", "october", "november", "december",
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

int timefmt_pattern_compile(const char *s, struct timefmt_pattern *p,
                            char *reason, size_t reasonlen)
{
	char q[QUOTE_MAX], seen[sizeof(DIRECTIVES)] = { 0 };
	size_t len = strlen(s), i;

	memset(p, 0, sizeof(*p));
	if (len > TIMEFMT_PATTERN_MAX) {
		rb_detail(reason, reasonlen,
		          "'%s' is longer than %d bytes", quote_value(q, s, len),
		          TIMEFMT_PATTERN_MAX);
		return -1;
	}
	memcpy(p->text, s, len);
	for (i = 0; i < len; i++) {
		struct timefmt_pattern_item *it = &p->items[p->n];
		const char *d;

		if (s[i] == ' ') {
			/* a run of spaces is one item: blanks, none too */
			if (!p->n || p->items[p->n - 1].op != ' ')
				p->items[p->n++].op = ' ';
			continue;
		}
		if (s[i] != '%') {
			it->op = 'L';
			it->lit = s[i];
			p->n++;
			continue;
		}
		if (++i == len) {
			rb_detail(reason, reasonlen,
			          "'%s' ends with a lone %%; write %%%% for a %%",
			          quote_value(q, s, len));
			return -1;
		}
		if (s[i] == '%') {
			it->op = 'L';
			it->lit = '%';
			p->n++;
			continue;
		}
		if (!(d = strchr(DIRECTIVES, s[i]))) {
			char c[8];

			if ((unsigned char)s[i] > 0x20 && (unsigned char)s[i] < 0x7f)
				snprintf(c, sizeof(c), "%%%c", s[i]);
			else
				snprintf(c, sizeof(c), "%%\\x%02x",
				         (unsigned char)s[i]);
			rb_detail(reason, reasonlen,
			          "'%s' has %s; a pattern takes %%Y %%m %%d %%H "
			          "%%I %%M %%S %%p %%b %%z %%f and %%%%",
			          quote_value(q, s, len), c);
			return -1;
		}
		if (seen[d - DIRECTIVES]++) {
			rb_detail(reason, reasonlen, "'%s' has %%%c twice",
			          quote_value(q, s, len), s[i]);
			return -1;
		}
		it->op = s[i];
		p->n++;
	}
#define HAS(c) (seen[strchr(DIRECTIVES, c) - DIRECTIVES] != 0)
	if (!HAS('Y') || !(HAS('m') || HAS('b')) || !HAS('d')) {
		rb_detail(reason, reasonlen,
		          "'%s' does not name a whole date; it needs %%Y, %%m (or "
		          "%%b) and %%d",
		          quote_value(q, s, len));
		return -1;
	}
	if (HAS('m') && HAS('b')) {
		rb_detail(reason, reasonlen, "'%s' has both %%m and %%b",
		          quote_value(q, s, len));
		return -1;
	}
	if (HAS('H') && HAS('I')) {
		rb_detail(reason, reasonlen,
		          "'%s' has both %%H and %%I; %%H is 00-23, %%I is 1-12 "
		          "with %%p",
		          quote_value(q, s, len));
		return -1;
	}
	if (HAS('I') != HAS('p')) {
		rb_detail(reason, reasonlen,
		          "'%s' has %s without %s: a 12-hour clock needs both",
		          quote_value(q, s, len), HAS('I') ? "%I" : "%p",
		          HAS('I') ? "%p" : "%I");
		return -1;
	}
	if ((HAS('M') || HAS('S')) && !HAS('H') && !HAS('I')) {
		rb_detail(reason, reasonlen,
		          "'%s' has minutes or seconds but no hour (%%H or %%I)",
		          quote_value(q, s, len));
		return -1;
	}
	if (HAS('S') && !HAS('M')) {
		rb_detail(reason, reasonlen, "'%s' has %%S but no %%M",
		          quote_value(q, s, len));
		return -1;
	}
	if (HAS('f') && !HAS('S')) {
		rb_detail(reason, reasonlen,
		          "'%s' has %%f but no %%S: a fraction is of a second",
		          quote_value(q, s, len));
		return -1;
	}
	p->has_zone = HAS('z');
#undef HAS
	return 0;
}

/* What one directive wants, for the reason when it does not find it. */
static const char *wants(const struct timefmt_pattern_item *it)
{
	switch (it->op) {
	case 'Y': return "%Y wants 4 digits";
	case 'm': return "%m wants a month, 1 or 2 digits";
	case 'd': return "%d wants a day, 1 or 2 digits";
	case 'H': return "%H wants an hour, 1 or 2 digits";
	case 'I': return "%I wants an hour, 1 or 2 digits";
	case 'M': return "%M wants minutes, 1 or 2 digits";
	case 'S': return "%S wants seconds, 1 or 2 digits";
	case 'p': return "%p wants AM or PM";
	case 'b': return "%b wants a month name such as Mar or March";
	case 'z': return "%z wants Z or an offset like +02:00";
	case 'f': return "%f wants 1 to 9 digits";
	default: return NULL;
	}
}

/* Up to max digits (at least one) at *p; greedy, as strptime reads. */
static bool number(const char **p, const char *end, int max, int *v)
{
	int k;

	*v = 0;
	for (k = 0; k < max && *p < end && is_digit(**p); k++)
		*v = *v * 10 + (*(*p)++ - '0');
	return k > 0;
}

static bool month_name(const char **p, const char *end, int *mo)
{
	size_t left = (size_t)(end - *p), k, j;

	for (k = 0; k < 12; k++) {
		size_t full = strlen(month_names[k]);

		/* the full name first, so "March" is not "Mar" + "ch" */
		for (j = 0; j < full && j < left &&
		            lower((*p)[j]) == month_names[k][j];
		     j++)
			;
		if (j == full || j == 3) {
			*p += j;
			*mo = (int)k + 1;
			return true;
		}
	}
	return false;
}

/* Z, or +HH:MM, +HHMM or +HH (or '-'), hours up to 23, minutes up to 59. */
static bool offset(const char **p, const char *end, int *min, bool *range)
{
	const char *s = *p;
	int sign, hh, mm = 0;

	*range = true;
	if (s < end && (*s == 'Z' || *s == 'z')) {
		*min = 0;
		*p = s + 1;
		return true;
	}
	if (end - s < 3 || (*s != '+' && *s != '-') || !is_digit(s[1]) ||
	    !is_digit(s[2]))
		return false;
	sign = *s == '-' ? -1 : 1;
	hh = (s[1] - '0') * 10 + (s[2] - '0');
	s += 3;
	if (end - s >= 3 && *s == ':' && is_digit(s[1]) && is_digit(s[2])) {
		mm = (s[1] - '0') * 10 + (s[2] - '0');
		s += 3;
	} else if (end - s >= 2 && is_digit(s[0]) && is_digit(s[1])) {
		mm = (s[0] - '0') * 10 + (s[1] - '0');
		s += 2;
	}
	*range = hh <= 23 && mm <= 59;
	*min = sign * (hh * 60 + mm);
	*p = s;
	return true;
}

int timefmt_pattern_read(const struct timefmt_pattern *p, const char *s,
                         size_t n, struct timefmt_iso *t, char *reason,
                         size_t reasonlen)
{
	const char *c = s, *end = s + n, *want = NULL;
	int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, ms = 0, pm = -1, v;
	int fd = 0;
	unsigned i;
	char q[QUOTE_MAX], rest[QUOTE_MAX + 2], lit[16];
	char pat[TIMEFMT_PATTERN_MAX * 4 + 4];
	bool range = true;

	t->has_time = false;
	t->has_zone = false;
	t->offset_min = 0;
	for (i = 0; i < p->n && !want; i++) {
		const struct timefmt_pattern_item *it = &p->items[i];
		const char *at = c;

		switch (it->op) {
		case ' ':
			while (c < end && (*c == ' ' || *c == '\t'))
				c++;
			break;
		case 'L':
			if (c < end && *c == it->lit) {
				c++;
				break;
			}
			if ((unsigned char)it->lit >= 0x20 &&
			    (unsigned char)it->lit < 0x7f)
				snprintf(lit, sizeof(lit), "'%c'", it->lit);
			else
				snprintf(lit, sizeof(lit), "byte 0x%02x",
				         (unsigned char)it->lit);
			want = lit;
			break;
		case 'Y':
			if (!number(&c, end, 4, &y) || c - at != 4)
				want = wants(it);
			break;
		case 'm':
		case 'd':
		case 'H':
		case 'I':
		case 'M':
		case 'S':
			if (!number(&c, end, 2, &v)) {
				want = wants(it);
				break;
			}
			if (it->op == 'm')
				mo = v;
			else if (it->op == 'd')
				d = v;
			else if (it->op == 'M')
				mi = v;
			else if (it->op == 'S')
				sec = v;
			else
				h = v;
			if (it->op == 'H' || it->op == 'I')
				t->has_time = true;
			break;
		case 'p':
			if (end - c >= 2 && (lower(c[1]) == 'm') &&
			    (lower(c[0]) == 'a' || lower(c[0]) == 'p')) {
				pm = lower(c[0]) == 'p';
				c += 2;
			} else {
				want = wants(it);
			}
			break;
		case 'b':
			if (!month_name(&c, end, &mo))
				want = wants(it);
			break;
		case 'z':
			if (!offset(&c, end, &t->offset_min, &range)) {
				want = wants(it);
				break;
			}
			t->has_zone = true;
			break;
		case 'f':
			for (; c < end && is_digit(*c); c++, fd++)
				if (fd < 3)
					ms = ms * 10 + (*c - '0');
			if (fd == 0) {
				want = wants(it);
				break;
			}
			for (v = fd; v < 3; v++)
				ms *= 10;
			break;
		}
		if (want)
			c = at; /* show what it found where it looked */
	}
	if (want || c != end) {
		size_t left = (size_t)(end - c);

		quote_append(pat, sizeof(pat), 0, p->text, strlen(p->text), 0, 0);
		if (left)
			snprintf(rest, sizeof(rest), "'%s'",
			         quote_value(q, c, left));
		else
			snprintf(rest, sizeof(rest), "nothing");
		if (want)
			rb_detail(reason, reasonlen,
			          "usageTime '%s' does not match --time-format "
			          "'%s': %s%s, found %s",
			          quote_value(q, s, n), pat,
			          want == lit ? "wants " : "", want, rest);
		else
			rb_detail(reason, reasonlen,
			          "usageTime '%s' does not match --time-format "
			          "'%s': %s is left over",
			          quote_value(q, s, n), pat, rest);
		return -1;
	}
	if (fd > TIMEFMT_FRACTION_MAX) {
		rb_detail(reason, reasonlen,
		          "usageTime '%s' has a fraction of %d digits; at most %d "
		          "are allowed",
		          quote_value(q, s, n), fd, TIMEFMT_FRACTION_MAX);
		return -1;
	}
	if (!range) {
		rb_detail(reason, reasonlen,
		          "usageTime '%s' has an offset beyond 23:59; offsets are "
		          "-23:59 to +23:59",
		          quote_value(q, s, n));
		return -1;
	}
	if (pm >= 0) {
		if (h < 1 || h > 12) {
			rb_detail(reason, reasonlen,
			          "usageTime '%s' has hour %d; with AM or PM hours "
			          "are 1-12",
			          quote_value(q, s, n), h);
			return -1;
		}
		h = h % 12 + (pm ? 12 : 0); /* 12 AM is midnight */
	}
	if (timefmt_check_civil("usageTime ", s, n, y, mo, d, h, mi, sec,
	                        reason, reasonlen))
		return -1;
	t->local_ms = timefmt_days_from_civil(y, mo, d) * TIMEFMT_MS_PER_DAY +
	              (int64_t)((h * 60 + mi) * 60 + sec) * 1000 + ms;
	return 0;
}
