/* existing: the usages already on the server, for --skip-existing. */
#include "existing.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "hash.h"
#include "match.h"
#include "request.h"

struct pool_usage {
	struct response_usage u;
	int64_t second;   /* usageTime cut to whole seconds, for the index */
	bool taken;
	bool reserved;    /* a row of the input matches it exactly */
	size_t next;      /* the next usage in its bucket, or (size_t)-1 */
};

struct existing {
	struct pool_usage *v;
	size_t n, cap;
	size_t *bucket;   /* by subscriptionId and second; (size_t)-1 empty */
	size_t nbuckets;  /* a power of two */
};

#define POOL_NONE ((size_t)-1)

static size_t pool_bucket(const struct existing *p, const char *sid,
                          int64_t second)
{
	uint64_t h = hash_xxh64(sid, strlen(sid), (uint64_t)second);

	return (size_t)h & (p->nbuckets - 1);
}

struct existing *existing_new(void)
{
	struct existing *p = calloc(1, sizeof(*p));
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

void existing_free(struct existing *p)
{
	if (!p)
		return;
	free(p->v);
	free(p->bucket);
	free(p);
}

static int pool_rehash(struct existing *p)
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

int existing_add(struct existing *p, const struct response_usage *u)
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
	e->reserved = false;
	k = pool_bucket(p, u->subscription_id, e->second);
	e->next = p->bucket[k];
	p->bucket[k] = p->n++;
	return 0;
}

size_t existing_count(const struct existing *p)
{
	return p ? p->n : 0;
}

static int64_t second_of(int64_t ms)
{
	return ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
}

/* How cand is row's usage: 0 not, 1 exactly (the same usageTime to the
 * millisecond and the same quantity), 2 by a looser rule (whole seconds,
 * a partial quantity). */
static int match_kind(const struct usage *row, const struct response_usage *cand)
{
	struct match_stored st;

	if (!match_usage(row, cand, &st))
		return 0;
	return st.quantity[0] || st.usage_time[0] ? 2 : 1;
}

int existing_reserve(struct existing *p, const struct usage *row)
{
	int64_t second = second_of(row->usage_time_ms);
	size_t i;

	for (i = p->bucket[pool_bucket(p, row->subscription_id, second)];
	     i != POOL_NONE; i = p->v[i].next) {
		struct pool_usage *e = &p->v[i];

		if (e->reserved || e->second != second ||
		    match_kind(row, &e->u) != 1)
			continue;
		e->reserved = true;
		return 1;
	}
	return 0;
}

enum rb_status existing_reserve_each(void *e, const struct usage *row,
                                     char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	(void)existing_reserve(e, row);
	return RB_OK;
}

/* The passes of existing_take, best first: a usage reserved for a row like
 * this one, one it matches exactly, one it matches loosely that no row of
 * the input matches exactly. */
static bool take_fits(int pass, int kind, bool reserved)
{
	switch (pass) {
	case 0: return kind == 1 && reserved;
	case 1: return kind == 1;
	default: return kind == 2 && !reserved;
	}
}

int existing_take(struct existing *p, const struct usage *row,
                  existing_claim_fn claim, void *ctx, char *id, size_t idlen)
{
	int64_t second = second_of(row->usage_time_ms);
	size_t head = p->bucket[pool_bucket(p, row->subscription_id, second)];
	size_t i;
	int pass, c;

	for (pass = 0; pass < 3; pass++) {
		for (i = head; i != POOL_NONE; i = p->v[i].next) {
			struct pool_usage *e = &p->v[i];

			if (e->taken || e->second != second ||
			    !take_fits(pass, match_kind(row, &e->u), e->reserved))
				continue;
			if ((c = claim(ctx, e->u.id)) < 0)
				return -1;
			e->taken = true; /* ours now, or another row's all along */
			if (c)
				continue;
			snprintf(id, idlen, "%s", e->u.id);
			return 1;
		}
	}
	return 0;
}

struct load_ctx {
	struct existing *e;
	existing_claimed_fn claimed;
	void *ctx;
	char first[128];      /* the page's first usage id */
	unsigned long n;
	bool oom;
};

static int load_cb(void *ctx, const struct response_usage *ru)
{
	struct load_ctx *lc = ctx;
	int c;

	if (!lc->n++)
		snprintf(lc->first, sizeof(lc->first), "%s", ru->id);
	/* a usage this log already accounts for is no other row's */
	c = lc->claimed(lc->ctx, ru->id);
	if (c < 0 || (!c && existing_add(lc->e, ru) < 0)) {
		lc->oom = true;
		return 1;
	}
	return 0;
}

enum rb_status existing_load(struct existing **out, struct sender *snd,
                             int64_t from_ms, int64_t to_ms,
                             existing_claimed_fn claimed, void *ctx,
                             const volatile sig_atomic_t *signals, char *err,
                             size_t errlen)
{
	struct load_ctx lc = {0};
	struct sender_result res;
	char before[128] = "";
	unsigned long page = 0, next;
	struct buf path;
	enum rb_status st;
	char why[300];
	bool have;

	*out = NULL;
	if (!(lc.e = existing_new()))
		return RB_ENOMEM;
	lc.claimed = claimed;
	lc.ctx = ctx;
	buf_init(&path, 4096);
	for (;;) {
		if ((st = request_window_path(&path, from_ms, to_ms, page)) ||
		    (st = sender_submit(snd, 0, SENDER_GET, buf_cstr(&path), NULL,
		                        0)))
			goto out;
		do {
			if (*signals) {
				sender_abort(snd);
				rb_detail(err, errlen, "interrupted; nothing was sent");
				st = RB_EINTR;
				goto out;
			}
			if ((st = sender_next(snd, 100, &res, &have, err, errlen)))
				goto out;
		} while (!have);
		if (res.outcome != SENDER_DONE) {
			rb_detail(err, errlen,
			          "--skip-existing: cannot list the usages already on "
			          "the server: %s; nothing was sent", res.reason);
			st = res.outcome == SENDER_AUTH ? RB_EAUTH : RB_ENET;
			goto out;
		}
		lc.n = 0;
		if (response_usage_list(res.body, res.body_len, load_cb, &lc, why,
		                        sizeof(why))) {
			rb_detail(err, errlen,
			          "--skip-existing: unreadable list of usages (%s); "
			          "nothing was sent", why);
			st = RB_ENET;
			goto out;
		}
		if (lc.oom) {
			st = RB_ENOMEM;
			goto out;
		}
		if (page && lc.n && !strcmp(lc.first, before)) {
			rb_detail(err, errlen,
			          "--skip-existing: the page at offset %lu repeats the "
			          "one before: the server seems to ignore offset; "
			          "nothing was sent", page);
			st = RB_ENET;
			goto out;
		}
		memcpy(before, lc.first, sizeof(before));
		if (!request_next_page(page, lc.n, res.page_total, &next))
			break;
		page = next;
	}
out:
	buf_free(&path);
	if (st) {
		existing_free(lc.e);
		return st;
	}
	*out = lc.e;
	return RB_OK;
}
