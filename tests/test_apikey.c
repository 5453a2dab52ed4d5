/* The secret key: from the environment or a file, trimmed, refused when
 * empty, two lines, unreadable or cut short; a warning for a key file others
 * can read; wiped by config_free. Key files are mkstemp files under /tmp. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include <cmocka.h>

#include "apikey.h"
#include "config.h"

static const char *const *cur_env; /* name, value, name, value, ..., NULL */
static struct config cfg;
static char err[600];

static const char *fake_getenv(const char *name)
{
	const char *const *e;

	for (e = cur_env; e && *e; e += 2)
		if (!strcmp(e[0], name))
			return e[1];
	return NULL;
}


static char key_path[64];

static const char *key_file(const char *content, size_t n, mode_t mode)
{
	int fd;

	snprintf(key_path, sizeof(key_path), "/tmp/rbusage-test-key-XXXXXX");
	fd = mkstemp(key_path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, n), (ssize_t)n);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
	return key_path;
}

static enum rb_status load_key(const char *const *env, const char *file,
                               char *warn, size_t warnlen)
{
	config_free(&cfg);
	config_defaults(&cfg);
	memset(err, 0, sizeof(err));
	cur_env = env;
	cfg.api_key_file = file;
	return apikey_load(&cfg, fake_getenv("REBILLY_API_KEY"), warn, warnlen,
	                   err, sizeof(err));
}

static void test_key_from_env(void **state)
{
	static const char *const env[] = {"REBILLY_API_KEY", "sk_test_ENV", NULL};
	static const char *const spaced[] = {"REBILLY_API_KEY", " \tsk_test_ENV\r\n",
	                                     NULL};
	static const char *const none[] = {NULL};
	static const char *const blank[] = {"REBILLY_API_KEY", " \n", NULL};
	static const char *const two[] = {"REBILLY_API_KEY", "sk_a\nsk_b", NULL};
	char warn[300];

	(void)state;
	memset(warn, 'x', sizeof(warn));
	assert_int_equal(load_key(env, NULL, warn, sizeof(warn)), RB_OK);
	assert_string_equal(cfg.api_key, "sk_test_ENV");
	assert_string_equal(warn, "");
	assert_int_equal(load_key(spaced, NULL, NULL, 0), RB_OK);
	assert_string_equal(cfg.api_key, "sk_test_ENV");

	assert_int_equal(load_key(none, NULL, NULL, 0), RB_EUSAGE);
	assert_string_equal(err, "no API key: set REBILLY_API_KEY or pass "
	                         "--api-key-file PATH");
	assert_null(cfg.api_key);
	assert_int_equal(load_key(blank, NULL, NULL, 0), RB_EUSAGE);
	assert_string_equal(err, "no API key: set REBILLY_API_KEY or pass "
	                         "--api-key-file PATH");
	assert_int_equal(load_key(two, NULL, NULL, 0), RB_EUSAGE);
	assert_string_equal(err, "the API key must be one line");
	assert_null(cfg.api_key);
	/* unset: no key */
	config_free(&cfg);
	config_defaults(&cfg);
	assert_int_equal(apikey_load(&cfg, NULL, NULL, 0, err, sizeof(err)),
	                 RB_EUSAGE);
}

static void test_key_from_file(void **state)
{
	static const char *const env[] = {"REBILLY_API_KEY", "sk_test_ENV", NULL};
	char warn[300];

	(void)state;
	/* the file wins over the environment; the editor's newline is trimmed */
	key_file("sk_test_FILE\n", 13, 0600);
	memset(warn, 'x', sizeof(warn));
	assert_int_equal(load_key(env, key_path, warn, sizeof(warn)), RB_OK);
	assert_string_equal(cfg.api_key, "sk_test_FILE");
	assert_string_equal(warn, ""); /* 0600: no warning */
	unlink(key_path);

	key_file("  sk_test_FILE \r\n\n", 18, 0400);
	assert_int_equal(load_key(NULL, key_path, warn, sizeof(warn)), RB_OK);
	assert_string_equal(cfg.api_key, "sk_test_FILE");
	assert_string_equal(warn, "");
	unlink(key_path);

	key_file("sk_test_FILE", 12, 0600); /* no newline at all */
	assert_int_equal(load_key(NULL, key_path, warn, sizeof(warn)), RB_OK);
	assert_string_equal(cfg.api_key, "sk_test_FILE");
	unlink(key_path);
}

static void test_key_file_refused(void **state)
{
	char exp[300];

	(void)state;
	key_file("", 0, 0600);
	assert_int_equal(load_key(NULL, key_path, NULL, 0), RB_EUSAGE);
	snprintf(exp, sizeof(exp), "the key file '%s' is empty", key_path);
	assert_string_equal(err, exp);
	assert_null(cfg.api_key);
	unlink(key_path);

	key_file("\n\n", 2, 0600);
	assert_int_equal(load_key(NULL, key_path, NULL, 0), RB_EUSAGE);
	snprintf(exp, sizeof(exp), "the key file '%s' is empty", key_path);
	assert_string_equal(err, exp);
	unlink(key_path);

	key_file("sk_test_ONE\nsk_test_TWO\n", 24, 0600);
	assert_int_equal(load_key(NULL, key_path, NULL, 0), RB_EUSAGE);
	assert_string_equal(err, "the API key must be one line");
	assert_null(strstr(err, "sk_test"));
	assert_null(cfg.api_key);
	unlink(key_path);

	key_file("sk_test_ONE\r\nsk_test_TWO", 24, 0600);
	assert_int_equal(load_key(NULL, key_path, NULL, 0), RB_EUSAGE);
	assert_string_equal(err, "the API key must be one line");
	unlink(key_path);

	/* a missing file: named, with the system's reason */
	snprintf(key_path, sizeof(key_path), "/tmp/rbusage-test-key-missing-%ld",
	         (long)getpid());
	assert_int_equal(load_key(NULL, key_path, NULL, 0), RB_EUSAGE);
	snprintf(exp, sizeof(exp), "cannot open '%s': No such file or directory",
	         key_path);
	assert_string_equal(err, exp);

	/* a read error is said, not taken for an empty or shorter key */
	assert_int_equal(load_key(NULL, "/tmp", NULL, 0), RB_EUSAGE);
	assert_string_equal(err, "cannot read '/tmp': Is a directory");
	assert_null(cfg.api_key);

	/* a key longer than the buffer is refused, never cut short */
	{
		char big[5000];
		memset(big, 'k', sizeof(big));
		key_file(big, 4095, 0600);
		assert_int_equal(load_key(NULL, key_path, NULL, 0), RB_EUSAGE);
		snprintf(exp, sizeof(exp), "the key file '%s' is longer than 4094 "
		                           "bytes; it should hold the key alone",
		         key_path);
		assert_string_equal(err, exp);
		assert_null(cfg.api_key);
		unlink(key_path);
		/* 4094 bytes (and no newline) is still a key */
		key_file(big, 4094, 0600);
		assert_int_equal(load_key(NULL, key_path, NULL, 0), RB_OK);
		assert_int_equal(strlen(cfg.api_key), 4094);
		unlink(key_path);
	}
}

static void test_key_file_mode_warning(void **state)
{
	char warn[300], exp[300];

	(void)state;
	key_file("sk_test_FILE\n", 13, 0644);
	memset(warn, 'x', sizeof(warn));
	assert_int_equal(load_key(NULL, key_path, warn, sizeof(warn)), RB_OK);
	snprintf(exp, sizeof(exp),
	         "warning: '%s' is readable by group or others; chmod 600 it",
	         key_path);
	assert_string_equal(warn, exp);
	assert_string_equal(cfg.api_key, "sk_test_FILE"); /* still loaded */
	assert_null(strstr(warn, "sk_test"));

	/* group-readable only: the same warning */
	assert_int_equal(chmod(key_path, 0640), 0);
	memset(warn, 'x', sizeof(warn));
	assert_int_equal(load_key(NULL, key_path, warn, sizeof(warn)), RB_OK);
	assert_string_equal(warn, exp);

	/* back to 0600: quiet again */
	assert_int_equal(chmod(key_path, 0600), 0);
	assert_int_equal(load_key(NULL, key_path, warn, sizeof(warn)), RB_OK);
	assert_string_equal(warn, "");

	/* no warn buffer: fine */
	assert_int_equal(chmod(key_path, 0644), 0);
	assert_int_equal(load_key(NULL, key_path, NULL, 0), RB_OK);
	assert_string_equal(cfg.api_key, "sk_test_FILE");
	unlink(key_path);
}

static void test_wiped_by_config_free(void **state)
{
	static const char *const env[] = {"REBILLY_API_KEY", "sk_test_X", NULL};

	(void)state;
	assert_int_equal(load_key(env, NULL, NULL, 0), RB_OK);
	config_free(&cfg);
	assert_null(cfg.api_key);
}

static int teardown(void **state)
{
	(void)state;
	config_free(&cfg);
	return 0;
}

#define T(f) cmocka_unit_test_teardown(f, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_key_from_env),
		T(test_key_from_file),
		T(test_key_file_refused),
		T(test_key_file_mode_warning),
		T(test_wiped_by_config_free),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
