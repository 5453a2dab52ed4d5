/* fuzz_time: the readers of timefmt that take what a user or the system
 * gives: --time-format patterns and the values read with them, and TZif
 * files. The first byte picks which; then
 *   PATTERN: the pattern up to the first NUL, the value after it. A value
 *            read is written back with the same pattern and must read as
 *            the same time;
 *   TZIF:    the rest is a TZif file. A zone that loads answers every local
 *            time consistently: a unique reading is its own round trip,
 *            earlier <= later, and a refused one names its change in one
 *            line. */
#include "fuzz.h"
#include "timefmt_pattern.h"
#include "timefmt_read.h"
#include "timefmt_zone.h"

enum { PATTERN, TZIF, NKINDS };

/* Writes the fields of t back with p (what a spreadsheet would have
 * written), into out. */
static void write_back(const struct timefmt_pattern *p, int64_t local_ms,
                       int offset_min, char *out, size_t outlen)
{
	/* full names: the reader tries them first */
	static const char *const months[12] = {
		"January", "February", "March",     "April",   "May",
		"June",    "July",     "August",    "September", "October",
		"November", "December",
	};
	int64_t days = local_ms / TIMEFMT_MS_PER_DAY, rem, y;
	int m, d, h, o = 0;
	unsigned i;

	rem = local_ms % TIMEFMT_MS_PER_DAY;
	if (rem < 0) {
		rem += TIMEFMT_MS_PER_DAY;
		days--;
	}
	timefmt_civil_from_days(days, &y, &m, &d);
	h = (int)(rem / 3600000);
	out[0] = 0;
	for (i = 0; i < p->n && (size_t)o < outlen - 16; i++) {
		const struct timefmt_pattern_item *it = &p->items[i];
		int a = abs(offset_min);

		switch (it->op) {
		case 'L': out[o++] = it->lit; break;
		case ' ': out[o++] = ' '; break;
		case 'Y': o += sprintf(out + o, "%04d", (int)y); break;
		case 'm': o += sprintf(out + o, "%02d", m); break;
		case 'b': o += sprintf(out + o, "%s", months[m - 1]); break;
		case 'd': o += sprintf(out + o, "%02d", d); break;
		case 'H': o += sprintf(out + o, "%02d", h); break;
		case 'I': o += sprintf(out + o, "%02d", h % 12 ? h % 12 : 12); break;
		case 'p': o += sprintf(out + o, "%s", h < 12 ? "AM" : "PM"); break;
		case 'M': o += sprintf(out + o, "%02d", (int)(rem / 60000 % 60)); break;
		case 'S': o += sprintf(out + o, "%02d", (int)(rem / 1000 % 60)); break;
		case 'f': o += sprintf(out + o, "%03d", (int)(rem % 1000)); break;
		case 'z':
			o += sprintf(out + o, "%c%02d:%02d",
			             offset_min < 0 ? '-' : '+', a / 60, a % 60);
			break;
		}
	}
	out[o] = 0;
}

static void one_pattern(const char *data, size_t size)
{
	const char *nul = memchr(data, 0, size);
	char pat_text[TIMEFMT_PATTERN_MAX * 2], reason[1024], back[512];
	struct timefmt_pattern p;
	struct timefmt_iso t, t2;
	const char *v;
	size_t n;

	if (!nul || (size_t)(nul - data) >= sizeof(pat_text))
		return;
	memcpy(pat_text, data, (size_t)(nul - data) + 1);
	v = nul + 1;
	n = size - (size_t)(v - data);
	reason[0] = 0;
	if (timefmt_pattern_compile(pat_text, &p, reason, sizeof(reason))) {
		fuzz_check_line(reason, sizeof(reason), "pattern reason");
		return;
	}
	/* the value as a row holds it: exactly sized, no NUL after it */
	{
		char *exact = malloc(n ? n : 1);
		int rc;

		FUZZ_CHECK(exact != NULL, "out of memory");
		memcpy(exact, v, n);
		reason[0] = 0;
		rc = timefmt_pattern_read(&p, exact, n, &t, reason,
		                          sizeof(reason));
		free(exact);
		if (rc) {
			fuzz_check_line(reason, sizeof(reason), "value reason");
			return;
		}
	}
	FUZZ_CHECK(t.local_ms >= TIMEFMT_MIN_MS &&
	                   t.local_ms <= TIMEFMT_MAX_MS + 1,
	           "'%.*s' read as %lld", (int)n, v, (long long)t.local_ms);
	FUZZ_CHECK(t.has_zone == p.has_zone, "zone flag");
	write_back(&p, t.local_ms, t.offset_min, back, sizeof(back));
	reason[0] = 0;
	FUZZ_CHECK(timefmt_pattern_read(&p, back, strlen(back), &t2, reason,
	                                sizeof(reason)) == 0,
	           "'%.*s' read, written back as '%s', refused: %s", (int)n, v,
	           back, reason);
	FUZZ_CHECK(t2.local_ms == t.local_ms &&
	                   (!t.has_zone || t2.offset_min == t.offset_min),
	           "'%.*s' is %lld; written back as '%s' it is %lld", (int)n, v,
	           (long long)t.local_ms, back, (long long)t2.local_ms);
}

static void one_tzif(const uint8_t *data, size_t size)
{
	static const int64_t probes[] = {
		INT64_C(-62135596800), INT64_C(-2717650800), INT64_C(-1),
		0, INT64_C(1741487400), INT64_C(1762047000),
		INT64_C(2147483647), INT64_C(4108692600), INT64_C(253402300799),
	};
	struct timefmt_zone *z = NULL;
	char err[512], why[512];
	size_t i;
	int k;

	err[0] = 0;
	if (timefmt_zone_parse("Fuzz/Zone", data, size, &z, err, sizeof(err))) {
		fuzz_check_line(err, sizeof(err), "zone error");
		FUZZ_CHECK(z == NULL, "refused, yet a zone");
		return;
	}
	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		for (k = -3; k <= 3; k++) {
			int64_t L = (probes[i] + k * 1800) * 1000 + 250, e, l, u;
			struct timefmt_zone_change c;
			const char *ab = NULL;
			int32_t o;
			int rc;

			o = timefmt_zone_offset(z, L / 1000, &ab);
			FUZZ_CHECK(ab != NULL && o > -26 * 3600 && o < 26 * 3600,
			           "offset %d", o);
			rc = timefmt_zone_to_utc(z, L, TIMEFMT_DST_REJECT, &u, &c);
			FUZZ_CHECK(timefmt_zone_to_utc(z, L, TIMEFMT_DST_EARLIER,
			                               &e, NULL) == 0 &&
			                   timefmt_zone_to_utc(z, L,
			                                       TIMEFMT_DST_LATER,
			                                       &l, NULL) == 0,
			           "--dst earlier/later refused");
			FUZZ_CHECK(e <= l, "earlier %lld after later %lld",
			           (long long)e, (long long)l);
			FUZZ_CHECK(((e % 1000) + 1000) % 1000 == 250, "ms lost");
			if (rc == 0) {
				/* unique: L is u in the zone, and both
				 * choices agree */
				o = timefmt_zone_offset(z, (u - 250) / 1000, NULL);
				FUZZ_CHECK(u + (int64_t)o * 1000 == L,
				           "%lld read as %lld, offset %d",
				           (long long)L, (long long)u, o);
				FUZZ_CHECK(e == u && l == u, "unique, yet %lld/%lld",
				           (long long)e, (long long)l);
				continue;
			}
			FUZZ_CHECK(rc == 1 || rc == 2, "rc %d", rc);
			FUZZ_CHECK(c.skipped == (rc == 1), "skipped flag");
			FUZZ_CHECK(c.off_before_s != c.off_after_s &&
			                   (c.off_before_s < c.off_after_s) ==
			                           c.skipped,
			           "change %d -> %d", c.off_before_s,
			           c.off_after_s);
			timefmt_zone_describe(z, &c, why, sizeof(why));
			fuzz_check_line(why, sizeof(why), "zone change");
		}
	}
	timefmt_zone_free(z);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % NKINDS) {
	case PATTERN:
		one_pattern((const char *)data + 1, size - 1);
		break;
	case TZIF:
		one_tzif(data + 1, size - 1);
		break;
	}
	return 0;
}
