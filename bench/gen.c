/* gen: deterministic usage exports for `make bench`.
 *
 *   gen csv|jsonl ROWS > FILE
 *
 * Every row is valid and distinct (subscriptionId, usageTime, quantity), so a
 * dry run with duplicate detection really checks and remembers every one:
 * usageTime is row i's share of one past day in milliseconds, which strictly
 * increases because a day has 86.4M ms and the bench stays far below that.
 * subscriptionId is "sub_" + 20 alphanumerics, drawn from 50,000 distinct ids;
 * quantity from a handful of realistic decimals; acceptPartialQuantity is
 * empty/absent for about half of the rows; "meter" is a column the tool must
 * ignore. The same arguments always give the same bytes (splitmix64 on the
 * row number, no clock, no libc rand). Written with a hand-rolled formatter:
 * printf would make 10M rows take longer than the benchmark itself. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DISTINCT_IDS 50000
#define DAY_MS UINT64_C(86400000)
#define MAX_ROWS (DAY_MS / 2) /* keeps the usageTimes strictly increasing */

static const char alnum[] =
	"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static const char *const quantities[] = {
	"1", "12.25", "0.5", "3.125", "2", "7.5", "100", "0.001", "42", "1.75",
	"250", "0.125", "5", "19.99", "3", "1000",
};

static const char *const meters[] = {
	"api_calls", "storage_gb", "seats", "minutes", "messages", "bandwidth_gb",
};

static uint64_t splitmix64(uint64_t x)
{
	x += UINT64_C(0x9E3779B97F4A7C15);
	x = (x ^ (x >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	x = (x ^ (x >> 27)) * UINT64_C(0x94D049BB133111EB);
	return x ^ (x >> 31);
}

static char ids[DISTINCT_IDS][24]; /* "sub_" + 20, no NUL */

static void make_ids(void)
{
	for (uint64_t k = 0; k < DISTINCT_IDS; k++) {
		uint64_t a = splitmix64(k * 2 + UINT64_C(0x5eed)),
		         b = splitmix64(k * 2 + 1 + UINT64_C(0x5eed));
		memcpy(ids[k], "sub_", 4);
		for (int j = 0; j < 10; j++) {
			ids[k][4 + j] = alnum[a % 62];
			a /= 62;
			ids[k][14 + j] = alnum[b % 62];
			b /= 62;
		}
	}
}

static char *put(char *p, const char *s)
{
	size_t n = strlen(s);
	memcpy(p, s, n);
	return p + n;
}

static char *put2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
	return p + 2;
}

/* 2025-03-14T13:45:12.345Z, ms after midnight of a fixed past day. */
static char *put_time(char *p, uint64_t ms)
{
	unsigned h = (unsigned)(ms / 3600000), m = (unsigned)(ms / 60000 % 60),
	         s = (unsigned)(ms / 1000 % 60), f = (unsigned)(ms % 1000);

	p = put(p, "2025-03-14T");
	p = put2(p, h);
	*p++ = ':';
	p = put2(p, m);
	*p++ = ':';
	p = put2(p, s);
	*p++ = '.';
	*p++ = (char)('0' + f / 100);
	p = put2(p, f % 100);
	*p++ = 'Z';
	return p;
}

int main(int argc, char **argv)
{
	static char out[1 << 20];
	char *p = out, *limit = out + sizeof(out) - 512;
	int jsonl;
	uint64_t rows;

	if (argc != 3 || (strcmp(argv[1], "csv") && strcmp(argv[1], "jsonl"))) {
		fprintf(stderr, "usage: gen csv|jsonl ROWS > FILE\n");
		return 2;
	}
	jsonl = !strcmp(argv[1], "jsonl");
	rows = strtoull(argv[2], NULL, 10);
	if (rows == 0 || rows > MAX_ROWS) {
		fprintf(stderr, "gen: ROWS must be 1..%llu\n",
		        (unsigned long long)MAX_ROWS);
		return 2;
	}
	make_ids();
	if (!jsonl)
		p = put(p, "subscriptionId,quantity,usageTime,"
		           "acceptPartialQuantity,meter\n");
	for (uint64_t i = 0; i < rows; i++) {
		uint64_t r = splitmix64(i);
		const char *id = ids[r % DISTINCT_IDS];
		const char *q = quantities[(r >> 20) & 15];
		const char *meter = meters[((r >> 24) & 0xff) % 6];
		unsigned partial = (unsigned)((r >> 32) & 3); /* 0,1 none */
		uint64_t ms = i * DAY_MS / rows;

		if (jsonl) {
			p = put(p, "{\"subscriptionId\":\"");
			memcpy(p, id, 24);
			p += 24;
			p = put(p, "\",\"quantity\":");
			p = put(p, q);
			p = put(p, ",\"usageTime\":\"");
			p = put_time(p, ms);
			*p++ = '"';
			if (partial >= 2)
				p = put(p, partial == 2
				                   ? ",\"acceptPartialQuantity\":true"
				                   : ",\"acceptPartialQuantity\":false");
			p = put(p, ",\"meter\":\"");
			p = put(p, meter);
			p = put(p, "\"}\n");
		} else {
			memcpy(p, id, 24);
			p += 24;
			*p++ = ',';
			p = put(p, q);
			*p++ = ',';
			p = put_time(p, ms);
			*p++ = ',';
			if (partial >= 2)
				p = put(p, partial == 2 ? "true" : "false");
			*p++ = ',';
			p = put(p, meter);
			*p++ = '\n';
		}
		if (p > limit) {
			if (fwrite(out, 1, (size_t)(p - out), stdout) !=
			    (size_t)(p - out))
				goto fail;
			p = out;
		}
	}
	if (fwrite(out, 1, (size_t)(p - out), stdout) != (size_t)(p - out) ||
	    fflush(stdout))
		goto fail;
	return 0;
fail:
	perror("gen: write");
	return 1;
}
