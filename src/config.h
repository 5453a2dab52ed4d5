/* config: everything a run is told, in one struct. cli.c fills it from argv
 * and the environment (after config_defaults); the other modules only read it.
 * Numbers here are already range-checked. */
#ifndef RB_CONFIG_H
#define RB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "timefmt_pattern.h"
#include "timefmt_zone.h"

enum config_cmd {
	CONFIG_CMD_NONE,
	CONFIG_CMD_IMPORT,
	CONFIG_CMD_UNDO,
	CONFIG_CMD_REPORT,
	CONFIG_CMD_HELP,
	CONFIG_CMD_VERSION,
};

enum config_format {
	CONFIG_FORMAT_AUTO, /* by extension, else sniffed from the first bytes */
	CONFIG_FORMAT_CSV,
	CONFIG_FORMAT_JSONL,
};

/* --encoding: what the input is written in. */
enum config_encoding {
	CONFIG_ENCODING_AUTO,   /* UTF-8, unless a UTF-16 byte-order mark says so */
	CONFIG_ENCODING_UTF8,
	CONFIG_ENCODING_LATIN1,
	CONFIG_ENCODING_WINDOWS_1252,
	CONFIG_ENCODING_UTF16,  /* byte order from the BOM, else the first bytes */
};

enum config_time_format {
	CONFIG_TIME_ISO,
	CONFIG_TIME_EPOCH,    /* seconds since 1970, integer or with a fraction */
	CONFIG_TIME_EPOCH_MS, /* milliseconds since 1970 */
	CONFIG_TIME_PATTERN,  /* config.time_pattern */
};

/* --aggregate: the UTC bucket rows of one subscription are summed in. */
enum config_aggregate {
	CONFIG_AGGREGATE_NONE, /* one usage per row */
	CONFIG_AGGREGATE_MINUTE,
	CONFIG_AGGREGATE_HOUR,
	CONFIG_AGGREGATE_DAY,
};

enum config_progress {
	CONFIG_PROGRESS_AUTO, /* on when stderr is a terminal */
	CONFIG_PROGRESS_ON,
	CONFIG_PROGRESS_OFF,
};

/* The usage fields a record carries, in the order of config.map. */
enum config_field {
	CONFIG_FIELD_SUBSCRIPTION_ID,
	CONFIG_FIELD_QUANTITY,
	CONFIG_FIELD_USAGE_TIME,
	CONFIG_FIELD_ACCEPT_PARTIAL,
	CONFIG_FIELD_COUNT,
};

/* "subscriptionId", "quantity", "usageTime", "acceptPartialQuantity". */
extern const char *const config_field_names[CONFIG_FIELD_COUNT];

struct config {
	enum config_cmd cmd;
	char **files; /* borrowed from argv; "-" is stdin */
	size_t nfiles;

	/* reading */
	enum config_format format;
	char delimiter;     /* 0 = by extension: tab for .tsv, else ',' */
	enum config_encoding encoding;
	const char *map[CONFIG_FIELD_COUNT]; /* column/member name per field; borrowed from argv */
	char **columns;     /* --columns split at commas; owned (config_free) */
	size_t ncolumns;

	/* checks */
	bool has_time_zone;
	const char *time_zone_name; /* --time-zone as given; borrowed from argv */
	int time_zone_offset_min; /* a fixed zone (UTC, +02:00), minutes east of UTC */
	struct timefmt_zone *time_zone; /* an IANA zone instead; owned (config_free) */
	enum timefmt_dst dst;       /* --dst */
	enum config_time_format time_format;
	struct timefmt_pattern time_pattern; /* CONFIG_TIME_PATTERN: compiled */
	bool has_not_before;
	int64_t not_before_ms;
	bool has_not_after;       /* else the upper bound is now + 5 minutes */
	int64_t not_after_ms;
	bool not_before_date;     /* a bare date was given: with --time-zone, */
	bool not_after_date;      /* that day there (cli.c resolves it) */
	bool stamp_time; /* --stamp-time: rows without usageTime get the run's start */
	bool allow_duplicates;
	enum config_aggregate aggregate;
	bool decimal_comma; /* --decimal-comma: "1,5" in text is 1.5 */

	/* output */
	const char *rejects_path; /* borrowed from argv; NULL = beside the input */
	const char *log_path;     /* NULL = beside the input */
	bool dry_run;
	bool emit;
	bool verbose;
	enum config_progress progress;
	bool quiet;
	bool restart; /* --restart: a changed input; skip rows the log created,
	                 matched by content */
	bool skip_existing; /* --skip-existing: skip rows the server holds */
	const char *html_path; /* report --html FILE; borrowed */
	const char *metrics_path; /* --metrics-file PATH; borrowed; NULL = none */

	/* sending */
	const char *org;        /* borrowed (argv or environment) */
	char *api_key;          /* owned, wiped and freed by config_free; never printed */
	const char *api_key_file;
	const char *base_url;   /* API root without /organizations/...; borrowed */
	double rate;            /* --rate N: requests per second at most; 0 = auto */
	double rate_window_s;   /* --rate-window: the budget's window until seen */
	unsigned concurrency;   /* 1..256 */
	unsigned retries;       /* 0..100 */
	long timeout_ms;        /* per request */
	unsigned reserve_pct;   /* 0..90 */
	long settle_ms;         /* --settle: wait before looking up an unknown outcome */
	const char *cacert;     /* borrowed */
	unsigned shard_k, shard_n; /* shard_n == 0: all rows; else 1 <= shard_k <= shard_n */
};

#define CONFIG_SANDBOX_URL "https://api-sandbox.rebilly.com"
#define CONFIG_LIVE_URL "https://api.rebilly.com"

/* --aggregate's values as written: "minute", "hour", "day"; NULL for none. */
const char *config_aggregate_name(enum config_aggregate a);

/* Fills cfg with the defaults of DESIGN.md's option table. */
void config_defaults(struct config *cfg);
/* Frees what cfg owns (wiping the key first); cfg may be NULL. */
void config_free(struct config *cfg);

#endif
