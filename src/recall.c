/* recall: rows read again by line number. */
#include "recall.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"

struct wanted {
	long line;
	size_t reason; /* offset in the arena */
};

struct recall {
	struct wanted *w;
	size_t n, cap;
	char *arena;
	size_t narena, caparena;
	size_t last;   /* offset of the last reason added */
	bool any;
};

struct recall *recall_new(void)
{
	return calloc(1, sizeof(struct recall));
}

void recall_free(struct recall *rc)
{
	if (!rc)
		return;
	free(rc->w);
	free(rc->arena);
	free(rc);
}

size_t recall_count(const struct recall *rc)
{
	return rc->n;
}

enum rb_status recall_add(struct recall *rc, long line, const char *reason)
{
	if (!rc->any || strcmp(rc->arena + rc->last, reason)) {
		size_t len = strlen(reason) + 1;

		if (buf_grow_array((void **)&rc->arena, &rc->caparena, rc->narena + len, 1))
			return RB_ENOMEM;
		memcpy(rc->arena + rc->narena, reason, len);
		rc->last = rc->narena;
		rc->narena += len;
		rc->any = true;
	}
	if (buf_grow_array((void **)&rc->w, &rc->cap, rc->n + 1, sizeof(*rc->w)))
		return RB_ENOMEM;
	rc->w[rc->n].line = line;
	rc->w[rc->n].reason = rc->last;
	rc->n++;
	return RB_OK;
}

static int by_line(const void *a, const void *b)
{
	long x = ((const struct wanted *)a)->line;
	long y = ((const struct wanted *)b)->line;

	return (x > y) - (x < y);
}

enum rb_status recall_write(struct recall *rc, const struct config *cfg,
                            const char *path, struct rejects *rj,
                            size_t *missing, char *err, size_t errlen)
{
	struct reader *rd;
	struct reader_row row;
	struct buf body;
	enum rb_status st;
	size_t k = 0;

	*missing = 0;
	if (!rc->n)
		return RB_OK;
	qsort(rc->w, rc->n, sizeof(*rc->w), by_line);
	if ((st = reader_open(&rd, path, cfg, err, errlen)))
		return st;
	buf_init(&body, 4 * READER_MAX_RECORD);
	while (k < rc->n && (st = reader_next(rd, &row, err, errlen)) == RB_OK) {
		while (k < rc->n && rc->w[k].line < row.line) {
			++*missing; /* no record starts there any more */
			k++;
		}
		if (k < rc->n && rc->w[k].line == row.line &&
		    rejects_format_row(rj, &row, &body))
			buf_reset(&body); /* over the cap: the reject says so */
		while (k < rc->n && rc->w[k].line == row.line && !st)
			st = rejects_write(rj, row.line, rc->arena + rc->w[k++].reason,
			                   body.data, body.len, err, errlen);
		if (st)
			break;
	}
	if (st == RB_END)
		st = RB_OK;
	if (!st)
		*missing += rc->n - k;
	buf_free(&body);
	reader_free(rd);
	return st;
}
