/* report_rows: a log's final row entries, by line within a run of one input
 * and by content across inputs. */
#include "report_rows.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "hash.h"
#include "linemap.h"
#include "resultlog.h"

#define NO_GROUP ((size_t)-1) /* a dry run: its rows are never final */
#define IDENT_MAX 512

struct rr_run {
	long log_line;
	size_t group;
};

/* A final entry of a run that a later run may replace by content. */
struct rr_entry {
	size_t group;
	long log_line;
	uint64_t hash;
	size_t key, keylen;  /* in the arena */
	enum resultlog_status status;
	bool used;           /* replaced by a later run's entry */
	size_t next;         /* chain in its bucket; (size_t)-1 ends it */
};

struct report_rows {
	struct rr_run *runs;
	size_t nruns, capruns;
	struct linemap *maps;  /* one per group: line -> log line of its last */
	size_t ngroups;
	struct linemap gone;   /* log line -> 1: replaced by content */

	/* while reading */
	char ident[IDENT_MAX]; /* the last sending run's input, "" for none */
	size_t group;
	bool in_dry;
	size_t run_at;         /* pass 2: runs seen */
	struct rr_entry *ent;
	size_t nent, capent;
	size_t *heads;         /* nheads buckets, a power of two */
	size_t nheads;
	char *arena;
	size_t narena, caparena;
	enum rb_status fail;
	long fail_line;
};

/* Which input a run read, as far as lines go: "" when its lines are its
 * own (standard input). A run line with no fingerprint (an older log)
 * continues the run before, as report always read them. */
static void run_ident(const struct resultlog_entry *e, char *out, size_t len)
{
	const char *fp = e->fingerprint ? e->fingerprint : "";

	if (e->command && !strcmp(e->command, "undo"))
		snprintf(out, len, "undo\x01%s", e->input ? e->input : "");
	else if (!strcmp(fp, "stdin"))
		out[0] = 0;
	else
		snprintf(out, len, "import\x01%s\x01%s", fp,
		         e->aggregate ? e->aggregate : "");
}

static int on_run(struct report_rows *rr, const struct resultlog_entry *e)
{
	char ident[IDENT_MAX];

	if (buf_grow_array((void **)&rr->runs, &rr->capruns, rr->nruns + 1,
	                   sizeof(*rr->runs)))
		return -1;
	rr->runs[rr->nruns].log_line = e->line_no;
	rr->in_dry = e->dry_run;
	if (e->dry_run) {
		rr->runs[rr->nruns++].group = NO_GROUP;
		return 0;
	}
	run_ident(e, ident, sizeof(ident));
	if (!ident[0] || !rr->ngroups || strcmp(ident, rr->ident)) {
		void *p = realloc(rr->maps, (rr->ngroups + 1) * sizeof(*rr->maps));
		if (!p)
			return -1;
		rr->maps = p;
		memset(&rr->maps[rr->ngroups], 0, sizeof(*rr->maps));
		rr->group = rr->ngroups++;
	}
	snprintf(rr->ident, sizeof(rr->ident), "%s", ident);
	rr->runs[rr->nruns++].group = rr->group;
	return 0;
}

/* Pass 1: runs, their groups, and each group's last entry of a line. */
static int pass1_cb(const struct resultlog_entry *e, void *ctx)
{
	struct report_rows *rr = ctx;
	const long *lines;
	size_t i, n;
	enum rb_status st = RB_OK;

	if (e->type == RESULTLOG_ENTRY_RUN) {
		if (on_run(rr, e)) {
			rr->fail = RB_ENOMEM;
			return 1;
		}
		return 0;
	}
	if (e->type != RESULTLOG_ENTRY_ROW || rr->in_dry || e->row.line < 1)
		return 0;
	if (!rr->ngroups) { /* rows before any run line: a group of their own */
		struct resultlog_entry run = {0};
		run.line_no = e->line_no;
		if (on_run(rr, &run)) {
			rr->fail = RB_ENOMEM;
			return 1;
		}
		rr->runs[rr->nruns - 1].log_line = 0;
	}
	n = resultlog_row_lines(&e->row, &lines);
	for (i = 0; i < n && !st; i++)
		st = linemap_set(&rr->maps[rr->group], lines[i], e->line_no);
	if (st) {
		rr->fail = st;
		rr->fail_line = e->line_no;
		return 1;
	}
	return 0;
}

static size_t group_of(const struct report_rows *rr, long log_line)
{
	size_t lo = 0, hi = rr->nruns;

	/* the last run that starts before log_line */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (rr->runs[mid].log_line < log_line)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? rr->runs[lo - 1].group : NO_GROUP;
}

/* ---- pass 2: replacing by content ---- */

static int rehash(struct report_rows *rr)
{
	size_t n = rr->nheads ? rr->nheads * 2 : 1024, i;
	size_t *h = malloc(n * sizeof(*h));

	if (!h)
		return -1;
	memset(h, 0xff, n * sizeof(*h));
	for (i = 0; i < rr->nent; i++) {
		size_t b = rr->ent[i].hash & (n - 1);
		rr->ent[i].next = h[b];
		h[b] = i;
	}
	free(rr->heads);
	rr->heads = h;
	rr->nheads = n;
	return 0;
}

/* The content key of r into the arena's end (not kept yet): "\1sub\0time\0
 * quantity" for a row that was or would be sent, "\2line\0reason" for a
 * rejected one; 0 when r has none. */
static size_t make_key(struct report_rows *rr, const struct resultlog_row *r)
{
	char head[32];
	const char *part[3];
	size_t len[3], need, i, k = 0;

	if (r->status == RESULTLOG_REJECTED) {
		if (!r->reason)
			return 0;
		snprintf(head, sizeof(head), "%ld", r->line);
		part[0] = head;
		part[1] = r->reason;
		k = 2;
	} else {
		if (!r->subscription_id || !r->usage_time || !r->quantity)
			return 0;
		part[0] = r->subscription_id;
		part[1] = r->usage_time;
		part[2] = r->quantity;
		k = 3;
	}
	for (need = 1, i = 0; i < k; i++)
		need += (len[i] = strlen(part[i])) + 1;
	if (buf_grow_array((void **)&rr->arena, &rr->caparena,
	                   rr->narena + need, 1))
		return (size_t)-1;
	{
		char *p = rr->arena + rr->narena;
		*p++ = r->status == RESULTLOG_REJECTED ? '\x02' : '\x01';
		for (i = 0; i < k; i++) {
			memcpy(p, part[i], len[i]);
			p[len[i]] = 0;
			p += len[i] + 1;
		}
	}
	return need;
}

/* May e (a later run's entry) stand for the earlier entry o? */
static bool replaces(const struct resultlog_row *e, const struct rr_entry *o)
{
	switch (e->status) {
	case RESULTLOG_SKIPPED:
		if (e->usage_id) /* found on the server: not this log's row */
			return false;
		return o->status == RESULTLOG_CREATED ||
		       o->status == RESULTLOG_SKIPPED;
	case RESULTLOG_REJECTED:
		return o->status == RESULTLOG_REJECTED;
	case RESULTLOG_CREATED:
	case RESULTLOG_PENDING:
	case RESULTLOG_FAILED:
	case RESULTLOG_REFUSED:
		return o->status == RESULTLOG_PENDING ||
		       o->status == RESULTLOG_FAILED ||
		       o->status == RESULTLOG_REFUSED;
	default:
		return false;
	}
}

static int pass2_row(struct report_rows *rr, const struct resultlog_entry *e)
{
	const struct resultlog_row *r = &e->row;
	size_t g = rr->runs[rr->run_at - 1].group, klen, i;
	uint64_t h;
	struct rr_entry *x;
	int pass;
	bool found = false;

	if (linemap_get(&rr->maps[g], r->line) != e->line_no)
		return 0; /* replaced within its run */
	if (!(klen = make_key(rr, r)))
		return 0;
	if (klen == (size_t)-1)
		return -1;
	h = hash_fnv1a64(rr->arena + rr->narena, klen);
	/* A skip is a row its own group created (that entry is not final, so
	 * it replaced nothing): it stands for an earlier created entry, else
	 * for the pending one that creation settled. */
	for (pass = 0; g && rr->nheads && pass < 2 && !found; pass++)
		for (i = rr->heads[h & (rr->nheads - 1)]; i != (size_t)-1;
		     i = rr->ent[i].next) {
			struct rr_entry *o = &rr->ent[i];
			if (o->used || o->group >= g || o->hash != h ||
			    o->keylen != klen ||
			    memcmp(rr->arena + o->key, rr->arena + rr->narena, klen) ||
			    !(pass ? r->status == RESULTLOG_SKIPPED && !r->usage_id &&
			                 o->status != RESULTLOG_REJECTED
			           : replaces(r, o)))
				continue;
			o->used = found = true;
			if (linemap_set(&rr->gone, o->log_line, 1))
				return -1;
			break;
		}
	if (g + 1 == rr->ngroups)
		return 0; /* no later run can replace it */
	if (buf_grow_array((void **)&rr->ent, &rr->capent, rr->nent + 1,
	                   sizeof(*rr->ent)))
		return -1;
	x = &rr->ent[rr->nent++];
	x->group = g;
	x->log_line = e->line_no;
	x->hash = h;
	x->key = rr->narena;
	x->keylen = klen;
	x->status = r->status;
	x->used = false;
	rr->narena += klen;
	if (rr->nent > rr->nheads)
		return rehash(rr); /* chains every entry, x too */
	x->next = rr->heads[h & (rr->nheads - 1)];
	rr->heads[h & (rr->nheads - 1)] = rr->nent - 1;
	return 0;
}

static int pass2_cb(const struct resultlog_entry *e, void *ctx)
{
	struct report_rows *rr = ctx;

	if (e->type == RESULTLOG_ENTRY_RUN) {
		rr->in_dry = rr->runs[rr->run_at++].group == NO_GROUP;
		return 0;
	}
	if (e->type != RESULTLOG_ENTRY_ROW || rr->in_dry || e->row.line < 1 ||
	    !rr->run_at)
		return 0;
	if (pass2_row(rr, e)) {
		rr->fail = RB_ENOMEM;
		return 1;
	}
	return 0;
}

void report_rows_free(struct report_rows *rr)
{
	size_t i;

	if (!rr)
		return;
	for (i = 0; i < rr->ngroups; i++)
		linemap_free(&rr->maps[i]);
	linemap_free(&rr->gone);
	free(rr->maps);
	free(rr->runs);
	free(rr->ent);
	free(rr->heads);
	free(rr->arena);
	free(rr);
}

enum rb_status report_rows_load(const char *log, struct report_rows **out,
                                char *err, size_t errlen)
{
	struct report_rows *rr = calloc(1, sizeof(*rr));
	enum rb_status st;

	*out = NULL;
	if (!rr) {
		rb_detail(err, errlen, "out of memory");
		return RB_ENOMEM;
	}
	st = resultlog_read(log, pass1_cb, rr, err, errlen);
	if (!st && rr->ngroups > 1) {
		/* rows before the first run line (not ours to write) form the
		 * first group, which pass1 entered as a run at line 0 */
		rr->in_dry = false;
		rr->run_at = rr->nruns && rr->runs[0].log_line == 0 ? 1 : 0;
		if (!rr->fail)
			st = resultlog_read(log, pass2_cb, rr, err, errlen);
	}
	if (!st && rr->fail == RB_ETOOBIG) {
		rb_detail(err, errlen, "%s: line %ld: a row line or log line past "
		                       "%lld is not one of ours",
		          log, rr->fail_line, LINEMAP_MAX);
		st = RB_EINPUT;
	} else if (!st && rr->fail) {
		rb_detail(err, errlen, "out of memory");
		st = rr->fail;
	}
	if (st) {
		report_rows_free(rr);
		return st;
	}
	*out = rr;
	return RB_OK;
}

bool report_rows_final(const struct report_rows *rr, long log_line, long line)
{
	size_t g = group_of(rr, log_line);

	if (g == NO_GROUP || linemap_get(&rr->maps[g], line) != log_line)
		return false;
	return !linemap_get(&rr->gone, log_line);
}

size_t report_rows_groups(const struct report_rows *rr)
{
	return rr->ngroups;
}
