/* Tests for resultlog: the exact run, row and summary lines, one write per
 * line (the file is whole after each call), appending to an existing log,
 * reading every field back, a torn last line (ignored by resultlog_read, cut
 * by resultlog_open), lines that are not ours, and the status names. Logs
 * live under a mkdtemp directory. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include <cmocka.h>

#include "config.h"
#include "resultlog.h"

static char tmpdir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/rbusage-test-log-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *path_of(const char *name)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return path;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *data;
	size_t n;

	assert_non_null(fp);
	data = malloc(1 << 20);
	assert_non_null(data);
	n = fread(data, 1, (1 << 20) - 1, fp);
	fclose(fp);
	data[n] = 0;
	if (len)
		*len = n;
	return data;
}

static void assert_file(const char *path, const char *exp)
{
	size_t n;
	char *got = slurp(path, &n);

	assert_int_equal(n, strlen(exp));
	assert_string_equal(got, exp);
	free(got);
}

static void put_file(const char *path, const char *data, size_t n)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, n, fp), n);
	assert_int_equal(fclose(fp), 0);
}

static struct resultlog *open_ok(const char *path)
{
	char err[300] = "";
	struct resultlog *lg = resultlog_open(path, err, sizeof(err));

	if (!lg)
		fail_msg("resultlog_open: %s", err);
	return lg;
}

static void close_ok(struct resultlog *lg)
{
	char err[300] = "";

	assert_int_equal(resultlog_close(lg, err, sizeof(err)), RB_OK);
}

static struct resultlog_row row0(long line, enum resultlog_status st)
{
	struct resultlog_row r;

	memset(&r, 0, sizeof(r));
	r.line = line;
	r.status = st;
	r.ms = -1;
	return r;
}

static void write_row(struct resultlog *lg, const struct resultlog_row *r)
{
	char err[300] = "";

	assert_int_equal(resultlog_write_row(lg, r, err, sizeof(err)), RB_OK);
	assert_string_equal(err, "");
}

#define RUN_HEAD "{\"type\":\"run\",\"tool\":\"rbusage\",\"version\":\"" \
	RBUSAGE_VERSION "\""
#define DEFAULT_OPTIONS                                                     \
	"\"options\":{\"rate\":\"auto\",\"concurrency\":8,\"retries\":6,"              \
	"\"timeoutMs\":30000,\"reserve\":20,\"rateWindowS\":600,"             \
	"\"settleMs\":10000,\"allowDuplicates\":false,\"stampTime\":false}"

/* ---- writing ---- */

static void test_lines_exact_one_write_each(void **state)
{
	const char *p = path_of("exact.results.jsonl");
	struct resultlog *lg = open_ok(p);
	struct config cfg;
	struct resultlog_run run = {0};
	struct resultlog_row r;
	struct run_counts c;
	char err[300] = "";
	char exp[4096];

	(void)state;
	config_defaults(&cfg);
	cfg.org = "org-1";
	cfg.api_key = (char *)"sk_live_CANARY"; /* never written */
	run.command = "import";
	run.input = "data/x.csv";
	run.fingerprint = "v1:10:00112233aabbccdd";
	run.format = "csv";
	run.started = "2026-03-01T10:00:00.123Z";
	run.stamped_time = "2026-03-01T10:00:00.123Z";
	run.cfg = &cfg;
	assert_int_equal(resultlog_write_run(lg, &run, err, sizeof(err)), RB_OK);
	snprintf(exp, sizeof(exp),
	         RUN_HEAD ",\"command\":\"import\",\"input\":\"data/x.csv\","
	         "\"fingerprint\":\"v1:10:00112233aabbccdd\",\"format\":\"csv\","
	         "\"started\":\"2026-03-01T10:00:00.123Z\",\"stampedTime\":"
	         "\"2026-03-01T10:00:00.123Z\",\"dryRun\":false,\"baseUrl\":"
	         "\"https://api-sandbox.rebilly.com\",\"organization\":\"org-1\","
	         DEFAULT_OPTIONS "}\n");
	/* written through already, before any close */
	assert_file(p, exp);

	r = row0(2, RESULTLOG_PENDING);
	r.subscription_id = "sub-1";
	r.quantity = "5.25";
	r.usage_time = "2026-01-01T00:00:00Z";
	write_row(lg, &r);
	strcat(exp, "{\"type\":\"row\",\"line\":2,\"status\":\"pending\","
	            "\"subscriptionId\":\"sub-1\",\"quantity\":5.25,\"usageTime\":"
	            "\"2026-01-01T00:00:00Z\"}\n");
	assert_file(p, exp);

	r = row0(2, RESULTLOG_CREATED);
	r.usage_id = "usg_1";
	r.http = 201;
	r.attempts = 2;
	r.ms = 35;
	r.subscription_id = "sub-1";
	r.quantity = "5.25";
	r.usage_time = "2026-01-01T00:00:00Z";
	r.found = "GET /usages";
	write_row(lg, &r);
	strcat(exp, "{\"type\":\"row\",\"line\":2,\"status\":\"created\","
	            "\"usageId\":\"usg_1\",\"http\":201,\"attempts\":2,\"ms\":35,"
	            "\"subscriptionId\":\"sub-1\",\"quantity\":5.25,\"usageTime\":"
	            "\"2026-01-01T00:00:00Z\",\"found\":\"GET /usages\"}\n");
	assert_file(p, exp);

	r = row0(3, RESULTLOG_REJECTED);
	r.reason = "quantity 'x\"y' is not a number\n\\";
	write_row(lg, &r);
	strcat(exp, "{\"type\":\"row\",\"line\":3,\"status\":\"rejected\","
	            "\"reason\":\"quantity 'x\\\"y' is not a number\\n\\\\\"}\n");
	assert_file(p, exp);

	r = row0(4, RESULTLOG_REFUSED);
	r.http = 422;
	r.attempts = 1;
	r.ms = 0; /* 0 ms is written; only < 0 means none */
	r.reason = "HTTP 422: quantity: too big";
	write_row(lg, &r);
	strcat(exp, "{\"type\":\"row\",\"line\":4,\"status\":\"refused\","
	            "\"http\":422,\"attempts\":1,\"ms\":0,\"reason\":\"HTTP 422: "
	            "quantity: too big\"}\n");
	assert_file(p, exp);

	memset(&c, 0, sizeof(c));
	c.read = 10;
	c.valid = 8;
	c.created = 6;
	c.rejected = 2;
	c.refused = 1;
	c.failed = 1;
	c.skipped = 0;
	assert_int_equal(resultlog_write_summary(lg, &c, false, false, NULL, 1234, err,
	                                         sizeof(err)),
	                 RB_OK);
	strcat(exp, "{\"type\":\"summary\",\"read\":10,\"valid\":8,\"created\":6,"
	            "\"rejected\":2,\"refused\":1,\"failed\":1,\"skipped\":0,"
	            "\"dryRun\":false,\"interrupted\":false,\"elapsedMs\":1234}\n");
	assert_file(p, exp);

	c.other_shard = 3;
	c.reconciled = 4;
	c.remaining = 5;
	assert_int_equal(resultlog_write_summary(lg, &c, true, true, NULL, 0, err,
	                                         sizeof(err)),
	                 RB_OK);
	strcat(exp, "{\"type\":\"summary\",\"read\":10,\"valid\":8,\"created\":6,"
	            "\"rejected\":2,\"refused\":1,\"failed\":1,\"skipped\":0,"
	            "\"otherShard\":3,\"reconciled\":4,\"remaining\":5,"
	            "\"dryRun\":true,\"interrupted\":true,\"elapsedMs\":0}\n");
	assert_file(p, exp);
	close_ok(lg);
	assert_file(p, exp);
	assert_null(strstr(exp, "CANARY"));
}

static void test_run_line_options(void **state)
{
	const char *p = path_of("opts.results.jsonl");
	struct resultlog *lg = open_ok(p);
	struct config cfg;
	struct resultlog_run run = {0};
	char err[300] = "";

	(void)state;
	config_defaults(&cfg);
	cfg.dry_run = true; /* no baseUrl, no organization */
	cfg.org = "org-1";
	cfg.rate = 0.5;
	cfg.concurrency = 1;
	cfg.retries = 0;
	cfg.timeout_ms = 2500;
	cfg.reserve_pct = 0;
	cfg.allow_duplicates = true;
	cfg.stamp_time = true;
	cfg.has_time_zone = true;
	cfg.time_zone_offset_min = -330;
	cfg.time_format = CONFIG_TIME_EPOCH_MS;
	cfg.has_not_before = true;
	cfg.not_before_ms = 1767225600000LL;
	cfg.has_not_after = true;
	cfg.not_after_ms = 1767312000000LL;
	cfg.shard_k = 2;
	cfg.shard_n = 4;
	cfg.map[CONFIG_FIELD_QUANTITY] = "amount \"x\"";
	cfg.map[CONFIG_FIELD_USAGE_TIME] = "ts";
	cfg.rate_window_s = 60.5;
	cfg.settle_ms = 200;
	cfg.encoding = CONFIG_ENCODING_WINDOWS_1252;
	cfg.aggregate = CONFIG_AGGREGATE_HOUR;
	run.command = "import";
	run.input = "-";
	run.fingerprint = "stdin";
	run.format = "jsonl";
	run.cfg = &cfg;
	assert_int_equal(resultlog_write_run(lg, &run, err, sizeof(err)), RB_OK);
	assert_file(p, RUN_HEAD ",\"command\":\"import\",\"input\":\"-\","
	               "\"fingerprint\":\"stdin\",\"format\":\"jsonl\","
	               "\"dryRun\":true,\"options\":{\"rate\":0.5,"
	               "\"concurrency\":1,\"retries\":0,\"timeoutMs\":2500,"
	               "\"reserve\":0,\"rateWindowS\":60.5,\"settleMs\":200,"
	               "\"allowDuplicates\":true,"
	               "\"stampTime\":true,\"timeZoneOffsetMinutes\":-330,"
	               "\"timeFormat\":\"epoch-ms\",\"notBeforeMs\":1767225600000,"
	               "\"notAfterMs\":1767312000000,\"shard\":\"2/4\","
	               "\"encoding\":\"windows-1252\",\"aggregate\":\"hour\","
	               "\"map.quantity\":\"amount \\\"x\\\"\",\"map.usageTime\":"
	               "\"ts\"}}\n");
	close_ok(lg);

	/* undo: no format line, epoch written as "epoch" */
	p = path_of("undo.results.jsonl");
	lg = open_ok(p);
	config_defaults(&cfg);
	cfg.org = "o";
	cfg.base_url = "http://127.0.0.1:8080";
	cfg.time_format = CONFIG_TIME_EPOCH;
	memset(&run, 0, sizeof(run));
	run.command = "undo";
	run.input = "x.results.jsonl";
	run.cfg = &cfg;
	assert_int_equal(resultlog_write_run(lg, &run, err, sizeof(err)), RB_OK);
	assert_file(p, RUN_HEAD ",\"command\":\"undo\",\"input\":"
	               "\"x.results.jsonl\",\"dryRun\":false,\"baseUrl\":"
	               "\"http://127.0.0.1:8080\",\"organization\":\"o\","
	               "\"options\":{\"rate\":\"auto\",\"concurrency\":8,\"retries\":6,"
	               "\"timeoutMs\":30000,\"reserve\":20,\"rateWindowS\":600,"
	               "\"settleMs\":10000,\"allowDuplicates\":"
	               "false,\"stampTime\":false,\"timeFormat\":"
	               "\"epoch\"}}\n");
	close_ok(lg);
}

/* The options of issue 11: an IANA zone by name, a pattern as given, --dst
 * and --decimal-comma. */
static void test_run_line_time_options(void **state)
{
	const char *p = path_of("tz.results.jsonl");
	struct resultlog *lg;
	struct resultlog_run run;
	struct config cfg;
	char why[256], err[256];

	(void)state;
	lg = open_ok(p);
	config_defaults(&cfg);
	cfg.dry_run = true;
	cfg.has_time_zone = true;
	cfg.time_zone_name = "America/New_York";
	assert_int_equal(timefmt_zone_load("America/New_York", NULL,
	                                   &cfg.time_zone, why, sizeof(why)),
	                 RB_OK);
	cfg.dst = TIMEFMT_DST_LATER;
	cfg.time_format = CONFIG_TIME_PATTERN;
	assert_int_equal(timefmt_pattern_compile("%d.%m.%Y \"%H:%M\"",
	                                         &cfg.time_pattern, why,
	                                         sizeof(why)),
	                 0);
	cfg.decimal_comma = true;
	memset(&run, 0, sizeof(run));
	run.command = "import";
	run.input = "x.csv";
	run.cfg = &cfg;
	assert_int_equal(resultlog_write_run(lg, &run, err, sizeof(err)), RB_OK);
	assert_file(p, RUN_HEAD ",\"command\":\"import\",\"input\":\"x.csv\","
	               "\"dryRun\":true,\"options\":{\"rate\":\"auto\","
	               "\"concurrency\":8,\"retries\":6,\"timeoutMs\":30000,"
	               "\"reserve\":20,\"rateWindowS\":600,\"settleMs\":10000,"
	               "\"allowDuplicates\":false,"
	               "\"stampTime\":false,\"timeZone\":\"America/New_York\","
	               "\"dst\":\"later\",\"timeFormat\":\"%d.%m.%Y "
	               "\\\"%H:%M\\\"\",\"decimalComma\":true}}\n");
	close_ok(lg);
	config_free(&cfg);
}

static void test_append_to_existing(void **state)
{
	const char *p = path_of("append.results.jsonl");
	const char *old = "{\"type\":\"row\",\"line\":2,\"status\":\"created\"}\n";
	struct resultlog *lg;
	struct resultlog_row r = row0(3, RESULTLOG_FAILED);
	struct stat sb;
	mode_t um;

	(void)state;
	put_file(p, old, strlen(old));
	lg = open_ok(p);
	write_row(lg, &r);
	close_ok(lg);
	assert_file(p, "{\"type\":\"row\",\"line\":2,\"status\":\"created\"}\n"
	               "{\"type\":\"row\",\"line\":3,\"status\":\"failed\"}\n");
	/* opened again: still appending */
	lg = open_ok(p);
	r = row0(4, RESULTLOG_SKIPPED);
	write_row(lg, &r);
	close_ok(lg);
	assert_file(p, "{\"type\":\"row\",\"line\":2,\"status\":\"created\"}\n"
	               "{\"type\":\"row\",\"line\":3,\"status\":\"failed\"}\n"
	               "{\"type\":\"row\",\"line\":4,\"status\":\"skipped\"}\n");

	/* created 0644 when absent (under the usual umask) */
	um = umask(022);
	lg = open_ok(path_of("new.results.jsonl"));
	umask(um);
	close_ok(lg);
	assert_int_equal(stat(path_of("new.results.jsonl"), &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0644);
	assert_int_equal(sb.st_size, 0); /* nothing until a line is written */
}

static void test_open_refused(void **state)
{
	char err[300] = "";

	(void)state;
	assert_null(resultlog_open("/nonexistent-dir-rbusage/x.results.jsonl", err,
	                           sizeof(err)));
	assert_string_equal(err, "cannot open '/nonexistent-dir-rbusage/"
	                         "x.results.jsonl': No such file or directory");
	assert_int_equal(resultlog_close(NULL, NULL, 0), RB_OK);
}

static void test_line_too_long(void **state)
{
	const char *p = path_of("long.results.jsonl");
	struct resultlog *lg = open_ok(p);
	struct resultlog_row r = row0(2, RESULTLOG_REJECTED);
	char *big = malloc(300 * 1024), err[400] = "", exp[400];

	(void)state;
	assert_non_null(big);
	memset(big, 'a', 300 * 1024 - 1);
	big[300 * 1024 - 1] = 0;
	r.reason = big;
	assert_int_equal(resultlog_write_row(lg, &r, err, sizeof(err)),
	                 RB_ETOOBIG);
	snprintf(exp, sizeof(exp), "%s: result line too long", p);
	assert_string_equal(err, exp);
	assert_file(p, ""); /* nothing of it went out */
	/* the next line is fine */
	r.reason = "short";
	write_row(lg, &r);
	close_ok(lg);
	assert_file(p, "{\"type\":\"row\",\"line\":2,\"status\":\"rejected\","
	               "\"reason\":\"short\"}\n");
	free(big);
}

/* ---- torn last line ---- */

static void test_torn_line_cut_on_open(void **state)
{
	const char *p = path_of("torn.results.jsonl");
	const char *whole = "{\"type\":\"row\",\"line\":2,\"status\":\"created\"}\n";
	struct resultlog *lg;
	struct resultlog_row r = row0(3, RESULTLOG_PENDING);
	char buf[200];

	(void)state;
	snprintf(buf, sizeof(buf), "%s{\"type\":\"row\",\"li", whole);
	put_file(p, buf, strlen(buf));
	lg = open_ok(p);
	/* cut at open, so the next line starts clean */
	assert_file(p, whole);
	write_row(lg, &r);
	close_ok(lg);
	assert_file(p, "{\"type\":\"row\",\"line\":2,\"status\":\"created\"}\n"
	               "{\"type\":\"row\",\"line\":3,\"status\":\"pending\"}\n");

	/* a file that is all fragment */
	put_file(p, "{\"type\":", 8);
	lg = open_ok(p);
	assert_file(p, "");
	close_ok(lg);
}

static void test_torn_line_longer_than_a_block(void **state)
{
	const char *p = path_of("torn-long.results.jsonl");
	const char *whole = "{\"type\":\"summary\",\"read\":1}\n";
	size_t n = strlen(whole), frag = 10000;
	char *data = malloc(n + frag);
	struct resultlog *lg;

	(void)state;
	assert_non_null(data);
	memcpy(data, whole, n);
	memset(data + n, 'x', frag);
	put_file(p, data, n + frag);
	lg = open_ok(p);
	close_ok(lg);
	assert_file(p, whole);

	/* no newline at all in many blocks */
	put_file(p, data + n, frag);
	lg = open_ok(p);
	close_ok(lg);
	assert_file(p, "");
	free(data);
}

/* ---- reading back ---- */

struct seen {
	int n;
	int stop_after; /* 0: never */
	int type[16];
	long line_no[16];
	char input[64], fingerprint[64], stamped[64], command[16], base_url[64],
		org[32];
	bool dry_run;
	struct resultlog_row row[16];
	char text[16][6][80]; /* usage_id, reason, sub, qty, time, found */
};

static void copy(char *dst, const char *src, const char **keep)
{
	if (!src) {
		*keep = NULL;
		return;
	}
	snprintf(dst, 80, "%s", src);
	*keep = dst;
}

static int collect(const struct resultlog_entry *e, void *ctx)
{
	struct seen *s = ctx;
	int i = s->n++;

	assert_true(i < 16);
	s->type[i] = e->type;
	s->line_no[i] = e->line_no;
	if (e->type == RESULTLOG_ENTRY_RUN) {
		snprintf(s->input, sizeof(s->input), "%s", e->input ? e->input : "-");
		snprintf(s->fingerprint, sizeof(s->fingerprint), "%s",
		         e->fingerprint ? e->fingerprint : "(null)");
		snprintf(s->stamped, sizeof(s->stamped), "%s",
		         e->stamped_time ? e->stamped_time : "(null)");
		snprintf(s->command, sizeof(s->command), "%s",
		         e->command ? e->command : "(null)");
		snprintf(s->base_url, sizeof(s->base_url), "%s",
		         e->base_url ? e->base_url : "(null)");
		snprintf(s->org, sizeof(s->org), "%s",
		         e->organization ? e->organization : "(null)");
		s->dry_run = e->dry_run;
	} else if (e->type == RESULTLOG_ENTRY_ROW) {
		s->row[i] = e->row;
		copy(s->text[i][0], e->row.usage_id, &s->row[i].usage_id);
		copy(s->text[i][1], e->row.reason, &s->row[i].reason);
		copy(s->text[i][2], e->row.subscription_id,
		     &s->row[i].subscription_id);
		copy(s->text[i][3], e->row.quantity, &s->row[i].quantity);
		copy(s->text[i][4], e->row.usage_time, &s->row[i].usage_time);
		copy(s->text[i][5], e->row.found, &s->row[i].found);
	}
	return s->stop_after && s->n >= s->stop_after;
}

static void test_read_back_every_field(void **state)
{
	const char *p = path_of("read.results.jsonl");
	struct resultlog *lg = open_ok(p);
	struct config cfg;
	struct resultlog_run run = {0};
	struct resultlog_row r;
	struct run_counts c;
	struct seen *s = calloc(1, sizeof(*s));
	char err[300] = "";

	(void)state;
	assert_non_null(s);
	config_defaults(&cfg);
	cfg.org = "org-\xc3\xa9";
	cfg.base_url = "http://127.0.0.1:8080";
	run.command = "import";
	run.input = "dir/in \"put\".csv";
	run.fingerprint = "v1:7:0123456789abcdef";
	run.format = "csv";
	run.started = "2026-03-01T10:00:00Z";
	run.stamped_time = "2026-03-01T10:00:00.500Z";
	run.cfg = &cfg;
	assert_int_equal(resultlog_write_run(lg, &run, err, sizeof(err)), RB_OK);

	r = row0(2, RESULTLOG_CREATED);
	r.usage_id = "usg_1";
	r.http = 201;
	r.attempts = 3;
	r.ms = 42;
	r.subscription_id = "sub-1";
	r.quantity = "1000000000000.001"; /* exact text, not a double */
	r.usage_time = "2026-01-01T00:00:00.250Z";
	r.found = "reconciled";
	r.reason = "line\nbreak \"q\" \\";
	write_row(lg, &r);
	r = row0(3, RESULTLOG_REJECTED); /* nothing optional */
	write_row(lg, &r);
	memset(&c, 0, sizeof(c));
	c.read = 2;
	assert_int_equal(resultlog_write_summary(lg, &c, false, false, NULL, 5, err,
	                                         sizeof(err)),
	                 RB_OK);
	close_ok(lg);

	assert_int_equal(resultlog_read(p, collect, s, err, sizeof(err)), RB_OK);
	assert_int_equal(s->n, 4);
	assert_int_equal(s->type[0], RESULTLOG_ENTRY_RUN);
	assert_int_equal(s->line_no[0], 1);
	assert_string_equal(s->input, "dir/in \"put\".csv");
	assert_string_equal(s->fingerprint, "v1:7:0123456789abcdef");
	assert_string_equal(s->stamped, "2026-03-01T10:00:00.500Z");
	assert_string_equal(s->command, "import");
	assert_string_equal(s->base_url, "http://127.0.0.1:8080");
	assert_string_equal(s->org, "org-\xc3\xa9");
	assert_false(s->dry_run);

	assert_int_equal(s->type[1], RESULTLOG_ENTRY_ROW);
	assert_int_equal(s->line_no[1], 2);
	assert_int_equal(s->row[1].line, 2);
	assert_int_equal(s->row[1].status, RESULTLOG_CREATED);
	assert_string_equal(s->row[1].usage_id, "usg_1");
	assert_int_equal(s->row[1].http, 201);
	assert_int_equal(s->row[1].attempts, 3);
	assert_int_equal(s->row[1].ms, 42);
	assert_string_equal(s->row[1].subscription_id, "sub-1");
	assert_string_equal(s->row[1].quantity, "1000000000000.001");
	assert_string_equal(s->row[1].usage_time, "2026-01-01T00:00:00.250Z");
	assert_string_equal(s->row[1].found, "reconciled");
	assert_string_equal(s->row[1].reason, "line\nbreak \"q\" \\");

	assert_int_equal(s->row[2].line, 3);
	assert_int_equal(s->row[2].status, RESULTLOG_REJECTED);
	assert_null(s->row[2].usage_id);
	assert_int_equal(s->row[2].http, 0);
	assert_int_equal(s->row[2].attempts, 0);
	assert_int_equal(s->row[2].ms, -1); /* not written */
	assert_null(s->row[2].reason);
	assert_null(s->row[2].subscription_id);
	assert_null(s->row[2].quantity);
	assert_null(s->row[2].usage_time);
	assert_null(s->row[2].found);

	assert_int_equal(s->type[3], RESULTLOG_ENTRY_SUMMARY);
	assert_int_equal(s->line_no[3], 4);
	free(s);
}

static void test_read_dry_run_and_stop(void **state)
{
	const char *p = path_of("dry.results.jsonl");
	const char *text =
		"{\"type\":\"run\",\"command\":\"import\",\"dryRun\":true}\n"
		"\n"
		"{\"type\":\"row\",\"line\":5,\"status\":\"rejected\"}\n"
		"{\"type\":\"future\",\"x\":1}\n"
		"{\"type\":\"summary\"}\n";
	struct seen *s = calloc(1, sizeof(*s));
	char err[300] = "";

	(void)state;
	assert_non_null(s);
	put_file(p, text, strlen(text));
	assert_int_equal(resultlog_read(p, collect, s, err, sizeof(err)), RB_OK);
	assert_int_equal(s->n, 4); /* the blank line is no entry */
	assert_true(s->dry_run);
	assert_string_equal(s->base_url, "(null)");
	assert_string_equal(s->org, "(null)");
	assert_string_equal(s->fingerprint, "(null)");
	assert_int_equal(s->line_no[1], 3); /* but it is a line of the file */
	assert_int_equal(s->type[2], RESULTLOG_ENTRY_OTHER);
	assert_int_equal(s->line_no[3], 5);

	/* the callback stops the reading */
	memset(s, 0, sizeof(*s));
	s->stop_after = 2;
	assert_int_equal(resultlog_read(p, collect, s, err, sizeof(err)), RB_OK);
	assert_int_equal(s->n, 2);
	free(s);
}

static void test_read_ignores_torn_line(void **state)
{
	const char *p = path_of("torn-read.results.jsonl");
	const char *text = "{\"type\":\"row\",\"line\":2,\"status\":\"created\"}\n"
	                   "{\"type\":\"row\",\"line\":3,\"sta";
	const char *text2 = "{\"type\":\"row\",\"line\":2,\"status\":\"created\"}\n"
	                    "{\"type\":\"row\",\"line\":3,\"status\":\"created\"}";
	struct seen *s = calloc(1, sizeof(*s));
	char err[300] = "";

	(void)state;
	assert_non_null(s);
	put_file(p, text, strlen(text));
	assert_int_equal(resultlog_read(p, collect, s, err, sizeof(err)), RB_OK);
	assert_int_equal(s->n, 1);
	assert_int_equal(s->row[0].line, 2);
	/* even a last line that would parse is not whole without its newline */
	memset(s, 0, sizeof(*s));
	put_file(p, text2, strlen(text2));
	assert_int_equal(resultlog_read(p, collect, s, err, sizeof(err)), RB_OK);
	assert_int_equal(s->n, 1);
	/* and resultlog_read does not change the file */
	assert_file(p, text2);
	free(s);
}

static void test_read_not_ours(void **state)
{
	static const char *const bad[] = {
		"hello",
		"[1,2]",
		"{\"no\":\"type\"}",
		"{\"type\":1}",
		"{\"type\":\"row\",\"line\":2,\"status\":\"bogus\"}",
		"{\"type\":\"row\",\"line\":2,\"status\":\"Created\"}",
		"{\"type\":\"row\",\"line\":2,\"status\":1}",
		"{\"type\":\"run\",", /* broken JSON, then a newline */
		"{\"type\":\"run\"} x",
		"subscriptionId,quantity",
	};
	const char *p = path_of("bad.results.jsonl");
	struct seen *s = calloc(1, sizeof(*s));
	char err[400], exp[400], text[400];
	size_t i;

	(void)state;
	assert_non_null(s);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text),
		         "{\"type\":\"run\",\"command\":\"import\"}\n\n%s\n"
		         "{\"type\":\"summary\"}\n",
		         bad[i]);
		put_file(p, text, strlen(text));
		memset(s, 0, sizeof(*s));
		err[0] = 0;
		assert_int_equal(resultlog_read(p, collect, s, err, sizeof(err)),
		                 RB_EINPUT);
		snprintf(exp, sizeof(exp), "%s: line 3 is not a result log line", p);
		assert_string_equal(err, exp);
		assert_int_equal(s->n, 1); /* what came before was read */
	}
	free(s);
}

static void test_read_missing_file(void **state)
{
	const char *p = path_of("none.results.jsonl");
	char err[300] = "", exp[300];
	struct seen s;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(resultlog_read(p, collect, &s, err, sizeof(err)), RB_EIO);
	snprintf(exp, sizeof(exp), "cannot open '%s': No such file or directory",
	         p);
	assert_string_equal(err, exp);
}

/* What report reads besides the rows: a run's start, a summary's counts,
 * and on a created row what the server stored. */
struct extra {
	char started[40], stored_q[40], stored_t[40];
	struct run_counts counts;
	bool interrupted, dry_run;
	long elapsed_ms;
	int summaries;
};

static int collect_extra(const struct resultlog_entry *e, void *ctx)
{
	struct extra *x = ctx;

	if (e->type == RESULTLOG_ENTRY_RUN)
		snprintf(x->started, sizeof(x->started), "%s",
		         e->started ? e->started : "(null)");
	if (e->type == RESULTLOG_ENTRY_ROW) {
		snprintf(x->stored_q, sizeof(x->stored_q), "%s",
		         e->row.stored_quantity ? e->row.stored_quantity : "(null)");
		snprintf(x->stored_t, sizeof(x->stored_t), "%s",
		         e->row.stored_usage_time ? e->row.stored_usage_time
		                                  : "(null)");
	}
	if (e->type == RESULTLOG_ENTRY_SUMMARY) {
		x->summaries++;
		x->counts = e->counts;
		x->interrupted = e->interrupted;
		x->dry_run = e->dry_run;
		x->elapsed_ms = e->elapsed_ms;
	}
	return 0;
}

static void test_read_summary_and_stored(void **state)
{
	const char *p = path_of("extra.results.jsonl");
	struct resultlog *lg = open_ok(p);
	struct config cfg;
	struct resultlog_run run = {0};
	struct run_counts c;
	struct extra x;
	char err[300] = "";
	const char *text;

	(void)state;
	config_defaults(&cfg);
	run.command = "import";
	run.started = "2026-03-01T10:00:00.125Z";
	run.cfg = &cfg;
	assert_int_equal(resultlog_write_run(lg, &run, err, sizeof(err)), RB_OK);
	memset(&c, 0, sizeof(c));
	c.read = 12;
	c.valid = 10;
	c.created = 6;
	c.rejected = 2;
	c.refused = 1;
	c.failed = 1;
	c.skipped = 2;
	c.other_shard = 30;
	c.reconciled = 1;
	c.remaining = 4;
	c.usages = 7;
	assert_int_equal(resultlog_write_summary(lg, &c, false, true, NULL, 61050, err,
	                                         sizeof(err)),
	                 RB_OK);
	close_ok(lg);
	memset(&x, 0, sizeof(x));
	assert_int_equal(resultlog_read(p, collect_extra, &x, err, sizeof(err)),
	                 RB_OK);
	assert_string_equal(x.started, "2026-03-01T10:00:00.125Z");
	assert_int_equal(x.summaries, 1);
	assert_memory_equal(&x.counts, &c, sizeof(c));
	assert_true(x.interrupted);
	assert_false(x.dry_run);
	assert_int_equal(x.elapsed_ms, 61050);

	/* a bare summary: counts 0, elapsed unknown; stored fields as written */
	text = "{\"type\":\"run\"}\n"
	       "{\"type\":\"row\",\"line\":2,\"status\":\"created\","
	       "\"quantity\":5,\"storedQuantity\":4.5,"
	       "\"storedUsageTime\":\"2026-01-01T00:00:00Z\"}\n"
	       "{\"type\":\"summary\",\"dryRun\":true,\"read\":-3}\n";
	put_file(p, text, strlen(text));
	memset(&x, 0, sizeof(x));
	assert_int_equal(resultlog_read(p, collect_extra, &x, err, sizeof(err)),
	                 RB_OK);
	assert_string_equal(x.started, "(null)");
	assert_string_equal(x.stored_q, "4.5");
	assert_string_equal(x.stored_t, "2026-01-01T00:00:00Z");
	memset(&c, 0, sizeof(c));
	assert_memory_equal(&x.counts, &c, sizeof(c));
	assert_true(x.dry_run);
	assert_false(x.interrupted);
	assert_int_equal(x.elapsed_ms, -1);
}

/* ---- status names ---- */

/* An aggregate's lines: the longest list (10,000 lines of the largest
 * number) with a long reason fits one line and reads back; the run line's
 * aggregate option reads back; a malformed list is not ours. */
struct agg_seen {
	char aggregate[16];
	size_t nlines;
	long first, last, line;
	bool ascending;
	int rows;
};

static int collect_agg(const struct resultlog_entry *e, void *ctx)
{
	struct agg_seen *a = ctx;
	const long *l;
	size_t i, n;

	if (e->type == RESULTLOG_ENTRY_RUN)
		snprintf(a->aggregate, sizeof(a->aggregate), "%s",
		         e->aggregate ? e->aggregate : "-");
	if (e->type != RESULTLOG_ENTRY_ROW)
		return 0;
	a->rows++;
	n = resultlog_row_lines(&e->row, &l);
	a->nlines = n;
	a->first = l[0];
	a->last = l[n - 1];
	a->line = e->row.line;
	a->ascending = true;
	for (i = 1; i < n; i++)
		if (l[i] <= l[i - 1])
			a->ascending = false;
	return 0;
}

static void test_aggregate_lines(void **state)
{
	const char *p = path_of("agg.results.jsonl");
	struct resultlog *lg = open_ok(p);
	struct config cfg;
	struct resultlog_run run = {0};
	struct resultlog_row r;
	struct agg_seen a;
	long *lines = malloc(RESULTLOG_LINES_MAX * sizeof(*lines));
	char reason[1200], err[300] = "";
	const char *bad[] = {
		"{\"type\":\"row\",\"line\":2,\"status\":\"created\",\"lines\":\"2\"}\n",
		"{\"type\":\"row\",\"line\":2,\"status\":\"created\",\"lines\":[2,0]}\n",
		"{\"type\":\"row\",\"line\":2,\"status\":\"created\",\"lines\":[2,\"3\"]}\n",
		"{\"type\":\"row\",\"line\":2,\"status\":\"created\",\"lines\":[[2]]}\n",
	};
	size_t i;

	(void)state;
	assert_non_null(lines);
	config_defaults(&cfg);
	cfg.aggregate = CONFIG_AGGREGATE_DAY;
	run.command = "import";
	run.cfg = &cfg;
	assert_int_equal(resultlog_write_run(lg, &run, err, sizeof(err)), RB_OK);
	for (i = 0; i < RESULTLOG_LINES_MAX; i++)
		lines[i] = LONG_MAX - (long)(RESULTLOG_LINES_MAX - i);
	memset(reason, 'r', sizeof(reason) - 1);
	reason[sizeof(reason) - 1] = 0;
	r = row0(lines[0], RESULTLOG_REFUSED);
	r.lines = lines;
	r.nlines = RESULTLOG_LINES_MAX;
	r.subscription_id = "sub-1";
	r.quantity = "999999999999.999";
	r.usage_time = "2026-01-01T00:00:00.250Z";
	r.reason = reason;
	write_row(lg, &r);
	/* one line more than a log line may name is refused, nothing written */
	r.nlines = RESULTLOG_LINES_MAX + 1;
	assert_int_not_equal(resultlog_write_row(lg, &r, err, sizeof(err)), RB_OK);
	r = row0(7, RESULTLOG_CREATED); /* a single row: its line alone */
	write_row(lg, &r);
	close_ok(lg);
	memset(&a, 0, sizeof(a));
	assert_int_equal(resultlog_read(p, collect_agg, &a, err, sizeof(err)),
	                 RB_OK);
	assert_string_equal(a.aggregate, "day");
	assert_int_equal(a.rows, 2);
	assert_int_equal(a.nlines, 1);
	assert_int_equal(a.first, 7);

	/* the long one alone */
	lg = open_ok(path_of("agg2.results.jsonl"));
	r = row0(lines[0], RESULTLOG_CREATED);
	r.lines = lines;
	r.nlines = RESULTLOG_LINES_MAX;
	r.reason = reason;
	write_row(lg, &r);
	close_ok(lg);
	memset(&a, 0, sizeof(a));
	assert_int_equal(resultlog_read(path_of("agg2.results.jsonl"), collect_agg,
	                                &a, err, sizeof(err)),
	                 RB_OK);
	assert_int_equal(a.nlines, RESULTLOG_LINES_MAX);
	assert_int_equal(a.first, lines[0]);
	assert_int_equal(a.line, lines[0]);
	assert_int_equal(a.last, LONG_MAX - 1);
	assert_true(a.ascending);

	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		put_file(p, bad[i], strlen(bad[i]));
		assert_int_equal(resultlog_read(p, collect_agg, &a, err, sizeof(err)),
		                 RB_EINPUT);
		assert_non_null(strstr(err, "line 1 is not a result log line"));
	}
	free(lines);
}

static void test_status_names(void **state)
{
	static const char *const exp[RESULTLOG_STATUS_COUNT] = {
		"pending", "created", "rejected", "refused", "failed", "skipped",
		"deleted",
	};
	const char *p = path_of("status.results.jsonl");
	struct resultlog *lg;
	struct seen *s = calloc(1, sizeof(*s));
	char err[300] = "";
	int i;

	(void)state;
	assert_non_null(s);
	for (i = 0; i < RESULTLOG_STATUS_COUNT; i++) {
		assert_string_equal(resultlog_status_names[i], exp[i]);
		assert_int_equal(resultlog_status_of(exp[i], strlen(exp[i])), i);
	}
	assert_int_equal(resultlog_status_of("Created", 7), -1);
	assert_int_equal(resultlog_status_of("create", 6), -1);
	assert_int_equal(resultlog_status_of("createdx", 8), -1);
	assert_int_equal(resultlog_status_of("created", 6), -1); /* a prefix */
	assert_int_equal(resultlog_status_of("", 0), -1);

	/* each one written and read back */
	lg = open_ok(p);
	for (i = 0; i < RESULTLOG_STATUS_COUNT; i++) {
		struct resultlog_row r = row0(10 + i, (enum resultlog_status)i);
		write_row(lg, &r);
	}
	close_ok(lg);
	assert_int_equal(resultlog_read(p, collect, s, err, sizeof(err)), RB_OK);
	assert_int_equal(s->n, RESULTLOG_STATUS_COUNT);
	for (i = 0; i < RESULTLOG_STATUS_COUNT; i++) {
		assert_int_equal(s->row[i].status, i);
		assert_int_equal(s->row[i].line, 10 + i);
	}
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_exact_one_write_each),
		cmocka_unit_test(test_run_line_options),
		cmocka_unit_test(test_run_line_time_options),
		cmocka_unit_test(test_append_to_existing),
		cmocka_unit_test(test_open_refused),
		cmocka_unit_test(test_line_too_long),
		cmocka_unit_test(test_torn_line_cut_on_open),
		cmocka_unit_test(test_torn_line_longer_than_a_block),
		cmocka_unit_test(test_read_back_every_field),
		cmocka_unit_test(test_read_dry_run_and_stop),
		cmocka_unit_test(test_read_ignores_torn_line),
		cmocka_unit_test(test_read_not_ours),
		cmocka_unit_test(test_read_missing_file),
		cmocka_unit_test(test_read_summary_and_stored),
		cmocka_unit_test(test_aggregate_lines),
		cmocka_unit_test(test_status_names),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
