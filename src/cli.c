/* cli: argv and environment -> struct config. */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fieldname.h"
#include "throttle.h"
#include "timefmt.h"

enum opt_id {
	OPT_FORMAT, OPT_DELIMITER, OPT_MAP, OPT_COLUMNS, OPT_ENCODING,
	OPT_TIME_ZONE, OPT_TIME_FORMAT, OPT_DST, OPT_NOT_BEFORE, OPT_NOT_AFTER,
	OPT_STAMP_TIME, OPT_ALLOW_DUPS, OPT_DECIMAL_COMMA, OPT_AGGREGATE,
	OPT_REJECTS, OPT_LOG, OPT_DRY_RUN, OPT_EMIT, OPT_RESTART,
	OPT_ORG, OPT_API_KEY_FILE, OPT_API_KEY, OPT_SANDBOX, OPT_LIVE,
	OPT_BASE_URL, OPT_RATE, OPT_RATE_WINDOW, OPT_CONCURRENCY, OPT_RETRIES,
	OPT_TIMEOUT, OPT_RESERVE, OPT_SETTLE, OPT_SKIP_EXISTING, OPT_CACERT,
	OPT_VERBOSE, OPT_PROGRESS, OPT_NO_PROGRESS, OPT_QUIET, OPT_SHARD, OPT_HTML,
	OPT_METRICS_FILE, OPT_HELP, OPT_VERSION,
};

/* Which subcommands take an option. */
#define FOR_IMPORT 1
#define FOR_UNDO 2
#define FOR_REPORT 4
#define FOR_SEND (FOR_IMPORT | FOR_UNDO)

struct opt {
	const char *name;
	enum opt_id id;
	int has_arg;
	int cmds;
};

static const struct opt opts[] = {
	{"format", OPT_FORMAT, 1, FOR_IMPORT},
	{"delimiter", OPT_DELIMITER, 1, FOR_IMPORT},
	{"map", OPT_MAP, 1, FOR_IMPORT},
	{"columns", OPT_COLUMNS, 1, FOR_IMPORT},
	{"encoding", OPT_ENCODING, 1, FOR_IMPORT},
	{"time-zone", OPT_TIME_ZONE, 1, FOR_IMPORT},
	{"time-format", OPT_TIME_FORMAT, 1, FOR_IMPORT},
	{"dst", OPT_DST, 1, FOR_IMPORT},
	{"not-before", OPT_NOT_BEFORE, 1, FOR_IMPORT},
	{"not-after", OPT_NOT_AFTER, 1, FOR_IMPORT},
	{"stamp-time", OPT_STAMP_TIME, 0, FOR_IMPORT},
	{"allow-duplicates", OPT_ALLOW_DUPS, 0, FOR_IMPORT},
	{"aggregate", OPT_AGGREGATE, 1, FOR_IMPORT},
	{"decimal-comma", OPT_DECIMAL_COMMA, 0, FOR_IMPORT},
	{"rejects", OPT_REJECTS, 1, FOR_IMPORT},
	{"log", OPT_LOG, 1, FOR_SEND},
	{"dry-run", OPT_DRY_RUN, 0, FOR_IMPORT},
	{"emit", OPT_EMIT, 0, FOR_IMPORT},
	{"restart", OPT_RESTART, 0, FOR_IMPORT},
	{"skip-existing", OPT_SKIP_EXISTING, 0, FOR_IMPORT},
	{"settle", OPT_SETTLE, 1, FOR_IMPORT},
	{"org", OPT_ORG, 1, FOR_SEND},
	{"api-key-file", OPT_API_KEY_FILE, 1, FOR_SEND},
	{"api-key", OPT_API_KEY, 1, FOR_SEND | FOR_REPORT},
	{"sandbox", OPT_SANDBOX, 0, FOR_SEND},
	{"live", OPT_LIVE, 0, FOR_SEND},
	{"base-url", OPT_BASE_URL, 1, FOR_SEND},
	{"rate", OPT_RATE, 1, FOR_SEND},
	{"rate-window", OPT_RATE_WINDOW, 1, FOR_SEND},
	{"concurrency", OPT_CONCURRENCY, 1, FOR_SEND},
	{"retries", OPT_RETRIES, 1, FOR_SEND},
	{"timeout", OPT_TIMEOUT, 1, FOR_SEND},
	{"reserve", OPT_RESERVE, 1, FOR_SEND},
	{"cacert", OPT_CACERT, 1, FOR_SEND},
	{"verbose", OPT_VERBOSE, 0, FOR_SEND},
	{"progress", OPT_PROGRESS, 0, FOR_SEND},
	{"no-progress", OPT_NO_PROGRESS, 0, FOR_SEND},
	{"quiet", OPT_QUIET, 0, FOR_SEND | FOR_REPORT},
	{"shard", OPT_SHARD, 1, FOR_IMPORT},
	{"html", OPT_HTML, 1, FOR_REPORT},
	{"metrics-file", OPT_METRICS_FILE, 1, FOR_SEND},
	{"help", OPT_HELP, 0, FOR_SEND | FOR_REPORT},
	{"version", OPT_VERSION, 0, FOR_SEND | FOR_REPORT},
};

static const char *cmd_name(enum config_cmd c)
{
	switch (c) {
	case CONFIG_CMD_IMPORT: return "import";
	case CONFIG_CMD_UNDO: return "undo";
	case CONFIG_CMD_REPORT: return "report";
	default: return "rbusage";
	}
}

/* Parses a whole decimal number in [lo, hi]; 0 on success. */
static int parse_double(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	if (!*s || strspn(s, "0123456789.") != strlen(s))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	char *end;
	unsigned long v;

	if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 9)
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int set_map(struct config *cfg, const char *arg, char *err, size_t errlen)
{
	const char *eq = strchr(arg, '=');
	int f;

	if (!eq || eq == arg || !eq[1]) {
		rb_detail(err, errlen, "--map: '%s' is not FIELD=COLUMN", arg);
		return -1;
	}
	for (f = 0; f < CONFIG_FIELD_COUNT; f++) {
		const char *n = config_field_names[f];
		if (strlen(n) == (size_t)(eq - arg) &&
		    !strncasecmp(n, arg, (size_t)(eq - arg)))
			break;
	}
	if (f == CONFIG_FIELD_COUNT) {
		rb_detail(err, errlen,
		          "--map: unknown field '%.*s' (fields: subscriptionId, "
		          "quantity, usageTime, acceptPartialQuantity)",
		          (int)(eq - arg), arg);
		return -1;
	}
	if (cfg->map[f]) {
		rb_detail(err, errlen, "--map: field '%s' is mapped twice",
		          config_field_names[f]);
		return -1;
	}
	{
		struct fieldname_path *p;
		char why[200];

		if (fieldname_path_parse(eq + 1, &p, why, sizeof(why))) {
			rb_detail(err, errlen, "--map %s: %s", config_field_names[f],
			          why);
			return -1;
		}
		fieldname_path_free(p);
	}
	cfg->map[f] = eq + 1;
	return 0;
}

static int set_columns(struct config *cfg, const char *arg, char *err,
                       size_t errlen)
{
	size_t n = 1, i = 0;
	const char *p, *start = arg;

	if (cfg->columns) {
		rb_detail(err, errlen, "--columns given twice");
		return -1;
	}
	for (p = arg; *p; p++)
		n += *p == ',';
	cfg->columns = calloc(n, sizeof(*cfg->columns));
	if (!cfg->columns) {
		rb_detail(err, errlen, "out of memory");
		return -1;
	}
	for (p = arg;; p++) {
		if (*p == ',' || !*p) {
			const char *a = start, *b = p;
			while (a < b && (*a == ' ' || *a == '\t'))
				a++;
			while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
				b--;
			if (a == b) {
				rb_detail(err, errlen, "--columns: column %zu has no name",
				          i + 1);
				return -1;
			}
			cfg->columns[i] = strndup(a, (size_t)(b - a));
			if (!cfg->columns[i]) {
				rb_detail(err, errlen, "out of memory");
				return -1;
			}
			cfg->ncolumns = ++i;
			start = p + 1;
			if (!*p)
				break;
		}
	}
	return 0;
}

static int set_delimiter(struct config *cfg, const char *arg, char *err,
                         size_t errlen)
{
	if (!strcmp(arg, "\\t") || !strcasecmp(arg, "tab"))
		cfg->delimiter = '\t';
	else if (strlen(arg) == 1 && arg[0] != '"' && arg[0] != '\n' &&
	         arg[0] != '\r' && (unsigned char)arg[0] < 0x80)
		cfg->delimiter = arg[0];
	else if (!strcmp(arg, "\"")) {
		rb_detail(err, errlen,
		          "--delimiter: a quote cannot be the delimiter (it quotes "
		          "fields)");
		return -1;
	} else if (!strcmp(arg, "\n") || !strcmp(arg, "\r")) {
		rb_detail(err, errlen,
		          "--delimiter: a line end cannot be the delimiter");
		return -1;
	} else {
		rb_detail(err, errlen,
		          "--delimiter: '%s' is not one ASCII character (use '\\t' or "
		          "'tab' for a tab)", arg);
		return -1;
	}
	return 0;
}

static int apply(struct config *cfg, const struct opt *o, const char *arg,
                 int *html_seen, char *err, size_t errlen)
{
	double d;
	unsigned u;

	switch (o->id) {
	case OPT_FORMAT:
		if (!strcmp(arg, "csv") || !strcmp(arg, "tsv"))
			cfg->format = CONFIG_FORMAT_CSV;
		else if (!strcmp(arg, "jsonl") || !strcmp(arg, "ndjson"))
			cfg->format = CONFIG_FORMAT_JSONL;
		else
			goto bad_choice;
		if (!strcmp(arg, "tsv") && !cfg->delimiter)
			cfg->delimiter = '\t';
		return 0;
	case OPT_DELIMITER: return set_delimiter(cfg, arg, err, errlen);
	case OPT_MAP: return set_map(cfg, arg, err, errlen);
	case OPT_COLUMNS: return set_columns(cfg, arg, err, errlen);
	case OPT_ENCODING: {
		static const struct {
			const char *name;
			enum config_encoding e;
		} names[] = {
			{"utf-8", CONFIG_ENCODING_UTF8},
			{"utf8", CONFIG_ENCODING_UTF8},
			{"latin1", CONFIG_ENCODING_LATIN1},
			{"latin-1", CONFIG_ENCODING_LATIN1},
			{"iso-8859-1", CONFIG_ENCODING_LATIN1},
			{"windows-1252", CONFIG_ENCODING_WINDOWS_1252},
			{"cp1252", CONFIG_ENCODING_WINDOWS_1252},
			{"utf-16", CONFIG_ENCODING_UTF16},
			{"utf16", CONFIG_ENCODING_UTF16},
		};
		size_t i;

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (!strcasecmp(arg, names[i].name)) {
				cfg->encoding = names[i].e;
				return 0;
			}
		rb_detail(err, errlen,
		          "--encoding: unknown value '%s' (utf-8, latin1, "
		          "windows-1252 or utf-16)", arg);
		return -1;
	}
	case OPT_TIME_ZONE:
		/* an IANA name is loaded by validate(), which has TZDIR */
		cfg->time_zone_name = arg;
		cfg->has_time_zone = true;
		cfg->time_zone_offset_min = 0;
		return 0;
	case OPT_TIME_FORMAT:
		if (strchr(arg, '%')) {
			char why[256];

			if (timefmt_pattern_compile(arg, &cfg->time_pattern, why,
			                            sizeof(why))) {
				rb_detail(err, errlen, "--time-format: %s", why);
				return -1;
			}
			cfg->time_format = CONFIG_TIME_PATTERN;
		} else if (!strcmp(arg, "iso"))
			cfg->time_format = CONFIG_TIME_ISO;
		else if (!strcmp(arg, "epoch"))
			cfg->time_format = CONFIG_TIME_EPOCH;
		else if (!strcmp(arg, "epoch-ms"))
			cfg->time_format = CONFIG_TIME_EPOCH_MS;
		else {
			rb_detail(err, errlen,
			          "--time-format: unknown value '%s' (iso, epoch, "
			          "epoch-ms, or a pattern such as '%%d.%%m.%%Y "
			          "%%H:%%M')",
			          arg);
			return -1;
		}
		return 0;
	case OPT_DST:
		if (!strcmp(arg, "reject"))
			cfg->dst = TIMEFMT_DST_REJECT;
		else if (!strcmp(arg, "earlier"))
			cfg->dst = TIMEFMT_DST_EARLIER;
		else if (!strcmp(arg, "later"))
			cfg->dst = TIMEFMT_DST_LATER;
		else
			goto bad_choice;
		return 0;
	case OPT_NOT_BEFORE:
	case OPT_NOT_AFTER: {
		char why[160];
		int64_t ms;
		/* a bare date as --not-after is the end of that day */
		int rc = o->id == OPT_NOT_BEFORE
		                 ? timefmt_parse_bound(arg, &ms, why, sizeof(why))
		                 : timefmt_parse_end_bound(arg, &ms, why,
		                                           sizeof(why));
		if (rc) {
			rb_detail(err, errlen, "--%s: %s", o->name, why);
			return -1;
		}
		while (*arg == ' ' || *arg == '\t')
			arg++;
		/* it parsed, so ten characters are a bare YYYY-MM-DD */
		if (o->id == OPT_NOT_BEFORE) {
			cfg->has_not_before = true;
			cfg->not_before_ms = ms;
			cfg->not_before_date = strcspn(arg, " \t") == 10;
		} else {
			cfg->has_not_after = true;
			cfg->not_after_ms = ms;
			cfg->not_after_date = strcspn(arg, " \t") == 10;
		}
		return 0;
	}
	case OPT_STAMP_TIME: cfg->stamp_time = true; return 0;
	case OPT_ALLOW_DUPS: cfg->allow_duplicates = true; return 0;
	case OPT_AGGREGATE:
		if (!strcmp(arg, "minute"))
			cfg->aggregate = CONFIG_AGGREGATE_MINUTE;
		else if (!strcmp(arg, "hour"))
			cfg->aggregate = CONFIG_AGGREGATE_HOUR;
		else if (!strcmp(arg, "day"))
			cfg->aggregate = CONFIG_AGGREGATE_DAY;
		else {
			rb_detail(err, errlen, "--aggregate: unknown value '%s' "
			          "(minute, hour or day)", arg);
			return -1;
		}
		return 0;
	case OPT_DECIMAL_COMMA: cfg->decimal_comma = true; return 0;
	case OPT_REJECTS: cfg->rejects_path = arg; return 0;
	case OPT_LOG: cfg->log_path = arg; return 0;
	case OPT_DRY_RUN: cfg->dry_run = true; return 0;
	case OPT_EMIT: cfg->emit = true; return 0;
	case OPT_RESTART: cfg->restart = true; return 0;
	case OPT_SKIP_EXISTING: cfg->skip_existing = true; return 0;
	case OPT_SETTLE:
		if (parse_double(arg, 0, 3600, &d)) {
			rb_detail(err, errlen,
			          "--settle: '%s' is not a number of seconds from 0 to "
			          "3600", arg);
			return -1;
		}
		cfg->settle_ms = (long)(d * 1000 + 0.5);
		return 0;
	case OPT_ORG: cfg->org = arg; return 0;
	case OPT_API_KEY_FILE: cfg->api_key_file = arg; return 0;
	case OPT_API_KEY:
		/* Never echo the value: it may be the secret itself. */
		rb_detail(err, errlen,
		          "--api-key is not accepted (a key on the command line is "
		          "seen by every user of the machine); put it in "
		          "$REBILLY_API_KEY or in a file given with --api-key-file");
		return -1;
	case OPT_SANDBOX: cfg->base_url = CONFIG_SANDBOX_URL; return 0;
	case OPT_LIVE: cfg->base_url = CONFIG_LIVE_URL; return 0;
	case OPT_BASE_URL:
		if (strncmp(arg, "https://", 8) && strncmp(arg, "http://", 7)) {
			rb_detail(err, errlen,
			          "--base-url: '%s' is not an http:// or https:// URL", arg);
			return -1;
		}
		cfg->base_url = arg;
		return 0;
	case OPT_RATE:
		if (!strcmp(arg, "auto")) {
			cfg->rate = THROTTLE_AUTO;
			return 0;
		}
		if (parse_double(arg, 0.001, THROTTLE_MAX_RATE, &d)) {
			rb_detail(err, errlen,
			          "--rate: '%s' is not auto or a number from 0.001 "
			          "to 1000", arg);
			return -1;
		}
		cfg->rate = d;
		return 0;
	case OPT_RATE_WINDOW:
		if (parse_double(arg, 1, 86400, &d)) {
			rb_detail(err, errlen,
			          "--rate-window: '%s' is not a number of seconds "
			          "from 1 to 86400", arg);
			return -1;
		}
		cfg->rate_window_s = d;
		return 0;
	case OPT_CONCURRENCY:
		if (parse_uint(arg, 1, 256, &u)) {
			rb_detail(err, errlen,
			          "--concurrency: '%s' is not a whole number from 1 to 256",
			          arg);
			return -1;
		}
		cfg->concurrency = u;
		return 0;
	case OPT_RETRIES:
		if (parse_uint(arg, 0, 100, &u)) {
			rb_detail(err, errlen,
			          "--retries: '%s' is not a whole number from 0 to 100", arg);
			return -1;
		}
		cfg->retries = u;
		return 0;
	case OPT_TIMEOUT:
		if (parse_double(arg, 0.1, 3600, &d)) {
			rb_detail(err, errlen,
			          "--timeout: '%s' is not a number of seconds from 0.1 to "
			          "3600", arg);
			return -1;
		}
		cfg->timeout_ms = (long)(d * 1000 + 0.5);
		return 0;
	case OPT_RESERVE:
		if (parse_uint(arg, 0, 90, &u)) {
			rb_detail(err, errlen,
			          "--reserve: '%s' is not a whole percentage from 0 to 90",
			          arg);
			return -1;
		}
		cfg->reserve_pct = u;
		return 0;
	case OPT_CACERT: cfg->cacert = arg; return 0;
	case OPT_VERBOSE: cfg->verbose = true; return 0;
	case OPT_PROGRESS: cfg->progress = CONFIG_PROGRESS_ON; return 0;
	case OPT_NO_PROGRESS: cfg->progress = CONFIG_PROGRESS_OFF; return 0;
	case OPT_QUIET: cfg->quiet = true; return 0;
	case OPT_SHARD: {
		const char *slash = strchr(arg, '/');
		char k[16];
		if (!slash || slash == arg || (size_t)(slash - arg) >= sizeof(k))
			goto bad_shard;
		memcpy(k, arg, (size_t)(slash - arg));
		k[slash - arg] = 0;
		if (parse_uint(slash + 1, 1, 4096, &cfg->shard_n) ||
		    parse_uint(k, 1, cfg->shard_n, &cfg->shard_k))
			goto bad_shard;
		return 0;
	bad_shard:
		rb_detail(err, errlen,
		          "--shard: '%s' is not K/N with 1 <= K <= N <= 4096", arg);
		return -1;
	}
	case OPT_HTML: *html_seen = 1; cfg->html_path = arg; return 0;
	case OPT_METRICS_FILE:
		if (!*arg) {
			rb_detail(err, errlen, "--metrics-file needs a path");
			return -1;
		}
		cfg->metrics_path = arg;
		return 0;
	case OPT_HELP: cfg->cmd = CONFIG_CMD_HELP; return 0;
	case OPT_VERSION: cfg->cmd = CONFIG_CMD_VERSION; return 0;
	}
	return 0;
bad_choice:
	rb_detail(err, errlen, "--%s: unknown value '%s'", o->name, arg);
	return -1;
}

static const char *env_or_null(cli_getenv_fn env, const char *name)
{
	const char *v = env ? env(name) : NULL;
	return v && *v ? v : NULL;
}

/* With --decimal-comma, each CSV input must be read with a delimiter other
 * than ',' (else 1,5 is two fields). Without --delimiter that is a .tsv
 * (tab); JSON lines have no delimiter. A file whose format is only known by
 * sniffing might be CSV: it needs --delimiter or --format jsonl. */
static int check_decimal_comma(const struct config *cfg, char *err,
                               size_t errlen)
{
	size_t i;

	if (!cfg->decimal_comma || cfg->format == CONFIG_FORMAT_JSONL)
		return 0;
	if (cfg->delimiter == ',') {
		rb_detail(err, errlen,
		          "--decimal-comma needs a delimiter other than ',' (1,5 "
		          "would be split in two fields)");
		return -1;
	}
	if (cfg->delimiter)
		return 0;
	for (i = 0; i < cfg->nfiles; i++) {
		const char *f = cfg->files[i];
		size_t n = strlen(f);

		if (n >= 3 && !strcasecmp(f + n - 3, ".gz"))
			n -= 3;
		if (n > 4 && !strncasecmp(f + n - 4, ".tsv", 4))
			continue;
		if (cfg->format == CONFIG_FORMAT_AUTO &&
		    ((n > 6 && !strncasecmp(f + n - 6, ".jsonl", 6)) ||
		     (n > 7 && !strncasecmp(f + n - 7, ".ndjson", 7))))
			continue;
		rb_detail(err, errlen,
		          "--decimal-comma: '%s' would be read with ',' as its "
		          "delimiter, which splits 1,5 in two fields; pass "
		          "--delimiter ';' (or the file's own)%s",
		          f,
		          cfg->format == CONFIG_FORMAT_AUTO
		                  ? ", or --format jsonl for JSON lines"
		                  : "");
		return -1;
	}
	return 0;
}

/* --time-zone: UTC or a fixed offset, else an IANA zone from the tz
 * database ($TZDIR, else the system's), read once here for the whole run. */
static int load_time_zone(struct config *cfg, cli_getenv_fn env, char *err,
                          size_t errlen)
{
	char why[512];

	timefmt_zone_free(cfg->time_zone);
	cfg->time_zone = NULL;
	if (!cfg->time_zone_name ||
	    !timefmt_parse_offset(cfg->time_zone_name,
	                          &cfg->time_zone_offset_min))
		return 0;
	if (cfg->time_zone_name[0] == '+' || cfg->time_zone_name[0] == '-') {
		rb_detail(err, errlen,
		          "--time-zone: '%s' is not an offset from -23:59 to "
		          "+23:59 (+HH:MM, +HHMM or +HH)",
		          cfg->time_zone_name);
		return -1;
	}
	if (timefmt_zone_load(cfg->time_zone_name, env_or_null(env, "TZDIR"),
	                      &cfg->time_zone, why, sizeof(why))) {
		rb_detail(err, errlen, "--time-zone: %s", why);
		return -1;
	}
	return 0;
}

/* The instant local midnight_ms (a wall-clock midnight read as if UTC)
 * starts its day in --time-zone: a midnight that does not exist (clocks
 * jumped over it) means the first instant of that day, the jump; one that
 * happened twice, the first. */
static int64_t day_start(const struct config *cfg, int64_t midnight_ms)
{
	struct timefmt_zone_change ch;
	int64_t utc = midnight_ms;
	int rc;

	if (!cfg->time_zone)
		return midnight_ms - (int64_t)cfg->time_zone_offset_min * 60000;
	rc = timefmt_zone_to_utc(cfg->time_zone, midnight_ms,
	                         TIMEFMT_DST_REJECT, &utc, &ch);
	if (rc == 1)
		return (int64_t)ch.at_s * 1000;
	if (rc == 2)
		timefmt_zone_to_utc(cfg->time_zone, midnight_ms,
		                    TIMEFMT_DST_EARLIER, &utc, NULL);
	return utc;
}

/* A bare date in --not-before/--not-after is a day of --time-zone when one
 * is given (its start, or its last millisecond), as a user who reads the
 * file's times in that zone means it; without one, of UTC, as parsed. */
static void local_day_bounds(struct config *cfg)
{
	if (!cfg->has_time_zone && !cfg->time_zone)
		return;
	if (cfg->has_not_before && cfg->not_before_date)
		cfg->not_before_ms = day_start(cfg, cfg->not_before_ms);
	if (cfg->has_not_after && cfg->not_after_date) /* ms: its last one */
		cfg->not_after_ms = day_start(cfg, cfg->not_after_ms + 1) - 1;
}

/* Cross-option rules, once everything is read. */
static int validate(struct config *cfg, int saw_url_opt, int saw_sandbox,
                    int saw_live, int saw_base, int saw_progress,
                    cli_getenv_fn env, char *err, size_t errlen)
{
	const char *v;

	if (saw_sandbox + saw_live + saw_base > 1) {
		rb_detail(err, errlen,
		          "--sandbox, --live and --base-url exclude one another");
		return -1;
	}
	if (!saw_url_opt && (v = env_or_null(env, "REBILLY_BASE_URL")))
		cfg->base_url = v;
	if (!cfg->org)
		cfg->org = env_or_null(env, "REBILLY_ORGANIZATION_ID");
	if (cfg->quiet && saw_progress) {
		rb_detail(err, errlen, "--quiet and --progress exclude one another");
		return -1;
	}
	if (cfg->cmd == CONFIG_CMD_IMPORT) {
		if (load_time_zone(cfg, env, err, errlen))
			return -1;
		local_day_bounds(cfg);
		if (cfg->emit && !cfg->dry_run) {
			rb_detail(err, errlen, "--emit goes with --dry-run");
			return -1;
		}
		if (cfg->nfiles > 1 && (cfg->rejects_path || cfg->log_path)) {
			rb_detail(err, errlen,
			          "--rejects and --log go with a single FILE (%zu given)",
			          cfg->nfiles);
			return -1;
		}
		if (cfg->has_not_before && cfg->has_not_after &&
		    cfg->not_before_ms > cfg->not_after_ms) {
			rb_detail(err, errlen, "--not-before is after --not-after");
			return -1;
		}
		if (check_decimal_comma(cfg, err, errlen))
			return -1;
	}
	if (cfg->nfiles == 0) {
		rb_detail(err, errlen, "%s: no %s given (see 'rbusage --help')",
		          cmd_name(cfg->cmd),
		          cfg->cmd == CONFIG_CMD_IMPORT ? "FILE" : "RESULT_LOG");
		return -1;
	}
	if (cfg->cmd == CONFIG_CMD_UNDO && cfg->nfiles > 1) {
		rb_detail(err, errlen, "%s takes one RESULT_LOG (%zu given)",
		          cmd_name(cfg->cmd), cfg->nfiles);
		return -1;
	}
	if (cfg->cmd != CONFIG_CMD_REPORT && !cfg->dry_run) {
		v = cfg->base_url;
		if (!cfg->org || !*cfg->org) {
			rb_detail(err, errlen,
			          "no organization: pass --org ID or set "
			          "REBILLY_ORGANIZATION_ID");
			return -1;
		}
		if (strncmp(v, "https://", 8) && strncmp(v, "http://", 7)) {
			rb_detail(err, errlen,
			          "base URL '%s' is not an http:// or https:// URL", v);
			return -1;
		}
	}
	return 0;
}

enum rb_status cli_parse(int argc, char **argv, cli_getenv_fn env,
                         struct config *cfg, char *err, size_t errlen)
{
	int i, only_files = 0, cmd_bit = 0, html_seen = 0;
	int saw_sandbox = 0, saw_live = 0, saw_base = 0, saw_progress = 0;

	if (argc < 2) {
		rb_detail(err, errlen, "no command given (see 'rbusage --help')");
		return RB_EUSAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		cfg->cmd = CONFIG_CMD_HELP;
		return RB_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		cfg->cmd = CONFIG_CMD_VERSION;
		return RB_OK;
	}
	if (!strcmp(argv[1], "import")) {
		cfg->cmd = CONFIG_CMD_IMPORT;
		cmd_bit = FOR_IMPORT;
	} else if (!strcmp(argv[1], "undo")) {
		cfg->cmd = CONFIG_CMD_UNDO;
		cmd_bit = FOR_UNDO;
	} else if (!strcmp(argv[1], "report")) {
		cfg->cmd = CONFIG_CMD_REPORT;
		cmd_bit = FOR_REPORT;
	} else {
		rb_detail(err, errlen, "unknown command '%s' (see 'rbusage --help')",
		          argv[1]);
		return RB_EUSAGE;
	}
	cfg->files = argv + 2; /* files are compacted to the front as found */
	cfg->nfiles = 0;
	for (i = 2; i < argc; i++) {
		const char *a = argv[i], *name, *eq, *arg = NULL;
		const struct opt *o = NULL;
		size_t k, nlen;

		if (only_files || a[0] != '-' || !strcmp(a, "-")) {
			cfg->files[cfg->nfiles++] = argv[i];
			continue;
		}
		if (!strcmp(a, "--")) {
			only_files = 1;
			continue;
		}
		if (a[1] != '-') {
			if (!strcmp(a, "-h")) {
				cfg->cmd = CONFIG_CMD_HELP;
				return RB_OK;
			}
			/* up to '=' only: what follows may be a secret */
			rb_detail(err, errlen,
			          "unknown option '%.*s' (options are long, like --rate)",
			          (int)strcspn(a, "="), a);
			return RB_EUSAGE;
		}
		name = a + 2;
		eq = strchr(name, '=');
		nlen = eq ? (size_t)(eq - name) : strlen(name);
		for (k = 0; k < sizeof(opts) / sizeof(opts[0]); k++)
			if (strlen(opts[k].name) == nlen &&
			    !strncmp(opts[k].name, name, nlen)) {
				o = &opts[k];
				break;
			}
		if (!o) {
			rb_detail(err, errlen, "unknown option '--%.*s'", (int)nlen, name);
			return RB_EUSAGE;
		}
		if (!(o->cmds & cmd_bit)) {
			rb_detail(err, errlen, "%s: --%s does not apply here",
			          cmd_name(cfg->cmd), o->name);
			return RB_EUSAGE;
		}
		if (o->has_arg) {
			if (eq)
				arg = eq + 1;
			else if (i + 1 < argc)
				arg = argv[++i];
			else {
				rb_detail(err, errlen, "--%s needs a value", o->name);
				return RB_EUSAGE;
			}
		} else if (eq) {
			rb_detail(err, errlen, "--%s takes no value", o->name);
			return RB_EUSAGE;
		}
		if (o->id == OPT_SANDBOX) saw_sandbox = 1;
		if (o->id == OPT_LIVE) saw_live = 1;
		if (o->id == OPT_BASE_URL) saw_base = 1;
		if (o->id == OPT_PROGRESS) saw_progress = 1;
		if (apply(cfg, o, arg, &html_seen, err, errlen))
			return RB_EUSAGE;
		if (cfg->cmd == CONFIG_CMD_HELP || cfg->cmd == CONFIG_CMD_VERSION)
			return RB_OK;
	}
	if (validate(cfg, saw_sandbox | saw_live | saw_base, saw_sandbox, saw_live,
	             saw_base, saw_progress, env, err, errlen))
		return RB_EUSAGE;
	return RB_OK;
}

bool cli_warning(const struct config *cfg, char *warn, size_t warnlen)
{
	if (cfg->cmd != CONFIG_CMD_IMPORT || cfg->dry_run ||
	    cfg->settle_ms >= 1000)
		return false;
	rb_detail(warn, warnlen,
	          "--settle %ld ms: a usage that shows in the server's lists "
	          "later than that after an unanswered POST is sent again (a "
	          "second bill); keep the default (10 s) unless the server's "
	          "lists are known to be current", cfg->settle_ms);
	return true;
}
