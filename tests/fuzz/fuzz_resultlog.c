/* fuzz_resultlog: a result log as any bytes, read back by resultlog_read
 * (what resume, undo and report trust, --aggregate's line lists too),
 * loaded by resume_load as a run would, and summarized by report_run, text
 * and HTML page. A crafted "line" once overflowed report's per-line table,
 * and another made resume's table of lines gigabytes large; the target
 * asserts that every entry is well formed, that reading and loading stop
 * with RB_OK or a one-line reason, and that report either succeeds or says
 * why in one line. */
#include <unistd.h>

#include "fuzz.h"
#include "report_log.h"
#include "resultlog.h"
#include "resume.h"

static char path[64];

static void check_str(const char *s, const char *what)
{
	if (!s)
		return;
	/* NUL-terminated within the log's line cap */
	FUZZ_CHECK(strnlen(s, 300 * 1024) < 300 * 1024, "%s not terminated",
	           what);
}

struct seen {
	long last_line_no;
	unsigned long entries;
};

static int on_entry(const struct resultlog_entry *e, void *ctx)
{
	struct seen *s = ctx;

	FUZZ_CHECK(e->line_no > s->last_line_no, "log line %ld after %ld",
	           e->line_no, s->last_line_no);
	s->last_line_no = e->line_no;
	s->entries++;
	FUZZ_CHECK(e->type >= RESULTLOG_ENTRY_RUN &&
	                   e->type <= RESULTLOG_ENTRY_OTHER,
	           "entry type %d", (int)e->type);
	check_str(e->input, "input");
	check_str(e->fingerprint, "fingerprint");
	check_str(e->stamped_time, "stampedTime");
	check_str(e->command, "command");
	check_str(e->base_url, "baseUrl");
	check_str(e->organization, "organization");
	check_str(e->started, "started");
	if (e->type == RESULTLOG_ENTRY_ROW) {
		const struct resultlog_row *r = &e->row;
		FUZZ_CHECK((int)r->status >= 0 &&
		                   r->status < RESULTLOG_STATUS_COUNT,
		           "status %d", (int)r->status);
		check_str(r->usage_id, "usageId");
		check_str(r->reason, "reason");
		check_str(r->subscription_id, "subscriptionId");
		check_str(r->quantity, "quantity");
		check_str(r->usage_time, "usageTime");
		check_str(r->found, "found");
		check_str(r->stored_quantity, "storedQuantity");
		check_str(r->stored_usage_time, "storedUsageTime");
		{
			/* an --aggregate usage's lines: within the cap, each a
			 * line number */
			const long *l;
			size_t i, n = resultlog_row_lines(r, &l);

			FUZZ_CHECK(n >= 1 && n <= RESULTLOG_LINES_MAX, "%zu lines",
			           n);
			FUZZ_CHECK(!r->nlines || r->lines, "lines without a list");
			for (i = 0; r->nlines && i < n; i++)
				FUZZ_CHECK(l[i] >= 1, "line %ld in lines", l[i]);
		}
	}
	check_str(e->aggregate, "aggregate");
	/* stop early now and then: the reader must not mind */
	return s->entries == 1000;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	struct seen s;
	char err[512], *files[2];
	unsigned long unknown = 0;
	enum rb_status st;
	FILE *out;
	int fd;

	if (!path[0]) {
		snprintf(path, sizeof(path), "/tmp/fuzz-resultlog-XXXXXX");
		fd = mkstemp(path);
		FUZZ_CHECK(fd >= 0, "mkstemp");
		close(fd);
	}
	out = fopen(path, "wb");
	FUZZ_CHECK(out != NULL, "cannot write %s", path);
	FUZZ_CHECK(fwrite(data, 1, size, out) == size, "short write");
	FUZZ_CHECK(fclose(out) == 0, "close");

	memset(&s, 0, sizeof(s));
	err[0] = 0;
	st = resultlog_read(path, on_entry, &s, err, sizeof(err));
	FUZZ_CHECK(st == RB_OK || st == RB_EINPUT, "resultlog_read status %d", st);
	if (st)
		fuzz_check_line(err, sizeof(err), "resultlog_read reason");

	/* as the next import would load it: by line (the same input), or by
	 * content (--restart, another version), with or without --aggregate */
	{
		static const enum config_aggregate agg[] = {
			CONFIG_AGGREGATE_NONE, CONFIG_AGGREGATE_HOUR};
		struct resume *rs = NULL;
		struct usage u;
		long line;

		err[0] = 0;
		st = resume_load(path, "x.csv", size % 3 ? "v1:1:aa" : "v1:2:bb",
		                 size % 3 == 0, agg[size / 3 % 2], &rs, err,
		                 sizeof(err));
		FUZZ_CHECK(st == RB_OK || st == RB_EINPUT || st == RB_EUSAGE,
		           "resume_load status %d: %s", st, err);
		FUZZ_CHECK(!st == !!rs, "resume_load status %d with%s a result",
		           st, rs ? "" : "out");
		if (st)
			fuzz_check_line(err, sizeof(err), "resume_load reason");
		memset(&u, 0, sizeof(u));
		snprintf(u.subscription_id, sizeof(u.subscription_id), "a");
		snprintf(u.quantity, sizeof(u.quantity), "1");
		snprintf(u.usage_time, sizeof(u.usage_time),
		         "2026-11-20T01:00:00Z");
		for (line = 1; rs && line <= 4; line++)
			(void)resume_take(rs, line, &u);
		if (rs)
			(void)resume_bucket_left(rs, &u);
		resume_free(rs);
	}

	/* the same log twice, as report a a: text and page */
	out = fopen("/dev/null", "w");
	FUZZ_CHECK(out != NULL, "/dev/null");
	config_defaults(&cfg);
	cfg.cmd = CONFIG_CMD_REPORT;
	files[0] = files[1] = path;
	cfg.files = files;
	cfg.nfiles = 1 + size % 2;
	cfg.html_path = "/dev/null";
	err[0] = 0;
	st = report_run(&cfg, out, &unknown, err, sizeof(err));
	FUZZ_CHECK(st == RB_OK || st == RB_EINPUT, "report_run status %d: %s",
	           st, err);
	if (st)
		fuzz_check_line(err, sizeof(err), "report_run reason");
	fclose(out);
	return 0;
}
