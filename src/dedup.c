/* dedup: the duplicate set. The hot path of a dry run after the checks: most
 * rows are new, and saying so must cost neither a cache miss nor a byte
 * more than the budget below. */
#include "dedup.h"

#include <stdlib.h>
#include <string.h>

#include "hash.h"

/* Keys are hashed with XXH64, which is fast on short keys and well mixed in
 * every bit, so the top bits pick a sub-table and the low ones a slot in it.
 *
 * The set is DEDUP_SUBS sub-tables picked by the top bits of the hash, each
 * open addressing with linear probing over bare 64-bit hashes (0 = empty; a
 * hash of 0 is stored as 1), each with the line its key was first seen on
 * beside it (a repeat's reason names that line). A sub-table grows when it
 * would pass 4/5 full, to as many slots as 24 bytes per row pays for (slots
 * with their lines, segment array and filter together): about 1.5 times.
 * Growing copies only that one sub-table, so the old and new copies held
 * together add about 16 bytes per row of one sub-table (1/1024 of the rows),
 * never a second copy of the whole set.
 *
 * A sub-table's size is any number, not a power of two (that is what lets it
 * grow by a fraction): the home slot is the low 32 bits of the hash scaled to
 * the size (multiply-shift), bits independent of the top ones that chose the
 * sub-table. Past 512 slots its slots live in 6 KiB segments (512 hashes,
 * then their lines; the last one holds the rest), so the heap sees one size
 * over and over: the segments a growth frees are the next growth's, where
 * whole tables of ever new sizes left holes that stayed resident (13 MiB
 * more peak RSS at 8M rows).
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
 * A slot is 13 bytes with its line and filter byte: at 4/5 full a grown
 * sub-table is about 1.48 times bigger (13 / 24 = 0.54 full right after, 24
 * bytes per row), about 19 bytes a row on average. The line costs 4 of
 * them: a hash cut short to make room would let different rows collide.
 * Growing at 4/5 rather than 3/4 full pays for the line's second cache miss
 * a row with fewer growths: probes get longer, but they run along cache
 * lines already fetched (a 10M-row dry run is as fast as without lines).
 *
 * Two different keys with the same 64-bit hash are taken for a repeat: at
 * 10^8 distinct rows the chance of any such pair is about 3e-4. */
#define DEDUP_SUB_BITS 10
#define DEDUP_SUBS (1u << DEDUP_SUB_BITS)
#define DEDUP_SUB_MIN 16 /* slots of a new sub-table */
#define DEDUP_SEG_BITS 9
#define DEDUP_SEG (1u << DEDUP_SEG_BITS) /* slots in a segment: 6 KiB */
#define DEDUP_ROW_BYTES 24 /* the budget: a grown sub-table's bytes a row */
#define DEDUP_SLOT_BYTES (sizeof(uint64_t) + sizeof(uint32_t)) /* hash, line */
#define DEDUP_MAP_BPS 8 /* filter bits per slot */
#define DEDUP_LOAD_NUM 4 /* grow past 4/5 full */
#define DEDUP_LOAD_DEN 5
#define DEDUP_BATCH 32 /* pending hashes: more did not go faster */

/* A run of slots is its hashes, then as many uint32 lines: the line a key
 * was first seen on sits at the same index as its hash, in the same
 * allocation, so no growth or failure can part them. */
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
	uint32_t pend_line[DEDUP_BATCH]; /* and their lines */
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
	return (size_t)n * DEDUP_SLOT_BYTES +
	       (n > DEDUP_SEG ? dedup_nseg(n) * sizeof(uint64_t *) : 0) +
	       (size_t)dedup_nwords(d, n) * sizeof(uint64_t);
}

/* The bytes t holds (made with whatever map_shift was then). */
static size_t dedup_held(const struct dedup_sub *t)
{
	return (size_t)t->nslots * DEDUP_SLOT_BYTES +
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
		if ((t->one = dedup_calloc(d, n, DEDUP_SLOT_BYTES)))
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

		if (!(t->seg[k] = dedup_calloc(d, len, DEDUP_SLOT_BYTES))) {
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

/* The line beside slot i: after the hashes of its run. */
static uint32_t *dedup_line(const struct dedup_sub *t, uint32_t i)
{
	uint32_t k, len;

	if (t->nslots <= DEDUP_SEG)
		return (uint32_t *)(t->one + t->nslots) + i;
	k = i >> DEDUP_SEG_BITS;
	len = t->nslots - k * DEDUP_SEG < DEDUP_SEG ? t->nslots - k * DEDUP_SEG
	                                             : DEDUP_SEG;
	return (uint32_t *)(t->seg[k] + len) + (i & (DEDUP_SEG - 1));
}

/* Where h is in t or would go: the first slot from its home on that holds h
 * or is empty (there is one: a table is at most 4/5 full); *at is its
 * index. */
static uint64_t *dedup_find(const struct dedup_sub *t, uint64_t h,
                            uint32_t *at)
{
	uint32_t n = t->nslots, i = dedup_home(h, n);

	if (n <= DEDUP_SEG) {
		for (;;) {
			if (t->one[i] == h || !t->one[i]) {
				*at = i;
				return &t->one[i];
			}
			if (++i == n)
				i = 0;
		}
	}
	for (;;) {
		uint64_t *p = t->seg[i >> DEDUP_SEG_BITS];
		uint32_t j = i & (DEDUP_SEG - 1), base = i - j;
		uint32_t end = n - base < DEDUP_SEG ? n - base : DEDUP_SEG;

		for (; j < end; j++)
			if (p[j] == h || !p[j]) {
				*at = base + j;
				return &p[j];
			}
		i = base + end == n ? 0 : base + end;
	}
}

/* Stores h and its line in s (where it is not). */
static void dedup_store(const struct dedup_sub *s, uint64_t h, uint32_t line)
{
	uint32_t i;

	*dedup_find(s, h, &i) = h;
	*dedup_line(s, i) = line;
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
		uint32_t home = dedup_home(h, s->nslots);

		__builtin_prefetch(dedup_slot(s, home), 1);
		__builtin_prefetch(dedup_line(s, home), 1);
#endif
	}
	for (i = 0; i < n; i++) {
		uint64_t h = d->pend[i];

		dedup_store(&d->sub[h >> (64 - DEDUP_SUB_BITS)], h,
		            d->pend_line[i]);
	}
	d->npend = 0;
}

/* The most slots that DEDUP_ROW_BYTES bytes for each of rows pay for. */
static uint32_t dedup_fit(const struct dedup *d, uint64_t rows)
{
	uint64_t budget = rows * DEDUP_ROW_BYTES, m;

	if (budget / DEDUP_ROW_BYTES != rows)
		return 0;
	m = budget * 64 / (64 * DEDUP_SLOT_BYTES + DEDUP_MAP_BPS * 8 + 1);
	if (m > UINT32_MAX - 1)
		return 0;
	while (m > 0 && dedup_table_bytes(d, (uint32_t)m) > budget)
		m--;
	while (m < UINT32_MAX - 1 &&
	       dedup_table_bytes(d, (uint32_t)m + 1) <= budget)
		m++;
	return (uint32_t)m;
}

/* Rehashes s, which has no pending hashes, into as many slots as
 * DEDUP_ROW_BYTES a row pay for, the row being added included, with their
 * lines, and rebuilds its filter. On failure s is untouched. */
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
		const uint32_t *pl = dedup_line(s, i);
		uint64_t live[DEDUP_SEG];
		uint32_t live_line[DEDUP_SEG];
		uint32_t j, k = 0;
		uint32_t len = s->nslots - i < DEDUP_SEG ? s->nslots - i : DEDUP_SEG;

		/* segment by segment, the stored hashes first: no branch per
		 * slot (a quarter to a half of them are empty, at random) */
		for (j = 0; j < len; j++) {
			live[k] = p[j];
			live_line[k] = pl[j];
			k += p[j] != 0;
		}
		for (j = 0; j < k; j++) {
			dedup_store(&t, live[j], live_line[j]);
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

/* 1 with *first (may be NULL) the line h was first added with, 0 when new
 * (now remembered with line), -1 out of memory. */
static int dedup_add(struct dedup *d, uint64_t h, uint32_t line,
                     long *first)
{
	struct dedup_sub *s;
	uint64_t *p, *w, bits;
	uint32_t at;
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
		d->pend_line[d->npend] = line;
		d->pend[d->npend++] = h;
		if (d->npend == DEDUP_BATCH)
			dedup_flush(d);
		return 0;
	}
	dedup_flush(d);
	p = dedup_find(s, h, &at);
	if (*p) {
		if (first)
			*first = (long)*dedup_line(s, at);
		return 1;
	}
	if (full) {
		if (dedup_grow(d, s))
			return -1;
		p = dedup_find(s, h, &at);
	}
	*p = h;
	*dedup_line(s, at) = line;
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

int dedup_seen(struct dedup *d, const struct usage *u, long *first_line)
{
	uint32_t line = u->line <= 0                 ? 0
	                : (unsigned long)u->line > UINT32_MAX ? UINT32_MAX
	                                                      : (uint32_t)u->line;

	return dedup_add(d, dedup_key_hash(u), line, first_line);
}

int dedup_seen_key(struct dedup *d, const void *key, size_t len)
{
	return dedup_add(d, hash_xxh64(key, len, 0), 0, NULL);
}

int dedup_has_key(struct dedup *d, const void *key, size_t len)
{
	uint64_t h = hash_xxh64(key, len, 0), bits;
	struct dedup_sub *s;
	uint32_t at;

	if (h == 0)
		h = 1; /* as dedup_add keeps it */
	s = &d->sub[h >> (64 - DEDUP_SUB_BITS)];
	bits = dedup_map_bits(h);
	if ((*dedup_map_word(s, h) & bits) != bits)
		return 0; /* never added: its filter bits would all be set */
	dedup_flush(d);
	return *dedup_find(s, h, &at) != 0;
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
