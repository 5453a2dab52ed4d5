/* Tests for reader: csv-spectrum's cases against their expected records,
 * line numbers, line endings, BOM, --columns, --delimiter, malformed and
 * oversized records, gzip (whole, concatenated, truncated) and JSON lines'
 * structural rules. Files are written under a mkdtemp directory. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "json.h"
#include "reader.h"

static char tmpdir[64];

/* ---- helpers ---- */

struct got_field {
	char *name; /* NULL past the header */
	char *value;
	size_t value_len;
	enum reader_kind kind;
};

struct got_row {
	long line;
	char *error;
	char *raw; /* NULL when the row has none */
	size_t nfields;
	struct got_field *fields;
};

struct got {
	enum rb_status end; /* RB_END, or what stopped reading */
	char err[400];
	size_t nrows;
	struct got_row rows[64];
	size_t rows_seen; /* all rows, even past the 64 kept */
};

static char *dup_n(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	assert_non_null(p);
	if (n)
		memcpy(p, s, n);
	p[n] = 0;
	return p;
}

static void got_free(struct got *g)
{
	size_t i, k;

	for (i = 0; i < g->nrows; i++) {
		for (k = 0; k < g->rows[i].nfields; k++) {
			free(g->rows[i].fields[k].name);
			free(g->rows[i].fields[k].value);
		}
		free(g->rows[i].fields);
		free(g->rows[i].error);
		free(g->rows[i].raw);
	}
	free(g);
}

static char *path_of(const char *name)
{
	static char path[400];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return path;
}

static const char *write_file(const char *name, const void *data, size_t len)
{
	const char *path = path_of(name);
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return path;
}

static const char *write_str(const char *name, const char *data)
{
	return write_file(name, data, strlen(data));
}

/* Reads every row of path; the reader must open. */
static struct got *read_all_cfg(const char *path, const struct config *cfg)
{
	struct got *g = calloc(1, sizeof(*g));
	struct reader *r;
	struct reader_row row;
	enum rb_status st;

	assert_non_null(g);
	st = reader_open(&r, path, cfg, g->err, sizeof(g->err));
	if (st)
		fail_msg("reader_open %s: %s", path, g->err);
	while ((st = reader_next(r, &row, g->err, sizeof(g->err))) == RB_OK) {
		struct got_row *gr;
		size_t k;

		if (g->nrows == 64) {
			g->rows_seen++;
			continue;
		}
		g->rows_seen++;
		gr = &g->rows[g->nrows++];
		gr->line = row.line;
		gr->error = row.error ? dup_n(row.error, strlen(row.error))
		                      : NULL;
		gr->raw = row.raw ? dup_n(row.raw, row.raw_len) : NULL;
		gr->nfields = row.nfields;
		gr->fields = calloc(row.nfields + 1, sizeof(*gr->fields));
		assert_non_null(gr->fields);
		for (k = 0; k < row.nfields; k++) {
			const struct reader_field *f = &row.fields[k];
			gr->fields[k].name =
				f->name ? dup_n(f->name, f->name_len) : NULL;
			gr->fields[k].value = dup_n(f->value, f->value_len);
			gr->fields[k].value_len = f->value_len;
			gr->fields[k].kind = f->kind;
		}
	}
	g->end = st;
	/* the stop is sticky */
	if (st != RB_END) {
		char again[400];
		assert_int_equal(reader_next(r, &row, again, sizeof(again)), st);
		assert_string_equal(again, g->err);
	}
	reader_free(r);
	return g;
}

static struct got *read_all(const char *path)
{
	struct config cfg;

	config_defaults(&cfg);
	return read_all_cfg(path, &cfg);
}

/* Asserts row i: its line, error (NULL = none) and its values, given as
 * a "|"-separated list (NULL = don't check). */
static void expect_row(const struct got *g, size_t i, long line,
                       const char *error, const char *values)
{
	const struct got_row *r;

	if (i >= g->nrows)
		fail_msg("row %zu missing (%zu rows)", i, g->nrows);
	r = &g->rows[i];
	if (r->line != line)
		fail_msg("row %zu: line %ld, want %ld", i, r->line, line);
	if (error && (!r->error || strcmp(r->error, error)))
		fail_msg("row %zu: error '%s', want '%s'", i,
		         r->error ? r->error : "(none)", error);
	if (!error && r->error)
		fail_msg("row %zu: unexpected error '%s'", i, r->error);
	if (values) {
		char joined[4096] = "";
		size_t k;
		for (k = 0; k < r->nfields; k++) {
			if (k)
				strcat(joined, "|");
			strncat(joined, r->fields[k].value,
			        sizeof(joined) - strlen(joined) - 2);
		}
		if (strcmp(joined, values))
			fail_msg("row %zu: values '%s', want '%s'", i, joined,
			         values);
	}
}

static int setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/rbusage-test-reader-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;

	(void)state;
	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlink(path_of(e->d_name));
	closedir(d);
	return rmdir(tmpdir);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data;
	long n;

	if (!f)
		fail_msg("cannot read %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	data = malloc((size_t)n + 1);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	data[n] = 0;
	*len = (size_t)n;
	return data;
}

/* ---- csv-spectrum ---- */

/* Known defects of the shared copy of csv-spectrum, kept verbatim in
 * tests/data: the expected value given here is what the .csv really holds. */
static const struct {
	const char *file, *key, *csv_value, *why;
} defects[] = {
	{"location_coordinates.csv", "Contact Phone Number", "2095257564",
	 "the .json says 1234567890, the .csv holds 2095257564"},
};

static void check_spectrum_file(const char *dir, const char *name)
{
	char csvpath[1200], jsonpath[1200];
	size_t jlen, clen, i, nrec;
	char *json, *csv;
	static jsmntok_t toks[4096];
	char reason[200];
	int ntoks, t;
	const char *readpath = csvpath;
	struct got *g;

	snprintf(csvpath, sizeof(csvpath), "%s/%s", dir, name);
	snprintf(jsonpath, sizeof(jsonpath), "%s/%.*s.json", dir,
	         (int)(strlen(name) - 4), name);
	json = slurp(jsonpath, &jlen);
	if (json_parse(json, jlen, toks, 4096, &ntoks, reason,
	               sizeof(reason)))
		fail_msg("%s: %s", jsonpath, reason);

	/* The shared copy's *_crlf.csv lost their CRs; the .json still
	 * expects them (newlines_crlf: "Once upon \r\na time"), so the
	 * test restores the CRLF endings the names promise. */
	csv = slurp(csvpath, &clen);
	if (strstr(name, "_crlf") && !memchr(csv, '\r', clen)) {
		char *crlf = malloc(2 * clen + 1);
		size_t o = 0;
		assert_non_null(crlf);
		for (i = 0; i < clen; i++) {
			if (csv[i] == '\n')
				crlf[o++] = '\r';
			crlf[o++] = csv[i];
		}
		readpath = write_file(name, crlf, o);
		free(crlf);
	}
	free(csv);

	g = read_all(readpath);
	assert_int_equal(g->end, RB_END);
	/* an array of records, or (location_coordinates) one bare record */
	nrec = toks[0].type == JSMN_ARRAY ? (size_t)toks[0].size : 1;
	t = toks[0].type == JSMN_ARRAY ? 1 : 0;
	if (g->nrows != nrec)
		fail_msg("%s: %zu rows, want %zu", name, g->nrows, nrec);
	for (i = 0; i < nrec; i++) {
		const struct got_row *r = &g->rows[i];
		int m, k = t + 1;

		assert_int_equal(toks[t].type, JSMN_OBJECT);
		if (r->error)
			fail_msg("%s row %zu: %s", name, i, r->error);
		assert_int_equal(r->nfields, (size_t)toks[t].size);
		for (m = 0; m < toks[t].size; m++) {
			const jsmntok_t *key = &toks[k], *val = &toks[k + 1];
			char want[1024];
			size_t wlen = json_unescape(json + val->start,
			                            (size_t)(val->end -
			                                     val->start),
			                            want);
			const struct got_field *f = &r->fields[m];
			size_t d;

			assert_non_null(f->name);
			if (!json_eq(json, key, f->name))
				fail_msg("%s row %zu: column %d named '%s'",
				         name, i, m, f->name);
			for (d = 0; d < sizeof(defects) / sizeof(defects[0]);
			     d++)
				if (!strcmp(name, defects[d].file) &&
				    !strcmp(f->name, defects[d].key)) {
					strcpy(want, defects[d].csv_value);
					wlen = strlen(want);
				}
			if (f->value_len != wlen || memcmp(f->value, want, wlen))
				fail_msg("%s row %zu: %s = '%s', want '%.*s'",
				         name, i, f->name, f->value, (int)wlen,
				         want);
			k = json_skip(toks, ntoks, k);
		}
		t = json_skip(toks, ntoks, t);
	}
	got_free(g);
	free(json);
}

static void test_csv_spectrum(void **state)
{
	const char *top = getenv("TOP");
	char dir[512];
	DIR *d;
	struct dirent *e;
	int n = 0;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/tests/data/csv-spectrum",
	         top && *top ? top : ".");
	d = opendir(dir);
	if (!d)
		fail_msg("cannot open %s (set TOP to the checkout)", dir);
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len > 4 && !strcmp(e->d_name + len - 4, ".csv")) {
			check_spectrum_file(dir, e->d_name);
			n++;
		}
	}
	closedir(d);
	assert_int_equal(n, 12);
}

/* ---- CSV ---- */

static void test_csv_lines(void **state)
{
	struct got *g;

	(void)state;
	g = read_all(write_str("lines.csv",
	                       "id,note\n"
	                       "a,\"two\nlines\"\n"
	                       "\n"
	                       "b,x\n"
	                       "   \n"
	                       "c,\"three\n\nlines\"\n"
	                       "d,last"));
	assert_int_equal(g->end, RB_END);
	assert_int_equal(g->nrows, 4);
	expect_row(g, 0, 2, NULL, "a|two\nlines");
	expect_row(g, 1, 5, NULL, "b|x");
	expect_row(g, 2, 7, NULL, "c|three\n\nlines");
	expect_row(g, 3, 10, NULL, "d|last");
	assert_string_equal(g->rows[0].fields[0].name, "id");
	assert_string_equal(g->rows[0].fields[1].name, "note");
	assert_int_equal(g->rows[0].fields[1].kind, READER_STRING);
	assert_null(g->rows[0].raw);
	got_free(g);
}

static void test_csv_crlf_and_cr(void **state)
{
	struct got *g;

	(void)state;
	g = read_all(write_str("crlf.csv", "a,b\r\n1,\"x\r\ny\"\r\n\r\n2,3\r\n"));
	assert_int_equal(g->nrows, 2);
	expect_row(g, 0, 2, NULL, "1|x\r\ny");
	expect_row(g, 1, 5, NULL, "2|3");
	got_free(g);
	/* old Mac line endings: a lone CR ends a line too */
	g = read_all(write_str("cr.csv", "a,b\r1,2\r3,4"));
	assert_int_equal(g->nrows, 2);
	expect_row(g, 0, 2, NULL, "1|2");
	expect_row(g, 1, 3, NULL, "3|4");
	got_free(g);
}

static void test_csv_bom(void **state)
{
	struct got *g;
	struct reader *r;
	struct config cfg;
	const struct reader_field *h;
	size_t n;
	char err[200];

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(reader_open(&r, write_str("bom.csv",
	                                           "\xef\xbb\xbf  id , qty\n"
	                                           "x,1\n"),
	                             &cfg, err, sizeof(err)),
	                 RB_OK);
	h = reader_header(r, &n);
	assert_int_equal(n, 2);
	assert_string_equal(h[0].name, "id"); /* BOM gone, spaces trimmed */
	assert_int_equal(h[0].name_len, 2);
	assert_string_equal(h[1].name, "qty");
	assert_int_equal(reader_format(r), CONFIG_FORMAT_CSV);
	reader_free(r);
	g = read_all(path_of("bom.csv"));
	expect_row(g, 0, 2, NULL, "x|1");
	got_free(g);
}

static void test_csv_columns_and_delimiter(void **state)
{
	struct config cfg;
	char *cols[] = {"subscriptionId", " quantity "};
	struct got *g;
	struct reader *r;
	const struct reader_field *h;
	size_t n;
	char err[200];

	(void)state;
	config_defaults(&cfg);
	cfg.columns = cols;
	cfg.ncolumns = 2;
	g = read_all_cfg(write_str("nohdr.csv", "s1,5\ns2,6\n"), &cfg);
	assert_int_equal(g->nrows, 2);
	expect_row(g, 0, 1, NULL, "s1|5");
	expect_row(g, 1, 2, NULL, "s2|6");
	assert_string_equal(g->rows[0].fields[1].name, "quantity");
	got_free(g);

	config_defaults(&cfg);
	cfg.delimiter = ';';
	g = read_all_cfg(write_str("semi.csv", "a;b\n1,5;\"x;y\"\n"), &cfg);
	expect_row(g, 0, 2, NULL, "1,5|x;y");
	got_free(g);

	/* .tsv means tab, also under .gz-less names in any case */
	config_defaults(&cfg);
	g = read_all(write_str("t.TSV", "a\tb\n1,2\t3\n\t\n"));
	assert_int_equal(g->nrows, 2);
	expect_row(g, 0, 2, NULL, "1,2|3");
	expect_row(g, 1, 3, NULL, "|"); /* a tab is a field separator */
	got_free(g);

	/* a header-only and an empty file give no rows */
	config_defaults(&cfg);
	g = read_all(write_str("hdr.csv", "a,b\n"));
	assert_int_equal(g->nrows, 0);
	assert_int_equal(g->end, RB_END);
	got_free(g);
	assert_int_equal(reader_open(&r, write_str("empty.csv", ""), &cfg,
	                             err, sizeof(err)), RB_OK);
	h = reader_header(r, &n);
	assert_null(h);
	assert_int_equal(n, 0);
	reader_free(r);
}

/* Lines without a quote are split without libcsv: padding around fields
 * must go exactly as libcsv drops it (spaces and tabs, but never the
 * delimiter), and quoted fields keep theirs. */
static void test_csv_padding(void **state)
{
	struct config cfg;
	struct got *g;

	(void)state;
	g = read_all(write_str("pad.csv",
	                       "id , q\n"
	                       " a ,\t1 \n"
	                       "\" a \",\t1 \n"
	                       "a b , \t\n"
	                       " , \r\n"
	                       "x\t ,y"));
	assert_int_equal(g->end, RB_END);
	assert_int_equal(g->nrows, 5);
	expect_row(g, 0, 2, NULL, "a|1");
	expect_row(g, 1, 3, NULL, " a |1");
	expect_row(g, 2, 4, NULL, "a b|");
	expect_row(g, 3, 5, NULL, "|");
	expect_row(g, 4, 6, NULL, "x|y");
	assert_string_equal(g->rows[0].fields[1].name, "q");
	got_free(g);

	config_defaults(&cfg);
	cfg.delimiter = ' ';
	g = read_all_cfg(write_str("space.csv", "a b\n\tx\t y\t\n"), &cfg);
	expect_row(g, 0, 2, NULL, "x|y");
	got_free(g);

	g = read_all(write_str("pad.tsv", "a\tb\n x \t y \n \t\tz\n"));
	expect_row(g, 0, 2, NULL, "x|y");
	expect_row(g, 1, 3, "row has 3 fields; the header has 2", "||z");
	got_free(g);
}

static void test_csv_malformed(void **state)
{
	struct got *g;

	(void)state;
	g = read_all(write_str("bad.csv",
	                       "a,b,c,d\n"
	                       "1,2,3\n"                 /* ragged: short */
	                       "1,2,3,4,5\n"             /* ragged: long */
	                       "1,\"x\"y,3,4\n"          /* text after quote */
	                       "1,5\"N,3,4\n"            /* stray quote: text */
	                       "1,2,\xff,4\n"            /* bad UTF-8 */
	                       "1,2,\xc3\xa9,4\n"        /* good UTF-8 */
	                       "1,\"2\",3,4\n"
	                       "1,2,3,\"open\nstill,open"));
	assert_int_equal(g->end, RB_END);
	assert_int_equal(g->nrows, 8);
	expect_row(g, 0, 2, "row has 3 fields; the header has 4", "1|2|3");
	expect_row(g, 1, 3, "row has 5 fields; the header has 4", "1|2|3|4|5");
	assert_null(g->rows[1].fields[4].name);
	expect_row(g, 2, 4, "text after the closing quote in column 'b' (a "
	                    "quote inside a quoted field must be doubled)",
	           "1|x\"y|3|4");
	expect_row(g, 3, 5, NULL, "1|5\"N|3|4");
	expect_row(g, 4, 6, "invalid UTF-8 in column 'c' (byte 0xFF): the file "
	                    "looks like Latin-1; pass --encoding latin1 (or "
	                    "windows-1252)", NULL);
	expect_row(g, 5, 7, NULL, "1|2|\xc3\xa9|4");
	expect_row(g, 6, 8, NULL, "1|2|3|4");
	expect_row(g, 7, 9, "a quote opened in column 'd' on line 9 is never "
	                    "closed (the record runs to the end of the file, "
	                    "line 10)",
	           "1|2|3|open\nstill,open");
	got_free(g);

	/* a parse error resynchronizes at the next line */
	g = read_all(write_str("resync.csv",
	                       "a,b\n\"x\"y,\"z\n1,2\n"));
	assert_int_equal(g->nrows, 2);
	expect_row(g, 0, 2, "text after the closing quote in column 'a' (a "
	                    "quote inside a quoted field must be doubled)",
	           NULL);
	expect_row(g, 1, 3, NULL, "1|2");
	got_free(g);

	/* NUL bytes */
	g = read_all(write_file("nul.csv", "a,b\n1,x\0y\n2,3\n", 14));
	assert_int_equal(g->nrows, 2);
	expect_row(g, 0, 2, "NUL byte in column 'b'", NULL);
	expect_row(g, 1, 3, NULL, "2|3");
	got_free(g);
}

static void test_csv_bad_header(void **state)
{
	struct config cfg;
	struct reader *r;
	char err[300];

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(reader_open(&r, write_str("badhdr.csv",
	                                           "a,\"b\n1,2\n"),
	                             &cfg, err, sizeof(err)),
	                 RB_EINPUT);
	assert_null(r);
	assert_non_null(strstr(err, "badhdr.csv: line 1: bad header: a quote "
	                            "opened in column 2 on line 1 is never "
	                            "closed (the record runs to the end of the "
	                            "file, line 2)"));
	assert_int_equal(reader_open(&r, path_of("nope.csv"), &cfg, err,
	                             sizeof(err)),
	                 RB_EIO);
	assert_memory_equal(err, "cannot open '/tmp/", 17);
	assert_non_null(strstr(err, "/nope.csv': No such file or directory"));
}

static void test_csv_oversized(void **state)
{
	size_t big = 200 * 1024, n = 0;
	char *data = malloc(big + 100);
	struct got *g;

	(void)state;
	assert_non_null(data);
	n += (size_t)sprintf(data + n, "a,b\n1,");
	memset(data + n, 'x', big);
	n += big;
	n += (size_t)sprintf(data + n, "\n2,3\n");
	g = read_all(write_file("big.csv", data, n));
	assert_int_equal(g->nrows, 2);
	expect_row(g, 0, 2, "record is longer than 65536 bytes", "");
	expect_row(g, 1, 3, NULL, "2|3");
	got_free(g);

	/* a quoted field with many lines: skipped to its closing quote */
	n = (size_t)sprintf(data, "a,b\n1,\"");
	while (n < big) {
		memcpy(data + n, "yyyyyyy\n", 8);
		n += 8;
	}
	n += (size_t)sprintf(data + n, "end\"\"q\",z\n2,3\n");
	g = read_all(write_file("bigq.csv", data, n));
	assert_int_equal(g->nrows, 2);
	{
		char want[96];
		snprintf(want, sizeof(want), "record from line 2 to line %ld "
		         "is longer than 65536 bytes", 2 + (long)(big - 7) / 8 + 1);
		expect_row(g, 0, 2, want, "");
	}
	expect_row(g, 1, 2 + (long)(big - 7) / 8 + 2, NULL, "2|3");
	got_free(g);

	/* exactly at the cap is fine, one byte more is not */
	n = (size_t)sprintf(data, "a\n");
	memset(data + n, 'z', READER_MAX_RECORD);
	n += READER_MAX_RECORD;
	memcpy(data + n, "\r\n", 2);
	n += 2;
	memset(data + n, 'z', READER_MAX_RECORD + 1);
	n += READER_MAX_RECORD + 1;
	memcpy(data + n, "\nok\n", 4);
	n += 4;
	g = read_all(write_file("cap.csv", data, n));
	assert_int_equal(g->nrows, 3);
	expect_row(g, 0, 2, NULL, NULL);
	assert_int_equal(g->rows[0].fields[0].value_len, READER_MAX_RECORD);
	expect_row(g, 1, 3, "record is longer than 65536 bytes", NULL);
	expect_row(g, 2, 4, NULL, "ok");
	got_free(g);
	free(data);
}

/* A quote never closed makes the rest of the file one record: its reason
 * names the lines it swallowed and where the quote opened (audit B 02). */
static void test_csv_unterminated_quote_named(void **state)
{
	size_t n = 0, cap = 200 * 1024;
	char *data = malloc(cap);
	struct got *g;
	long line;

	(void)state;
	assert_non_null(data);
	n += (size_t)sprintf(data, "id,q,t,note\nL1,1,t,ok\nL4,1,t,\"open\n");
	for (line = 4; line <= 3001; line++)
		n += (size_t)sprintf(data + n, "L%ld,1,2025-01-01T00:00:05Z,z\n",
		                     line);
	g = read_all(write_file("swallow.csv", data, n));
	assert_int_equal(g->nrows, 2);
	expect_row(g, 0, 2, NULL, "L1|1|t|ok");
	expect_row(g, 1, 3, "record from line 3 to line 3001 is longer than "
	                    "65536 bytes (a quote opened in column 'note' on "
	                    "line 3 is never closed?)", "");
	got_free(g);
	free(data);
}

/* Skipping an oversized record follows the parser's quoting rules: for each
 * shape of record, the rows after its oversized form start at the same lines
 * and hold the same values as after its short form, which the parser reads
 * whole. A quote the parser keeps as text (37.8"N) once made the skip run on
 * in "quotes" and swallow the next rows, uncounted and unrejected. */
static void test_csv_oversized_skip_follows_quoting(void **state)
{
	static const struct {
		const char *head, *tail, *why;
		int pad_lines; /* >0: the padding is that many lines in quotes */
	} shapes[] = {
		{"1,", "37.8\"N", "a quote inside an unquoted field is text", 0},
		{"1,", "x\"y\"z", "two quotes inside an unquoted field", 0},
		{"1,\"q\"", "\"", "text after a closing quote: the line ends it",
		 0},
		{"\"", "\"  \"y", "a quote after a closing quote and spaces", 0},
		{"\"", "\" x,2", "text after a closing quote and a space", 0},
		{"\"", "\" ,2", "spaces between a closing quote and a comma", 0},
		{"1,\"a\"\"b", "\"", "a doubled quote inside quotes", 0},
		{"1,  \"", "\ny\",2", "a quote after leading spaces opens", 0},
		{"1,\"", "\nend\"x\"", "text after the closing quote on a later "
		 "line", 0},
		{"1,\"", "a\"b\"c", "many quoted lines, then a broken close",
		 100},
		{"1,\"", "ab\"\"c\"", "many quoted lines, then a doubled quote",
		 100},
	};
	static const char rows5[] = "g1,1\ng2,2\ng3,3\ng4,4\ng5,5\n";
	size_t k, big = 70 * 1024;
	char *data = malloc(big + 200 * 1024);

	(void)state;
	assert_non_null(data);
	for (k = 0; k < sizeof(shapes) / sizeof(shapes[0]); k++) {
		struct got *gs = NULL, *gl = NULL;
		size_t n, i, pad;
		int long_form;

		for (long_form = 0; long_form < 2; long_form++) {
			n = (size_t)sprintf(data, "a,b\n%s", shapes[k].head);
			pad = long_form ? big : 10;
			if (shapes[k].pad_lines) {
				int l, lines = long_form ? shapes[k].pad_lines
				                         : 2;
				for (l = 0; l < lines; l++) {
					memset(data + n, 'y', 1000);
					n += 1000;
					data[n++] = '\n';
				}
			} else {
				memset(data + n, 'x', pad);
				n += pad;
			}
			n += (size_t)sprintf(data + n, "%s\n%s", shapes[k].tail,
			                     rows5);
			if (long_form)
				gl = read_all(write_file("skipl.csv", data, n));
			else
				gs = read_all(write_file("skips.csv", data, n));
		}
		if (gl->nrows != 6 || gs->nrows != 6)
			fail_msg("%s: %zu rows oversized, %zu short (want 6)",
			         shapes[k].why, gl->nrows, gs->nrows);
		{
			/* one line, or its lines named: "record from line 2
			 * to line 5 is longer than 65536 bytes" */
			long last = gl->rows[1].line - 1;
			char want[96] = "record is longer than 65536 bytes";
			if (last > 2)
				snprintf(want, sizeof(want),
				         "record from line 2 to line %ld is "
				         "longer than 65536 bytes", last);
			expect_row(gl, 0, 2, want, "");
		}
		for (i = 1; i < 6; i++) {
			long shift = shapes[k].pad_lines
			                     ? shapes[k].pad_lines - 2
			                     : 0;
			char want[16];
			snprintf(want, sizeof(want), "g%zu|%zu", i, i);
			expect_row(gs, i, gs->rows[i].line, NULL, want);
			if (gl->rows[i].line != gs->rows[i].line + shift)
				fail_msg("%s: row g%zu at line %ld, want %ld",
				         shapes[k].why, i, gl->rows[i].line,
				         gs->rows[i].line + shift);
			expect_row(gl, i, gl->rows[i].line, NULL, want);
		}
		got_free(gs);
		got_free(gl);
	}
	free(data);
}

/* ---- gzip ---- */

static size_t gzip_into(const char *in, size_t inlen, unsigned char *out,
                        size_t outcap)
{
	z_stream zs;

	memset(&zs, 0, sizeof(zs));
	assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8,
	                              Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (unsigned char *)in;
	zs.avail_in = (uInt)inlen;
	zs.next_out = out;
	zs.avail_out = (uInt)outcap;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	deflateEnd(&zs);
	return outcap - zs.avail_out;
}

static void test_gzip(void **state)
{
	static unsigned char gz[1 << 20];
	static char text[300000];
	size_t n = 0, zn, zn2, i;
	struct got *g;
	struct reader *r;
	struct config cfg;
	char err[300];
	uint64_t consumed;
	int64_t total;

	(void)state;
	n += (size_t)sprintf(text, "a,b\n");
	for (i = 0; i < 20000; i++)
		n += (size_t)sprintf(text + n, "row%zu,%zu\n", i, i);
	zn = gzip_into(text, n, gz, sizeof(gz));
	g = read_all(write_file("x.csv.gz", gz, zn));
	assert_int_equal(g->end, RB_END);
	assert_int_equal(g->rows_seen, 20000);
	expect_row(g, 0, 2, NULL, "row0|0");
	got_free(g);

	/* concatenated members, sniffed (no extension) */
	zn2 = gzip_into("b,3\n", 4, gz + zn, sizeof(gz) - zn);
	g = read_all(write_file("concat", gz, zn + zn2));
	assert_int_equal(g->end, RB_END);
	assert_int_equal(g->rows_seen, 20001);
	got_free(g);

	/* truncated: the complete rows, then a clear stop */
	g = read_all(write_file("t.csv.gz", gz, zn / 2));
	assert_int_equal(g->end, RB_EINPUT);
	assert_true(g->rows_seen > 1000 && g->rows_seen < 20000);
	assert_non_null(strstr(g->err, "t.csv.gz: truncated gzip stream"));
	expect_row(g, 0, 2, NULL, "row0|0");
	got_free(g);

	/* progress counts compressed bytes */
	config_defaults(&cfg);
	assert_int_equal(reader_open(&r, path_of("x.csv.gz"), &cfg, err,
	                             sizeof(err)), RB_OK);
	reader_progress(r, &consumed, &total);
	assert_int_equal(total, (int64_t)zn);
	assert_true(consumed > 0 && consumed <= zn);
	reader_free(r);

	/* jsonl under gzip, by extension */
	n = (size_t)sprintf(text, "\xef\xbb\xbf{\"a\":1}\n{\"a\":2}\n");
	zn = gzip_into(text, n, gz, sizeof(gz));
	g = read_all(write_file("y.ndjson.gz", gz, zn));
	assert_int_equal(g->nrows, 2);
	expect_row(g, 1, 2, NULL, "2");
	got_free(g);
}

/* ---- JSON lines ---- */

static void test_jsonl(void **state)
{
	struct got *g;
	const struct got_row *r;

	(void)state;
	g = read_all(write_str(
		"a.jsonl",
		"\xef\xbb\xbf{\"subscriptionId\":\"s\\u00e9\\n\",\"quantity\":"
		"5.25,\"t\":true,\"f\":false,\"n\":null,\"o\":{\"x\":[1]},"
		"\"arr\":[1,2],\"k\\\"ey\":\"v\"}\r\n"
		"  \t\r\n"
		"\n"
		"[1,2]\n"
		"{\"quantity\":1,\"quantity\":2}\n"
		"{\"a\":01}\n"
		"{\"a\":1} x\n"
		"\"str\"\n"
		"{\"a\":\"\xff\"}\n"
		"{}\n"
		"{\"last\":\"no newline\"}"));
	assert_int_equal(g->end, RB_END);
	assert_int_equal(g->nrows, 9);
	r = &g->rows[0];
	assert_int_equal(r->line, 1);
	assert_null(r->error);
	assert_int_equal(r->nfields, 8);
	assert_string_equal(r->fields[0].name, "subscriptionId");
	assert_string_equal(r->fields[0].value, "s\xc3\xa9\n");
	assert_int_equal(r->fields[0].kind, READER_STRING);
	assert_string_equal(r->fields[1].value, "5.25");
	assert_int_equal(r->fields[1].kind, READER_NUMBER);
	assert_string_equal(r->fields[2].value, "true");
	assert_int_equal(r->fields[2].kind, READER_TRUE);
	assert_int_equal(r->fields[3].kind, READER_FALSE);
	assert_string_equal(r->fields[3].value, "false");
	assert_int_equal(r->fields[4].kind, READER_NULL);
	assert_string_equal(r->fields[5].value, "{\"x\":[1]}");
	assert_int_equal(r->fields[5].kind, READER_COMPOSITE);
	assert_string_equal(r->fields[6].value, "[1,2]");
	assert_int_equal(r->fields[6].kind, READER_COMPOSITE);
	assert_string_equal(r->fields[7].name, "k\"ey");
	/* raw: without BOM and line ending */
	assert_memory_equal(r->raw, "{\"subscriptionId\"", 17);
	assert_int_equal(r->raw[strlen(r->raw) - 1], '}');

	expect_row(g, 1, 4, "line is not a JSON object", NULL);
	expect_row(g, 2, 5, "member 'quantity' appears twice", NULL);
	expect_row(g, 3, 6, "invalid JSON at column 6: leading zero in number",
	           NULL);
	assert_string_equal(g->rows[3].raw, "{\"a\":01}");
	expect_row(g, 4, 7, "invalid JSON at column 9: unexpected text after "
	                    "the JSON value", NULL);
	expect_row(g, 5, 8, "line is not a JSON object", NULL);
	expect_row(g, 6, 9, "invalid UTF-8 at column 7 (byte 0xFF): the file "
	                    "looks like Latin-1; pass --encoding latin1 (or "
	                    "windows-1252)", NULL);
	expect_row(g, 7, 10, NULL, "");
	assert_int_equal(g->rows[7].nfields, 0);
	expect_row(g, 8, 11, NULL, "no newline");
	got_free(g);
}

static void test_jsonl_many_members(void **state)
{
	static char line[70000];
	size_t n = 0;
	int i;
	struct got *g;

	(void)state;
	n += (size_t)sprintf(line, "{");
	for (i = 0; i < 3000; i++)
		n += (size_t)sprintf(line + n, "%s\"m%d\":[%d]", i ? "," : "",
		                     i, i);
	n += (size_t)sprintf(line + n, "}\n{");
	for (i = 0; i < 100; i++)
		n += (size_t)sprintf(line + n, "\"m%d\":1,", i % 99);
	n += (size_t)sprintf(line + n, "\"end\":1}\n");
	g = read_all(write_file("many.jsonl", line, n));
	assert_int_equal(g->nrows, 2);
	expect_row(g, 0, 1, NULL, NULL);
	assert_int_equal(g->rows[0].nfields, 3000);
	assert_string_equal(g->rows[0].fields[2999].value, "[2999]");
	expect_row(g, 1, 2, "member 'm0' appears twice", NULL);
	got_free(g);
}

static void test_jsonl_oversized_and_sniff(void **state)
{
	size_t big = 200 * 1024, n = 0;
	char *data = malloc(big + 100);
	struct got *g;
	struct reader *r;
	struct config cfg;
	char err[200];

	(void)state;
	assert_non_null(data);
	n += (size_t)sprintf(data, "{\"a\":1}\n{\"a\":\"");
	memset(data + n, 'x', big);
	n += big;
	n += (size_t)sprintf(data + n, "\"}\n\n{\"a\":3}\n");
	g = read_all(write_file("big.jsonl", data, n));
	assert_int_equal(g->nrows, 3);
	expect_row(g, 0, 1, NULL, "1");
	expect_row(g, 1, 2, "record is longer than 65536 bytes", NULL);
	assert_null(g->rows[1].raw);
	expect_row(g, 2, 4, NULL, "3");
	got_free(g);
	free(data);

	/* sniffing: first non-blank byte '{' means JSON lines */
	config_defaults(&cfg);
	assert_int_equal(reader_open(&r, write_str("sniff", "\n  {\"a\":1}\n"),
	                             &cfg, err, sizeof(err)), RB_OK);
	assert_int_equal(reader_format(r), CONFIG_FORMAT_JSONL);
	reader_free(r);
	assert_int_equal(reader_open(&r, write_str("sniff2", "a,b\n"), &cfg,
	                             err, sizeof(err)), RB_OK);
	assert_int_equal(reader_format(r), CONFIG_FORMAT_CSV);
	reader_free(r);
	/* --format wins over the extension */
	cfg.format = CONFIG_FORMAT_JSONL;
	g = read_all_cfg(write_str("really.csv", "{\"a\":1}\n"), &cfg);
	expect_row(g, 0, 1, NULL, "1");
	got_free(g);
}

/* ---- encodings ---- */

/* UTF-8 text as UTF-16 (decoded here, not with the code under test), with
 * a BOM when bom; \x01 in text stands for a lone high surrogate. Returns
 * the byte count written to out. */
static size_t to_utf16(const char *text, bool be, bool bom, unsigned char *out)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t o = 0;

#define PUT(u)                                                                 \
	do {                                                                   \
		unsigned long u_ = (u);                                        \
		out[o + (be ? 0 : 1)] = (unsigned char)(u_ >> 8);              \
		out[o + (be ? 1 : 0)] = (unsigned char)(u_ & 0xFF);            \
		o += 2;                                                        \
	} while (0)
	if (bom)
		PUT(0xFEFF);
	while (*s) {
		unsigned long cp;
		if (*s == 0x01) {
			cp = 0xD83D;
			s++;
		} else if (*s < 0x80) {
			cp = *s++;
		} else if (*s < 0xE0) {
			cp = (unsigned long)(s[0] & 0x1F) << 6 | (s[1] & 0x3F);
			s += 2;
		} else if (*s < 0xF0) {
			cp = (unsigned long)(s[0] & 0x0F) << 12 |
			     (unsigned long)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
			s += 3;
		} else {
			cp = (unsigned long)(s[0] & 0x07) << 18 |
			     (unsigned long)(s[1] & 0x3F) << 12 |
			     (unsigned long)(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
			s += 4;
		}
		if (cp >= 0x10000) {
			PUT(0xD800 + ((cp - 0x10000) >> 10));
			PUT(0xDC00 + ((cp - 0x10000) & 0x3FF));
		} else {
			PUT(cp);
		}
	}
#undef PUT
	return o;
}

static struct got *read_enc(const char *name, const void *data, size_t n,
                            enum config_encoding enc, char delim)
{
	struct config cfg;

	config_defaults(&cfg);
	cfg.encoding = enc;
	cfg.delimiter = delim;
	return read_all_cfg(write_file(name, data, n), &cfg);
}

/* reader_open's refusal for an input, as cfg says: want with "%s" for the
 * file's path. */
static void expect_refused(const char *name, const void *data, size_t n,
                           enum config_encoding enc, const char *want)
{
	struct config cfg;
	struct reader *r = (struct reader *)1;
	char err[400], exp[600];
	const char *path = write_file(name, data, n);

	config_defaults(&cfg);
	cfg.encoding = enc;
	{
		const char *at = strstr(want, "%s");
		assert_non_null(at);
		snprintf(exp, sizeof(exp), "%.*s%s%s", (int)(at - want), want,
		         path, at + 2);
	}
	assert_int_equal(reader_open(&r, path, &cfg, err, sizeof(err)),
	                 RB_EINPUT);
	assert_null(r);
	assert_string_equal(err, exp);
}

static enum encoding encoding_of(const char *name, const void *data, size_t n,
                                 enum config_encoding enc)
{
	struct config cfg;
	struct reader *r;
	char err[400];
	enum encoding e;

	config_defaults(&cfg);
	cfg.encoding = enc;
	if (reader_open(&r, write_file(name, data, n), &cfg, err, sizeof(err)))
		fail_msg("%s: %s", name, err);
	e = reader_encoding(r);
	reader_free(r);
	return e;
}

static void test_latin1_and_windows_1252(void **state)
{
	static const char latin1[] = "id,note\r\ns1,Caf\xe9 \x80\r\n"
	                             "s2,\"na\xefve\nline\"\r\ns3,\xff\r\n";
	static const char cp1252[] = "id;note\ns1;\x93quoted\x94 \x80 5\n"
	                             "s2;\x81\x9d\n";
	struct got *g;

	(void)state;
	g = read_enc("l1.csv", latin1, sizeof(latin1) - 1,
	             CONFIG_ENCODING_LATIN1, 0);
	assert_int_equal(g->nrows, 3);
	expect_row(g, 0, 2, NULL, "s1|Caf\xc3\xa9 \xc2\x80"); /* a C1 control */
	expect_row(g, 1, 3, NULL, "s2|na\xc3\xafve\nline");
	expect_row(g, 2, 5, NULL, "s3|\xc3\xbf");
	got_free(g);

	g = read_enc("w.csv", cp1252, sizeof(cp1252) - 1,
	             CONFIG_ENCODING_WINDOWS_1252, ';');
	assert_int_equal(g->nrows, 2);
	expect_row(g, 0, 2, NULL,
	           "s1|\xe2\x80\x9cquoted\xe2\x80\x9d \xe2\x82\xac 5");
	expect_row(g, 1, 3, NULL, "s2|\xc2\x81\xc2\x9d");
	got_free(g);

	/* the same bytes without --encoding: rejected, naming the way out */
	g = read_enc("w8.csv", cp1252, sizeof(cp1252) - 1, CONFIG_ENCODING_AUTO,
	             ';');
	expect_row(g, 0, 2, "invalid UTF-8 in column 'note' (byte 0x93): the "
	                    "file looks like Windows-1252; pass --encoding "
	                    "windows-1252", NULL);
	got_free(g);
	g = read_enc("l8.csv", latin1, sizeof(latin1) - 1, CONFIG_ENCODING_UTF8,
	             0);
	expect_row(g, 0, 2, "invalid UTF-8 in column 'note' (byte 0xE9): the "
	                    "file looks like Latin-1; pass --encoding latin1 "
	                    "(or windows-1252)", "s1|Caf\xe9 \x80");
	got_free(g);
	assert_int_equal(encoding_of("l1b.csv", latin1, sizeof(latin1) - 1,
	                             CONFIG_ENCODING_LATIN1),
	                 ENCODING_LATIN1);
}

static void test_utf16(void **state)
{
	static const char text[] = "subscriptionId\tnote\r\n"
	                           "s1\tCaf\xc3\xa9 \xe2\x82\xac\r\n"
	                           "s2\t\"two\r\nlines \xf0\x9f\x98\x80\"\r\n";
	static unsigned char u[4096];
	size_t n;
	struct got *g;
	int be, bom;

	(void)state;
	for (be = 0; be < 2; be++)
		for (bom = 0; bom < 2; bom++) {
			n = to_utf16(text, be, bom, u);
			/* a BOM is enough; without one, --encoding utf-16 */
			g = read_enc("u16.txt", u, n,
			             bom ? CONFIG_ENCODING_AUTO
			                 : CONFIG_ENCODING_UTF16,
			             '\t');
			assert_int_equal(g->end, RB_END);
			assert_int_equal(g->nrows, 2);
			assert_string_equal(g->rows[0].fields[0].name,
			                    "subscriptionId");
			expect_row(g, 0, 2, NULL, "s1|Caf\xc3\xa9 \xe2\x82\xac");
			expect_row(g, 1, 3, NULL,
			           "s2|two\r\nlines \xf0\x9f\x98\x80");
			got_free(g);
			assert_int_equal(encoding_of("u16e.txt", u, n,
			                             bom ? CONFIG_ENCODING_AUTO
			                                 : CONFIG_ENCODING_UTF16),
			                 be ? ENCODING_UTF16BE : ENCODING_UTF16LE);
		}

	/* JSON lines too, BOM and all */
	n = to_utf16("{\"subscriptionId\":\"s\xc3\xa9\",\"quantity\":1}\n",
	             true, true, u);
	g = read_enc("u16.jsonl", u, n, CONFIG_ENCODING_AUTO, 0);
	assert_int_equal(g->nrows, 1);
	expect_row(g, 0, 1, NULL, "s\xc3\xa9|1");
	assert_string_equal(g->rows[0].raw,
	                    "{\"subscriptionId\":\"s\xc3\xa9\",\"quantity\":1}");
	got_free(g);
}

static void test_utf16_invalid_rows(void **state)
{
	static unsigned char u[4096];
	size_t n;
	struct got *g;

	(void)state;
	/* a lone surrogate rejects its row only */
	n = to_utf16("a,b\nx,\x01y\nz,1\n", false, true, u);
	g = read_enc("lone.csv", u, n, CONFIG_ENCODING_AUTO, 0);
	assert_int_equal(g->nrows, 2);
	expect_row(g, 0, 2, "invalid UTF-16 in column 'b' (a lone surrogate "
	                    "0xD83D: half of a character whose other half is "
	                    "missing)", NULL);
	expect_row(g, 1, 3, NULL, "z|1");
	got_free(g);
	/* an odd last byte: the last row is rejected, none lost */
	n = to_utf16("a,b\nx,1\nz,2", false, true, u);
	u[n++] = '3';
	g = read_enc("odd.csv", u, n, CONFIG_ENCODING_AUTO, 0);
	assert_int_equal(g->end, RB_END);
	assert_int_equal(g->nrows, 2);
	expect_row(g, 0, 2, NULL, "x|1");
	expect_row(g, 1, 3, "invalid UTF-16 in column 'b' (the input ends in "
	                    "the middle of a character)", NULL);
	got_free(g);
	/* in JSON lines */
	n = to_utf16("{\"a\":\"\x01\"}\n{\"a\":1}\n", false, true, u);
	g = read_enc("lone.jsonl", u, n, CONFIG_ENCODING_AUTO, 0);
	assert_int_equal(g->nrows, 2);
	expect_row(g, 0, 1, "invalid UTF-16 at column 7 (a lone surrogate "
	                    "0xD83D: half of a character whose other half is "
	                    "missing)", NULL);
	expect_row(g, 1, 2, NULL, "1");
	got_free(g);
}

static void test_encoding_refusals(void **state)
{
	static unsigned char u[256];
	static const char bom8[] = "\xef\xbb\xbf" "a,b\n1,2\n";
	size_t n;
	struct got *g;

	(void)state;
	/* a byte-order mark names the encoding; --encoding may not contradict */
	n = to_utf16("a,b\n", false, true, u);
	expect_refused("bom16.csv", u, n, CONFIG_ENCODING_LATIN1,
	               "%s starts with a UTF-16 byte-order mark, but --encoding "
	               "latin1 was given: drop --encoding, or pass --encoding "
	               "utf-16");
	expect_refused("bom16.csv", u, n, CONFIG_ENCODING_UTF8,
	               "%s starts with a UTF-16 byte-order mark, but --encoding "
	               "utf-8 was given: drop --encoding, or pass --encoding "
	               "utf-16");
	expect_refused("bom8.csv", bom8, sizeof(bom8) - 1, CONFIG_ENCODING_UTF16,
	               "%s starts with a UTF-8 byte-order mark, but --encoding "
	               "utf-16 was given: drop --encoding, or pass --encoding "
	               "utf-8");
	expect_refused("bom8.csv", bom8, sizeof(bom8) - 1,
	               CONFIG_ENCODING_WINDOWS_1252,
	               "%s starts with a UTF-8 byte-order mark, but --encoding "
	               "windows-1252 was given: drop --encoding, or pass "
	               "--encoding utf-8");
	g = read_enc("bom8.csv", bom8, sizeof(bom8) - 1, CONFIG_ENCODING_UTF8, 0);
	assert_int_equal(g->nrows, 1);
	assert_string_equal(g->rows[0].fields[0].name, "a");
	got_free(g);
	/* UTF-16 without a mark is refused unless asked for */
	n = to_utf16("subscriptionId,quantity\n", false, false, u);
	expect_refused("no-bom.csv", u, n, CONFIG_ENCODING_AUTO,
	               "%s looks like UTF-16 without a byte-order mark (every "
	               "other byte is 0): pass --encoding utf-16");
	n = to_utf16("{\"a\":1}\n", true, false, u);
	expect_refused("no-bom.jsonl", u, n, CONFIG_ENCODING_AUTO,
	               "%s looks like UTF-16 without a byte-order mark (every "
	               "other byte is 0): pass --encoding utf-16");
	/* plain text is not taken for it */
	g = read_enc("plain.csv", "a,b\n1,2\n", 8, CONFIG_ENCODING_AUTO, 0);
	expect_row(g, 0, 2, NULL, "1|2");
	got_free(g);
}

/* Conversion across every window boundary, under gzip too; the record cap
 * counts the converted (UTF-8) bytes. */
static void test_encoding_streams(void **state)
{
	static char text[400000];
	static unsigned char u[900000], gz[1 << 20];
	size_t n = 0, un, zn, i;
	struct got *g;
	int round;

	(void)state;
	n += (size_t)sprintf(text, "a,b\n");
	for (i = 0; i < 12000; i++)
		n += (size_t)sprintf(text + n, "r\xc3\xa9%zu,\xf0\x9f\x98\x80%zu\n",
		                     i, i % 7);
	for (round = 0; round < 2; round++) {
		un = to_utf16(text, round == 1, true, u);
		if (round == 1) {
			zn = gzip_into((const char *)u, un, gz, sizeof(gz));
			g = read_enc("big16.csv.gz", gz, zn, CONFIG_ENCODING_AUTO, 0);
		} else {
			g = read_enc("big16.csv", u, un, CONFIG_ENCODING_AUTO, 0);
		}
		assert_int_equal(g->end, RB_END);
		assert_int_equal(g->rows_seen, 12000);
		expect_row(g, 0, 2, NULL, "r\xc3\xa9" "0|\xf0\x9f\x98\x80" "0");
		expect_row(g, 63, 65, NULL, "r\xc3\xa9" "63|\xf0\x9f\x98\x80" "0");
		got_free(g);
	}

	/* 40000 'e' are 80000 bytes of UTF-16 but 40000 of UTF-8: a record;
	 * 40000 'é' are 80000 of UTF-8: too long */
	n = (size_t)sprintf(text, "a\n");
	for (i = 0; i < 40000; i++)
		text[n++] = 'e';
	text[n++] = '\n';
	for (i = 0; i < 40000; i++) {
		text[n++] = '\xc3';
		text[n++] = '\xa9';
	}
	n += (size_t)sprintf(text + n, "\nok\n");
	un = to_utf16(text, false, true, u);
	g = read_enc("cap16.csv", u, un, CONFIG_ENCODING_AUTO, 0);
	assert_int_equal(g->nrows, 3);
	expect_row(g, 0, 2, NULL, NULL);
	assert_int_equal(g->rows[0].fields[0].value_len, 40000);
	expect_row(g, 1, 3, "record is longer than 65536 bytes", NULL);
	expect_row(g, 2, 4, NULL, "ok");
	got_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_spectrum),
		cmocka_unit_test(test_csv_lines),
		cmocka_unit_test(test_csv_crlf_and_cr),
		cmocka_unit_test(test_csv_bom),
		cmocka_unit_test(test_csv_columns_and_delimiter),
		cmocka_unit_test(test_csv_padding),
		cmocka_unit_test(test_csv_malformed),
		cmocka_unit_test(test_csv_bad_header),
		cmocka_unit_test(test_csv_oversized),
		cmocka_unit_test(test_csv_oversized_skip_follows_quoting),
		cmocka_unit_test(test_csv_unterminated_quote_named),
		cmocka_unit_test(test_gzip),
		cmocka_unit_test(test_jsonl),
		cmocka_unit_test(test_jsonl_many_members),
		cmocka_unit_test(test_jsonl_oversized_and_sniff),
		cmocka_unit_test(test_latin1_and_windows_1252),
		cmocka_unit_test(test_utf16),
		cmocka_unit_test(test_utf16_invalid_rows),
		cmocka_unit_test(test_encoding_refusals),
		cmocka_unit_test(test_encoding_streams),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
