/* dedup: which rows were seen before in one input, kept as 64-bit hashes in
 * a compact set (the only memory that grows with the input's length), and
 * the same over any byte key (usage ids). */
#ifndef RB_DEDUP_H
#define RB_DEDUP_H

#include <stddef.h>

#include "check.h"

/* A compact hash set of (subscriptionId, usageTime, quantity), kept as
 * 64-bit hashes, each with the line it was first seen on, in 1024
 * sub-tables of 12-byte slots, each with a filter of 1 byte per slot that
 * answers most new keys from cache; each is 0.54 to 4/5 full and grown by
 * about a half on its own: at most 24 bytes per distinct row + 250 KiB,
 * filters included (about 19 on average). While one sub-table grows, its
 * old copy adds about 16 bytes per row of that sub-table (1/1024 of the
 * rows), so the peak stays under 24 bytes per row + 16 MiB up to about 10^9
 * rows. It keeps only a 64-bit hash of each key, so two different rows are
 * taken for repeats with a chance of about n^2 / 2^65 over n distinct rows
 * (3e-4 at 10^8). */
struct dedup;
struct dedup *dedup_new(void); /* NULL when out of memory */
void dedup_free(struct dedup *d); /* accepts NULL */
/* 1 when u's key was seen before, with *first_line (may be NULL) the line
 * it was first seen on (lines past 4294967295 are kept as that); 0 when new
 * (and now remembered, with u->line); -1 out of memory (u not remembered;
 * the set is unchanged). Checked values only: the key is u's normalized
 * fields, the bytes subscriptionId NUL usageTime NUL quantity. */
int dedup_seen(struct dedup *d, const struct usage *u, long *first_line);
/* The same over any byte key (e.g. usage ids); key is borrowed for the call,
 * len may be 0. A set should hold one kind of key: a usage's key and the
 * same bytes given here are one key. */
int dedup_seen_key(struct dedup *d, const void *key, size_t len);
/* 1 when key was given to dedup_seen_key before, else 0; remembers nothing
 * (not const: it may store the keys still batched). */
int dedup_has_key(struct dedup *d, const void *key, size_t len);
size_t dedup_count(const struct dedup *d); /* distinct keys remembered */
size_t dedup_bytes(const struct dedup *d); /* heap bytes held, for benches */
/* For tests only: make the filters of the sub-tables made from now on
 * 2^map_shift times smaller (more false positives, so more exact lookups),
 * and let only fail_allocs more allocations succeed (-1: all). */
void dedup_test_hooks(struct dedup *d, unsigned map_shift, long fail_allocs);

#endif
