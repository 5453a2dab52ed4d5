/* record: usage fields found by name in a row. Names match loosely
 * (fieldname.h); a --map path with dots reaches into nested JSON objects,
 * parsed again from the member's raw text only for the fields that ask. */
#include "record.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fieldname.h"
#include "json.h"
#include "quote.h"

#define ARENA_CAP ((size_t)READER_MAX_RECORD + 64)
#define MAX_TOKS (READER_MAX_RECORD / 2 + 2) /* as reader_jsonl's */

struct map_name {
	const char *label;   /* as given (--map COLUMN or the field's own
	                        name), for messages; borrowed from cfg/argv */
	bool mapped;         /* label came from --map */
	struct fieldname_path *path; /* owned */
	const char *exact;   /* the first name, unquoted: the exact fast path */
	size_t exact_len;
	char *norm;          /* the first name, normalized (JSON members) */
	size_t norm_len;
	char *flat_norm;     /* all names joined by '.', normalized (CSV) */
	size_t flat_norm_len;
};

struct record_map {
	struct map_name names[CONFIG_FIELD_COUNT];
	long col[CONFIG_FIELD_COUNT]; /* CSV: column index, -1 absent */
	bool bound;                   /* a CSV header was bound */
	bool require_time;
	bool shared_names;  /* two fields' first names are one name, loosely */
	bool paths;         /* a field's --map name has dots: nested members */
	uint64_t first_chars[4]; /* the first bytes of the normalized names */
	/* nested members: tokens of one member's value, decoded strings */
	jsmntok_t *toks;
	int max_toks;
	char *arena;
};

static enum rb_status name_init(struct map_name *n, const char *spec)
{
	char err[160];
	enum rb_status st;

	n->label = spec;
	st = fieldname_path_parse(spec, &n->path, err, sizeof(err));
	if (st == RB_EUSAGE) {
		/* cli.c refuses such a path: take it as one name, as written */
		size_t len = strlen(spec), i, o = 0;
		char *q = malloc(2 * len + 3);

		if (!q)
			return RB_ENOMEM;
		q[o++] = '"';
		for (i = 0; i < len; i++) {
			if (spec[i] == '"')
				q[o++] = '"';
			q[o++] = spec[i];
		}
		q[o++] = '"';
		q[o] = 0;
		st = fieldname_path_parse(q, &n->path, err, sizeof(err));
		free(q);
	}
	if (st)
		return st == RB_EUSAGE ? RB_ENOMEM : st;
	n->exact = n->path->seg[0];
	n->exact_len = n->path->len[0];
	n->norm = malloc(n->exact_len + 1);
	n->flat_norm = malloc(n->path->flat_len + 1);
	if (!n->norm || !n->flat_norm)
		return RB_ENOMEM;
	n->norm_len = fieldname_norm(n->exact, n->exact_len, n->norm);
	n->flat_norm_len =
		fieldname_norm(n->path->flat, n->path->flat_len, n->flat_norm);
	return RB_OK;
}

struct record_map *record_map_new(const struct config *cfg)
{
	struct record_map *m = calloc(1, sizeof(*m));
	int f;

	if (!m)
		return NULL;
	for (f = 0; f < CONFIG_FIELD_COUNT; f++) {
		m->col[f] = -1;
		if (name_init(&m->names[f], cfg->map[f] ? cfg->map[f]
		                                        : config_field_names[f])) {
			record_map_free(m);
			return NULL;
		}
		m->names[f].mapped = cfg->map[f] != NULL;
	}
	for (f = 0; f < CONFIG_FIELD_COUNT; f++) {
		const struct map_name *n = &m->names[f];
		int g;

		if (n->norm_len) {
			unsigned char c = (unsigned char)n->norm[0];
			m->first_chars[c >> 6] |= UINT64_C(1) << (c & 63);
		}
		for (g = 0; g < f; g++)
			if (n->norm_len == m->names[g].norm_len &&
			    !memcmp(n->norm, m->names[g].norm, n->norm_len))
				m->shared_names = true;
		if (n->path->nseg > 1)
			m->paths = true;
	}
	m->require_time = !cfg->stamp_time;
	return m;
}

void record_map_free(struct record_map *m)
{
	int f;

	if (!m)
		return;
	for (f = 0; f < CONFIG_FIELD_COUNT; f++) {
		fieldname_path_free(m->names[f].path);
		free(m->names[f].norm);
		free(m->names[f].flat_norm);
	}
	free(m->toks);
	free(m->arena);
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

/* Does a member called s[0..len) give the first name of n's path? */
static inline bool first_name_is(const struct map_name *n, const char *s,
                                 size_t len)
{
	if (len == n->exact_len && same_bytes(n->exact, s, len))
		return true;
	return fieldname_matches(s, len, n->norm, n->norm_len);
}

/* Could s[0..len) match some field loosely? Its first byte that counts,
 * folded, must start one of the normalized names: most members that name
 * no field ("meter", "customer") are ruled out here, in a few steps. */
static inline bool may_match(const struct record_map *m, const char *s,
                             size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == ' ' || c == '_' || c == '-')
			continue;
		if (c >= 'A' && c <= 'Z')
			c += 32;
		return (m->first_chars[c >> 6] >> (c & 63)) & 1;
	}
	return false;
}

/* Splits name on sep and says whether a piece names subscriptionId or
 * quantity as m binds them. */
static bool pieces_bind(const struct record_map *m, const char *name,
                        size_t len, char sep)
{
	size_t a = 0, b;
	int f;

	if (!memchr(name, sep, len))
		return false;
	for (b = 0; b <= len; b++) {
		if (b < len && name[b] != sep)
			continue;
		for (f = 0; f <= CONFIG_FIELD_QUANTITY; f++)
			if (fieldname_matches(name + a, b - a,
			                      m->names[f].flat_norm,
			                      m->names[f].flat_norm_len) ||
			    (b - a == m->names[f].path->flat_len &&
			     !memcmp(name + a, m->names[f].path->flat, b - a)))
				return true;
		a = b + 1;
	}
	return false;
}

/* The delimiter a header seems to use instead of the one given, or 0: a
 * header name that splits on it into the names of required fields. */
static char other_delimiter(const struct record_map *m,
                            const struct reader_field *hdr, size_t n)
{
	static const char seps[] = {';', '\t', ',', '|'};
	size_t i, k;

	for (k = 0; k < sizeof(seps); k++)
		for (i = 0; i < n; i++)
			if (hdr[i].name &&
			    pieces_bind(m, hdr[i].name, hdr[i].name_len, seps[k]))
				return seps[k];
	return 0;
}

static bool column_is(const struct map_name *n, const struct reader_field *h)
{
	if (!h->name)
		return false;
	if (h->name_len == n->path->flat_len &&
	    !memcmp(h->name, n->path->flat, h->name_len))
		return true;
	return fieldname_matches(h->name, h->name_len, n->flat_norm,
	                         n->flat_norm_len);
}

enum rb_status record_map_header(struct record_map *m,
                                 const struct reader_field *hdr, size_t n,
                                 char *err, size_t errlen)
{
	size_t i;
	int f;

	for (f = 0; f < CONFIG_FIELD_COUNT; f++)
		m->col[f] = -1;
	m->bound = false;
	for (i = 0; i < n; i++) {
		for (f = 0; f < CONFIG_FIELD_COUNT; f++) {
			char a[80], b[80];
			const struct reader_field *first;

			if (!column_is(&m->names[f], &hdr[i]))
				continue;
			if (m->col[f] < 0) {
				m->col[f] = (long)i;
				continue;
			}
			first = &hdr[m->col[f]];
			quote_name(first->name, first->name_len, a,
			                  sizeof(a));
			quote_name(hdr[i].name, hdr[i].name_len, b,
			                  sizeof(b));
			rb_detail(err, errlen,
			          "line 1: columns %ld ('%s') and %zu ('%s') both name "
			          "%s; rename one or choose with --map %s=COLUMN",
			          m->col[f] + 1, a, i + 1, b, config_field_names[f],
			          config_field_names[f]);
			return RB_EINPUT;
		}
	}
	for (f = 0; f < CONFIG_FIELD_COUNT; f++) {
		bool required = f == CONFIG_FIELD_SUBSCRIPTION_ID ||
		                f == CONFIG_FIELD_QUANTITY ||
		                (f == CONFIG_FIELD_USAGE_TIME && m->require_time);
		char sep, name[80];

		if (!required || m->col[f] >= 0)
			continue;
		quote_name(m->names[f].label, strlen(m->names[f].label),
		                  name, sizeof(name));
		sep = f <= CONFIG_FIELD_QUANTITY ? other_delimiter(m, hdr, n) : 0;
		if (sep) {
			rb_detail(err, errlen,
			          "line 1: no '%s' column; the header looks "
			          "%s-separated: pass --delimiter %s",
			          name, sep == '\t' ? "tab" : sep == ';' ? "';'"
			                                  : sep == ',' ? "','"
			                                               : "'|'",
			          sep == '\t' ? "tab" : sep == ';' ? "';'"
			                             : sep == ',' ? "','" : "'|'");
			return RB_EINPUT;
		}
		if (m->names[f].mapped) {
			rb_detail(err, errlen,
			          "line 1: no '%s' column in the header (--map "
			          "%s='%s'); check its spelling against the "
			          "header's names",
			          name, config_field_names[f], name);
			return RB_EINPUT;
		}
		rb_detail(err, errlen,
		          "line 1: no '%s' column in the header; name it so, or "
		          "pass --map %s=COLUMN (or --columns for a file without a "
		          "header)%s",
		          name, config_field_names[f],
		          f == CONFIG_FIELD_USAGE_TIME
		              ? "; to send every row at the run's start time, "
		                "pass --stamp-time"
		              : "");
		return RB_EINPUT;
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

/* The kind of the value at token t of text. */
static enum reader_kind token_kind(const char *text, const jsmntok_t *t)
{
	if (t->type == JSMN_STRING)
		return READER_STRING;
	if (t->type != JSMN_PRIMITIVE)
		return READER_COMPOSITE;
	return text[t->start] == 't'   ? READER_TRUE
	       : text[t->start] == 'f' ? READER_FALSE
	       : text[t->start] == 'n' ? READER_NULL
	                               : READER_NUMBER;
}

/* Parses text[0..len) (valid JSON: the reader checked the line) into the
 * map's tokens, growing them as needed; -1 when out of memory. */
static int parse_value(struct record_map *m, const char *text, size_t len,
                       int *ntoks)
{
	char why[160];
	enum rb_status st;

	for (;;) {
		if (m->toks)
			st = json_parse(text, len, m->toks, m->max_toks, ntoks, why,
			                sizeof(why));
		else
			st = RB_ETOOBIG;
		if (st == RB_OK)
			return 0;
		if (st != RB_ETOOBIG || m->max_toks >= MAX_TOKS)
			return -1;
		{
			int ncap = !m->max_toks ? 64
			           : m->max_toks * 4 > MAX_TOKS ? MAX_TOKS
			                                        : m->max_toks * 4;
			jsmntok_t *nt = realloc(m->toks, (size_t)ncap * sizeof(*nt));
			if (!nt)
				return -1;
			m->toks = nt;
			m->max_toks = ncap;
		}
	}
}

/* The value token of the member of the object at token obj of text named
 * like seg[0..len) (exactly or loosely), or -1 when there is none; -2 with
 * a reason when two members match. */
static int find_member(struct record_map *m, const char *text, int ntoks,
                       int obj, const char *seg, size_t len, int f,
                       const char *in, size_t in_len, char *reason,
                       size_t reasonlen)
{
	char norm[256], a[80], b[80];
	size_t nlen = len < sizeof(norm) ? fieldname_norm(seg, len, norm) : 0;
	int i, t = obj + 1, found = -1, found_key = -1;

	for (i = 0; i < m->toks[obj].size; i++) {
		const jsmntok_t *key = &m->toks[t];
		const char *kn = text + key->start;
		size_t kl = (size_t)(key->end - key->start);

		if (memchr(kn, '\\', kl)) {
			kl = json_unescape(kn, kl, m->arena);
			kn = m->arena;
		}
		if ((kl == len && !memcmp(kn, seg, kl)) ||
		    fieldname_matches(kn, kl, norm, nlen)) {
			if (found >= 0) {
				const jsmntok_t *k1 = &m->toks[found_key];
				quote_name(text + k1->start,
				                  (size_t)(k1->end - k1->start), a,
				                  sizeof(a));
				quote_name(text + key->start,
				                  (size_t)(key->end - key->start), b,
				                  sizeof(b));
				if (!strcmp(a, b)) {
					quote_name(in, in_len, b, sizeof(b));
					rb_detail(reason, reasonlen,
					          "member '%s' appears twice in '%s'",
					          a, b);
				} else {
					rb_detail(reason, reasonlen,
					          "members '%s' and '%s' both give "
					          "%s; keep one",
					          a, b, config_field_names[f]);
				}
				return -2;
			}
			found_key = t;
			found = t + 1;
		}
		t = json_skip(m->toks, ntoks, t + 1);
	}
	return found;
}

/* Field f's value down its path, from the top-level member top. 0 with
 * rec->v[f] set (absent when a member on the way is missing or null), or
 * -1 with a reason (a member on the way is not an object, a name given
 * twice). */
static int follow_path(struct record_map *m, int f,
                       const struct reader_field *top, struct record *rec,
                       char *reason, size_t reasonlen)
{
	const struct map_name *n = &m->names[f];
	const char *text = top->value, *here = top->name;
	size_t here_len = top->name_len, k;
	enum reader_kind kind = top->kind;
	int ntoks = 0, cur = -1; /* cur: the value's token; -1 for top's */
	struct record_value *out = &rec->v[f];
	char a[80], b[80];

	for (k = 1; k < n->path->nseg; k++) {
		const char *start = cur < 0 ? text : text + m->toks[cur].start;

		if (kind == READER_NULL)
			return 0; /* null on the way: missing */
		if (kind != READER_COMPOSITE || *start != '{') {
			quote_name(here, here_len, a, sizeof(a));
			quote_name(n->path->seg[k], n->path->len[k], b,
			                  sizeof(b));
			rb_detail(reason, reasonlen,
			          "%s: member '%s' is %s, not an object holding '%s' "
			          "(--map %s=%s)",
			          config_field_names[f], a, quote_kind(kind, start), b,
			          config_field_names[f], n->label);
			return -1;
		}
		if (cur < 0) {
			if ((!m->arena && !(m->arena = malloc(ARENA_CAP))) ||
			    parse_value(m, top->value, top->value_len, &ntoks)) {
				rb_detail(reason, reasonlen, "out of memory");
				return -1;
			}
			cur = 0;
		}
		cur = find_member(m, text, ntoks, cur, n->path->seg[k],
		                  n->path->len[k], f, here, here_len, reason,
		                  reasonlen);
		if (cur == -2)
			return -1;
		if (cur < 0)
			return 0; /* missing on the way: missing */
		here = text + m->toks[cur - 1].start;
		here_len = (size_t)(m->toks[cur - 1].end - m->toks[cur - 1].start);
		kind = token_kind(text, &m->toks[cur]);
	}
	out->present = kind != READER_NULL;
	out->kind = kind;
	out->text = text + m->toks[cur].start;
	out->len = (size_t)(m->toks[cur].end - m->toks[cur].start);
	if (kind == READER_STRING && memchr(out->text, '\\', out->len)) {
		out->len = json_unescape(out->text, out->len, m->arena);
		out->text = m->arena;
	}
	return 0;
}

/* The reason for two members that give field f. */
static int both_give(const struct reader_field *x, const struct reader_field *y,
                     int f, char *reason, size_t reasonlen)
{
	char a[80], b[80];

	quote_name(x->name, x->name_len, a, sizeof(a));
	quote_name(y->name, y->name_len, b, sizeof(b));
	rb_detail(reason, reasonlen, "members '%s' and '%s' both give %s; keep one",
	          a, b, config_field_names[f]);
	return -1;
}

int record_from_row(struct record_map *m, const struct reader_row *row,
                    struct record *rec, char *reason, size_t reasonlen)
{
	const struct reader_field *seen[CONFIG_FIELD_COUNT] = {0};
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
	for (i = 0; i < row->nfields; i++) {
		const struct reader_field *mem = &row->fields[i];
		int g;

		if (!mem->name)
			continue;
		/* names are nearly always spelled as given: an exact match
		 * settles it, unless another field has the same name loosely */
		for (f = 0; f < CONFIG_FIELD_COUNT; f++)
			if (mem->name_len == m->names[f].exact_len &&
			    same_bytes(m->names[f].exact, mem->name, mem->name_len))
				break;
		if (f < CONFIG_FIELD_COUNT && !m->shared_names) {
			if (seen[f])
				return both_give(seen[f], mem, f, reason, reasonlen);
			seen[f] = mem;
			if (!m->paths)
				set_value(&rec->v[f], mem);
			continue;
		}
		if (f == CONFIG_FIELD_COUNT &&
		    !may_match(m, mem->name, mem->name_len))
			continue;
		for (g = 0; g < CONFIG_FIELD_COUNT; g++) {
			if (!first_name_is(&m->names[g], mem->name, mem->name_len))
				continue;
			if (seen[g])
				return both_give(seen[g], mem, g, reason, reasonlen);
			seen[g] = mem;
			if (!m->paths)
				set_value(&rec->v[g], mem);
		}
	}
	if (!m->paths)
		return 0;
	for (f = 0; f < CONFIG_FIELD_COUNT; f++) {
		if (!seen[f])
			continue;
		if (m->names[f].path->nseg == 1)
			set_value(&rec->v[f], seen[f]);
		else if (follow_path(m, f, seen[f], rec, reason, reasonlen))
			return -1;
	}
	return 0;
}
