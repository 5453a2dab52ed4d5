/* record: usage fields found by name in a row. */
#include "record.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct record_map {
	const char *names[CONFIG_FIELD_COUNT]; /* borrowed from cfg/argv */
	size_t name_lens[CONFIG_FIELD_COUNT];
	long col[CONFIG_FIELD_COUNT]; /* CSV: column index, -1 absent */
	bool bound;                   /* a CSV header was bound */
	bool require_time;
};

struct record_map *record_map_new(const struct config *cfg)
{
	struct record_map *m = calloc(1, sizeof(*m));
	int f;

	if (!m)
		return NULL;
	for (f = 0; f < CONFIG_FIELD_COUNT; f++) {
		m->names[f] = cfg->map[f] ? cfg->map[f] : config_field_names[f];
		m->name_lens[f] = strlen(m->names[f]);
		m->col[f] = -1;
	}
	m->require_time = !cfg->stamp_time;
	return m;
}

void record_map_free(struct record_map *m)
{
	free(m);
}

/* a[0..n) == b[0..n), a word at a time: names are short, and a call to
 * memcmp or strncasecmp per JSON member was a tenth of a row's work. */
static inline bool same_bytes(const char *a, const char *b, size_t n)
{
	uint64_t x, y;
	size_t i;

	if (n < 8) {
		for (i = 0; i < n; i++)
			if (a[i] != b[i])
				return false;
		return true;
	}
	for (i = 0; n - i > 8; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			return false;
	}
	memcpy(&x, a + n - 8, 8);
	memcpy(&y, b + n - 8, 8);
	return x == y;
}

static inline int field_of(const struct record_map *m, const char *name,
                           size_t len)
{
	int f;

	if (!name)
		return -1;
	/* names are nearly always spelled as given: an exact match first */
	for (f = 0; f < CONFIG_FIELD_COUNT; f++)
		if (m->name_lens[f] == len &&
		    (same_bytes(m->names[f], name, len) ||
		     !strncasecmp(m->names[f], name, len)))
			return f;
	return -1;
}

enum rb_status record_map_header(struct record_map *m,
                                 const struct reader_field *hdr, size_t n,
                                 char *err, size_t errlen)
{
	size_t i;
	int f;

	for (f = 0; f < CONFIG_FIELD_COUNT; f++)
		m->col[f] = -1;
	for (i = 0; i < n; i++) {
		f = field_of(m, hdr[i].name, hdr[i].name_len);
		if (f < 0)
			continue;
		if (m->col[f] >= 0) {
			rb_detail(err, errlen,
			          "line 1: columns %ld and %zu are both '%s'; rename one "
			          "or choose with --map %s=COLUMN",
			          m->col[f] + 1, i + 1, m->names[f], config_field_names[f]);
			return RB_EINPUT;
		}
		m->col[f] = (long)i;
	}
	for (f = 0; f < CONFIG_FIELD_COUNT; f++) {
		bool required = f == CONFIG_FIELD_SUBSCRIPTION_ID ||
		                f == CONFIG_FIELD_QUANTITY ||
		                (f == CONFIG_FIELD_USAGE_TIME && m->require_time);
		if (required && m->col[f] < 0) {
			rb_detail(err, errlen,
			          "line 1: no '%s' column in the header; name it so, or "
			          "pass --map %s=COLUMN (or --columns for a file without "
			          "a header)%s",
			          m->names[f], config_field_names[f],
			          f == CONFIG_FIELD_USAGE_TIME
			              ? "; to send every row at the run's start time, "
			                "pass --stamp-time"
			              : "");
			return RB_EINPUT;
		}
	}
	m->bound = true;
	return RB_OK;
}

static void set_value(struct record_value *v, const struct reader_field *fld)
{
	v->present = fld->kind != READER_NULL;
	v->text = fld->value;
	v->len = fld->value_len;
	v->kind = fld->kind;
}

int record_from_row(const struct record_map *m, const struct reader_row *row,
                    struct record *rec, char *reason, size_t reasonlen)
{
	size_t i;
	int f;

	memset(rec->v, 0, sizeof(rec->v));
	rec->line = row->line;
	if (m->bound) {
		for (f = 0; f < CONFIG_FIELD_COUNT; f++)
			if (m->col[f] >= 0 && (size_t)m->col[f] < row->nfields)
				set_value(&rec->v[f], &row->fields[m->col[f]]);
		return 0;
	}
	/* JSON: members by name; the reader has refused exact repeats, but two
	 * spellings of one name ("quantity", "Quantity") would be ambiguous. */
	{
		const struct reader_field *seen[CONFIG_FIELD_COUNT] = {0};
		for (i = 0; i < row->nfields; i++) {
			f = field_of(m, row->fields[i].name, row->fields[i].name_len);
			if (f < 0)
				continue;
			if (seen[f]) {
				char a[80], b[80];
				reader_quote_name(seen[f]->name, seen[f]->name_len, a,
				                  sizeof(a));
				reader_quote_name(row->fields[i].name,
				                  row->fields[i].name_len, b, sizeof(b));
				rb_detail(reason, reasonlen,
				          "members '%s' and '%s' both give %s; keep one", a,
				          b, config_field_names[f]);
				return -1;
			}
			seen[f] = &row->fields[i];
			set_value(&rec->v[f], &row->fields[i]);
		}
	}
	return 0;
}
