/* timefmt_zone: see timefmt_zone.h. A TZif file is read whole and checked
 * before anything is kept (every count, index and time), so a damaged or
 * hostile file is refused, never trusted: the fuzzer drives
 * timefmt_zone_parse directly. Times are whole seconds here; a local time's
 * milliseconds ride along untouched, as no zone changes offset within a
 * second. */
#include "timefmt_zone.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "timefmt.h"

#define DAY_S 86400
#define ZONE_FILE_MAX (1 << 20)   /* the largest TZif file is about 10 KiB */
#define ZONE_TIMES_MAX 65536      /* transitions; the most today is ~2000 */
#define ZONE_CHARS_MAX 1024       /* abbreviation bytes */
#define ZONE_ABBR_MAX 16          /* a TZ rule's names, NUL included */
#define ZONE_OFF_MAX (26 * 3600)  /* RFC 8536: offsets within -25:59:59..+25:59:59 */
#define RULE_HOURS_MAX 167        /* RFC 8536: a rule's change time, -167h..167h */
/* A local time is at most 26 hours from its instant: changes further away
 * than this cannot matter to it. */
#define WINDOW_S (27 * 3600)

struct zone_type {
	int32_t off;   /* seconds east of UTC */
	uint16_t abbr; /* index into chars */
};

/* A day of a POSIX TZ rule: Jn (1-365, February 29 never counted), n
 * (0-365, counted), or Mm.w.d (weekday d of week w, 5 = the last, of month
 * m), and the local time of the change on it. */
struct rule_date {
	char kind; /* 'J', 'D' or 'M' */
	int a, b, c;
	int32_t time_s;
};

/* The footer's rule: times after the table follow it. */
struct zone_rule {
	bool has_dst;
	int32_t std_off, dst_off; /* seconds east of UTC */
	char std_abbr[ZONE_ABBR_MAX], dst_abbr[ZONE_ABBR_MAX];
	struct rule_date start, end; /* to daylight time and back */
};

struct timefmt_zone {
	char name[TIMEFMT_ZONE_NAME_MAX];
	uint32_t n;      /* transitions */
	int64_t *at;     /* their instants, UTC seconds, ascending */
	uint8_t *type;   /* the type in force from each on */
	uint32_t ntypes;
	struct zone_type types[256]; /* types[0] also before the first */
	char *chars;     /* NUL-terminated abbreviations */
	bool has_rule;
	struct zone_rule rule;
};

/* ---- reading a TZif file ---------------------------------------------------- */

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

struct tzif_header {
	uint32_t isut, isstd, leap, times, types, chars;
};

static void read_header(const unsigned char *p, struct tzif_header *h)
{
	h->isut = be32(p + 20);
	h->isstd = be32(p + 24);
	h->leap = be32(p + 28);
	h->times = be32(p + 32);
	h->types = be32(p + 36);
	h->chars = be32(p + 40);
}

/* Bytes of a data block after its header, times of tsize bytes. */
static uint64_t block_len(const struct tzif_header *h, unsigned tsize)
{
	return (uint64_t)h->times * (tsize + 1) + (uint64_t)h->types * 6 +
	       h->chars + (uint64_t)h->leap * (tsize + 4) + h->isstd + h->isut;
}

static enum rb_status refuse(char *err, size_t errlen, const char *name,
                             const char *what)
{
	rb_detail(err, errlen, "time zone '%s': %s", name, what);
	return RB_EUSAGE;
}

static bool is_alpha(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A rule's name: three or more letters, or <...> of letters, digits, + and
 * -. Returns the end, or NULL. */
static const char *rule_name(const char *p, char out[ZONE_ABBR_MAX])
{
	size_t n = 0;

	if (*p == '<') {
		for (p++; *p && *p != '>'; p++) {
			if (!is_alpha(*p) && !is_digit(*p) && *p != '+' &&
			    *p != '-')
				return NULL;
			if (n + 1 >= ZONE_ABBR_MAX)
				return NULL;
			out[n++] = *p;
		}
		if (*p++ != '>')
			return NULL;
	} else {
		for (; is_alpha(*p); p++) {
			if (n + 1 >= ZONE_ABBR_MAX)
				return NULL;
			out[n++] = *p;
		}
	}
	out[n] = 0;
	return n >= 3 ? p : NULL;
}

/* [+-]hh[:mm[:ss]] with hh at most max_h, into seconds. */
static const char *rule_hms(const char *p, int max_h, int32_t *secs)
{
	int sign = 1, h = 0, m = 0, s = 0, k;

	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	for (k = 0; k < 3 && is_digit(*p); k++)
		h = h * 10 + (*p++ - '0');
	if (k == 0 || h > max_h)
		return NULL;
	if (*p == ':') {
		p++;
		for (k = 0; k < 2 && is_digit(*p); k++)
			m = m * 10 + (*p++ - '0');
		if (k == 0 || m > 59)
			return NULL;
		if (*p == ':') {
			p++;
			for (k = 0; k < 2 && is_digit(*p); k++)
				s = s * 10 + (*p++ - '0');
			if (k == 0 || s > 59)
				return NULL;
		}
	}
	*secs = sign * (h * 3600 + m * 60 + s);
	return p;
}

static const char *rule_num(const char *p, int lo, int hi, int *v)
{
	int k;

	*v = 0;
	for (k = 0; k < 3 && is_digit(*p); k++)
		*v = *v * 10 + (*p++ - '0');
	return k && *v >= lo && *v <= hi ? p : NULL;
}

static const char *rule_date(const char *p, struct rule_date *d)
{
	d->a = d->b = d->c = 0;
	if (*p == 'J') {
		d->kind = 'J';
		p = rule_num(p + 1, 1, 365, &d->a);
	} else if (*p == 'M') {
		d->kind = 'M';
		if ((p = rule_num(p + 1, 1, 12, &d->a)) && *p == '.' &&
		    (p = rule_num(p + 1, 1, 5, &d->b)) && *p == '.')
			p = rule_num(p + 1, 0, 6, &d->c);
		else
			p = NULL;
	} else {
		d->kind = 'D';
		p = rule_num(p, 0, 365, &d->a);
	}
	d->time_s = 2 * 3600;
	if (p && *p == '/')
		p = rule_hms(p + 1, RULE_HOURS_MAX, &d->time_s);
	return p;
}

/* A POSIX TZ string ("EST5EDT,M3.2.0,M11.1.0", "<+0545>-5:45"); s is
 * NUL-terminated. Its offsets count west of UTC; ours east. */
static int parse_rule(const char *s, struct zone_rule *r)
{
	const char *p = s;
	int32_t v;

	memset(r, 0, sizeof(*r));
	if (!(p = rule_name(p, r->std_abbr)) || !(p = rule_hms(p, 24, &v)))
		return -1;
	r->std_off = -v;
	if (!*p)
		return 0;
	if (!(p = rule_name(p, r->dst_abbr)))
		return -1;
	r->has_dst = true;
	r->dst_off = r->std_off + 3600;
	if (*p && *p != ',') {
		if (!(p = rule_hms(p, 24, &v)))
			return -1;
		r->dst_off = -v;
	}
	if (!*p) {
		/* POSIX leaves the default to the implementation; the
		 * United States' is the usual one */
		r->start = (struct rule_date){ 'M', 3, 2, 0, 7200 };
		r->end = (struct rule_date){ 'M', 11, 1, 0, 7200 };
		return 0;
	}
	if (*p != ',' || !(p = rule_date(p + 1, &r->start)) || *p != ',' ||
	    !(p = rule_date(p + 1, &r->end)) || *p)
		return -1;
	return 0;
}

enum rb_status timefmt_zone_parse(const char *name, const void *data,
                                  size_t len, struct timefmt_zone **out,
                                  char *err, size_t errlen)
{
	const unsigned char *p = data, *end = p + len, *q;
	struct tzif_header h;
	struct timefmt_zone *z;
	unsigned tsize = 4;
	uint32_t i;
	char rule[256];

	*out = NULL;
	if (len < 44 || memcmp(p, "TZif", 4))
		return refuse(err, errlen, name, "not a TZif file");
	read_header(p, &h);
	if (p[4] >= '2') {
		/* skip the 32-bit data: the 64-bit block follows it */
		uint64_t skip = 44 + block_len(&h, 4);

		if (h.times > ZONE_TIMES_MAX || h.types > 256 ||
		    h.chars > ZONE_CHARS_MAX || h.leap > ZONE_TIMES_MAX ||
		    h.isut > 256 || h.isstd > 256 || skip + 44 > len)
			return refuse(err, errlen, name, "truncated TZif file");
		p += skip;
		if (memcmp(p, "TZif", 4))
			return refuse(err, errlen, name, "not a TZif file");
		read_header(p, &h);
		tsize = 8;
	}
	if (h.leap)
		return refuse(err, errlen, name,
		              "its times count leap seconds, which usage times "
		              "do not (use the zone without 'right/')");
	if (h.types == 0 || h.types > 256 || h.times > ZONE_TIMES_MAX ||
	    h.chars > ZONE_CHARS_MAX || (h.isut && h.isut != h.types) ||
	    (h.isstd && h.isstd != h.types))
		return refuse(err, errlen, name, "bad counts in TZif file");
	if (44 + block_len(&h, tsize) > (uint64_t)(end - p))
		return refuse(err, errlen, name, "truncated TZif file");
	p += 44;

	if (!(z = calloc(1, sizeof(*z))))
		goto nomem;
	snprintf(z->name, sizeof(z->name), "%s", name);
	z->n = h.times;
	z->ntypes = h.types;
	z->at = malloc((h.times ? h.times : 1) * sizeof(*z->at));
	z->type = malloc(h.times ? h.times : 1);
	z->chars = malloc(h.chars + 1);
	if (!z->at || !z->type || !z->chars)
		goto nomem;
	for (i = 0; i < h.times; i++, p += tsize) {
		z->at[i] = tsize == 8 ? be64(p) : (int32_t)be32(p);
		if (i && z->at[i] <= z->at[i - 1]) {
			timefmt_zone_free(z);
			return refuse(err, errlen, name,
			              "transitions out of order in TZif file");
		}
	}
	for (i = 0; i < h.times; i++, p++) {
		if (*p >= h.types) {
			timefmt_zone_free(z);
			return refuse(err, errlen, name,
			              "bad type index in TZif file");
		}
		z->type[i] = *p;
	}
	for (i = 0; i < h.types; i++, p += 6) {
		int32_t off = (int32_t)be32(p);

		if (off <= -ZONE_OFF_MAX || off >= ZONE_OFF_MAX || p[4] > 1 ||
		    p[5] >= h.chars) {
			timefmt_zone_free(z);
			return refuse(err, errlen, name,
			              "bad local time type in TZif file");
		}
		z->types[i].off = off;
		z->types[i].abbr = p[5];
	}
	memcpy(z->chars, p, h.chars);
	z->chars[h.chars] = 0; /* the last abbreviation ends, whatever */
	for (i = 0; i < h.chars; i++) /* they go into reasons: one line */
		if (z->chars[i] && (z->chars[i] < 0x21 || z->chars[i] > 0x7e))
			z->chars[i] = '?';
	p += h.chars + h.isstd + h.isut;

	if (tsize == 8) {
		/* the footer: "\n" TZ-string "\n" */
		if (p >= end || *p != '\n' ||
		    !(q = memchr(p + 1, '\n', (size_t)(end - p - 1))) ||
		    (size_t)(q - p - 1) >= sizeof(rule)) {
			timefmt_zone_free(z);
			return refuse(err, errlen, name,
			              "no TZ rule at the end of the TZif file");
		}
		memcpy(rule, p + 1, (size_t)(q - p - 1));
		rule[q - p - 1] = 0;
		if (rule[0]) {
			if (memchr(rule, 0, (size_t)(q - p - 1)) ||
			    parse_rule(rule, &z->rule)) {
				timefmt_zone_free(z);
				return refuse(err, errlen, name,
				              "its TZ rule does not parse");
			}
			z->has_rule = true;
		}
	}
	*out = z;
	return RB_OK;

nomem:
	timefmt_zone_free(z);
	rb_detail(err, errlen, "out of memory");
	return RB_ENOMEM;
}

/* ASCII letters, digits and / _ - +, no empty, "." or ".." component: the
 * names of the tz database, and nothing that could leave its directory. */
static bool good_name(const char *s)
{
	const char *c = s;
	size_t n = strlen(s);

	if (n == 0 || n >= TIMEFMT_ZONE_NAME_MAX || s[0] == '/' ||
	    s[n - 1] == '/')
		return false;
	for (; *c; c++) {
		if (!is_alpha(*c) && !is_digit(*c) && !strchr("/_-+.", *c))
			return false;
		if (*c == '/' && c[1] == '/')
			return false;
		if (*c == '.' && (c == s || c[-1] == '/'))
			return false; /* no ".", "..", nor hidden files */
	}
	return true;
}

enum rb_status timefmt_zone_load(const char *name, const char *dir,
                                 struct timefmt_zone **out, char *err,
                                 size_t errlen)
{
	char path[4096];
	unsigned char *buf = NULL;
	struct stat sb;
	enum rb_status st;
	size_t have = 0;
	ssize_t r;
	int fd;

	*out = NULL;
	if (!dir || !*dir)
		dir = TIMEFMT_ZONE_DIR;
	if (!good_name(name) ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	            sizeof(path))
		goto unknown;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			goto unknown;
		rb_detail(err, errlen, "cannot read time zone '%s' (%s): %s",
		          name, path, strerror(errno));
		return RB_EUSAGE;
	}
	if (fstat(fd, &sb) || !S_ISREG(sb.st_mode) || sb.st_size > ZONE_FILE_MAX) {
		close(fd);
		goto unknown;
	}
	if (!(buf = malloc((size_t)sb.st_size + 1))) {
		close(fd);
		rb_detail(err, errlen, "out of memory");
		return RB_ENOMEM;
	}
	while (have < (size_t)sb.st_size &&
	       ((r = read(fd, buf + have, (size_t)sb.st_size - have)) > 0 ||
	        (r < 0 && errno == EINTR)))
		if (r > 0)
			have += (size_t)r;
	close(fd);
	st = timefmt_zone_parse(name, buf, have, out, err, errlen);
	free(buf);
	return st;

unknown:
	rb_detail(err, errlen,
	          "'%s' is not a time zone in %s (give UTC, an offset like "
	          "+02:00, or a name like America/New_York)",
	          name, dir);
	return RB_EUSAGE;
}

void timefmt_zone_free(struct timefmt_zone *z)
{
	if (!z)
		return;
	free(z->at);
	free(z->type);
	free(z->chars);
	free(z);
}

const char *timefmt_zone_name(const struct timefmt_zone *z)
{
	return z->name;
}

/* ---- offsets ---------------------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return q - (a % b != 0 && (a < 0) != (b < 0));
}

/* The day (since 1970) a rule date falls on in year y. */
static int64_t rule_day(const struct rule_date *d, int64_t y)
{
	int64_t first, day;
	int wday;

	switch (d->kind) {
	case 'J':
		return timefmt_days_from_civil(y, 1, 1) + d->a - 1 +
		       (timefmt_is_leap(y) && d->a >= 60);
	case 'D':
		return timefmt_days_from_civil(y, 1, 1) + d->a;
	default:
		first = timefmt_days_from_civil(y, d->a, 1);
		/* 1970-01-01 was a Thursday; 0 is Sunday */
		wday = (int)(first + 4 - floor_div(first + 4, 7) * 7);
		day = first + (d->c - wday + 7) % 7 + 7 * (d->b - 1);
		while (day >= first + timefmt_days_in_month(y, d->a))
			day -= 7;
		return day;
	}
}

/* The instants (UTC seconds) daylight time starts and ends in year y: each
 * change's time is local time as it was before the change. */
static void rule_changes(const struct zone_rule *r, int64_t y, int64_t *start,
                         int64_t *end)
{
	*start = rule_day(&r->start, y) * DAY_S + r->start.time_s - r->std_off;
	*end = rule_day(&r->end, y) * DAY_S + r->end.time_s - r->dst_off;
}

static int64_t year_of(int64_t s)
{
	int64_t y;
	int m, d;

	timefmt_civil_from_days(floor_div(s, DAY_S), &y, &m, &d);
	return y;
}

static bool rule_in_dst(const struct zone_rule *r, int64_t u)
{
	int64_t s, e;

	if (!r->has_dst)
		return false;
	rule_changes(r, year_of(u + r->std_off), &s, &e);
	if (s < e)
		return u >= s && u < e;
	return u >= s || u < e; /* daylight time across the new year */
}

int32_t timefmt_zone_offset(const struct timefmt_zone *z, int64_t utc_s,
                            const char **abbr)
{
	const struct zone_type *t;
	uint32_t lo = 0, hi = z->n;

	if (z->has_rule && (z->n == 0 || utc_s >= z->at[z->n - 1])) {
		bool dst = rule_in_dst(&z->rule, utc_s);

		if (abbr)
			*abbr = dst ? z->rule.dst_abbr : z->rule.std_abbr;
		return dst ? z->rule.dst_off : z->rule.std_off;
	}
	/* the last transition at or before utc_s */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (z->at[mid] <= utc_s)
			lo = mid + 1;
		else
			hi = mid;
	}
	t = lo == 0 ? &z->types[0] : &z->types[z->type[lo - 1]];
	if (abbr)
		*abbr = z->chars + t->abbr;
	return t->off;
}

/* The changes of offset in (lo, hi], ascending, at most max of them. */
static int changes_in(const struct timefmt_zone *z, int64_t lo, int64_t hi,
                      int64_t *out, int max)
{
	uint32_t a = 0, b = z->n;
	int n = 0, i, j;

	while (a < b) {
		uint32_t mid = a + (b - a) / 2;

		if (z->at[mid] <= lo)
			a = mid + 1;
		else
			b = mid;
	}
	for (; a < z->n && z->at[a] <= hi && n < max; a++)
		out[n++] = z->at[a];
	if (z->has_rule && z->rule.has_dst) {
		int64_t y, s, e, after = z->n ? z->at[z->n - 1] : INT64_MIN;

		for (y = year_of(lo) - 1; y <= year_of(hi) + 1; y++) {
			/* the year's two changes, and its first instant in
			 * standard time, where rule_in_dst turns to the next
			 * year's dates (a change only for odd rules whose
			 * daylight time spans the turn of the year) */
			int64_t turn = timefmt_days_from_civil(y, 1, 1) * DAY_S -
			               z->rule.std_off;

			rule_changes(&z->rule, y, &s, &e);
			if (s > lo && s <= hi && s > after && n < max)
				out[n++] = s;
			if (e > lo && e <= hi && e > after && n < max)
				out[n++] = e;
			if (turn > lo && turn <= hi && turn > after && n < max)
				out[n++] = turn;
		}
	}
	for (i = 1; i < n; i++) /* a handful: insertion sort */
		for (j = i; j > 0 && out[j - 1] > out[j]; j--) {
			int64_t t = out[j];
			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	return n;
}

int timefmt_zone_to_utc(const struct timefmt_zone *z, int64_t local_ms,
                        enum timefmt_dst dst, int64_t *utc_ms,
                        struct timefmt_zone_change *change)
{
	int64_t L = floor_div(local_ms, 1000), ms = local_ms - L * 1000;
	int64_t at[16], valid[17], u;
	int32_t offs[17];
	int n, i, k, noffs = 0, nvalid = 0;
	struct timefmt_zone_change unused;

	if (!change)
		change = &unused;

	/* Every offset in force within a day and a bit of L: the instant of
	 * L is L - o for those o that are in force at L - o. */
	n = changes_in(z, L - WINDOW_S, L + WINDOW_S, at, 16);
	offs[noffs++] = timefmt_zone_offset(z, L - WINDOW_S, NULL);
	for (i = 0; i < n; i++) {
		int32_t o = timefmt_zone_offset(z, at[i], NULL);

		for (k = 0; k < noffs && offs[k] != o; k++)
			;
		if (k == noffs)
			offs[noffs++] = o;
	}
	for (k = 0; k < noffs; k++) {
		u = L - offs[k];
		if (timefmt_zone_offset(z, u, NULL) == offs[k])
			valid[nvalid++] = u;
	}
	if (nvalid == 1) {
		*utc_ms = valid[0] * 1000 + ms;
		return 0;
	}
	/* Skipped or repeated: the change whose stretch of local time holds
	 * L gives the two readings, L - before and L - after. */
	memset(change, 0, sizeof(*change));
	for (i = 0; i < n; i++) {
		const char *ab, *aa;
		int32_t ob = timefmt_zone_offset(z, at[i] - 1, &ab);
		int32_t oa = timefmt_zone_offset(z, at[i], &aa);
		int32_t lo = ob < oa ? ob : oa, hi = ob < oa ? oa : ob;

		if (ob == oa || L < at[i] + lo || L >= at[i] + hi)
			continue;
		change->skipped = ob < oa;
		change->at_s = at[i];
		change->off_before_s = ob;
		change->off_after_s = oa;
		change->abbr_before = ab;
		change->abbr_after = aa;
		if (dst == TIMEFMT_DST_REJECT)
			return change->skipped ? 1 : 2;
		if (nvalid >= 2) {
			/* the instants it has, first or last */
			u = valid[0];
			for (k = 1; k < nvalid; k++)
				if (dst == TIMEFMT_DST_EARLIER ? valid[k] < u
				                               : valid[k] > u)
					u = valid[k];
		} else {
			/* the earlier instant is L read with the larger
			 * offset */
			u = L - (dst == TIMEFMT_DST_EARLIER ? hi : lo);
		}
		*utc_ms = u * 1000 + ms;
		return 0;
	}
	/* Only a zone whose changes come closer than a day can get here
	 * (more of them than at[] holds): answer as for a change between the
	 * smallest and the largest offset near L, never with an instant that
	 * is not L's. */
	{
		int32_t lo = offs[0], hi = offs[0];

		for (k = 1; k < noffs; k++) {
			lo = offs[k] < lo ? offs[k] : lo;
			hi = offs[k] > hi ? offs[k] : hi;
		}
		change->skipped = nvalid == 0;
		change->off_before_s = change->skipped ? lo : hi;
		change->off_after_s = change->skipped ? hi : lo;
		change->at_s = L - change->off_before_s;
		change->abbr_before = change->abbr_after = "?";
		if (dst == TIMEFMT_DST_REJECT)
			return change->skipped ? 1 : 2;
		u = L - (dst == TIMEFMT_DST_EARLIER ? hi : lo);
		*utc_ms = u * 1000 + ms;
		return 0;
	}
}

/* "HH:MM" (":SS" when not zero) of local seconds s, after its date
 * "YYYY-MM-DD " when with_date. */
static void local_text(int64_t s, bool with_date, char *out, size_t outlen)
{
	int64_t days = floor_div(s, DAY_S), rem = s - days * DAY_S, y;
	int m, d, n = 0;

	timefmt_civil_from_days(days, &y, &m, &d);
	if (with_date)
		n = snprintf(out, outlen, "%04lld-%02d-%02d ", (long long)y, m,
		             d);
	if (n < 0 || (size_t)n >= outlen)
		return;
	if (rem % 60)
		snprintf(out + n, outlen - (size_t)n, "%02d:%02d:%02d",
		         (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
	else
		snprintf(out + n, outlen - (size_t)n, "%02d:%02d",
		         (int)(rem / 3600), (int)(rem / 60 % 60));
}

void timefmt_zone_describe(const struct timefmt_zone *z,
                           const struct timefmt_zone_change *c, char *out,
                           size_t outlen)
{
	/* the stretch of local time the change skips or repeats */
	int64_t a = c->at_s + (c->skipped ? c->off_before_s : c->off_after_s);
	int64_t b = c->at_s + (c->skipped ? c->off_after_s : c->off_before_s);
	bool same_day = floor_div(a, DAY_S) == floor_div(b, DAY_S);
	char ta[32], tb[32], day[32];

	local_text(a, !same_day, ta, sizeof(ta));
	local_text(b, !same_day, tb, sizeof(tb));
	local_text(a, true, day, sizeof(day));
	day[10] = 0;
	if (c->skipped)
		snprintf(out, outlen,
		         "does not exist in %s: clocks jumped from %s to %s%s%s "
		         "(%s to %s)",
		         z->name, ta, tb, same_day ? " on " : "",
		         same_day ? day : "", c->abbr_before, c->abbr_after);
	else
		snprintf(out, outlen,
		         "is ambiguous in %s: %s to %s happened twice%s%s (%s, "
		         "then %s)",
		         z->name, ta, tb, same_day ? " on " : "",
		         same_day ? day : "", c->abbr_before, c->abbr_after);
}
