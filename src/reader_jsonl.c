/* reader_jsonl: one strict JSON object per line. Names and string values
 * without escapes point straight into the line; only escaped ones are
 * decoded, into an arena allocated once. The token array grows on demand up
 * to what a 64 KiB line can need, and is reused. */
#include "reader_jsonl.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "quote.h"

/* Every token but the first needs at least two bytes of text ("0," or
 * "[]"), so a capped line never needs more than this. */
#define MAX_TOKS (READER_MAX_RECORD / 2 + 2)
#define ARENA_CAP ((size_t)READER_MAX_RECORD + 64)
#define PAIRWISE_MAX 32 /* above this many members, sort to find repeats */

struct reader_jsonl {
	jsmntok_t *toks;
	int max_toks;
	struct reader_field *fields;
	size_t fields_cap;
	const struct reader_field **sorted; /* for the repeat check */
	size_t sorted_cap;
	char *arena;
	enum encoding enc; /* what the lines were converted from */
	char error[320];
};

struct reader_jsonl *reader_jsonl_new(enum encoding enc)
{
	struct reader_jsonl *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->enc = enc;
	j->max_toks = 256;
	j->toks = malloc((size_t)j->max_toks * sizeof(*j->toks));
	j->arena = malloc(ARENA_CAP);
	if (!j->toks || !j->arena) {
		reader_jsonl_free(j);
		return NULL;
	}
	return j;
}

void reader_jsonl_free(struct reader_jsonl *j)
{
	if (!j)
		return;
	free(j->toks);
	free(j->fields);
	free(j->sorted);
	free(j->arena);
	free(j);
}

static bool blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

static int cmp_names(const void *a, const void *b)
{
	const struct reader_field *x = *(const struct reader_field *const *)a;
	const struct reader_field *y = *(const struct reader_field *const *)b;
	size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
	int r = memcmp(x->name, y->name, n);

	if (r)
		return r;
	return x->name_len < y->name_len ? -1 : x->name_len > y->name_len;
}

static bool same_name(const struct reader_field *a, const struct reader_field *b)
{
	return a->name_len == b->name_len &&
	       !memcmp(a->name, b->name, a->name_len);
}

/* The first member name given twice, or NULL. */
static const struct reader_field *repeated(struct reader_jsonl *j, size_t n,
                                           bool *nomem)
{
	size_t a, b;

	if (n <= PAIRWISE_MAX) {
		for (a = 1; a < n; a++)
			for (b = 0; b < a; b++)
				if (same_name(&j->fields[a], &j->fields[b]))
					return &j->fields[a];
		return NULL;
	}
	if (j->sorted_cap < n) {
		const struct reader_field **ns =
			realloc(j->sorted, n * sizeof(*ns));
		if (!ns) {
			*nomem = true;
			return NULL;
		}
		j->sorted = ns;
		j->sorted_cap = n;
	}
	for (a = 0; a < n; a++)
		j->sorted[a] = &j->fields[a];
	qsort(j->sorted, n, sizeof(*j->sorted), cmp_names);
	for (a = 1; a < n; a++)
		if (same_name(j->sorted[a], j->sorted[a - 1]))
			return j->sorted[a];
	return NULL;
}

/* Decodes s[0..len) into the arena; *out points at the result. */
static void decode(struct reader_jsonl *j, size_t *used, const char *s,
                   size_t len, const char **out, size_t *outlen)
{
	*out = j->arena + *used;
	*outlen = json_unescape(s, len, j->arena + *used);
	j->arena[*used + *outlen] = 0;
	*used += *outlen + 1;
}

/* Points *out at s[0..len), decoding escapes into the arena when there are
 * any (esc: the line has a backslash somewhere). */
static inline void text(struct reader_jsonl *j, size_t *used, bool esc,
                        const char *s, size_t len, const char **out,
                        size_t *outlen)
{
	if (!esc || !memchr(s, '\\', len)) {
		*out = s;
		*outlen = len;
		return;
	}
	decode(j, used, s, len, out, outlen);
}

enum rb_status reader_jsonl_line(struct reader_jsonl *j, const char *line,
                                 size_t len, long lineno,
                                 struct reader_row *row, bool *ready)
{
	enum rb_status st;
	int ntoks, t, k;
	size_t n, used = 0;
	bool nomem = false, esc;
	const struct reader_field *dup;

	*ready = false;
	if (blank(line, len))
		return RB_OK;
	*ready = true;
	row->line = lineno;
	row->nfields = 0;
	row->fields = j->fields;
	row->raw = line;
	row->raw_len = len;
	row->error = NULL;
	if (len > READER_MAX_RECORD) {
		row->raw = NULL;
		row->raw_len = 0;
		row->error = "record is longer than 65536 bytes";
		return RB_OK;
	}
	for (;;) {
		st = json_parse(line, len, j->toks, j->max_toks, &ntoks,
		                j->error, sizeof(j->error));
		if (st != RB_ETOOBIG || j->max_toks >= MAX_TOKS)
			break;
		{
			int ncap = j->max_toks * 4 > MAX_TOKS ? MAX_TOKS
			                                      : j->max_toks * 4;
			jsmntok_t *nt = realloc(j->toks,
			                        (size_t)ncap * sizeof(*nt));
			if (!nt)
				return RB_ENOMEM;
			j->toks = nt;
			j->max_toks = ncap;
		}
	}
	if (st != RB_OK) {
		row->raw = NULL; /* an oversized line is not kept */
		row->raw_len = 0;
		if (st == RB_EINPUT) {
			size_t ok = json_utf8_valid_len(line, len);
			row->raw = line;
			row->raw_len = len;
			if (ok < len) {
				/* bytes that are not text say more than where
				 * the JSON grammar tripped on them */
				char why[160];
				const char *what = encoding_invalid(
					j->enc, line + ok, len - ok, why, sizeof(why));
				rb_detail(j->error, sizeof(j->error),
				          "%s at column %zu%s", what, ok + 1, why);
			}
		}
		row->error = st == RB_EINPUT ? j->error
		                             : "record is longer than 65536 bytes";
		return RB_OK;
	}
	if (j->toks[0].type != JSMN_OBJECT) {
		row->error = "line is not a JSON object";
		return RB_OK;
	}
	/* one look for a backslash in the whole line spares one per string */
	esc = memchr(line, '\\', len) != NULL;
	n = (size_t)j->toks[0].size;
	if (n > j->fields_cap) {
		size_t ncap = j->fields_cap ? j->fields_cap : 16;
		struct reader_field *nf;
		while (ncap < n)
			ncap *= 2;
		nf = realloc(j->fields, ncap * sizeof(*nf));
		if (!nf)
			return RB_ENOMEM;
		j->fields = nf;
		j->fields_cap = ncap;
		row->fields = nf;
	}
	t = 1;
	for (k = 0; k < (int)n; k++) {
		struct reader_field *f = &j->fields[k];
		const jsmntok_t *key = &j->toks[t], *v = &j->toks[t + 1];

		text(j, &used, esc, line + key->start,
		     (size_t)(key->end - key->start), &f->name, &f->name_len);
		switch (v->type) {
		case JSMN_STRING:
			f->kind = READER_STRING;
			text(j, &used, esc, line + v->start,
			     (size_t)(v->end - v->start), &f->value,
			     &f->value_len);
			break;
		case JSMN_PRIMITIVE:
			f->kind = line[v->start] == 't'   ? READER_TRUE
			          : line[v->start] == 'f' ? READER_FALSE
			          : line[v->start] == 'n' ? READER_NULL
			                                  : READER_NUMBER;
			f->value = line + v->start;
			f->value_len = (size_t)(v->end - v->start);
			break;
		default:
			f->kind = READER_COMPOSITE;
			f->value = line + v->start;
			f->value_len = (size_t)(v->end - v->start);
			break;
		}
		/* a value without children (nearly all) is one token */
		t = v->size ? json_skip(j->toks, ntoks, t + 1) : t + 2;
	}
	row->nfields = n;
	dup = repeated(j, n, &nomem);
	if (nomem)
		return RB_ENOMEM;
	if (dup) {
		char name[80];
		quote_name(dup->name, dup->name_len, name, sizeof(name));
		rb_detail(j->error, sizeof(j->error), "member '%s' appears twice",
		          name);
		row->error = j->error;
	}
	return RB_OK;
}
