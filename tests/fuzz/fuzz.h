/* fuzz: what every fuzz target shares. The invariants the targets assert
 * (one-line reasons, canonical quantities and times), a FUZZ_CHECK that
 * aborts with the failed condition (so libFuzzer records a crash), and, under
 * FUZZ_STANDALONE, a main() that replays files and directories of inputs
 * through LLVMFuzzerTestOneInput, so tests/e2e/fuzz_corpus.sh can keep every
 * seed and every crash ever found as a regression test with gcc alone. */
#ifndef RB_FUZZ_H
#define RB_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond, ...)                                                  \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: invariant failed: %s: ",       \
			        __FILE__, __LINE__, #cond);                    \
			fprintf(stderr, __VA_ARGS__);                          \
			fputc('\n', stderr);                                   \
			abort();                                               \
		}                                                              \
	} while (0)

/* The run's clock for check_record: 2026-06-01T00:00:00Z. */
#define FUZZ_NOW_MS INT64_C(1780272000000)

/* A reason or message for a person: non-empty, one line, no control
 * characters, valid UTF-8, and NUL-terminated within cap bytes. */
static inline void fuzz_check_line(const char *s, size_t cap, const char *what)
{
	size_t n, i;

	FUZZ_CHECK(s != NULL, "%s is NULL", what);
	n = strnlen(s, cap);
	FUZZ_CHECK(n < cap, "%s is not NUL-terminated within %zu bytes", what,
	           cap);
	FUZZ_CHECK(n > 0, "%s is empty", what);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		FUZZ_CHECK(c >= 0x20 && c != 0x7f,
		           "%s has control character 0x%02x at %zu: %s", what, c,
		           i, s);
	}
	FUZZ_CHECK(json_utf8_valid_len(s, n) == n, "%s is not UTF-8: %s", what,
	           s);
}

/* ^(0|[1-9][0-9]*)(\.[0-9]*[1-9])?$ */
static inline bool fuzz_canonical_quantity(const char *s)
{
	size_t i = 0;

	if (s[0] == '0') {
		i = 1;
	} else if (s[0] >= '1' && s[0] <= '9') {
		while (s[i] >= '0' && s[i] <= '9')
			i++;
	} else {
		return false;
	}
	if (s[i] == 0)
		return true;
	if (s[i] != '.')
		return false;
	i++;
	if (!(s[i] >= '0' && s[i] <= '9'))
		return false;
	while (s[i] >= '0' && s[i] <= '9')
		i++;
	return s[i] == 0 && s[i - 1] != '0';
}

/* YYYY-MM-DDTHH:MM:SS[.fff]Z, the fraction only when not .000 */
static inline bool fuzz_canonical_time(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	size_t i, n = strlen(s);

	if (n != 20 && n != 24)
		return false;
	for (i = 0; i < 19; i++) {
		if (shape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9')
		                    : s[i] != shape[i])
			return false;
	}
	if (n == 20)
		return s[19] == 'Z';
	return s[19] == '.' && s[20] >= '0' && s[20] <= '9' && s[21] >= '0' &&
	       s[21] <= '9' && s[22] >= '0' && s[22] <= '9' && s[23] == 'Z' &&
	       memcmp(s + 20, "000", 3) != 0;
}

/* A quantity check_quantity accepted: canonical, and a fixed point of the
 * check in both modes. */
static inline void fuzz_check_quantity_out(const char *q)
{
	char again[CHECK_QUANTITY_MAX], reason[512];
	size_t n = strnlen(q, CHECK_QUANTITY_MAX);

	FUZZ_CHECK(n < CHECK_QUANTITY_MAX, "quantity not NUL-terminated");
	FUZZ_CHECK(fuzz_canonical_quantity(q), "quantity '%s' not canonical",
	           q);
	FUZZ_CHECK(check_quantity(q, n, false, again, reason,
	                          sizeof(reason)) == 0,
	           "canonical '%s' refused as text: %s", q, reason);
	FUZZ_CHECK(!strcmp(again, q), "'%s' re-checked as text gives '%s'", q,
	           again);
	FUZZ_CHECK(check_quantity(q, n, true, again, reason,
	                          sizeof(reason)) == 0,
	           "canonical '%s' refused as JSON: %s", q, reason);
	FUZZ_CHECK(!strcmp(again, q), "'%s' re-checked as JSON gives '%s'", q,
	           again);
}

/* A usageTime check_usage_time accepted with ms: canonical, the formatting
 * of ms, and read back to the same ms as ISO with Z. */
static inline void fuzz_check_time_out(const char *t, int64_t ms)
{
	struct check_policy p;
	char fmt[CHECK_TIME_MAX], again[CHECK_TIME_MAX], reason[512];
	int64_t ms2 = -1;

	FUZZ_CHECK(strnlen(t, CHECK_TIME_MAX) < CHECK_TIME_MAX,
	           "usageTime not NUL-terminated");
	FUZZ_CHECK(fuzz_canonical_time(t), "usageTime '%s' not canonical", t);
	timefmt_format(ms, fmt);
	FUZZ_CHECK(!strcmp(fmt, t), "usageTime '%s' but ms %lld formats as '%s'",
	           t, (long long)ms, fmt);
	memset(&p, 0, sizeof(p));
	p.has_not_after = true;
	p.not_after_ms = INT64_MAX;
	FUZZ_CHECK(check_usage_time(&p, t, strlen(t), 0, &ms2, again, reason,
	                            sizeof(reason)) == 0,
	           "canonical '%s' refused: %s", t, reason);
	FUZZ_CHECK(ms2 == ms && !strcmp(again, t),
	           "'%s' (%lld) re-read as '%s' (%lld)", t, (long long)ms,
	           again, (long long)ms2);
}

/* A usage check_record accepted. */
static inline void fuzz_check_usage(const struct usage *u)
{
	size_t n = strnlen(u->subscription_id, CHECK_ID_MAX + 1), i;

	FUZZ_CHECK(n >= 1 && n <= CHECK_ID_MAX, "subscriptionId length %zu", n);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)u->subscription_id[i];
		FUZZ_CHECK((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		                   (c >= 'A' && c <= 'Z') ||
		                   (c && strchr("_@~.-", c)),
		           "subscriptionId has 0x%02x", c);
	}
	fuzz_check_quantity_out(u->quantity);
	if (u->usage_time[0])
		fuzz_check_time_out(u->usage_time, u->usage_time_ms);
	else
		FUZZ_CHECK(u->usage_time_ms == 0, "no usageTime but ms %lld",
		           (long long)u->usage_time_ms);
	FUZZ_CHECK(u->accept_partial >= -1 && u->accept_partial <= 1,
	           "accept_partial %d", u->accept_partial);
}

#ifdef FUZZ_STANDALONE
#include <dirent.h>
#include <sys/stat.h>

/* Runs one file through the target, from an exactly sized copy so ASan sees
 * any read past the end as libFuzzer would. */
static int fuzz_replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET)) {
		fprintf(stderr, "fuzz: cannot read '%s'\n", path);
		if (f)
			fclose(f);
		return -1;
	}
	data = malloc(n ? (size_t)n : 1);
	if (!data || fread(data, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "fuzz: cannot read '%s'\n", path);
		free(data);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(data, (size_t)n);
	free(data);
	return 0;
}

/* Replays every file named, and every regular file in every directory
 * named (not recursive); prints how many. */
int main(int argc, char **argv)
{
	int i, runs = 0, bad = 0;

	for (i = 1; i < argc; i++) {
		struct stat sb;
		DIR *d;
		struct dirent *e;

		if (stat(argv[i], &sb)) {
			fprintf(stderr, "fuzz: cannot open '%s'\n", argv[i]);
			bad++;
			continue;
		}
		if (!S_ISDIR(sb.st_mode)) {
			bad += fuzz_replay_file(argv[i]) != 0;
			runs++;
			continue;
		}
		if (!(d = opendir(argv[i]))) {
			bad++;
			continue;
		}
		while ((e = readdir(d))) {
			char path[4096];

			snprintf(path, sizeof(path), "%s/%s", argv[i],
			         e->d_name);
			if (stat(path, &sb) || !S_ISREG(sb.st_mode))
				continue;
			bad += fuzz_replay_file(path) != 0;
			runs++;
		}
		closedir(d);
	}
	fprintf(stderr, "%s: %d inputs replayed\n", argv[0], runs);
	return bad ? 1 : 0;
}
#endif

#endif
