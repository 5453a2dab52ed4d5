#include "aggregate.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Quantities are summed as whole thousandths in a uint64_t: a quantity has
 * at most 3 decimals and 15 significant digits, so it is below 10^15, i.e.
 * 10^18 thousandths, and two of them never overflow 64 bits. A sum that
 * passes 10^18 thousandths is past 15 digits whatever else comes, so it
 * stays there (no overflow, ever); any sum is checked for its significant
 * digits when the adding ends.
 */
#define MILLI_LIMIT 1000000000000000000ULL
#define DIGITS_MAX 15
#define FIRST_SLOTS 1024

struct part {
	struct aggregate_usage pub;
	uint64_t milli;      /* the sum in thousandths, at most MILLI_LIMIT */
	bool over;           /* ... which it passed */
	long *lines;         /* owned */
	size_t cap;
	bool partial;        /* the key's acceptPartialQuantity (absent = false) */
	bool said_partial;   /* some row gave it explicitly */
	char *reject;        /* owned */
};

struct aggregate {
	enum config_aggregate unit;
	int64_t unit_ms;
	struct part **parts; /* owned, in the order they were opened */
	size_t nparts, capparts;
	size_t *slots;       /* hash of keys: 1 + index of the key's open part */
	size_t nslots;       /* a power of two, at least twice the keys */
	size_t nkeys;
	size_t rows;
	bool finished;
};

const char *aggregate_unit_name(enum config_aggregate unit)
{
	switch (unit) {
	case CONFIG_AGGREGATE_MINUTE: return "minute";
	case CONFIG_AGGREGATE_HOUR: return "hour";
	case CONFIG_AGGREGATE_DAY: return "day";
	default: return "none";
	}
}

struct aggregate *aggregate_new(enum config_aggregate unit)
{
	struct aggregate *a;
	int64_t ms;

	switch (unit) {
	case CONFIG_AGGREGATE_MINUTE: ms = 60000; break;
	case CONFIG_AGGREGATE_HOUR: ms = 3600000; break;
	case CONFIG_AGGREGATE_DAY: ms = 86400000; break;
	default: return NULL;
	}
	if (!(a = calloc(1, sizeof(*a))))
		return NULL;
	a->unit = unit;
	a->unit_ms = ms;
	a->nslots = FIRST_SLOTS;
	if (!(a->slots = calloc(a->nslots, sizeof(*a->slots)))) {
		free(a);
		return NULL;
	}
	return a;
}

void aggregate_free(struct aggregate *a)
{
	size_t i;

	if (!a)
		return;
	for (i = 0; i < a->nparts; i++) {
		free(a->parts[i]->lines);
		free(a->parts[i]->reject);
		free(a->parts[i]);
	}
	free(a->parts);
	free(a->slots);
	free(a);
}

/* ---- decimals -------------------------------------------------------------- */

/* Canonical quantity text to thousandths: digits, then optionally a point
 * and 1 to 3 digits; at most 15 integer digits. -1 for anything else. */
static int parse_milli(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	size_t n = 0, f = 0;

	while (s[n] >= '0' && s[n] <= '9') {
		if (n == DIGITS_MAX)
			return -1;
		v = v * 10 + (uint64_t)(s[n] - '0');
		n++;
	}
	if (!n)
		return -1;
	v *= 1000;
	if (s[n] == '.') {
		uint64_t scale = 100;

		for (n++; s[n] >= '0' && s[n] <= '9'; n++, f++) {
			if (f == 3)
				return -1;
			v += (uint64_t)(s[n] - '0') * scale;
			scale /= 10;
		}
		if (!f)
			return -1;
	}
	if (s[n])
		return -1;
	*out = v;
	return 0;
}

/* Thousandths as canonical text ("6.251", "1", "0.005"); returns its
 * significant digits (leading zeros do not count, nor zeros the canonical
 * form drops after the point). */
static int format_milli(uint64_t v, char out[CHECK_QUANTITY_MAX])
{
	uint64_t whole = v / 1000;
	unsigned frac = (unsigned)(v % 1000);
	int n = snprintf(out, CHECK_QUANTITY_MAX, "%llu", (unsigned long long)whole);
	int digits = whole ? n : 0;
	char f[4];
	int k = 3;

	if (frac) {
		snprintf(f, sizeof(f), "%03u", frac);
		while (f[k - 1] == '0')
			k--;
		f[k] = 0;
		snprintf(out + n, (size_t)(CHECK_QUANTITY_MAX - n), ".%s", f);
		if (whole)
			digits += k;
		else
			digits += k - (int)strspn(f, "0");
	}
	return digits;
}

/* ---- the buckets ----------------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static uint64_t key_hash(const char *id, bool partial, int64_t bucket)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	unsigned char b[9];
	size_t i;

	for (; *id; id++)
		h = (h ^ (unsigned char)*id) * 0x100000001b3ULL;
	b[0] = partial;
	for (i = 0; i < 8; i++)
		b[1 + i] = (unsigned char)((uint64_t)bucket >> (8 * i));
	for (i = 0; i < sizeof(b); i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

/* The slot holding the key, or the empty one where it would go. */
static size_t find_slot(const struct aggregate *a, const char *id,
                        bool partial, int64_t bucket)
{
	size_t mask = a->nslots - 1;
	size_t i = (size_t)key_hash(id, partial, bucket) & mask;

	for (;; i = (i + 1) & mask) {
		const struct part *p;

		if (!a->slots[i])
			return i;
		p = a->parts[a->slots[i] - 1];
		if (p->pub.bucket_ms == bucket && p->partial == partial &&
		    !strcmp(p->pub.usage.subscription_id, id))
			return i;
	}
}

static enum rb_status grow_slots(struct aggregate *a)
{
	size_t *old = a->slots, nold = a->nslots, i;

	if (!(a->slots = calloc(nold * 2, sizeof(*a->slots)))) {
		a->slots = old;
		return RB_ENOMEM;
	}
	a->nslots = nold * 2;
	for (i = 0; i < nold; i++) {
		if (old[i]) {
			const struct part *p = a->parts[old[i] - 1];

			a->slots[find_slot(a, p->pub.usage.subscription_id, p->partial,
			                   p->pub.bucket_ms)] = old[i];
		}
	}
	free(old);
	return RB_OK;
}

static struct part *open_part(struct aggregate *a, const struct usage *u,
                              bool partial, int64_t bucket)
{
	struct part *p;

	if (a->nparts == a->capparts) {
		size_t cap = a->capparts ? a->capparts * 2 : 64;
		struct part **n = realloc(a->parts, cap * sizeof(*n));

		if (!n)
			return NULL;
		a->parts = n;
		a->capparts = cap;
	}
	if (!(p = calloc(1, sizeof(*p))))
		return NULL;
	p->pub.usage = *u;
	p->pub.bucket_ms = bucket;
	p->partial = partial;
	a->parts[a->nparts++] = p;
	return p;
}

static enum rb_status add_line(struct part *p, long line)
{
	if (p->pub.nlines == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 1;
		long *n;

		if (cap > AGGREGATE_ROWS_MAX)
			cap = AGGREGATE_ROWS_MAX;
		if (!(n = realloc(p->lines, cap * sizeof(*n))))
			return RB_ENOMEM;
		p->lines = n;
		p->cap = cap;
	}
	p->lines[p->pub.nlines++] = line;
	return RB_OK;
}

enum rb_status aggregate_add(struct aggregate *a, const struct usage *u)
{
	bool partial = u->accept_partial == 1;
	uint64_t q;
	int64_t bucket;
	size_t slot;
	struct part *p = NULL;
	enum rb_status st;

	if (a->finished || !u->usage_time[0] || !u->subscription_id[0] ||
	    parse_milli(u->quantity, &q))
		return RB_EINPUT;
	if ((a->nkeys + 1) * 2 > a->nslots && (st = grow_slots(a)))
		return st;
	bucket = floor_div(u->usage_time_ms, a->unit_ms) * a->unit_ms;
	slot = find_slot(a, u->subscription_id, partial, bucket);
	if (a->slots[slot])
		p = a->parts[a->slots[slot] - 1];
	if (!p || p->pub.nlines == AGGREGATE_ROWS_MAX) {
		/* a new key, or its part is full: the next part takes over */
		if (!(p = open_part(a, u, partial, bucket)))
			return RB_ENOMEM;
		if (!a->slots[slot])
			a->nkeys++;
		a->slots[slot] = a->nparts;
	}
	if ((st = add_line(p, u->line)))
		return st;
	p->milli += q;
	if (p->milli > MILLI_LIMIT) {
		p->milli = MILLI_LIMIT;
		p->over = true;
	}
	if (u->usage_time_ms < p->pub.usage.usage_time_ms) {
		memcpy(p->pub.usage.usage_time, u->usage_time,
		       sizeof(p->pub.usage.usage_time));
		p->pub.usage.usage_time_ms = u->usage_time_ms;
	}
	if (u->accept_partial != -1)
		p->said_partial = true;
	a->rows++;
	return RB_OK;
}

/* ---- the end --------------------------------------------------------------- */

/* The UTC bucket's start for a person: "2025-03-14T10:00Z", or
 * "2025-03-14" for a day. */
static void format_bucket(const struct aggregate *a, int64_t ms, char *out,
                          size_t outlen)
{
	int64_t days = floor_div(ms, 86400000), mins = (ms - days * 86400000) / 60000;
	/* civil from days (H. Hinnant's algorithm) */
	int64_t z = days + 719468, era = floor_div(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp < 10 ? mp + 3 : mp - 9, y = yoe + era * 400 + (m <= 2);

	if (a->unit == CONFIG_AGGREGATE_DAY)
		snprintf(out, outlen, "%04lld-%02lld-%02lld", (long long)y,
		         (long long)m, (long long)d);
	else
		snprintf(out, outlen, "%04lld-%02lld-%02lldT%02lld:%02lldZ",
		         (long long)y, (long long)m, (long long)d,
		         (long long)(mins / 60), (long long)(mins % 60));
}

static int by_line(const void *x, const void *y)
{
	long a = *(const long *)x, b = *(const long *)y;

	return (a > b) - (a < b);
}

static int by_first_line(const void *x, const void *y)
{
	long a = (*(struct part *const *)x)->pub.usage.line;
	long b = (*(struct part *const *)y)->pub.usage.line;

	return (a > b) - (a < b);
}

void aggregate_finish(struct aggregate *a)
{
	size_t i;

	if (a->finished)
		return;
	a->finished = true;
	for (i = 0; i < a->nparts; i++) {
		struct part *p = a->parts[i];
		struct usage *u = &p->pub.usage;
		char when[96], why[512];
		int digits = format_milli(p->milli, u->quantity);

		qsort(p->lines, p->pub.nlines, sizeof(*p->lines), by_line);
		u->line = p->lines[0];
		u->accept_partial = p->said_partial ? p->partial : -1;
		p->pub.lines = p->lines;
		if (digits <= DIGITS_MAX)
			continue;
		format_bucket(a, p->pub.bucket_ms, when, sizeof(when));
		snprintf(why, sizeof(why),
		         "--aggregate %s: the %zu row%s of subscription %s in the "
		         "%s of %s sum to %s%s, over 15 significant digits; send "
		         "them without --aggregate",
		         aggregate_unit_name(a->unit), p->pub.nlines,
		         p->pub.nlines == 1 ? "" : "s", u->subscription_id,
		         aggregate_unit_name(a->unit), when, u->quantity,
		         p->over ? " or more" : "");
		p->reject = strdup(why);
		/* without memory for the words, the short form still says it */
		p->pub.reject = p->reject ? p->reject
		                          : "--aggregate: the sum has over 15 "
		                            "significant digits";
	}
	if (a->nparts) /* parts is NULL until the first */
		qsort(a->parts, a->nparts, sizeof(*a->parts), by_first_line);
}

size_t aggregate_rows(const struct aggregate *a)
{
	return a->rows;
}

size_t aggregate_count(const struct aggregate *a)
{
	return a->nparts;
}

const struct aggregate_usage *aggregate_get(const struct aggregate *a,
                                            size_t i)
{
	return a->finished && i < a->nparts ? &a->parts[i]->pub : NULL;
}

size_t aggregate_bytes(const struct aggregate *a)
{
	size_t n = sizeof(*a) + a->capparts * sizeof(*a->parts) +
	           a->nslots * sizeof(*a->slots), i;

	for (i = 0; i < a->nparts; i++)
		n += sizeof(struct part) + a->parts[i]->cap * sizeof(long) +
		     (a->parts[i]->reject ? strlen(a->parts[i]->reject) + 1 : 0);
	return n;
}
