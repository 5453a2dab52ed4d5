/* fuzz_reader: the reader targets' shared walk. The reader opens a path, so
 * each input is written to one file per process (in /dev/shm when there is
 * one: no disk I/O), then read row by row exactly as pipeline.c does:
 * reader_open, the header bound by record_map_header, then reader_next,
 * record_from_row and check_record, asserting on every row what the rest of
 * the program relies on. */
#ifndef RB_FUZZ_READER_H
#define RB_FUZZ_READER_H

#include <fcntl.h>
#include <unistd.h>

#include "fuzz.h"
#include "dedup.h"
#include "reader.h"
#include "record.h"

/* Names quoted into reasons (a header's column, a JSON member) once went in
 * raw, control characters and cut UTF-8 included, and a cut character in the
 * result log made the next run refuse it. reader_quote_name fixed that; the
 * strict check stays on (-DFUZZ_STRICT_HEADER_NAMES=0 loosens it). */
#ifndef FUZZ_STRICT_HEADER_NAMES
#define FUZZ_STRICT_HEADER_NAMES 1
#endif

/* A header name that can be quoted in a reason as is. */
static bool fuzz_clean_name(const char *s, size_t n)
{
	size_t i;

	if (json_utf8_valid_len(s, n) != n)
		return false;
	if (n > 100 && ((unsigned char)s[100] & 0xc0) == 0x80)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

/* Writes data to this process's input file; returns a path to it. The
 * file is unlinked as soon as it is made and read through /proc/self/fd, so
 * a crashing run (abort skips atexit) leaves nothing in /dev/shm; without
 * /proc it keeps its name and is removed at exit. */
static char fuzz_path[256];
static int fuzz_fd = -1;

static void fuzz_unlink_path(void)
{
	if (fuzz_fd < 0 && fuzz_path[0])
		unlink(fuzz_path);
}

static const char *fuzz_write_input(const uint8_t *data, size_t size)
{
	static char name[256];
	size_t off = 0;
	int fd;

	if (!name[0]) {
		const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm"
		                  : getenv("TMPDIR")           ? getenv("TMPDIR")
		                                               : "/tmp";
		snprintf(name, sizeof(name), "%s/rbusage-fuzz-XXXXXX", dir);
		fd = mkstemp(name);
		FUZZ_CHECK(fd >= 0, "cannot create %s", name);
		snprintf(fuzz_path, sizeof(fuzz_path), "/proc/self/fd/%d", fd);
		if (access(fuzz_path, R_OK) == 0) {
			unlink(name);
			fuzz_fd = fd;
		} else {
			close(fd);
			snprintf(fuzz_path, sizeof(fuzz_path), "%s", name);
			atexit(fuzz_unlink_path);
		}
	}
	fd = fuzz_fd >= 0 ? fuzz_fd
	                  : open(fuzz_path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	FUZZ_CHECK(fd >= 0, "cannot open %s", fuzz_path);
	FUZZ_CHECK(ftruncate(fd, 0) == 0, "cannot truncate %s", fuzz_path);
	while (off < size) {
		ssize_t n = pwrite(fd, data + off, size - off, (off_t)off);
		FUZZ_CHECK(n > 0, "cannot write %s", fuzz_path);
		off += (size_t)n;
	}
	if (fd != fuzz_fd)
		close(fd);
	return fuzz_path;
}

/* The --time-format, --time-zone, --dst and --decimal-comma options of
 * issue 11, picked by n (the input's length, so each meets every shape of
 * file): ISO, epoch, epoch-ms or a pattern; a fixed offset or New York from
 * the system's tz database (loaded once, kept for the process). */
static void fuzz_time_options(struct config *cfg, size_t n)
{
	static struct timefmt_zone *ny;
	static int loaded;
	static const char *const patterns[] = {
		"%d.%m.%Y %H:%M",
		"%m/%d/%Y %I:%M:%S.%f %p",
		"%Y-%m-%dT%H:%M:%S%z",
		"%d %b %Y",
	};
	char why[256];

	if (!loaded) {
		loaded = 1;
		if (timefmt_zone_load("America/New_York", NULL, &ny, why,
		                      sizeof(why)))
			ny = NULL;
	}
	cfg->time_format = (enum config_time_format)(n % 4);
	if (cfg->time_format == CONFIG_TIME_PATTERN)
		FUZZ_CHECK(timefmt_pattern_compile(patterns[n / 4 % 4],
		                                   &cfg->time_pattern, why,
		                                   sizeof(why)) == 0,
		           "pattern: %s", why);
	cfg->time_zone = n % 7 < 3 ? ny : NULL;
	cfg->dst = (enum timefmt_dst)(n % 3);
	cfg->decimal_comma = n % 11 < 4;
}

/* Reads the file at path as cfg says, through to the end or a stopping
 * error, checking every row with p. Returns the number of rows. */
static long fuzz_read_all(const char *path, size_t size,
                          const struct config *cfg,
                          const struct check_policy *p)
{
	struct reader *r = NULL;
	struct record_map *m = NULL;
	struct dedup *dd = dedup_new();
	struct reader_row row;
	struct record rec;
	struct usage u;
	char err[512], reason[512];
	long prev = 0, rows = 0;
	enum rb_status st;
	bool csv, clean_header = true;
	size_t nhdr, i;
	const struct reader_field *hdr;
	uint64_t consumed;
	int64_t total;

	FUZZ_CHECK(dd != NULL, "out of memory");
	err[0] = 0;
	st = reader_open(&r, path, cfg, err, sizeof(err));
	if (st) {
		FUZZ_CHECK(r == NULL, "reader_open failed but gave a reader");
		FUZZ_CHECK(st != RB_ENOMEM, "reader_open: out of memory");
		fuzz_check_line(err, sizeof(err), "reader_open's message");
		goto out;
	}
	csv = reader_format(r) == CONFIG_FORMAT_CSV;
	FUZZ_CHECK(csv == (cfg->format == CONFIG_FORMAT_CSV),
	           "format %d read as %d", cfg->format, reader_format(r));
	hdr = reader_header(r, &nhdr);
	if (!csv)
		FUZZ_CHECK(hdr == NULL && nhdr == 0, "JSONL with a header");
	if (cfg->ncolumns)
		FUZZ_CHECK(nhdr == cfg->ncolumns, "%zu columns, header of %zu",
		           cfg->ncolumns, nhdr);
	for (i = 0; i < nhdr; i++) {
		FUZZ_CHECK(hdr[i].name != NULL || hdr[i].name_len == 0,
		           "header name NULL");
		FUZZ_CHECK(hdr[i].name_len <= READER_MAX_RECORD,
		           "header name of %zu bytes", hdr[i].name_len);
		if (!fuzz_clean_name(hdr[i].name, hdr[i].name_len))
			clean_header = FUZZ_STRICT_HEADER_NAMES;
	}
	m = record_map_new(cfg);
	FUZZ_CHECK(m != NULL, "out of memory");
	if (csv && record_map_header(m, hdr, nhdr, reason, sizeof(reason))) {
		/* the run stops here, as pipeline.c does */
		fuzz_check_line(reason, sizeof(reason), "header reason");
		goto out;
	}
	for (;;) {
		err[0] = 0;
		st = reader_next(r, &row, err, sizeof(err));
		if (st == RB_END)
			break;
		if (st) {
			FUZZ_CHECK(st != RB_ENOMEM, "reader_next: out of memory");
			fuzz_check_line(err, sizeof(err), "reader_next's message");
			break;
		}
		rows++;
		FUZZ_CHECK(row.line >= 1, "row at line %ld", row.line);
		FUZZ_CHECK(row.line >= prev, "row at line %ld after line %ld",
		           row.line, prev);
		FUZZ_CHECK(csv || row.line > prev,
		           "JSON line %ld after line %ld", row.line, prev);
		prev = row.line;
		FUZZ_CHECK(row.nfields == 0 || row.fields != NULL,
		           "%zu fields, no array", row.nfields);
		for (i = 0; i < row.nfields; i++) {
			const struct reader_field *f = &row.fields[i];

			FUZZ_CHECK(f->value_len <= READER_MAX_RECORD,
			           "line %ld: field %zu of %zu bytes", row.line,
			           i, f->value_len);
			FUZZ_CHECK(f->value != NULL || f->value_len == 0,
			           "field value NULL");
			FUZZ_CHECK(f->name_len <= READER_MAX_RECORD,
			           "field name of %zu bytes", f->name_len);
			FUZZ_CHECK(f->name != NULL || f->name_len == 0,
			           "field name NULL");
			FUZZ_CHECK(!csv || f->kind == READER_STRING,
			           "CSV field of kind %d", f->kind);
			if (!csv)
				FUZZ_CHECK(f->name != NULL, "JSON member unnamed");
			/* touch every byte: ASan checks the borrow */
			if (f->value_len)
				(void)memchr(f->value, 0, f->value_len);
		}
		if (csv) {
			FUZZ_CHECK(row.raw == NULL, "CSV row with raw text");
		} else {
			FUZZ_CHECK(row.raw_len <= READER_MAX_RECORD,
			           "line %ld: raw of %zu bytes", row.line,
			           row.raw_len);
			FUZZ_CHECK(row.raw != NULL || row.error,
			           "line %ld: no raw text", row.line);
			if (row.raw_len)
				(void)memchr(row.raw, 0, row.raw_len);
		}
		if (row.error) {
			bool clean = clean_header;

			for (i = 0; !csv && i < row.nfields; i++)
				if (!fuzz_clean_name(row.fields[i].name,
				                     row.fields[i].name_len))
					clean = FUZZ_STRICT_HEADER_NAMES;
			if (clean)
				fuzz_check_line(row.error, 1024, "row error");
			else
				FUZZ_CHECK(row.error[0] && strnlen(row.error,
				                                   1024) < 1024,
				           "row error empty or unterminated");
			continue;
		}
		reason[0] = 0;
		if (record_from_row(m, &row, &rec, reason, sizeof(reason))) {
			fuzz_check_line(reason, sizeof(reason), "record reason");
			continue;
		}
		FUZZ_CHECK(rec.line == row.line, "record line %ld, row %ld",
		           rec.line, row.line);
		reason[0] = 0;
		if (check_record(p, &rec, FUZZ_NOW_MS, &u, reason,
		                 sizeof(reason))) {
			fuzz_check_line(reason, sizeof(reason), "check reason");
			continue;
		}
		fuzz_check_usage(&u);
		FUZZ_CHECK(u.line == row.line, "usage line %ld, row %ld", u.line,
		           row.line);
		FUZZ_CHECK(p->stamp_time || u.usage_time[0],
		           "no usageTime though required");
		FUZZ_CHECK(dedup_seen(dd, &u, NULL) >= 0, "out of memory");
	}
	/* a stopping error repeats */
	if (st != RB_END && st != RB_OK)
		FUZZ_CHECK(reader_next(r, &row, err, sizeof(err)) == st,
		           "a stopping error did not repeat");
	reader_progress(r, &consumed, &total);
	FUZZ_CHECK(total == (int64_t)size, "total %lld of a %zu-byte file",
	           (long long)total, size);
	FUZZ_CHECK(consumed <= size, "consumed %llu of %zu bytes",
	           (unsigned long long)consumed, size);
out:
	record_map_free(m);
	reader_free(r);
	dedup_free(dd);
	return rows;
}

#endif
