/* report: summaries and progress for a person. */
#include "report.h"

#include <stdlib.h>
#include <string.h>

#define MAX_GROUPS 64
#define SHAPE_BYTES 200

struct group {
	char shape[SHAPE_BYTES];
	unsigned long count;
	long first_line;
	long lines[3]; /* examples */
};

struct report_reasons {
	struct group g[MAX_GROUPS];
	size_t n;
	unsigned long other;
	long other_line;
};

struct report_reasons *report_reasons_new(void)
{
	return calloc(1, sizeof(struct report_reasons));
}

void report_reasons_free(struct report_reasons *r)
{
	free(r);
}

/* Digits -> N, quoted text -> '…', control characters -> space. */
static void shape_of(const char *s, char *out, size_t len)
{
	size_t o = 0;
	char q = 0;

	for (; *s && o + 4 < len; s++) {
		if (q) {
			if (*s == q) {
				q = 0;
				memcpy(out + o, "...", 3);
				o += 3;
				out[o++] = *s;
			}
			continue;
		}
		if (*s == '\'') {
			q = *s;
			out[o++] = *s;
		} else if (*s >= '0' && *s <= '9') {
			out[o++] = 'N';
			while ((s[1] >= '0' && s[1] <= '9') || s[1] == '.' ||
			       s[1] == ':' || s[1] == '-' || s[1] == 'T' || s[1] == 'Z')
				s++;
		} else {
			out[o++] = (unsigned char)*s < 0x20 ? ' ' : *s;
		}
	}
	out[o] = 0;
}

void report_reasons_add(struct report_reasons *r, const char *reason, long line)
{
	char shape[SHAPE_BYTES];
	size_t i;

	if (!r)
		return;
	shape_of(reason, shape, sizeof(shape));
	for (i = 0; i < r->n; i++)
		if (!strcmp(r->g[i].shape, shape))
			break;
	if (i == r->n) {
		if (r->n == MAX_GROUPS) {
			if (!r->other++)
				r->other_line = line;
			return;
		}
		memcpy(r->g[i].shape, shape, sizeof(shape));
		r->n++;
	}
	if (r->g[i].count < 3)
		r->g[i].lines[r->g[i].count] = line;
	r->g[i].count++;
}

static int by_count(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

void report_summary(FILE *out, const struct report_summary *s)
{
	const struct run_counts *c = s->counts;
	struct group sorted[MAX_GROUPS];
	size_t i, k;

	fprintf(out, "rbusage: %s: %s%s in %.1f s\n", s->input,
	        s->undo ? "undo" : s->dry_run ? "dry run" : "import",
	        s->interrupted ? " cut short" : "", s->elapsed_ms / 1000.0);
	if (s->undo)
		fprintf(out,
		        "  usages %lu = deleted %lu + deleted earlier %lu + remaining "
		        "%lu\n",
		        c->read, c->created, c->skipped, c->remaining);
	else if (s->dry_run)
		fprintf(out, "  rows read %lu = valid %lu + rejected %lu\n", c->read,
		        c->valid, c->rejected);
	else
		fprintf(out,
		        "  rows read %lu = created %lu + rejected %lu + refused %lu + "
		        "failed %lu + skipped %lu\n",
		        c->read, c->created, c->rejected, c->refused, c->failed,
		        c->skipped);
	if (c->reconciled)
		fprintf(out, "  %lu created rows were found again after a lost reply\n",
		        c->reconciled);
	if (c->other_shard)
		fprintf(out, "  %lu rows belong to other shards\n", c->other_shard);
	if (s->reasons && s->reasons->n) {
		memcpy(sorted, s->reasons->g, s->reasons->n * sizeof(sorted[0]));
		qsort(sorted, s->reasons->n, sizeof(sorted[0]), by_count);
		fprintf(out, "  reasons:\n");
		for (i = 0; i < s->reasons->n; i++) {
			fprintf(out, "  %8lu  %s (line", sorted[i].count, sorted[i].shape);
			for (k = 0; k < 3 && k < sorted[i].count; k++)
				fprintf(out, "%s %ld", k ? "," : "", sorted[i].lines[k]);
			fprintf(out, "%s)\n", sorted[i].count > 3 ? ", ..." : "");
		}
		if (s->reasons->other)
			fprintf(out, "  %8lu  other reasons (line %ld, ...)\n",
			        s->reasons->other, s->reasons->other_line);
	}
	if (s->rejects_path)
		fprintf(out, "  rejects: %s\n", s->rejects_path);
	if (s->log_path)
		fprintf(out, "  log: %s\n", s->log_path);
}

void report_progress(FILE *out, const struct run_counts *c, uint64_t consumed,
                     int64_t total, long elapsed_ms)
{
	double secs = elapsed_ms / 1000.0;
	double rate = secs > 0 ? c->read / secs : 0;
	char eta[32] = "";

	if (total > 0 && consumed > 0 && consumed < (uint64_t)total && secs > 1) {
		double left = secs * ((double)total / (double)consumed - 1);
		snprintf(eta, sizeof(eta), " ETA %lum%02lus",
		         (unsigned long)left / 60, (unsigned long)left % 60);
	}
	if (total > 0)
		fprintf(out, "\r%5.1f%% rows %lu  %.1f/s  created %lu  rejected %lu  "
		             "failed %lu%s\033[K",
		        100.0 * (double)consumed / (double)total, c->read, rate,
		        c->created, c->rejected + c->refused, c->failed, eta);
	else
		fprintf(out, "\rrows %lu  %.1f/s  created %lu  rejected %lu  failed "
		             "%lu\033[K",
		        c->read, rate, c->created, c->rejected + c->refused, c->failed);
	fflush(out);
}

void report_progress_clear(FILE *out)
{
	fputs("\r\033[K", out);
	fflush(out);
}
