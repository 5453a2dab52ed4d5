/* pipeline: the import loop: read, check, send, reconcile, log. */
#include "pipeline.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/stat.h>

#include "buf.h"
#include "clock.h"
#include "check.h"
#include "dedup.h"
#include "fingerprint.h"
#include "reader.h"
#include "record.h"
#include "rejects.h"
#include "report.h"
#include "response.h"
#include "resultlog.h"
#include "sender.h"

#define PATH_BYTES 4096
#define GRACE_MS 5000        /* in-flight requests may finish after a signal */
#define PROGRESS_EVERY_MS 250    /* redraws on a terminal */
#define PROGRESS_PLAIN_MS 5000   /* lines into a file or pipe */

static bool ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n >= k && !strncmp(s + n - k, suffix, k);
}

void pipeline_default_paths(const char *input, enum config_format format,
                            char delimiter, char *rejects, char *log,
                            size_t len)
{
	static const char *const exts[] = {".csv", ".tsv", ".jsonl", ".ndjson"};
	const char *ext = format == CONFIG_FORMAT_JSONL ? ".jsonl"
	                  : delimiter == '\t'          ? ".tsv"
	                                               : ".csv";
	const char *base = strcmp(input, "-") ? input : "stdin";
	size_t n = strlen(base), i;

	if (ends_with(base, n, ".gz"))
		n -= 3;
	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		if (ends_with(base, n, exts[i])) {
			n -= strlen(exts[i]);
			/* keep the input's own extension when it fits the format
			 * (x.ndjson -> x.rejects.ndjson), never a wrong one */
			if ((format == CONFIG_FORMAT_JSONL) == (i >= 2))
				ext = exts[i];
			break;
		}
	snprintf(rejects, len, "%.*s.rejects%s", (int)n, base, ext);
	snprintf(log, len, "%.*s.results.jsonl", (int)n, base);
}

/* ---- resume state: which lines an earlier run created or left unknown ---- */

struct bits {
	uint8_t *b;
	size_t n; /* bytes */
};

static int bits_set(struct bits *s, long i)
{
	size_t byte = (size_t)i / 8;

	if (i < 0)
		return 0;
	if (byte >= s->n) {
		size_t nn = s->n ? s->n : 1024;
		uint8_t *p;
		while (nn <= byte)
			nn *= 2;
		p = realloc(s->b, nn);
		if (!p)
			return -1;
		memset(p + s->n, 0, nn - s->n);
		s->b = p;
		s->n = nn;
	}
	s->b[byte] |= (uint8_t)(1u << (i % 8));
	return 0;
}

static void bits_clear(struct bits *s, long i)
{
	if (i >= 0 && (size_t)i / 8 < s->n)
		s->b[i / 8] &= (uint8_t)~(1u << (i % 8));
}

static bool bits_get(const struct bits *s, long i)
{
	return i >= 0 && (size_t)i / 8 < s->n && (s->b[i / 8] >> (i % 8)) & 1;
}

struct resume {
	struct bits created;  /* created by an earlier run: skip */
	struct bits unknown;  /* went out, outcome never settled: find first */
	char fingerprint[FINGERPRINT_MAX];
	char stamped[CHECK_TIME_MAX];
	struct dedup *claimed; /* --allow-duplicates: usage ids already ours */
	bool has_run;
	bool oom;
};

static int resume_cb(const struct resultlog_entry *e, void *ctx)
{
	struct resume *rs = ctx;
	long line = e->row.line;

	if (e->type == RESULTLOG_ENTRY_RUN) {
		/* A dry run sent nothing: its stamped time binds no usage. */
		if (e->dry_run)
			return 0;
		if (!rs->fingerprint[0] && e->fingerprint)
			snprintf(rs->fingerprint, sizeof(rs->fingerprint), "%s",
			         e->fingerprint);
		if (!rs->stamped[0] && e->stamped_time)
			snprintf(rs->stamped, sizeof(rs->stamped), "%s", e->stamped_time);
		rs->has_run = true;
		return 0;
	}
	if (e->type != RESULTLOG_ENTRY_ROW)
		return 0;
	switch (e->row.status) {
	case RESULTLOG_CREATED:
		if (bits_set(&rs->created, line))
			rs->oom = true;
		if (rs->claimed && e->row.usage_id &&
		    dedup_seen_key(rs->claimed, e->row.usage_id,
		                   strlen(e->row.usage_id)) < 0)
			rs->oom = true;
		bits_clear(&rs->unknown, line);
		break;
	case RESULTLOG_PENDING:
		if (!bits_get(&rs->created, line) && bits_set(&rs->unknown, line))
			rs->oom = true;
		break;
	case RESULTLOG_REFUSED:
		/* a 4xx: the server stored nothing */
		bits_clear(&rs->unknown, line);
		break;
	default:
		/* failed keeps "unknown": a timeout may have stored it */
		break;
	}
	return rs->oom;
}

static void resume_free(struct resume *rs)
{
	free(rs->created.b);
	free(rs->unknown.b);
	dedup_free(rs->claimed);
	memset(rs, 0, sizeof(*rs));
}

/* Loads an existing log for path; RB_EUSAGE when it belongs to another input. */
static enum rb_status resume_load(const struct config *cfg, const char *path,
                                  const char *log_path, const char *fp,
                                  struct resume *rs, char *err, size_t errlen)
{
	enum rb_status st;

	memset(rs, 0, sizeof(*rs));
	if (cfg->allow_duplicates && !(rs->claimed = dedup_new())) {
		rb_detail(err, errlen, "out of memory");
		return RB_ENOMEM;
	}
	if (access(log_path, F_OK) != 0)
		return RB_OK;
	st = resultlog_read(log_path, resume_cb, rs, err, errlen);
	if (st)
		return st;
	if (rs->oom) {
		rb_detail(err, errlen, "out of memory");
		return RB_ENOMEM;
	}
	if (!cfg->dry_run && rs->fingerprint[0] && fp &&
	    strcmp(rs->fingerprint, fp)) {
		rb_detail(err, errlen,
		          "result log '%s' was written for another version of '%s' "
		          "(fingerprint %s, now %s); to import it afresh pass "
		          "--restart (the old log is kept beside it) or --log NEW_PATH",
		          log_path, path, rs->fingerprint, fp);
		return RB_EUSAGE;
	}
	if (!cfg->dry_run && fp && !strcmp(fp, "stdin") &&
	    (rs->created.n || rs->unknown.n)) {
		rb_detail(err, errlen,
		          "result log '%s' records rows read from standard input, "
		          "which cannot be matched again; import the file by name, or "
		          "pass --restart", log_path);
		return RB_EUSAGE;
	}
	return RB_OK;
}

/* ---- the import of one file ---- */

/* A slot's row is free, in the sender (POST or FIND), or waiting to go
 * because an identical row is in flight (only with --allow-duplicates:
 * identical rows go one at a time, or a lookup could not tell whose usage it
 * found). */
enum slot_phase { SLOT_FREE, SLOT_POST, SLOT_FIND, SLOT_WAIT_POST, SLOT_WAIT_FIND };

struct slot {
	enum slot_phase phase;
	struct usage u;
	struct buf row;     /* the row as the reject file writes it */
	unsigned attempts;  /* POST attempts over all rounds */
	unsigned finds;     /* reconcile queries made */
	long ms;            /* the sender's time on this row, all requests */
	bool stored;        /* a 2xx came back (without an id): never POST again */
	int64_t started_ms;
	long http;
};

struct import {
	const struct config *cfg;
	const char *path;
	const volatile sig_atomic_t *signals;
	char rejects_path[PATH_BYTES];
	char log_path[PATH_BYTES];
	char fingerprint[FINGERPRINT_MAX];
	struct reader *rd;
	struct record_map *map;
	struct check_policy pol;
	struct dedup *dd;
	struct rejects *rj;
	struct resultlog *lg;
	struct sender *snd;
	struct report_reasons *reasons;
	struct resume rs;
	struct run_counts c;
	struct slot *slots;
	unsigned nslots;
	struct buf body;
	struct buf rowbuf;
	char stamped[CHECK_TIME_MAX];
	int64_t stamped_ms;
	int64_t start_wall_ms;
	int64_t start_mono_ms;
	int64_t last_progress_ms;
	bool progress;
	bool progress_tty;  /* redraw in place; else a plain line now and then */
	bool eof;
	bool stop;         /* stop reading: signal or auth */
	bool auth_stop;
	bool input_failed;
	enum rb_status fatal;
	char *err;
	size_t errlen;
};

static enum rb_status log_row(struct import *im, const struct usage *u,
                              enum resultlog_status status, const char *reason,
                              const char *usage_id, long http,
                              unsigned attempts, long ms, const char *found,
                              long line)
{
	struct resultlog_row r = {0};
	enum rb_status st;

	r.line = line;
	r.status = status;
	r.reason = reason;
	r.usage_id = usage_id && *usage_id ? usage_id : NULL;
	r.http = http;
	r.attempts = attempts;
	r.ms = ms;
	r.found = found;
	if (u) {
		r.subscription_id = u->subscription_id;
		r.quantity = u->quantity;
		r.usage_time = u->usage_time;
	}
	st = resultlog_write_row(im->lg, &r, im->err, im->errlen);
	if (st && !im->fatal)
		im->fatal = st;
	return st;
}

static enum rb_status reject(struct import *im, long line, const char *reason,
                             const char *body, size_t body_len,
                             const struct usage *u, enum resultlog_status status,
                             long http, unsigned attempts, long ms)
{
	enum rb_status st;

	st = rejects_write(im->rj, line, reason, body, body_len, im->err,
	                   im->errlen);
	if (st) {
		im->fatal = st;
		return st;
	}
	report_reasons_add(im->reasons, reason, line);
	if (status == RESULTLOG_REJECTED)
		im->c.rejected++;
	else
		im->c.refused++;
	return log_row(im, u, status, reason, NULL, http, attempts, ms, NULL, line);
}

static enum rb_status usage_body(struct buf *b, const struct usage *u)
{
	enum rb_status st;

	buf_reset(b);
	st = buf_puts(b, "{\"subscriptionId\":");
	if (!st) st = buf_json_string(b, u->subscription_id, strlen(u->subscription_id));
	if (!st) st = buf_printf(b, ",\"quantity\":%s,\"usageTime\":\"%s\"",
	                         u->quantity, u->usage_time);
	if (!st && u->accept_partial >= 0)
		st = buf_printf(b, ",\"acceptPartialQuantity\":%s",
		                u->accept_partial ? "true" : "false");
	if (!st)
		st = buf_putc(b, '}');
	return st;
}

static enum rb_status submit_post(struct import *im, unsigned i)
{
	struct slot *sl = &im->slots[i];
	enum rb_status st;

	if ((st = usage_body(&im->body, &sl->u)))
		return st;
	sl->phase = SLOT_POST;
	return sender_submit(im->snd, i, SENDER_POST, "/usages", im->body.data,
	                     im->body.len);
}

/* Asks the server whether the usage in slot i is already stored. */
static enum rb_status submit_find(struct import *im, unsigned i)
{
	struct slot *sl = &im->slots[i];
	char filter[256];
	enum rb_status st;

	snprintf(filter, sizeof(filter), "subscriptionId:%s;usageTime:%s",
	         sl->u.subscription_id, sl->u.usage_time);
	buf_reset(&im->body);
	st = buf_puts(&im->body, "/usages?limit=100&filter=");
	if (!st)
		st = buf_url_encode(&im->body, filter);
	if (st)
		return st;
	sl->phase = SLOT_FIND;
	sl->finds++;
	return sender_submit(im->snd, i, SENDER_GET, buf_cstr(&im->body), NULL, 0);
}

static unsigned free_slot(const struct import *im)
{
	unsigned i;

	for (i = 0; i < im->nslots; i++)
		if (im->slots[i].phase == SLOT_FREE)
			return i;
	return im->nslots;
}

static bool same_key(const struct usage *a, const struct usage *b)
{
	return !strcmp(a->subscription_id, b->subscription_id) &&
	       !strcmp(a->quantity, b->quantity) &&
	       a->usage_time_ms == b->usage_time_ms;
}

/* Is a row identical to slot i's in the sender right now? */
static bool key_busy(const struct import *im, unsigned i)
{
	unsigned j;

	if (!im->cfg->allow_duplicates)
		return false;
	for (j = 0; j < im->nslots; j++)
		if (j != i && (im->slots[j].phase == SLOT_POST ||
		               im->slots[j].phase == SLOT_FIND) &&
		    same_key(&im->slots[i].u, &im->slots[j].u))
			return true;
	return false;
}

/* The row's first (or next) POST, after its pending line. */
static enum rb_status start_post(struct import *im, unsigned i)
{
	if (key_busy(im, i)) {
		im->slots[i].phase = SLOT_WAIT_POST;
		return RB_OK;
	}
	if (log_row(im, &im->slots[i].u, RESULTLOG_PENDING, NULL, NULL, 0, 0, -1,
	            NULL, im->slots[i].u.line))
		return im->fatal;
	return submit_post(im, i);
}

static enum rb_status start_find(struct import *im, unsigned i)
{
	if (key_busy(im, i)) {
		im->slots[i].phase = SLOT_WAIT_FIND;
		return RB_OK;
	}
	return submit_find(im, i);
}

/* Lets waiting rows go once nothing identical is in flight. */
static enum rb_status kick_waiting(struct import *im)
{
	enum rb_status st = RB_OK;
	unsigned i;

	for (i = 0; i < im->nslots && !st && !im->stop; i++) {
		if (im->slots[i].phase == SLOT_WAIT_POST && !key_busy(im, i))
			st = start_post(im, i);
		else if (im->slots[i].phase == SLOT_WAIT_FIND && !key_busy(im, i))
			st = start_find(im, i);
	}
	return st;
}

static bool any_waiting(const struct import *im)
{
	unsigned i;

	for (i = 0; i < im->nslots; i++)
		if (im->slots[i].phase == SLOT_WAIT_POST ||
		    im->slots[i].phase == SLOT_WAIT_FIND)
			return true;
	return false;
}

/* On a stop, rows still waiting will not go out in this run. */
static void flush_waiting(struct import *im)
{
	unsigned i;

	for (i = 0; i < im->nslots; i++) {
		struct slot *sl = &im->slots[i];
		if (sl->phase != SLOT_WAIT_POST && sl->phase != SLOT_WAIT_FIND)
			continue;
		im->c.failed++;
		log_row(im, &sl->u, RESULTLOG_FAILED,
		        sl->phase == SLOT_WAIT_POST
		            ? "interrupted before sending"
		            : "interrupted; outcome unknown, the next run looks it up",
		        NULL, sl->http, sl->attempts, -1, NULL, sl->u.line);
		sl->phase = SLOT_FREE;
	}
}

static uint64_t fnv1a(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* --shard K/N: the row's trimmed subscriptionId text (valid or not), FNV-1a
 * 64, modulo N, is shard K-1. Rows without one (missing, null or empty) and
 * unreadable rows go to shard 1, so every row is reported by exactly one
 * process. */
static bool in_shard(const struct config *cfg, const struct record *rec)
{
	const struct record_value *v = &rec->v[CONFIG_FIELD_SUBSCRIPTION_ID];
	const char *s = v->text;
	size_t n = v->len;

	if (!cfg->shard_n)
		return true;
	if (!v->present)
		return cfg->shard_k == 1;
	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (!n)
		return cfg->shard_k == 1; /* empty is missing */
	return fnv1a(s, n) % cfg->shard_n == cfg->shard_k - 1;
}

/* One row from the reader: reject it, count it, skip it, or hand it to a slot. */
static enum rb_status take_row(struct import *im, const struct reader_row *row)
{
	struct record rec;
	struct usage u;
	char why[512];
	unsigned i;
	int seen;
	long first = 0;

	if (row->error) {
		if (im->cfg->shard_n && im->cfg->shard_k != 1) {
			im->c.other_shard++;
			return RB_OK;
		}
		im->c.read++;
		if (rejects_format_row(im->rj, row, &im->rowbuf))
			buf_reset(&im->rowbuf);
		return reject(im, row->line, row->error, im->rowbuf.data,
		              im->rowbuf.len, NULL, RESULTLOG_REJECTED, 0, 0, -1);
	}
	if (record_from_row(im->map, row, &rec, why, sizeof(why))) {
		if (im->cfg->shard_n && im->cfg->shard_k != 1) {
			im->c.other_shard++;
			return RB_OK;
		}
		goto bad;
	}
	if (!in_shard(im->cfg, &rec)) {
		im->c.other_shard++;
		return RB_OK;
	}
	if (check_record(&im->pol, &rec, im->start_wall_ms, &u, why, sizeof(why)))
		goto bad;
	if (!u.usage_time[0]) {
		memcpy(u.usage_time, im->stamped, sizeof(u.usage_time));
		u.usage_time_ms = im->stamped_ms;
	}
	if (im->dd && (seen = dedup_seen(im->dd, &u, &first)) != 0) {
		if (seen < 0)
			return RB_ENOMEM;
		snprintf(why, sizeof(why),
		         "repeats line %ld (same subscriptionId, usageTime and "
		         "quantity); pass --allow-duplicates if both are meant",
		         first);
		goto bad;
	}
	im->c.read++;
	im->c.valid++;
	if (im->cfg->dry_run) {
		if (im->cfg->emit) {
			if (usage_body(&im->body, &u))
				return RB_ENOMEM;
			buf_putc(&im->body, '\n');
			if (fwrite(im->body.data, 1, im->body.len, stdout) != im->body.len) {
				rb_detail(im->err, im->errlen, "cannot write to stdout: %s",
				          strerror(errno));
				return RB_EIO;
			}
		}
		return RB_OK;
	}
	if (bits_get(&im->rs.created, row->line)) {
		im->c.skipped++;
		return log_row(im, &u, RESULTLOG_SKIPPED, NULL, NULL, 0, 0, -1,
		               "created by an earlier run", row->line);
	}
	i = free_slot(im);
	if (i == im->nslots)
		return RB_ENOMEM; /* cannot happen: rows are read only with room */
	memset(&im->slots[i].u, 0, sizeof(u));
	im->slots[i].u = u;
	im->slots[i].attempts = 0;
	im->slots[i].finds = 0;
	im->slots[i].ms = 0;
	im->slots[i].stored = false;
	im->slots[i].http = 0;
	im->slots[i].started_ms = clock_mono_ms();
	if (rejects_format_row(im->rj, row, &im->slots[i].row))
		buf_reset(&im->slots[i].row);
	if (bits_get(&im->rs.unknown, row->line)) {
		/* An earlier run sent it and never learned the outcome. */
		return start_find(im, i);
	}
	return start_post(im, i);
bad:
	im->c.read++;
	if (rejects_format_row(im->rj, row, &im->rowbuf))
		buf_reset(&im->rowbuf);
	return reject(im, row->line, why, im->rowbuf.data, im->rowbuf.len, NULL,
	              RESULTLOG_REJECTED, 0, 0, -1);
}

/* Time on the wire for the row (first send to reply, over its requests),
 * not the time it waited for the rate limit. */
static long slot_ms(const struct slot *sl)
{
	return sl->ms;
}

static void slot_done(struct slot *sl)
{
	sl->phase = SLOT_FREE;
}

/* Does the GET /usages reply in res hold our usage? */
struct find_ctx {
	const struct usage *u;
	struct dedup *claimed; /* NULL unless --allow-duplicates */
	char id[128];
	int matches;
	bool oom;
};

static int find_cb(void *ctx, const struct response_usage *ru)
{
	struct find_ctx *fc = ctx;
	char q[CHECK_QUANTITY_MAX], why[64], tt[CHECK_TIME_MAX];
	struct check_policy any = {0};
	int64_t ms;

	any.has_not_after = true;
	any.not_after_ms = INT64_MAX;
	if (strcmp(fc->u->subscription_id, ru->subscription_id))
		return 0;
	if (check_quantity(ru->quantity, strlen(ru->quantity),
	                   ru->quantity_is_number, q, why,
	                   sizeof(why)) ||
	    strcmp(q, fc->u->quantity))
		return 0;
	if (check_usage_time(&any, ru->usage_time, strlen(ru->usage_time), 0, &ms,
	                     tt, why, sizeof(why)) ||
	    ms != fc->u->usage_time_ms)
		return 0;
	if (fc->claimed) {
		/* --allow-duplicates: an identical row's usage is not ours; take
		 * the first one no row has claimed yet. */
		int seen = dedup_seen_key(fc->claimed, ru->id, strlen(ru->id));
		if (seen < 0) {
			fc->oom = true;
			return 1;
		}
		if (seen)
			return 0;
	}
	fc->matches++;
	snprintf(fc->id, sizeof(fc->id), "%s", ru->id);
	return 1;
}

static void handle_result(struct import *im, const struct sender_result *res)
{
	struct slot *sl = &im->slots[res->tag];
	const struct usage *u = &sl->u;
	long line = u->line;

	sl->ms += res->ms;

	if (res->outcome == SENDER_AUTH || res->outcome == SENDER_STOP) {
		/* 401/403, or a server we cannot trust: not stored. The next run
		 * looks it up and sends it. */
		if (!im->auth_stop)
			rb_detail(im->err, im->errlen,
			          res->outcome == SENDER_AUTH
			              ? "the server refused our credentials (%s); "
			                "stopping before more requests go out"
			              : "cannot go on: %s; stopping before more "
			                "requests go out",
			          res->reason);
		im->auth_stop = im->stop = true;
		im->c.failed++;
		log_row(im, u, RESULTLOG_FAILED, res->reason, NULL, res->http,
		        sl->attempts + res->attempts, slot_ms(sl), NULL, line);
		slot_done(sl);
		return;
	}
	if (sl->phase == SLOT_FIND) {
		struct find_ctx fc = {0};
		char why[1200];

		fc.u = u;
		fc.claimed = im->rs.claimed;
		if (res->outcome != SENDER_DONE ||
		    response_usage_list(res->body, res->body_len, find_cb, &fc, why,
		                        sizeof(why))) {
			snprintf(why, sizeof(why),
			         "outcome unknown and the check for it failed (%s); run "
			         "again to reconcile it",
			         res->outcome == SENDER_DONE ? "unreadable reply"
			                                     : res->reason);
			im->c.failed++;
			log_row(im, u, RESULTLOG_FAILED, why, NULL, res->http,
			        sl->attempts, slot_ms(sl), NULL, line);
			slot_done(sl);
			return;
		}
		if (fc.oom) {
			im->fatal = RB_ENOMEM;
			slot_done(sl);
			return;
		}
		if (fc.matches) {
			im->c.created++;
			im->c.reconciled++;
			log_row(im, u, RESULTLOG_CREATED, NULL, fc.id, 0, sl->attempts,
			        slot_ms(sl), "reconciled: found with GET /usages", line);
			slot_done(sl);
			return;
		}
		if (sl->stored) {
			/* The server said 2xx: it is stored, whatever the list
			 * says now. Look again a few times; never send again. */
			if (sl->finds <= im->cfg->retries && !im->stop) {
				if (start_find(im, (unsigned)res->tag) && !im->fatal)
					im->fatal = RB_ENOMEM;
				return;
			}
			im->c.created++;
			log_row(im, u, RESULTLOG_CREATED,
			        "the server answered 2xx without a usage id and GET "
			        "/usages does not list it; it is stored, but undo "
			        "cannot delete it", NULL, sl->http, sl->attempts,
			        slot_ms(sl), "2xx without an id", line);
			slot_done(sl);
			return;
		}
		if (sl->finds > im->cfg->retries + 1 || im->stop) {
			im->c.failed++;
			log_row(im, u, RESULTLOG_FAILED,
			        im->stop ? "interrupted; not stored, run again to send it"
			                 : "outcome unknown too many times; run again",
			        NULL, sl->http, sl->attempts, slot_ms(sl), NULL, line);
			slot_done(sl);
			return;
		}
		/* Not stored: safe to send (again). */
		if (start_post(im, (unsigned)res->tag)) {
			if (!im->fatal)
				im->fatal = RB_ENOMEM;
			slot_done(sl);
		}
		return;
	}
	sl->attempts += res->attempts;
	sl->http = res->http;
	switch (res->outcome) {
	case SENDER_DONE:
		im->c.created++;
		if (im->rs.claimed &&
		    dedup_seen_key(im->rs.claimed, res->usage_id,
		                   strlen(res->usage_id)) < 0)
			im->fatal = RB_ENOMEM;
		log_row(im, u, RESULTLOG_CREATED, NULL, res->usage_id, res->http,
		        sl->attempts, slot_ms(sl), NULL, line);
		break;
	case SENDER_REFUSED:
		reject(im, line, res->reason, sl->row.data, sl->row.len, u,
		       RESULTLOG_REFUSED, res->http, sl->attempts, slot_ms(sl));
		break;
	case SENDER_FAILED:
		im->c.failed++;
		log_row(im, u, RESULTLOG_FAILED, res->reason, NULL, res->http,
		        sl->attempts, slot_ms(sl), NULL, line);
		break;
	case SENDER_UNKNOWN:
		if (res->http >= 200 && res->http < 300)
			sl->stored = true;
		if (im->stop) {
			/* No time to reconcile now; the pending line tells the next
			 * run to look before it sends. */
			im->c.failed++;
			log_row(im, u, RESULTLOG_FAILED, res->reason, NULL, res->http,
			        sl->attempts, slot_ms(sl), NULL, line);
			break;
		}
		if (start_find(im, (unsigned)res->tag) && !im->fatal)
			im->fatal = RB_ENOMEM;
		return;
	case SENDER_AUTH:
	case SENDER_STOP:
		break;
	}
	slot_done(sl);
}

static void show_progress(struct import *im, bool force)
{
	int64_t now;
	uint64_t consumed;
	int64_t total;

	if (!im->progress)
		return;
	now = clock_mono_ms();
	if (!force && now - im->last_progress_ms <
	                  (im->progress_tty ? PROGRESS_EVERY_MS : PROGRESS_PLAIN_MS))
		return;
	im->last_progress_ms = now;
	reader_progress(im->rd, &consumed, &total);
	report_progress(stderr, &im->c, consumed, total,
	                (long)(now - im->start_mono_ms), im->progress_tty);
}

/* Reads and dispatches rows until there is no room for another request. */
static enum rb_status read_rows(struct import *im)
{
	struct reader_row row;
	enum rb_status st;
	unsigned n = 0;

	while (!im->eof && !im->stop) {
		if (!im->cfg->dry_run &&
		    (!sender_room(im->snd) || free_slot(im) == im->nslots))
			break;
		st = reader_next(im->rd, &row, im->err, im->errlen);
		if (st == RB_END) {
			im->eof = true;
			break;
		}
		if (st) {
			/* The input ended early (truncated gzip, read error): the rows
			 * so far count; the message says where it stopped. */
			im->eof = true;
			im->input_failed = true;
			return RB_OK;
		}
		if ((st = take_row(im, &row)))
			return st;
		if (im->fatal)
			return im->fatal;
		if (*im->signals)
			im->stop = true;
		if (++n == 4096) {
			n = 0;
			show_progress(im, false);
		}
	}
	return RB_OK;
}

static enum rb_status send_loop(struct import *im)
{
	struct sender_result res;
	int64_t grace_until = 0;
	bool have, aborted = false;
	enum rb_status st;

	for (;;) {
		if (*im->signals && !im->stop)
			im->stop = true;
		if (im->stop && !grace_until) {
			grace_until = clock_mono_ms() + GRACE_MS;
			flush_waiting(im);
		}
		if ((st = read_rows(im)))
			return st;
		if ((im->eof || im->stop) && !sender_busy(im->snd) &&
		    !any_waiting(im))
			break;
		if (!aborted && im->stop &&
		    (im->auth_stop || *im->signals > 1 || clock_mono_ms() > grace_until)) {
			sender_abort(im->snd);
			aborted = true;
		}
		st = sender_next(im->snd, 100, &res, &have, im->err, im->errlen);
		if (st)
			return st;
		if (have) {
			handle_result(im, &res);
			if (!im->fatal && (st = kick_waiting(im)))
				return st;
		}
		if (im->stop)
			flush_waiting(im);
		if (im->fatal)
			return im->fatal;
		show_progress(im, false);
	}
	return RB_OK;
}

static void import_free(struct import *im)
{
	unsigned i;

	reader_free(im->rd);
	record_map_free(im->map);
	dedup_free(im->dd);
	rejects_close(im->rj, NULL, 0);
	resultlog_close(im->lg, NULL, 0);
	sender_free(im->snd);
	report_reasons_free(im->reasons);
	resume_free(&im->rs);
	for (i = 0; i < im->nslots; i++)
		buf_free(&im->slots[i].row);
	free(im->slots);
	buf_free(&im->body);
	buf_free(&im->rowbuf);
}

static enum rb_status open_input(const struct config *cfg, const char *path,
                                 struct reader **rd, struct record_map **map,
                                 char *err, size_t errlen)
{
	const struct reader_field *hdr;
	size_t nhdr;
	char why[512];
	enum rb_status st;

	*map = NULL;
	if ((st = reader_open(rd, path, cfg, err, errlen)))
		return st == RB_ENOMEM ? st : RB_EUSAGE;
	*map = record_map_new(cfg);
	if (!*map) {
		rb_detail(err, errlen, "out of memory");
		return RB_ENOMEM;
	}
	hdr = reader_header(*rd, &nhdr);
	if (reader_format(*rd) == CONFIG_FORMAT_CSV &&
	    record_map_header(*map, hdr, nhdr, why, sizeof(why))) {
		if (nhdr == 0)
			return RB_OK; /* an empty file: no rows, nothing to map */
		rb_detail(err, errlen, "%s: %s", path, why);
		return RB_EINPUT;
	}
	return RB_OK;
}

/* The CSV delimiter the reader uses for path (0 when it is ','). */
static char input_delimiter(const struct config *cfg, const char *path)
{
	size_t n = strlen(path);

	if (cfg->delimiter)
		return cfg->delimiter;
	return ends_with(path, n, ".tsv") || ends_with(path, n, ".tsv.gz") ? '\t'
	                                                                   : 0;
}

static void paths_for(const struct config *cfg, const char *path,
                      enum config_format fmt, char *rejects, char *log)
{
	pipeline_default_paths(path, fmt, input_delimiter(cfg, path), rejects, log,
	                       PATH_BYTES);
	if (cfg->rejects_path)
		snprintf(rejects, PATH_BYTES, "%s", cfg->rejects_path);
	if (cfg->log_path)
		snprintf(log, PATH_BYTES, "%s", cfg->log_path);
}

/* --restart: keep the old log, under a name that says when it was set aside. */
static enum rb_status set_aside(const char *log, char *err, size_t errlen)
{
	char dst[PATH_BYTES + 32], stamp[CHECK_TIME_MAX];

	if (access(log, F_OK) != 0)
		return RB_OK;
	timefmt_format(clock_wall_ms() / 1000 * 1000, stamp);
	snprintf(dst, sizeof(dst), "%s.%s", log, stamp);
	if (rename(log, dst)) {
		rb_detail(err, errlen, "cannot rename '%s': %s", log, strerror(errno));
		return RB_EIO;
	}
	fprintf(stderr, "rbusage: the old result log is now '%s'\n", dst);
	return RB_OK;
}

static enum rb_status import_file(const struct config *cfg, const char *path,
                                  const volatile sig_atomic_t *signals,
                                  struct pipeline_outcome *out, char *err,
                                  size_t errlen)
{
	struct import im;
	struct resultlog_run run = {0};
	const struct reader_field *hdr;
	char started[CHECK_TIME_MAX];
	size_t nhdr;
	unsigned i;
	enum rb_status st;
	enum config_format fmt;

	memset(&im, 0, sizeof(im));
	im.cfg = cfg;
	im.path = path;
	im.signals = signals;
	im.err = err;
	im.errlen = errlen;
	im.start_wall_ms = clock_wall_ms();
	im.start_mono_ms = im.last_progress_ms = clock_mono_ms();
	im.progress_tty = isatty(2);
	im.progress = !cfg->quiet && cfg->progress != CONFIG_PROGRESS_OFF &&
	              (cfg->progress == CONFIG_PROGRESS_ON || im.progress_tty);
	buf_init(&im.body, 4 * READER_MAX_RECORD);
	buf_init(&im.rowbuf, 4 * READER_MAX_RECORD);
	check_policy_from_config(&im.pol, cfg);

	if ((st = open_input(cfg, path, &im.rd, &im.map, err, errlen)))
		goto out;
	fmt = reader_format(im.rd);
	paths_for(cfg, path, fmt, im.rejects_path, im.log_path);
	if (!cfg->dry_run) {
		if ((st = fingerprint_file(path, im.fingerprint, err, errlen)))
			goto out;
		if (cfg->restart && (st = set_aside(im.log_path, err, errlen)))
			goto out;
		if ((st = resume_load(cfg, path, im.log_path, im.fingerprint, &im.rs,
		                      err, errlen)))
			goto out;
	}
	/* Rows without usageTime get this run's start, or the first run's on a
	 * resume, so a re-sent row is the same record and can be found again. */
	im.stamped_ms = im.start_wall_ms / 1000 * 1000;
	if (im.rs.stamped[0] &&
	    !timefmt_parse_bound(im.rs.stamped, &im.stamped_ms, err, errlen))
		snprintf(im.stamped, sizeof(im.stamped), "%s", im.rs.stamped);
	else
		timefmt_format(im.stamped_ms, im.stamped);
	timefmt_format(im.start_wall_ms, started);

	if (!cfg->allow_duplicates && !(im.dd = dedup_new())) {
		st = RB_ENOMEM;
		goto out;
	}
	im.reasons = report_reasons_new();
	if (!im.reasons) {
		st = RB_ENOMEM;
		goto out;
	}
	hdr = reader_header(im.rd, &nhdr);
	im.rj = rejects_open(im.rejects_path, fmt, input_delimiter(cfg, path), hdr,
	                     nhdr, err, errlen);
	if (!im.rj) {
		st = RB_EIO;
		goto out;
	}
	im.lg = resultlog_open(im.log_path, err, errlen);
	if (!im.lg) {
		st = RB_EIO;
		goto out;
	}
	run.command = "import";
	run.input = path;
	run.fingerprint = im.fingerprint[0] ? im.fingerprint : NULL;
	run.format = fmt == CONFIG_FORMAT_CSV ? "csv" : "jsonl";
	run.stamped_time = im.stamped;
	run.started = started;
	run.cfg = cfg;
	if ((st = resultlog_write_run(im.lg, &run, err, errlen)))
		goto out;

	if (cfg->dry_run) {
		while (!im.eof && !im.stop && !st) {
			st = read_rows(&im);
			if (*signals)
				im.stop = true;
		}
	} else {
		im.snd = sender_new(cfg, err, errlen);
		if (!im.snd) {
			st = RB_EUSAGE;
			goto out;
		}
		im.nslots = cfg->concurrency;
		im.slots = calloc(im.nslots, sizeof(*im.slots));
		if (!im.slots) {
			st = RB_ENOMEM;
			goto out;
		}
		for (i = 0; i < im.nslots; i++)
			buf_init(&im.slots[i].row, 4 * READER_MAX_RECORD);
		st = send_loop(&im);
	}
	if (im.progress && im.progress_tty) {
		show_progress(&im, true);
		report_progress_clear(stderr);
	}
	if (!cfg->dry_run) {
		/* A stop on a fatal error (a log that cannot be written) leaves
		 * rows in flight with no outcome: they count as failed, so the
		 * books still add up; their pending lines make the next run look
		 * them up before it sends anything. */
		unsigned long settled = im.c.created + im.c.rejected + im.c.refused +
		                        im.c.failed + im.c.skipped;
		if (im.c.read > settled) {
			fprintf(stderr,
			        "rbusage: %lu rows were in flight when the run stopped; "
			        "the next run looks them up before sending\n",
			        im.c.read - settled);
			im.c.failed += im.c.read - settled;
		}
	}
	if (st == RB_OK && im.auth_stop)
		st = RB_EAUTH;
	if (st == RB_OK && im.stop) {
		st = RB_EINTR;
		rb_detail(err, errlen, "interrupted; run the same command again to "
		                       "resume");
	}
	{
		char serr[512];
		enum rb_status s2 = resultlog_write_summary(
			im.lg, &im.c, cfg->dry_run, st == RB_EINTR || st == RB_EAUTH,
			(long)(clock_mono_ms() - im.start_mono_ms), serr, sizeof(serr));
		if (!st && s2) {
			st = s2;
			rb_detail(err, errlen, "%s", serr);
		}
		s2 = rejects_close(im.rj, serr, sizeof(serr));
		im.rj = NULL;
		if (!st && s2) {
			st = s2;
			rb_detail(err, errlen, "%s", serr);
		}
	}
	{
		struct report_summary rs = {0};
		rs.input = path;
		rs.rejects_path = im.c.rejected + im.c.refused ? im.rejects_path : NULL;
		rs.log_path = im.log_path;
		rs.counts = &im.c;
		rs.reasons = im.reasons;
		rs.dry_run = cfg->dry_run;
		rs.interrupted = st == RB_EINTR || st == RB_EAUTH;
		rs.elapsed_ms = (long)(clock_mono_ms() - im.start_mono_ms);
		if (!cfg->quiet)
			report_summary(stderr, &rs);
	}
	if (im.input_failed) {
		out->input_failed = true;
		fprintf(stderr, "rbusage: %s\n", err);
		err[0] = 0;
	}
out:
	out->counts.read += im.c.read;
	out->counts.valid += im.c.valid;
	out->counts.created += im.c.created;
	out->counts.rejected += im.c.rejected;
	out->counts.refused += im.c.refused;
	out->counts.failed += im.c.failed;
	out->counts.skipped += im.c.skipped;
	out->counts.other_shard += im.c.other_shard;
	out->counts.reconciled += im.c.reconciled;
	if (st == RB_EINTR)
		out->interrupted = true;
	import_free(&im);
	return st;
}

/* A FIFO, socket or character device: it can be read only once. */
static bool is_stream(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && (S_ISFIFO(sb.st_mode) ||
	                                S_ISCHR(sb.st_mode) || S_ISSOCK(sb.st_mode));
}

/* Does path name the same file as one of the inputs? */
static const char *same_as_input(const struct config *cfg, const char *path)
{
	struct stat a, b;
	size_t i;

	if (stat(path, &a) != 0)
		return NULL; /* not there yet: cannot be an input */
	for (i = 0; i < cfg->nfiles; i++)
		if (strcmp(cfg->files[i], "-") && stat(cfg->files[i], &b) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			return cfg->files[i];
	return NULL;
}

/* The reject file and the log are written while the inputs are read: one
 * that is an input would be truncated, removed, or read back without end. */
static enum rb_status outputs_apart(const struct config *cfg, const char *rej,
                                    const char *log, char *err, size_t errlen)
{
	const char *in;

	if ((in = same_as_input(cfg, rej))) {
		rb_detail(err, errlen,
		          "the reject file '%s' is the input '%s'; give --rejects "
		          "another path (a fixed reject file is read, not rewritten)",
		          rej, in);
		return RB_EUSAGE;
	}
	if ((in = same_as_input(cfg, log))) {
		rb_detail(err, errlen,
		          "the result log '%s' is the input '%s'; give --log another "
		          "path", log, in);
		return RB_EUSAGE;
	}
	if (!strcmp(rej, log)) {
		rb_detail(err, errlen,
		          "the reject file and the result log are both '%s'", log);
		return RB_EUSAGE;
	}
	return RB_OK;
}

enum rb_status pipeline_preflight(const struct config *cfg, char *err,
                                  size_t errlen)
{
	size_t i, stdin_uses = 0;
	enum rb_status st = RB_OK;

	if (!cfg->dry_run && !sender_check_base_url(cfg->base_url, err, errlen))
		return RB_EUSAGE;
	for (i = 0; i < cfg->nfiles; i++)
		stdin_uses += !strcmp(cfg->files[i], "-");
	if (stdin_uses > 1) {
		rb_detail(err, errlen, "'-' (standard input) can be read only once");
		return RB_EUSAGE;
	}
	for (i = 0; i < cfg->nfiles && !st; i++) {
		const char *path = cfg->files[i];
		struct reader *rd = NULL;
		struct record_map *map = NULL;
		char rejects[PATH_BYTES], log[PATH_BYTES], fp[FINGERPRINT_MAX];
		struct resume rs;

		if (!strcmp(path, "-") || is_stream(path)) {
			/* cannot be read twice; checked as it is read */
			enum config_format f = cfg->format == CONFIG_FORMAT_JSONL
			                           ? CONFIG_FORMAT_JSONL
			                           : CONFIG_FORMAT_CSV;
			paths_for(cfg, path, f, rejects, log);
			st = outputs_apart(cfg, rejects, log, err, errlen);
			continue;
		}
		st = open_input(cfg, path, &rd, &map, err, errlen);
		if (!st) {
			paths_for(cfg, path, reader_format(rd), rejects, log);
			st = outputs_apart(cfg, rejects, log, err, errlen);
		}
		if (!st && !cfg->dry_run && !cfg->restart) {
			st = fingerprint_file(path, fp, err, errlen);
			if (!st) {
				st = resume_load(cfg, path, log, fp, &rs, err, errlen);
				resume_free(&rs);
			}
		}
		reader_free(rd);
		record_map_free(map);
	}
	return st;
}

enum rb_status pipeline_import(const struct config *cfg,
                               const volatile sig_atomic_t *signals,
                               struct pipeline_outcome *out, char *err,
                               size_t errlen)
{
	size_t i;
	enum rb_status st = RB_OK;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < cfg->nfiles && !st; i++)
		st = import_file(cfg, cfg->files[i], signals, out, err, errlen);
	return st;
}
