/* recall: rows read again by line number go to the reject file as they
 * were read, each with its own line and reason, in input order whatever
 * order they were remembered in; a record over several lines is found by
 * the line it starts on; lines the input no longer has are counted; JSON
 * lines keep their object; memory is one copy of a reason shared by a
 * usage's rows. Files live under a mkdtemp directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "reader.h"
#include "recall.h"
#include "rejects.h"

static char tmpdir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/rbusage-test-recall-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void assert_file(const char *path, const char *exp)
{
	char got[4096];
	FILE *f = fopen(path, "rb");
	size_t n;

	assert_non_null(f);
	n = fread(got, 1, sizeof(got) - 1, f);
	fclose(f);
	got[n] = 0;
	assert_string_equal(got, exp);
}

/* Writes the remembered rows of in to a fresh reject file; its path. */
static const char *write_rejects(struct recall *rc, const char *in,
                                 const char *name, size_t *missing,
                                 enum rb_status want)
{
	static char out[256];
	struct config cfg;
	struct reader *rd;
	struct rejects *rj;
	const struct reader_field *hdr;
	size_t nhdr;
	char err[300] = "";

	snprintf(out, sizeof(out), "%s/%s", tmpdir, name);
	config_defaults(&cfg);
	assert_int_equal(reader_open(&rd, in, &cfg, err, sizeof(err)), RB_OK);
	hdr = reader_header(rd, &nhdr);
	rj = rejects_open(out, reader_format(rd), ',', reader_encoding(rd), hdr,
	                  nhdr, err, sizeof(err));
	assert_non_null(rj);
	assert_int_equal(recall_write(rc, &cfg, in, rj, missing, err,
	                              sizeof(err)),
	                 want);
	reader_free(rd);
	assert_int_equal(rejects_close(rj, err, sizeof(err)), RB_OK);
	return out;
}

static void csv_rows_by_line(void **state)
{
	char in[256];
	struct recall *rc = recall_new();
	size_t missing = 9;
	const char *out;

	(void)state;
	snprintf(in, sizeof(in), "%s/in.csv", tmpdir);
	put(in, "subscriptionId,quantity,usageTime,note\n"
	        "a,1,2026-11-20T10:00:00Z,plain\n"           /* line 2 */
	        "b,2,2026-11-20T10:00:00Z,\"two\nlines\"\n"  /* line 3-4 */
	        "c,3,2026-11-20T10:00:00Z,\"q \"\"x\"\"\"\n" /* line 5 */
	        "d,4,2026-11-20T10:00:00Z\n");               /* line 6, ragged */
	assert_non_null(rc);
	/* a refused usage's rows, then a sum's; out of order */
	assert_int_equal(recall_add(rc, 5, "HTTP 422: no such subscription"),
	                 RB_OK);
	assert_int_equal(recall_add(rc, 3, "HTTP 422: no such subscription"),
	                 RB_OK);
	assert_int_equal(recall_add(rc, 6, "sum too large"), RB_OK);
	assert_int_equal(recall_add(rc, 4, "sum too large"), RB_OK); /* inside 3 */
	assert_int_equal(recall_add(rc, 40, "sum too large"), RB_OK); /* gone */
	assert_int_equal(recall_count(rc), 5);
	out = write_rejects(rc, in, "in.rejects.csv", &missing, RB_OK);
	assert_int_equal(missing, 2);
	assert_file(out,
	            "rejectLine,rejectReason,subscriptionId,quantity,usageTime,"
	            "note\n"
	            "3,HTTP 422: no such subscription,b,2,2026-11-20T10:00:00Z,"
	            "\"two\nlines\"\n"
	            "5,HTTP 422: no such subscription,c,3,2026-11-20T10:00:00Z,"
	            "\"q \"\"x\"\"\"\n"
	            "6,sum too large,d,4,2026-11-20T10:00:00Z\n");
	recall_free(rc);
	recall_free(NULL);

	/* nothing remembered: nothing read, nothing written */
	rc = recall_new();
	out = write_rejects(rc, in,
	                    "none.rejects.csv", &missing, RB_OK);
	assert_int_equal(missing, 0);
	assert_int_equal(access(out, F_OK), -1);
	recall_free(rc);
}

static void jsonl_rows(void **state)
{
	char in[256];
	struct recall *rc = recall_new();
	size_t missing = 9;
	const char *out;

	(void)state;
	snprintf(in, sizeof(in), "%s/in.jsonl", tmpdir);
	put(in, "{\"subscriptionId\":\"a\",\"quantity\":1}\n"
	        "\n"
	        "{\"subscriptionId\":\"b\",\"quantity\":2.50,\"x\":[1]}\n");
	assert_int_equal(recall_add(rc, 3, "HTTP 422: no"), RB_OK);
	out = write_rejects(rc, in, "in.rejects.jsonl", &missing, RB_OK);
	assert_int_equal(missing, 0);
	assert_file(out, "{\"rejectLine\":3,\"rejectReason\":\"HTTP 422: no\","
	                 "\"subscriptionId\":\"b\",\"quantity\":2.50,\"x\":[1]}\n");
	recall_free(rc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(csv_rows_by_line),
		cmocka_unit_test(jsonl_rows),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
