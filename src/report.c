/* report: summaries and progress for a person. */
#include "report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SHAPE_BYTES 200
#define EXAMPLE_BYTES 512

struct group {
	char shape[SHAPE_BYTES];     /* the key: what kind of reason */
	char example[EXAMPLE_BYTES]; /* the first reason of the kind, as written */
	unsigned long count;
	long lines[3]; /* the first rows of the kind; lines[0] is the example's */
	size_t logs[3]; /* report over several logs: whose line it is */
};

struct report_reasons {
	struct group g[REPORT_REASON_KINDS];
	size_t n;
	unsigned long other;
	long other_line;
	size_t other_log;
};

struct report_reasons *report_reasons_new(void)
{
	return calloc(1, sizeof(struct report_reasons));
}

void report_reasons_free(struct report_reasons *r)
{
	free(r);
}

/* Part of a value word: an id, a number, a time, a decimal. */
static bool word_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || (c && strchr("_@~.-:+", c));
}

/* The kind of a reason, used only as a key (never shown): a quoted value
 * becomes '...' and a word holding a digit (a number, a time, an id like
 * sub_9x2) becomes N, so "quantity 1.2345 has 4 decimals" and "quantity
 * 7.0001 has 4 decimals" are one kind; an HTTP status stays, since 422 and
 * 409 are different kinds. Control characters become spaces. */
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
		if (*s == '\'' && (!o || out[o - 1] == ' ' || out[o - 1] == '(')) {
			/* a quoted value starts a word; "can't" is no quote */
			q = *s;
			out[o++] = *s;
		} else if (*s >= '0' && *s <= '9' && o >= 5 &&
		           !strncmp(out + o - 5, "HTTP ", 5)) {
			while (*s >= '0' && *s <= '9' && o + 4 < len)
				out[o++] = *s++;
			s--;
		} else if (*s >= '0' && *s <= '9') {
			/* the whole word, from its start, is one value */
			while (o > 0 && word_char(out[o - 1]))
				o--;
			out[o++] = 'N';
			while (word_char(s[1]))
				s++;
		} else {
			out[o++] = (unsigned char)*s < 0x20 ? ' ' : *s;
		}
	}
	out[o] = 0;
}

/* Copies a reason for display: control characters as spaces, cut at a
 * character boundary with "..." when too long. */
static void copy_example(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src), i;

	if (n >= cap) {
		n = cap - 4;
		while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--; /* not in the middle of a UTF-8 sequence */
		memcpy(dst, src, n);
		memcpy(dst + n, "...", 4);
	} else {
		memcpy(dst, src, n + 1);
	}
	for (i = 0; dst[i]; i++)
		if ((unsigned char)dst[i] < 0x20 || dst[i] == 0x7f)
			dst[i] = ' ';
}

void report_reasons_add_at(struct report_reasons *r, const char *reason,
                           size_t log, long line)
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
		if (r->n == REPORT_REASON_KINDS) {
			if (!r->other++) {
				r->other_line = line;
				r->other_log = log;
			}
			return;
		}
		memcpy(r->g[i].shape, shape, sizeof(shape));
		copy_example(r->g[i].example, sizeof(r->g[i].example), reason);
		r->n++;
	}
	if (r->g[i].count < 3) {
		r->g[i].lines[r->g[i].count] = line;
		r->g[i].logs[r->g[i].count] = log;
	}
	r->g[i].count++;
}

void report_reasons_add(struct report_reasons *r, const char *reason, long line)
{
	report_reasons_add_at(r, reason, 0, line);
}

static int by_count(const void *a, const void *b)
{
	const struct report_reason *x = a, *y = b;

	return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

size_t report_reasons_sorted(const struct report_reasons *r,
                             struct report_reason *out)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		out[i].example = r->g[i].example;
		out[i].count = r->g[i].count;
		memcpy(out[i].lines, r->g[i].lines, sizeof(out[i].lines));
		memcpy(out[i].logs, r->g[i].logs, sizeof(out[i].logs));
	}
	/* stable for equal counts: first seen first */
	for (i = 1; i < r->n; i++) {
		struct report_reason t = out[i];
		size_t k = i;
		while (k > 0 && by_count(&out[k - 1], &t) > 0) {
			out[k] = out[k - 1];
			k--;
		}
		out[k] = t;
	}
	return r->n;
}

unsigned long report_reasons_other(const struct report_reasons *r,
                                   size_t *log, long *line)
{
	*log = r->other_log;
	*line = r->other_line;
	return r->other;
}

/* "line 4", or over several logs "a.results.jsonl line 4". */
static void print_line_of(FILE *out, const char *const *logs, size_t nlogs,
                          size_t log, long line, bool first)
{
	if (nlogs > 1)
		fprintf(out, "%s%s line %ld", first ? "" : ", ", logs[log], line);
	else
		fprintf(out, "%s%ld", first ? "line " : ", ", line);
}

/* The groups, most rows first: the count, one real reason of the kind
 * ("e.g." when there are several), and up to three lines, the example's
 * first. Values are never rewritten. logs names the lines' logs when
 * there are several (nlogs > 1). */
void report_reasons_print(FILE *out, const struct report_reasons *r,
                          const char *const *logs, size_t nlogs)
{
	struct report_reason sorted[REPORT_REASON_KINDS];
	size_t i, k, n = report_reasons_sorted(r, sorted);

	for (i = 0; i < n; i++) {
		fprintf(out, "  %8lu  %s%s (", sorted[i].count,
		        sorted[i].count > 1 ? "e.g. " : "", sorted[i].example);
		for (k = 0; k < 3 && k < sorted[i].count; k++)
			print_line_of(out, logs, nlogs, sorted[i].logs[k],
			              sorted[i].lines[k], !k);
		fprintf(out, "%s)\n", sorted[i].count > 3 ? ", ..." : "");
	}
	if (r->other) {
		fprintf(out, "  %8lu  other reasons (", r->other);
		print_line_of(out, logs, nlogs, r->other_log, r->other_line, true);
		fprintf(out, ", ...)\n");
	}
}

void report_summary(FILE *out, const struct report_summary *s)
{
	const struct run_counts *c = s->counts;

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
	if (s->aggregate && !s->undo)
		fprintf(out, "  %lu rows -> %lu usages (--aggregate %s)\n", c->valid,
		        c->usages, s->aggregate);
	if (c->reconciled)
		fprintf(out, "  %lu created rows were found again after a lost reply\n",
		        c->reconciled);
	if (c->other_shard)
		fprintf(out, "  %lu rows belong to other shards\n", c->other_shard);
	if (s->reasons && (s->reasons->n || s->reasons->other)) {
		fprintf(out, "  reasons:\n");
		report_reasons_print(out, s->reasons, NULL, 0);
	}
	if (s->rejects_path)
		fprintf(out, "  rejects: %s\n", s->rejects_path);
	if (s->log_path)
		fprintf(out, "  log: %s\n", s->log_path);
}

