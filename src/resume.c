/* resume: loading a result log to resume from it. */
#include "resume.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include "buf.h"
#include "dedup.h"
#include "hash.h"
#include "linemap.h"
#include "resultlog.h"

/* ---- rows of this input, by line: two bits a line ---- */

/* A log is input too: its pages are made when a line of them is first set,
 * so a sparse or hostile line number costs one page, not memory up to it,
 * and lines past LINEMAP_MAX are refused, as report and undo refuse them. */
#define BITS_PAGE_LINES ((size_t)1 << 17) /* 16 KiB a page */
#define BITS_BAD_LINE (-2)

struct bits {
	uint8_t **pages; /* owned; NULL until a line of the page is set */
	size_t npages;
};

/* 0, -1 out of memory, BITS_BAD_LINE for a line no input has. */
static int bits_set(struct bits *s, long i)
{
	size_t page = (size_t)i / BITS_PAGE_LINES;

	if (i < 1 || (long long)i > LINEMAP_MAX)
		return BITS_BAD_LINE;
	if (page >= s->npages) {
		size_t n = s->npages ? s->npages : 16;
		uint8_t **p;

		while (n <= page)
			n *= 2;
		if (!(p = realloc(s->pages, n * sizeof(*p))))
			return -1;
		memset(p + s->npages, 0, (n - s->npages) * sizeof(*p));
		s->pages = p;
		s->npages = n;
	}
	if (!s->pages[page] &&
	    !(s->pages[page] = calloc(BITS_PAGE_LINES / 8, 1)))
		return -1;
	s->pages[page][(size_t)i % BITS_PAGE_LINES / 8] |=
		(uint8_t)(1u << (i % 8));
	return 0;
}

/* The byte holding line i's bit, NULL when no page holds it. */
static uint8_t *bits_byte(const struct bits *s, long i)
{
	size_t page = (size_t)i / BITS_PAGE_LINES;

	if (i < 1 || (long long)i > LINEMAP_MAX || page >= s->npages ||
	    !s->pages[page])
		return NULL;
	return &s->pages[page][(size_t)i % BITS_PAGE_LINES / 8];
}

static void bits_clear(struct bits *s, long i)
{
	uint8_t *b = bits_byte(s, i);

	if (b)
		*b &= (uint8_t)~(1u << (i % 8));
}

static bool bits_get(const struct bits *s, long i)
{
	const uint8_t *b = bits_byte(s, i);

	return b && (*b >> (i % 8)) & 1;
}

static void bits_free(struct bits *s)
{
	size_t i;

	for (i = 0; i < s->npages; i++)
		free(s->pages[i]);
	free(s->pages);
}

/* ---- rows of earlier versions of the input, by content ---- */

/* One row line of a run for another fingerprint, in log order. */
struct old_row {
	unsigned gen;      /* which earlier version (index into fps) */
	long line;
	size_t seq;        /* order in the log */
	enum resultlog_status status;
	size_t key;        /* offset of its key in the arena */
};

/* A key (subscriptionId NUL usageTime NUL quantity) and how many rows with
 * it an earlier version created, or left with an unknown outcome. */
struct key_count {
	uint64_t hash;     /* 0 = empty slot */
	size_t key;
	unsigned long created, unknown;
	bool touched;      /* a row of this input has this content, whether
	                      matched by content or by its line */
};

struct resume {
	struct bits created, unknown;
	enum config_aggregate aggregate; /* this run's --aggregate */
	size_t bucket_len;    /* its bucket as a prefix of a canonical usageTime:
	                         "YYYY-MM-DD" 10, "...THH" 13, "...THH:MM" 16 */
	bool run_aggregated;  /* the run being read sent aggregates */
	bool run_other;       /* ... with another --aggregate than this run's */
	char run_kind[16];    /* its --aggregate, "" for none */
	char other_kind[16];  /* the first such run's, with what it sent */
	long other_line;      /* the log line of its first usage */
	char fingerprint[RESUME_FINGERPRINT_MAX]; /* the log's last run's */
	/* --shard of the import runs: the first's, and the first that differs
	 * from it (line 0: none) */
	char shard_first[32], shard_other[32];
	long shard_first_line, shard_other_line;
	char stamped[CHECK_TIME_MAX];
	int64_t last_write_ms;
	struct dedup *claimed;
	struct dedup *undone; /* usage ids the log's undo log deleted */
	const char *fp;       /* the input's, borrowed for resume_load */

	/* while reading: runs for other fingerprints */
	char (*fps)[RESUME_FINGERPRINT_MAX];
	unsigned nfps;
	unsigned gen;         /* the current run's: nfps when it is this input */
	struct old_row *old;
	size_t nold, capold;
	char *arena;
	size_t narena, caparena;

	struct key_count *keys; /* open addressing, a power of two */
	size_t nkeys, capkeys;
	bool oom;
	long bad_log_line, bad_row_line; /* a row line no input has */
};

/* Appends the key of a row to the arena; its offset, or (size_t)-1. */
static size_t arena_key(struct resume *rs, const char *sid, const char *time,
                        const char *qty)
{
	size_t a = strlen(sid) + 1, b = strlen(time) + 1, c = strlen(qty) + 1;
	size_t off = rs->narena;

	if (buf_grow_array((void **)&rs->arena, &rs->caparena, rs->narena + a + b + c, 1))
		return (size_t)-1;
	memcpy(rs->arena + off, sid, a);
	memcpy(rs->arena + off + a, time, b);
	memcpy(rs->arena + off + a + b, qty, c);
	rs->narena += a + b + c;
	return off;
}

static size_t key_len(const char *k)
{
	size_t a = strlen(k) + 1, b = strlen(k + a) + 1;

	return a + b + strlen(k + a + b) + 1;
}

static uint64_t key_hash(const char *k, size_t n)
{
	uint64_t h = hash_xxh64(k, n, 0x5eed);

	return h ? h : 1;
}

/* The slot of key k (n bytes) in the table: where it is, or where it goes. */
static struct key_count *key_slot(const struct resume *rs, const char *k,
                                  size_t n, uint64_t h)
{
	size_t mask = rs->capkeys - 1, i = (size_t)h & mask;

	for (;; i = (i + 1) & mask) {
		struct key_count *e = &rs->keys[i];

		if (!e->hash || (e->hash == h && key_len(rs->arena + e->key) == n &&
		                 !memcmp(rs->arena + e->key, k, n)))
			return e;
	}
}

static struct key_count *key_add(struct resume *rs, size_t key)
{
	const char *k = rs->arena + key;
	size_t n = key_len(k);
	uint64_t h = key_hash(k, n);
	struct key_count *e;

	if ((rs->nkeys + 1) * 4 > rs->capkeys * 3) {
		struct key_count *old = rs->keys;
		size_t oldcap = rs->capkeys, i;

		rs->capkeys = oldcap ? oldcap * 2 : 256;
		if (!(rs->keys = calloc(rs->capkeys, sizeof(*rs->keys)))) {
			rs->keys = old;
			rs->capkeys = oldcap;
			return NULL;
		}
		for (i = 0; i < oldcap; i++)
			if (old[i].hash) {
				const char *ok = rs->arena + old[i].key;
				*key_slot(rs, ok, key_len(ok), old[i].hash) = old[i];
			}
		free(old);
	}
	e = key_slot(rs, k, n, h);
	if (!e->hash) {
		e->hash = h;
		e->key = key;
		rs->nkeys++;
	}
	return e;
}

/* The arena for cmp_old (qsort passes no context). */
static const char *sort_arena;

static int cmp_key(const char *arena, size_t a, size_t b)
{
	size_t na = key_len(arena + a), nb = key_len(arena + b);
	int c = memcmp(arena + a, arena + b, na < nb ? na : nb);

	return c ? c : (na > nb) - (na < nb);
}

/* By version, line and key (an aggregate's first line may carry another
 * usage in a run with other options), then in log order. */
static int cmp_old(const void *a, const void *b)
{
	const struct old_row *x = a, *y = b;
	int c;

	if (x->gen != y->gen)
		return x->gen < y->gen ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if ((c = cmp_key(sort_arena, x->key, y->key)))
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* --aggregate: the bucket of the usage whose key is at offset key, as a
 * key of its own (subscriptionId NUL bucket NUL ""): a content key never
 * has an empty quantity, so the two never meet. */
static size_t bucket_key(struct resume *rs, size_t key)
{
	char sid[CHECK_ID_MAX + 1], b[CHECK_TIME_MAX];
	const char *k = rs->arena + key;

	/* copies: the arena may move as the new key goes in */
	snprintf(sid, sizeof(sid), "%s", k);
	snprintf(b, sizeof(b), "%.*s", (int)rs->bucket_len, k + strlen(k) + 1);
	return arena_key(rs, sid, b, "");
}

/* Each row of an earlier version ends created, unknown or settled, by the
 * same rules as rows of this input (see on_row); then they are counted by
 * key. */
static int fold_old(struct resume *rs)
{
	size_t i = 0, j;

	sort_arena = rs->arena;
	qsort(rs->old, rs->nold, sizeof(*rs->old), cmp_old);
	while (i < rs->nold) {
		bool created = false, unknown = false;
		size_t key = rs->old[i].key;
		struct key_count *e;

		for (j = i; j < rs->nold && rs->old[j].gen == rs->old[i].gen &&
		            rs->old[j].line == rs->old[i].line &&
		            !cmp_key(rs->arena, rs->old[j].key, rs->old[i].key);
		     j++) {
			switch (rs->old[j].status) {
			case RESULTLOG_CREATED:
				created = true;
				unknown = false;
				key = rs->old[j].key;
				break;
			case RESULTLOG_PENDING:
				if (!created)
					unknown = true;
				if (!created)
					key = rs->old[j].key;
				break;
			case RESULTLOG_REFUSED:
				unknown = false;
				break;
			default:
				break;
			}
		}
		if (created || unknown) {
			if (!(e = key_add(rs, key)))
				return -1;
			if (created)
				e->created++;
			else
				e->unknown++;
		}
		if ((created || unknown) && rs->bucket_len) {
			/* every old usage is an aggregate here (others refuse) */
			size_t b = bucket_key(rs, key);

			if (b == (size_t)-1 || !(e = key_add(rs, b)))
				return -1;
			e->created += created;
			e->unknown += !created;
		}
		i = j;
	}
	return 0;
}

static int on_run(struct resume *rs, const struct resultlog_entry *e)
{
	const char *fp = e->fingerprint ? e->fingerprint : "";
	const char *want = config_aggregate_name(rs->aggregate);
	unsigned i;

	/* A dry run sent nothing: its stamped time binds no usage. */
	if (e->dry_run)
		return 0;
	if (!rs->shard_first_line) {
		snprintf(rs->shard_first, sizeof(rs->shard_first), "%s",
		         e->shard ? e->shard : "");
		rs->shard_first_line = e->line_no;
	} else if (!rs->shard_other_line &&
	           strcmp(e->shard ? e->shard : "", rs->shard_first)) {
		snprintf(rs->shard_other, sizeof(rs->shard_other), "%s",
		         e->shard ? e->shard : "");
		rs->shard_other_line = e->line_no;
	}
	snprintf(rs->run_kind, sizeof(rs->run_kind), "%s",
	         e->aggregate ? e->aggregate : "");
	rs->run_aggregated = e->aggregate != NULL;
	rs->run_other = strcmp(rs->run_kind, want ? want : "") != 0;
	if (!rs->stamped[0] && e->stamped_time)
		snprintf(rs->stamped, sizeof(rs->stamped), "%s", e->stamped_time);
	snprintf(rs->fingerprint, sizeof(rs->fingerprint), "%s", fp);
	/* Standard input has no lines to go by: its rows go by content; so do
	 * aggregates, whose lines depend on the options. */
	if (rs->fp && !strcmp(fp, rs->fp) && strcmp(fp, "stdin") &&
	    !rs->run_aggregated) {
		rs->gen = rs->nfps; /* this input */
		return 0;
	}
	for (i = 0; i < rs->nfps && strcmp(rs->fps[i], fp); i++)
		;
	if (i == rs->nfps) {
		void *p = realloc(rs->fps, (rs->nfps + 1) * sizeof(*rs->fps));
		if (!p)
			return -1;
		rs->fps = p;
		snprintf(rs->fps[rs->nfps++], RESUME_FINGERPRINT_MAX, "%s", fp);
	}
	rs->gen = i;
	return 0;
}

static int on_row(struct resume *rs, const struct resultlog_entry *e)
{
	const struct resultlog_row *r = &e->row;
	long line = r->line;
	enum resultlog_status status = r->status;
	bool undone = false;
	int k = 0;

	/* A row --skip-existing found on the server names that usage: it is
	 * there as surely as one this log created (a row skipped as created
	 * by an earlier run names none: its created line counts). */
	if (status == RESULTLOG_SKIPPED && r->usage_id)
		status = RESULTLOG_CREATED;
	/* a usage `rbusage undo` deleted is no longer billed: its row is as
	 * one the server refused, known not stored (a later run's created
	 * line names another id) */
	if (status == RESULTLOG_CREATED && r->usage_id && rs->undone &&
	    dedup_has_key(rs->undone, r->usage_id, strlen(r->usage_id)) == 1)
		undone = true;
	if (undone)
		status = RESULTLOG_REFUSED;
	if (status == RESULTLOG_CREATED && r->usage_id &&
	    dedup_seen_key(rs->claimed, r->usage_id, strlen(r->usage_id)) < 0)
		return -1;
	if (rs->run_other && !rs->other_line &&
	    (status == RESULTLOG_CREATED || status == RESULTLOG_PENDING)) {
		/* a usage sent with another --aggregate: no row of this run can
		 * be matched to it (load refuses) */
		snprintf(rs->other_kind, sizeof(rs->other_kind), "%s",
		         rs->run_kind);
		rs->other_line = e->line_no;
	}
	if (rs->gen != rs->nfps) {
		/* a run for an earlier version of the input */
		struct old_row *o;

		/* a refusal after an unknown POST proves nothing of that POST:
		 * like a failure, it leaves the row unknown */
		if (status != RESULTLOG_CREATED && status != RESULTLOG_PENDING &&
		    (status != RESULTLOG_REFUSED || r->stored_maybe) && !undone)
			return 0;
		if (!r->subscription_id || !r->usage_time || !r->quantity)
			return 0; /* not a row that was sent */
		if (buf_grow_array((void **)&rs->old, &rs->capold, rs->nold + 1,
		         sizeof(*rs->old)))
			return -1;
		o = &rs->old[rs->nold];
		o->gen = rs->gen;
		o->line = line;
		o->seq = rs->nold;
		o->status = status;
		o->key = arena_key(rs, r->subscription_id, r->usage_time,
		                   r->quantity);
		if (o->key == (size_t)-1)
			return -1;
		rs->nold++;
		return 0;
	}
	switch (status) {
	case RESULTLOG_CREATED:
		if ((k = bits_set(&rs->created, line)))
			break;
		bits_clear(&rs->unknown, line);
		break;
	case RESULTLOG_PENDING:
		if (!bits_get(&rs->created, line))
			k = bits_set(&rs->unknown, line);
		break;
	case RESULTLOG_REFUSED:
		/* a 4xx: nothing stored, unless an earlier POST of the row
		 * had an unknown outcome that no lookup settled */
		if (!r->stored_maybe || undone)
			bits_clear(&rs->unknown, line);
		break;
	default:
		/* failed keeps "unknown": a timeout may have stored it */
		break;
	}
	if (k == BITS_BAD_LINE) {
		rs->bad_log_line = e->line_no;
		rs->bad_row_line = line;
		return 1;
	}
	return k;
}

/* A row line of the undo log: the usage it deleted (or found gone). */
static int on_undone(const struct resultlog_entry *e, void *ctx)
{
	struct resume *rs = ctx;

	if (e->type == RESULTLOG_ENTRY_ROW &&
	    e->row.status == RESULTLOG_DELETED && e->row.usage_id &&
	    dedup_seen_key(rs->undone, e->row.usage_id,
	                   strlen(e->row.usage_id)) < 0) {
		rs->oom = true;
		return -1;
	}
	return 0;
}

/* The usages undo deleted, from the undo log at its default path
 * (LOG.undo.jsonl) when there is one. */
static enum rb_status load_undone(struct resume *rs, const char *log_path,
                                  char *err, size_t errlen)
{
	char path[4096];
	struct stat sb;
	enum rb_status st;

	if ((size_t)snprintf(path, sizeof(path), "%s.undo.jsonl", log_path) >=
	            sizeof(path) ||
	    stat(path, &sb) != 0)
		return RB_OK;
	if (!(rs->undone = dedup_new())) {
		rb_detail(err, errlen, "out of memory");
		return RB_ENOMEM;
	}
	st = resultlog_read(path, on_undone, rs, err, errlen);
	if (!st && rs->oom) {
		rb_detail(err, errlen, "out of memory");
		st = RB_ENOMEM;
	}
	return st;
}

static int on_entry(const struct resultlog_entry *e, void *ctx)
{
	struct resume *rs = ctx;
	int r = 0;

	if (e->type == RESULTLOG_ENTRY_RUN)
		r = on_run(rs, e);
	else if (e->type == RESULTLOG_ENTRY_ROW)
		r = on_row(rs, e);
	if (r < 0)
		rs->oom = true;
	return r;
}

void resume_free(struct resume *rs)
{
	if (!rs)
		return;
	bits_free(&rs->created);
	bits_free(&rs->unknown);
	dedup_free(rs->claimed);
	dedup_free(rs->undone);
	free(rs->fps);
	free(rs->old);
	free(rs->arena);
	free(rs->keys);
	free(rs);
}

enum rb_status resume_load(const char *log_path, const char *input,
                           const char *fp, bool restart,
                           enum config_aggregate aggregate,
                           struct resume **out, char *err, size_t errlen)
{
	struct resume *rs = calloc(1, sizeof(*rs));
	struct stat sb;
	enum rb_status st;

	*out = NULL;
	if (!rs || !(rs->claimed = dedup_new())) {
		free(rs);
		rb_detail(err, errlen, "out of memory");
		return RB_ENOMEM;
	}
	rs->fp = fp;
	rs->aggregate = aggregate;
	rs->bucket_len = aggregate == CONFIG_AGGREGATE_MINUTE ? 16
	                 : aggregate == CONFIG_AGGREGATE_HOUR ? 13
	                 : aggregate == CONFIG_AGGREGATE_DAY  ? 10
	                                                      : 0;
	if (stat(log_path, &sb) != 0) {
		*out = rs; /* nothing to resume */
		rs->fp = NULL;
		return RB_OK;
	}
	rs->last_write_ms = (int64_t)sb.st_mtim.tv_sec * 1000 +
	                    sb.st_mtim.tv_nsec / 1000000;
	st = load_undone(rs, log_path, err, errlen);
	if (!st)
		st = resultlog_read(log_path, on_entry, rs, err, errlen);
	if (!st && !rs->oom && rs->nold && fold_old(rs))
		rs->oom = true;
	if (!st && rs->oom) {
		rb_detail(err, errlen, "out of memory");
		st = RB_ENOMEM;
	}
	if (!st && rs->bad_log_line) {
		rb_detail(err, errlen,
		          "%s: line %ld names input line %ld, which no input has "
		          "(1 to %lld): not a log rbusage wrote; give --log NEW_PATH",
		          log_path, rs->bad_log_line, rs->bad_row_line,
		          (long long)LINEMAP_MAX);
		st = RB_EINPUT;
	}
	if (!st && rs->other_line) {
		const char *now = config_aggregate_name(aggregate);
		const char *was = rs->other_kind;

		rb_detail(err, errlen,
		          "result log '%s' holds usages sent %s%s (log line %ld), "
		          "but this run has %s%s: rows cannot be matched to usages "
		          "of another bucketing, so some could be billed twice; run "
		          "it %s%s to resume, or give --log NEW_PATH to start "
		          "afresh (after 'rbusage undo %s' if those usages are to "
		          "go)",
		          log_path, was[0] ? "with --aggregate " : "one per row ",
		          was[0] ? was : "(without --aggregate)", rs->other_line,
		          now ? "--aggregate " : "no --aggregate", now ? now : "",
		          was[0] ? "with --aggregate " : "without --aggregate",
		          was, log_path);
		st = RB_EUSAGE;
	}
	if (!st && fp && rs->fingerprint[0] && strcmp(rs->fingerprint, fp) &&
	    !restart) {
		rb_detail(err, errlen,
		          "result log '%s' was written for another version of '%s' "
		          "(fingerprint %s, now %s); to import this version pass "
		          "--restart (rows the log has as created are matched by "
		          "content and never sent again) or --log NEW_PATH",
		          log_path, input, rs->fingerprint, fp);
		st = RB_EUSAGE;
	}
	rs->fp = NULL;
	if (st) {
		resume_free(rs);
		return st;
	}
	*out = rs;
	return RB_OK;
}

static void bucket_took(struct resume *rs, const struct usage *u,
                        bool created);

enum resume_verdict resume_take(struct resume *rs, long line,
                                const struct usage *u)
{
	char k[CHECK_ID_MAX + CHECK_TIME_MAX + CHECK_QUANTITY_MAX + 3];
	size_t a, b, c;
	struct key_count *e;

	enum resume_verdict by_line = RESUME_SEND;

	if (bits_get(&rs->created, line))
		by_line = RESUME_CREATED;
	else if (bits_get(&rs->unknown, line))
		by_line = RESUME_UNKNOWN;
	if (!rs->nkeys)
		return by_line;
	a = strlen(u->subscription_id) + 1;
	b = strlen(u->usage_time) + 1;
	c = strlen(u->quantity) + 1;
	memcpy(k, u->subscription_id, a);
	memcpy(k + a, u->usage_time, b);
	memcpy(k + a + b, u->quantity, c);
	e = key_slot(rs, k, a + b + c, key_hash(k, a + b + c));
	if (e->hash)
		e->touched = true; /* resume_left: not left behind */
	/* a row known by its line takes nothing of the earlier versions'
	 * counts: another row with the same content may need them */
	if (by_line != RESUME_SEND || !e->hash)
		return by_line;
	if (e->created) {
		e->created--;
		bucket_took(rs, u, true);
		return RESUME_CREATED;
	}
	if (e->unknown) {
		e->unknown--;
		bucket_took(rs, u, false);
		return RESUME_UNKNOWN;
	}
	return RESUME_SEND;
}

/* The key_count of u's bucket, or NULL when the log has none. */
static struct key_count *bucket_of(const struct resume *rs,
                                   const struct usage *u)
{
	char k[CHECK_ID_MAX + CHECK_TIME_MAX + 3];
	size_t a = strlen(u->subscription_id) + 1, n = strlen(u->usage_time);
	struct key_count *e;

	if (!rs->bucket_len || !rs->nkeys)
		return NULL;
	if (n > rs->bucket_len)
		n = rs->bucket_len;
	memcpy(k, u->subscription_id, a);
	memcpy(k + a, u->usage_time, n);
	k[a + n] = 0;
	k[a + n + 1] = 0;
	e = key_slot(rs, k, a + n + 2, key_hash(k, a + n + 2));
	return e->hash ? e : NULL;
}

/* A usage of the log matched by content is its bucket's no longer. */
static void bucket_took(struct resume *rs, const struct usage *u,
                        bool created)
{
	struct key_count *e = bucket_of(rs, u);

	if (!e)
		return;
	if (created && e->created)
		e->created--;
	else if (!created && e->unknown)
		e->unknown--;
}

unsigned long resume_bucket_left(const struct resume *rs,
                                 const struct usage *u)
{
	const struct key_count *e = bucket_of(rs, u);

	return e ? e->created + e->unknown : 0;
}

static void example(const char *k, char *out, size_t outlen)
{
	const char *t = k + strlen(k) + 1;

	snprintf(out, outlen, "subscriptionId %s, usageTime %s, quantity %s", k,
	         t, t + strlen(t) + 1);
}

unsigned long resume_left(const struct resume *rs, const char *log_path,
                          char *created_msg, char *unknown_msg,
                          size_t msglen)
{
	char exc[CHECK_ID_MAX + CHECK_TIME_MAX + CHECK_QUANTITY_MAX + 64] = "";
	char exu[sizeof(exc)] = "";
	unsigned long created = 0, unknown = 0;
	size_t i;

	for (i = 0; i < rs->capkeys; i++) {
		const struct key_count *e = &rs->keys[i];
		const char *k = rs->arena + e->key, *t;

		if (!e->hash || e->touched)
			continue;
		t = k + strlen(k) + 1;
		if (!*(t + strlen(t) + 1))
			continue; /* a bucket's key (empty quantity): not a usage */
		if (e->created && !created)
			example(k, exc, sizeof(exc));
		if (e->unknown && !unknown)
			example(k, exu, sizeof(exu));
		created += e->created;
		unknown += e->unknown;
	}
	created_msg[0] = unknown_msg[0] = 0;
	if (created)
		snprintf(created_msg, msglen,
		         "note: %lu usage%s that earlier runs created (e.g. %s) "
		         "%s no row in this input; %s billed ('rbusage report %s' "
		         "lists them, 'rbusage undo %s' deletes every usage the "
		         "log names)", created, created == 1 ? "" : "s", exc,
		         created == 1 ? "matches" : "match",
		         created == 1 ? "it stays" : "they stay", log_path,
		         log_path);
	if (unknown)
		snprintf(unknown_msg, msglen,
		         "%lu row%s that an earlier run sent without learning the "
		         "outcome (e.g. %s) %s no row in this input, so nothing "
		         "looks %s up: %s may be billed; check %s in Rebilly "
		         "('rbusage report %s' lists them)", unknown,
		         unknown == 1 ? "" : "s", exu,
		         unknown == 1 ? "matches" : "match",
		         unknown == 1 ? "it" : "them", unknown == 1 ? "it" : "they",
		         unknown == 1 ? "it" : "them", log_path);
	return unknown;
}

enum rb_status resume_check_shard(const struct resume *rs,
                                  const char *log_path, const char *shard,
                                  char *err, size_t errlen)
{
	const char *was = rs->shard_first, *w;
	long no = rs->shard_first_line;

	if (no && !strcmp(was, shard)) {
		was = rs->shard_other;
		no = rs->shard_other_line;
	}
	if (!no || !strcmp(was, shard))
		return RB_OK;
	w = was[0] ? "with --shard " : "without --shard";
	rb_detail(err, errlen,
	          "result log '%s' holds a run %s%s (log line %ld), but this run "
	          "has %s%s: it would send rows that another shard's log holds, "
	          "billing them twice; run it %s%s to resume, or give --log "
	          "NEW_PATH (after 'rbusage undo %s' if the rows it created are "
	          "to be sent again from the new log)",
	          log_path, w, was, no, shard[0] ? "--shard " : "no --shard",
	          shard, w, was, log_path);
	return RB_EUSAGE;
}

const char *resume_stamped(const struct resume *rs)
{
	return rs->stamped;
}

int64_t resume_last_write_ms(const struct resume *rs)
{
	return rs->last_write_ms;
}

int resume_claim(struct resume *rs, const char *id)
{
	return dedup_seen_key(rs->claimed, id, strlen(id));
}

bool resume_claimed(struct resume *rs, const char *id)
{
	return dedup_has_key(rs->claimed, id, strlen(id)) == 1;
}
