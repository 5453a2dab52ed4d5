/* tmpdir: a test binary's scratch directory (cmocka group setup and
 * teardown), paths in it, and what was written to a FILE. For the tests of
 * the report and the progress line; include after <cmocka.h>. */
#ifndef RB_TEST_TMPDIR_H
#define RB_TEST_TMPDIR_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char tmpdir[64];

static inline int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/rbusage-test-report-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static inline int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A path under tmpdir; each call has its own buffer among the last eight. */
static inline const char *path_of(const char *name)
{
	static char paths[8][256];
	static unsigned k;
	char *path = paths[k++ % 8];

	snprintf(path, 256, "%s/%s", tmpdir, name);
	return path;
}

/* Everything written to fp, NUL-terminated; closes fp. */
static inline char *contents(FILE *fp)
{
	char *data = malloc(1 << 16);
	size_t n;

	assert_non_null(data);
	assert_int_equal(fflush(fp), 0);
	rewind(fp);
	n = fread(data, 1, (1 << 16) - 1, fp);
	data[n] = 0;
	fclose(fp);
	return data;
}

static inline FILE *out_file(void)
{
	FILE *fp = tmpfile();

	assert_non_null(fp);
	return fp;
}

#endif
