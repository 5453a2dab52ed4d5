/* match: the server's usage against a row. */
#include "match.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int match_decimal_cmp(const char *a, const char *b)
{
	size_t ia = strcspn(a, "."), ib = strcspn(b, ".");
	const char *fa, *fb;
	int c;

	/* canonical: no leading zeros but "0.x", so a longer integer part
	 * is a bigger number */
	if (ia != ib)
		return ia < ib ? -1 : 1;
	if ((c = strncmp(a, b, ia)))
		return c < 0 ? -1 : 1;
	fa = a[ia] ? a + ia + 1 : "";
	fb = b[ib] ? b + ib + 1 : "";
	while (*fa || *fb) {
		char x = *fa ? *fa++ : '0', y = *fb ? *fb++ : '0';

		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

bool match_usage(const struct usage *row, const struct response_usage *cand,
                 struct match_stored *stored)
{
	struct check_policy any;
	char q[CHECK_QUANTITY_MAX], t[CHECK_TIME_MAX], why[200];
	int64_t ms, whole;
	int c;

	if (strcmp(row->subscription_id, cand->subscription_id))
		return false;
	if (check_quantity(cand->quantity, strlen(cand->quantity),
	                   cand->quantity_is_number, q, why, sizeof(why)))
		return false;
	c = match_decimal_cmp(q, row->quantity);
	if (c > 0 || (c < 0 && row->accept_partial != 1))
		return false;
	memset(&any, 0, sizeof(any));
	any.has_not_after = true;
	any.not_after_ms = INT64_MAX;
	if (check_usage_time(&any, cand->usage_time, strlen(cand->usage_time), 0,
	                     &ms, t, why, sizeof(why)) ||
	    !t[0])
		return false;
	whole = row->usage_time_ms - ((row->usage_time_ms % 1000) + 1000) % 1000;
	if (ms != row->usage_time_ms && ms != whole)
		return false;
	if (stored) {
		memset(stored, 0, sizeof(*stored));
		if (c)
			memcpy(stored->quantity, q, sizeof(q));
		if (ms != row->usage_time_ms)
			memcpy(stored->usage_time, t, sizeof(t));
	}
	return true;
}

/* ---- the pool of usages already on the server ---- */

struct pool_usage {
	struct response_usage u;
	int64_t second;   /* usageTime cut to whole seconds, for the index */
	bool taken;
	size_t next;      /* the next usage in its bucket, or (size_t)-1 */
};

struct match_pool {
	struct pool_usage *v;
	size_t n, cap;
	size_t *bucket;   /* by subscriptionId and second; (size_t)-1 empty */
	size_t nbuckets;  /* a power of two */
};

#define POOL_NONE ((size_t)-1)

static size_t pool_bucket(const struct match_pool *p, const char *sid,
                          int64_t second)
{
	uint64_t h = check_hash64(sid, strlen(sid), (uint64_t)second);

	return (size_t)h & (p->nbuckets - 1);
}

struct match_pool *match_pool_new(void)
{
	struct match_pool *p = calloc(1, sizeof(*p));
	size_t i;

	if (!p)
		return NULL;
	p->nbuckets = 1024;
	if (!(p->bucket = malloc(p->nbuckets * sizeof(*p->bucket)))) {
		free(p);
		return NULL;
	}
	for (i = 0; i < p->nbuckets; i++)
		p->bucket[i] = POOL_NONE;
	return p;
}

void match_pool_free(struct match_pool *p)
{
	if (!p)
		return;
	free(p->v);
	free(p->bucket);
	free(p);
}

static int pool_rehash(struct match_pool *p)
{
	size_t nb = p->nbuckets * 2, i, *b = malloc(nb * sizeof(*b));

	if (!b)
		return -1;
	free(p->bucket);
	p->bucket = b;
	p->nbuckets = nb;
	for (i = 0; i < nb; i++)
		b[i] = POOL_NONE;
	for (i = 0; i < p->n; i++) {
		size_t k = pool_bucket(p, p->v[i].u.subscription_id, p->v[i].second);
		p->v[i].next = b[k];
		b[k] = i;
	}
	return 0;
}

int match_pool_add(struct match_pool *p, const struct response_usage *u)
{
	struct check_policy any;
	char q[CHECK_QUANTITY_MAX], t[CHECK_TIME_MAX], why[200];
	struct pool_usage *e;
	int64_t ms;
	size_t k;

	memset(&any, 0, sizeof(any));
	any.has_not_after = true;
	any.not_after_ms = INT64_MAX;
	if (check_quantity(u->quantity, strlen(u->quantity),
	                   u->quantity_is_number, q, why, sizeof(why)) ||
	    check_usage_time(&any, u->usage_time, strlen(u->usage_time), 0, &ms,
	                     t, why, sizeof(why)) ||
	    !t[0])
		return 0;
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 256;
		void *v = realloc(p->v, cap * sizeof(*p->v));

		if (!v)
			return -1;
		p->v = v;
		p->cap = cap;
	}
	if (p->n >= p->nbuckets && pool_rehash(p))
		return -1;
	e = &p->v[p->n];
	e->u = *u;
	e->second = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
	e->taken = false;
	k = pool_bucket(p, u->subscription_id, e->second);
	e->next = p->bucket[k];
	p->bucket[k] = p->n++;
	return 0;
}

int match_pool_take(struct match_pool *p, const struct usage *row, char *id,
                    size_t idlen)
{
	int64_t ms = row->usage_time_ms;
	int64_t second = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
	size_t i;

	for (i = p->bucket[pool_bucket(p, row->subscription_id, second)];
	     i != POOL_NONE; i = p->v[i].next) {
		struct pool_usage *e = &p->v[i];

		if (e->taken || e->second != second ||
		    !match_usage(row, &e->u, NULL))
			continue;
		e->taken = true;
		snprintf(id, idlen, "%s", e->u.id);
		return 1;
	}
	return 0;
}
