/* aggcount: how many usages --aggregate would send, for `make bench-send`.
 *
 *   rbusage import --dry-run --emit FILE | aggcount minute|hour|day
 *
 * Feeds the request bodies of a dry run (the checked, normalized rows) to
 * src/aggregate.c and prints "ROWS USAGES". It stands in for the dry run's
 * "N rows -> M usages" until the pipeline wires --aggregate. The bodies are
 * rbusage's own output, one JSON object per line with the members in a known
 * order, so plain string scanning reads them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"

static int64_t utc_ms(int y, int m, int d, int hh, int mm, int ss, int ms)
{
	int64_t era, yoe, doy, doe, days;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	days = era * 146097 + doe - 719468;
	return ((days * 24 + hh) * 60 + mm) * 60000 + ss * 1000 + ms;
}

/* Copies the value after "\"key\":" up to the next '"' or ',' or '}'. */
static int member(const char *line, const char *key, char *out, size_t cap)
{
	char pat[64];
	const char *p;
	size_t n;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	if (!(p = strstr(line, pat)))
		return -1;
	p += strlen(pat);
	if (*p == '"')
		p++;
	n = strcspn(p, "\",}");
	if (n >= cap)
		return -1;
	memcpy(out, p, n);
	out[n] = 0;
	return 0;
}

int main(int argc, char **argv)
{
	enum config_aggregate unit;
	struct aggregate *a;
	char line[4096];
	long no = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: aggcount minute|hour|day < bodies.jsonl\n");
		return 2;
	}
	unit = !strcmp(argv[1], "minute") ? CONFIG_AGGREGATE_MINUTE
	       : !strcmp(argv[1], "hour") ? CONFIG_AGGREGATE_HOUR
	       : !strcmp(argv[1], "day")  ? CONFIG_AGGREGATE_DAY
	                                  : CONFIG_AGGREGATE_NONE;
	if (!(a = aggregate_new(unit))) {
		fprintf(stderr, "aggcount: bad unit or out of memory\n");
		return 2;
	}
	while (fgets(line, sizeof(line), stdin)) {
		struct usage u;
		char partial[8];
		int y, mo, d, h, mi, s, ms = 0;

		memset(&u, 0, sizeof(u));
		u.line = ++no;
		if (member(line, "subscriptionId", u.subscription_id,
		           sizeof(u.subscription_id)) ||
		    member(line, "quantity", u.quantity, sizeof(u.quantity)) ||
		    member(line, "usageTime", u.usage_time, sizeof(u.usage_time)) ||
		    sscanf(u.usage_time, "%d-%d-%dT%d:%d:%d.%d", &y, &mo, &d, &h,
		           &mi, &s, &ms) < 6) {
			fprintf(stderr, "aggcount: line %ld: not a usage body\n", no);
			return 1;
		}
		u.usage_time_ms = utc_ms(y, mo, d, h, mi, s, ms);
		u.accept_partial = member(line, "acceptPartialQuantity", partial,
		                          sizeof(partial))
		                       ? -1
		                       : !strcmp(partial, "true");
		if (aggregate_add(a, &u)) {
			fprintf(stderr, "aggcount: line %ld: refused\n", no);
			return 1;
		}
	}
	aggregate_finish(a);
	printf("%zu %zu\n", aggregate_rows(a), aggregate_count(a));
	aggregate_free(a);
	return 0;
}
