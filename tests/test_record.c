/* Tests for record: binding a CSV header (names in any case, --map, the
 * required columns, a usage field named twice) and finding the usage fields
 * in a row: CSV by column (a short row leaves fields absent), JSON by member
 * (null is absent, kinds carried through, two spellings of one name refused).
 * Rows are built by hand as the reader would give them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "record.h"

/* A field from NUL-terminated texts (name may be NULL). */
static struct reader_field fld(const char *name, const char *value,
                               enum reader_kind kind)
{
	struct reader_field f;

	f.name = name;
	f.name_len = name ? strlen(name) : 0;
	f.value = value;
	f.value_len = value ? strlen(value) : 0;
	f.kind = kind;
	return f;
}

#define S(n, v) fld(n, v, READER_STRING)

static struct reader_row row_of(long line, const struct reader_field *f,
                                size_t n)
{
	struct reader_row r;

	memset(&r, 0, sizeof(r));
	r.line = line;
	r.fields = f;
	r.nfields = n;
	return r;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* A header of the given names (CSV header fields: the value is the name). */
static size_t header(struct reader_field *h, const char *const *names)
{
	size_t n;

	for (n = 0; names[n]; n++)
		h[n] = S(names[n], names[n]);
	return n;
}

static struct config cfg;

static struct record_map *map_for(const char *const *maps)
{
	struct record_map *m;
	size_t i;

	config_defaults(&cfg);
	cfg.stamp_time = true; /* most tests bind headers without usageTime */
	/* maps: field index as a one-char string, column, ... */
	for (i = 0; maps && maps[i]; i += 2)
		cfg.map[maps[i][0] - '0'] = maps[i + 1];
	m = record_map_new(&cfg);
	assert_non_null(m);
	return m;
}

/* Binds names (NULL-terminated) and returns the status, err filled. */
static enum rb_status bind(struct record_map *m, const char *const *names,
                           char *err, size_t errlen)
{
	struct reader_field h[32];
	size_t n = header(h, names);

	memset(err, 0, errlen);
	return record_map_header(m, h, n, err, errlen);
}

static void assert_value(const struct record *rec, int f, const char *text,
                         enum reader_kind kind)
{
	assert_true(rec->v[f].present);
	assert_int_equal(rec->v[f].len, strlen(text));
	assert_memory_equal(rec->v[f].text, text, strlen(text));
	assert_int_equal(rec->v[f].kind, kind);
}

static void assert_absent(const struct record *rec, int f)
{
	assert_false(rec->v[f].present);
}

enum {
	SUB = CONFIG_FIELD_SUBSCRIPTION_ID,
	QTY = CONFIG_FIELD_QUANTITY,
	TIME = CONFIG_FIELD_USAGE_TIME,
	PART = CONFIG_FIELD_ACCEPT_PARTIAL,
};

/* ---- CSV header ---- */

static void test_header_any_case_any_order(void **state)
{
	static const char *const names[] = {"note", "QUANTITY", "usagetime",
	                                    "SubscriptionID",
	                                    "acceptpartialQUANTITY", NULL};
	struct record_map *m = map_for(NULL);
	struct reader_field f[] = {S(NULL, "hello"), S(NULL, "5.25"),
	                           S(NULL, "2026-01-01T00:00:00Z"),
	                           S(NULL, "sub-1"), S(NULL, "yes")};
	struct reader_row row = row_of(7, f, N(f));
	struct record rec;
	char err[300], reason[300] = "";

	(void)state;
	assert_int_equal(bind(m, names, err, sizeof(err)), RB_OK);
	assert_string_equal(err, "");
	assert_int_equal(record_from_row(m, &row, &rec, reason, sizeof(reason)),
	                 0);
	assert_string_equal(reason, "");
	assert_int_equal(rec.line, 7);
	assert_value(&rec, SUB, "sub-1", READER_STRING);
	assert_value(&rec, QTY, "5.25", READER_STRING);
	assert_value(&rec, TIME, "2026-01-01T00:00:00Z", READER_STRING);
	assert_value(&rec, PART, "yes", READER_STRING);
	/* borrowed from the row, not copied */
	assert_ptr_equal(rec.v[SUB].text, f[3].value);
	record_map_free(m);
}

static void test_header_missing_required(void **state)
{
	static const char *const no_sub[] = {"quantity", "usageTime", NULL};
	static const char *const no_qty[] = {"subscriptionId", "qty", NULL};
	static const char *const neither[] = {"a", "b", NULL};
	static const char *const empty[] = {NULL};
	struct record_map *m = map_for(NULL);
	char err[400];

	(void)state;
	assert_int_equal(bind(m, no_sub, err, sizeof(err)), RB_EINPUT);
	assert_string_equal(err,
	                    "line 1: no 'subscriptionId' column in the header; name "
	                    "it so, or pass --map subscriptionId=COLUMN (or "
	                    "--columns for a file without a header)");
	assert_int_equal(bind(m, no_qty, err, sizeof(err)), RB_EINPUT);
	assert_string_equal(err,
	                    "line 1: no 'quantity' column in the header; name it "
	                    "so, or pass --map quantity=COLUMN (or --columns for a "
	                    "file without a header)");
	/* the first missing one is named */
	assert_int_equal(bind(m, neither, err, sizeof(err)), RB_EINPUT);
	assert_non_null(strstr(err, "'subscriptionId'"));
	assert_int_equal(bind(m, empty, err, sizeof(err)), RB_EINPUT);
	assert_non_null(strstr(err, "'subscriptionId'"));
	record_map_free(m);
}

static void test_header_usage_time_required_only_when_asked(void **state)
{
	static const char *const names[] = {"subscriptionId", "quantity", NULL};
	static const char *const with_time[] = {"subscriptionId", "quantity",
	                                        "USAGETIME", NULL};
	struct record_map *m;
	char err[400];

	(void)state;
	config_defaults(&cfg);
	cfg.stamp_time = true;
	m = record_map_new(&cfg);
	assert_int_equal(bind(m, names, err, sizeof(err)), RB_OK);
	record_map_free(m);

	config_defaults(&cfg);
	m = record_map_new(&cfg);
	assert_non_null(m);
	assert_int_equal(bind(m, names, err, sizeof(err)), RB_EINPUT);
	assert_string_equal(err,
	                    "line 1: no 'usageTime' column in the header; name it "
	                    "so, or pass --map usageTime=COLUMN (or --columns for "
	                    "a file without a header); to send every row at the "
	                    "run's start time, pass --stamp-time");
	assert_int_equal(bind(m, with_time, err, sizeof(err)), RB_OK);
	record_map_free(m);
}

static void test_header_map(void **state)
{
	/* --map quantity=Amount --map subscriptionId="Sub ID" */
	static const char *const maps[] = {"1", "Amount", "0", "Sub ID", NULL};
	static const char *const names[] = {"quantity", "sub id", "subscriptionId",
	                                    "AMOUNT", NULL};
	static const char *const unmapped[] = {"subscriptionId", "quantity", NULL};
	struct record_map *m = map_for(maps);
	struct reader_field f[] = {S(NULL, "1"), S(NULL, "sub-A"), S(NULL, "sub-B"),
	                           S(NULL, "9")};
	struct reader_row row = row_of(2, f, N(f));
	struct record rec;
	char err[400], reason[100];

	(void)state;
	/* the mapped names win; the fields' own names are then plain columns */
	assert_int_equal(bind(m, names, err, sizeof(err)), RB_OK);
	assert_int_equal(record_from_row(m, &row, &rec, reason, sizeof(reason)),
	                 0);
	assert_value(&rec, SUB, "sub-A", READER_STRING);
	assert_value(&rec, QTY, "9", READER_STRING);
	assert_absent(&rec, TIME);

	/* a mapped column that is not there is named as mapped */
	assert_int_equal(bind(m, unmapped, err, sizeof(err)), RB_EINPUT);
	assert_string_equal(err,
	                    "line 1: no 'Sub ID' column in the header (--map "
	                    "subscriptionId='Sub ID'); check its spelling against "
	                    "the header's names");
	record_map_free(m);
}

static void test_header_duplicate_mapped_column(void **state)
{
	static const char *const dup[] = {"subscriptionId", "quantity", "note",
	                                  "Quantity", NULL};
	static const char *const dup_sub[] = {"SUBSCRIPTIONID", "quantity",
	                                      "subscriptionid", NULL};
	static const char *const maps[] = {"1", "amount", NULL};
	static const char *const dup_mapped[] = {"amount", "subscriptionId",
	                                         "quantity", "Amount", NULL};
	struct record_map *m = map_for(NULL);
	char err[400];

	(void)state;
	assert_int_equal(bind(m, dup, err, sizeof(err)), RB_EINPUT);
	assert_string_equal(err, "line 1: columns 2 ('quantity') and 4 "
	                         "('Quantity') both name quantity; rename one "
	                         "or choose with --map quantity=COLUMN");
	assert_int_equal(bind(m, dup_sub, err, sizeof(err)), RB_EINPUT);
	assert_string_equal(err, "line 1: columns 1 ('SUBSCRIPTIONID') and 3 "
	                         "('subscriptionid') both name subscriptionId; "
	                         "rename one or choose with --map "
	                         "subscriptionId=COLUMN");
	record_map_free(m);

	m = map_for(maps);
	assert_int_equal(bind(m, dup_mapped, err, sizeof(err)), RB_EINPUT);
	assert_string_equal(err, "line 1: columns 1 ('amount') and 4 ('Amount') "
	                         "both name quantity; rename one or choose with "
	                         "--map quantity=COLUMN");
	record_map_free(m);
}

static void test_header_duplicate_unmapped_columns_fine(void **state)
{
	static const char *const names[] = {"note", "subscriptionId", "note",
	                                    "quantity", "NOTE", "", "", NULL};
	struct record_map *m = map_for(NULL);
	struct reader_field f[] = {S(NULL, "a"), S(NULL, "sub-1"), S(NULL, "b"),
	                           S(NULL, "3"), S(NULL, "c"), S(NULL, ""),
	                           S(NULL, "")};
	struct reader_row row = row_of(3, f, N(f));
	struct record rec;
	char err[400], reason[100];

	(void)state;
	assert_int_equal(bind(m, names, err, sizeof(err)), RB_OK);
	assert_string_equal(err, "");
	assert_int_equal(record_from_row(m, &row, &rec, reason, sizeof(reason)),
	                 0);
	assert_value(&rec, SUB, "sub-1", READER_STRING);
	assert_value(&rec, QTY, "3", READER_STRING);
	record_map_free(m);
}

static void test_header_rebind(void **state)
{
	static const char *const first[] = {"subscriptionId", "quantity",
	                                    "usageTime", NULL};
	static const char *const second[] = {"quantity", "subscriptionId", NULL};
	struct record_map *m = map_for(NULL);
	struct reader_field f[] = {S(NULL, "4"), S(NULL, "sub-2"),
	                           S(NULL, "2026-01-01")};
	struct reader_row row = row_of(2, f, N(f));
	struct record rec;
	char err[400], reason[100];

	(void)state;
	assert_int_equal(bind(m, first, err, sizeof(err)), RB_OK);
	/* a second header replaces the first: usageTime's column is gone */
	assert_int_equal(bind(m, second, err, sizeof(err)), RB_OK);
	assert_int_equal(record_from_row(m, &row, &rec, reason, sizeof(reason)),
	                 0);
	assert_value(&rec, SUB, "sub-2", READER_STRING);
	assert_value(&rec, QTY, "4", READER_STRING);
	assert_absent(&rec, TIME);
	record_map_free(m);
}

/* ---- CSV rows ---- */

static void test_csv_short_and_long_rows(void **state)
{
	static const char *const names[] = {"subscriptionId", "quantity",
	                                    "usageTime", "acceptPartialQuantity",
	                                    NULL};
	struct record_map *m = map_for(NULL);
	struct reader_field one[] = {S(NULL, "sub-1")};
	struct reader_field three[] = {S(NULL, "sub-1"), S(NULL, ""),
	                               S(NULL, "2026-01-01T00:00:00Z")};
	struct reader_field six[] = {S("subscriptionId", "s"), S("quantity", "1"),
	                             S("usageTime", "t"),
	                             S("acceptPartialQuantity", "no"),
	                             S(NULL, "x"), S(NULL, "y")};
	struct reader_row row;
	struct record rec;
	char err[400], reason[100];

	(void)state;
	assert_int_equal(bind(m, names, err, sizeof(err)), RB_OK);

	/* fields past the row's end are absent, not empty */
	row = row_of(2, one, N(one));
	assert_int_equal(record_from_row(m, &row, &rec, reason, sizeof(reason)),
	                 0);
	assert_value(&rec, SUB, "sub-1", READER_STRING);
	assert_absent(&rec, QTY);
	assert_absent(&rec, TIME);
	assert_absent(&rec, PART);
	assert_null(rec.v[QTY].text);
	assert_int_equal(rec.v[QTY].len, 0);

	/* an empty field is present, with no text */
	row = row_of(3, three, N(three));
	assert_int_equal(record_from_row(m, &row, &rec, reason, sizeof(reason)),
	                 0);
	assert_int_equal(rec.line, 3);
	assert_true(rec.v[QTY].present);
	assert_int_equal(rec.v[QTY].len, 0);
	assert_value(&rec, TIME, "2026-01-01T00:00:00Z", READER_STRING);
	assert_absent(&rec, PART); /* the earlier row's value is not kept */

	/* extra fields past the header are ignored */
	row = row_of(4, six, N(six));
	assert_int_equal(record_from_row(m, &row, &rec, reason, sizeof(reason)),
	                 0);
	assert_value(&rec, PART, "no", READER_STRING);

	/* no fields at all */
	row = row_of(5, NULL, 0);
	assert_int_equal(record_from_row(m, &row, &rec, reason, sizeof(reason)),
	                 0);
	assert_absent(&rec, SUB);
	assert_absent(&rec, QTY);
	record_map_free(m);
}

/* ---- JSON rows (no header bound) ---- */

static void test_json_members(void **state)
{
	struct record_map *m = map_for(NULL);
	struct reader_field f[] = {
		S("note", "ignored"),
		fld("quantity", "1.5e1", READER_NUMBER),
		S("SUBSCRIPTIONID", "sub-9"),
		fld("usageTime", "null", READER_NULL),
		fld("acceptPartialQuantity", "true", READER_TRUE),
		fld("extra", "{\"a\":1}", READER_COMPOSITE),
	};
	struct reader_row row = row_of(12, f, N(f));
	struct record rec;
	char reason[200] = "";

	(void)state;
	assert_int_equal(record_from_row(m, &row, &rec, reason, sizeof(reason)),
	                 0);
	assert_string_equal(reason, "");
	assert_int_equal(rec.line, 12);
	assert_value(&rec, SUB, "sub-9", READER_STRING);
	assert_value(&rec, QTY, "1.5e1", READER_NUMBER); /* the exact text */
	assert_value(&rec, PART, "true", READER_TRUE);
	/* null means absent, and says it was null */
	assert_false(rec.v[TIME].present);
	assert_int_equal(rec.v[TIME].kind, READER_NULL);
	record_map_free(m);
}

static void test_json_kinds(void **state)
{
	struct record_map *m = map_for(NULL);
	struct reader_field f[] = {
		fld("subscriptionId", "[1,2]", READER_COMPOSITE),
		fld("quantity", "{}", READER_COMPOSITE),
		fld("usageTime", "1767225600", READER_NUMBER),
		fld("acceptPartialQuantity", "false", READER_FALSE),
	};
	struct reader_row row = row_of(1, f, N(f));
	struct record rec;
	char reason[200] = "";

	(void)state;
	/* record does not judge values: kinds go through to the checks */
	assert_int_equal(record_from_row(m, &row, &rec, reason, sizeof(reason)),
	                 0);
	assert_value(&rec, SUB, "[1,2]", READER_COMPOSITE);
	assert_value(&rec, QTY, "{}", READER_COMPOSITE);
	assert_value(&rec, TIME, "1767225600", READER_NUMBER);
	assert_value(&rec, PART, "false", READER_FALSE);
	record_map_free(m);
}

static void test_json_missing_members(void **state)
{
	struct record_map *m = map_for(NULL);
	struct reader_field f[] = {S("quantity", "2")};
	struct reader_row row = row_of(4, f, N(f));
	struct record rec;
	char reason[200] = "";

	(void)state;
	memset(&rec, 0x5a, sizeof(rec));
	assert_int_equal(record_from_row(m, &row, &rec, reason, sizeof(reason)),
	                 0);
	assert_absent(&rec, SUB);
	assert_null(rec.v[SUB].text);
	assert_value(&rec, QTY, "2", READER_STRING);
	assert_absent(&rec, TIME);
	assert_absent(&rec, PART);
	/* an empty object */
	row = row_of(5, NULL, 0);
	assert_int_equal(record_from_row(m, &row, &rec, reason, sizeof(reason)),
	                 0);
	assert_absent(&rec, QTY);
	record_map_free(m);
}

static void test_json_two_spellings(void **state)
{
	struct record_map *m = map_for(NULL);
	struct reader_field f[] = {S("subscriptionId", "s"), S("quantity", "1"),
	                           fld("Quantity", "2", READER_NUMBER)};
	struct reader_field g[] = {S("SubscriptionId", "s"),
	                           fld("subscriptionID", "null", READER_NULL),
	                           S("quantity", "1")};
	struct reader_row row = row_of(8, f, N(f));
	struct record rec;
	char reason[200] = "";

	(void)state;
	assert_int_equal(record_from_row(m, &row, &rec, reason, sizeof(reason)),
	                 -1);
	assert_string_equal(reason, "members 'quantity' and 'Quantity' both give "
	                            "quantity; keep one");
	/* even when one of them is null */
	row = row_of(9, g, N(g));
	assert_int_equal(record_from_row(m, &row, &rec, reason, sizeof(reason)),
	                 -1);
	assert_string_equal(reason, "members 'SubscriptionId' and "
	                            "'subscriptionID' both give subscriptionId; "
	                            "keep one");
	record_map_free(m);
}

static void test_json_map(void **state)
{
	/* --map quantity=amount --map usageTime=ts */
	static const char *const maps[] = {"1", "amount", "2", "ts", NULL};
	struct record_map *m = map_for(maps);
	struct reader_field f[] = {S("subscriptionId", "s"),
	                           fld("quantity", "1", READER_NUMBER),
	                           fld("Amount", "7", READER_NUMBER),
	                           S("usageTime", "ignored"),
	                           S("TS", "2026-01-01T00:00:00Z")};
	struct reader_field g[] = {fld("amount", "1", READER_NUMBER),
	                           fld("AMOUNT", "2", READER_NUMBER)};
	struct reader_row row = row_of(2, f, N(f));
	struct record rec;
	char reason[200] = "";

	(void)state;
	/* the mapped member, in any case; the usual names are plain members */
	assert_int_equal(record_from_row(m, &row, &rec, reason, sizeof(reason)),
	                 0);
	assert_value(&rec, QTY, "7", READER_NUMBER);
	assert_value(&rec, TIME, "2026-01-01T00:00:00Z", READER_STRING);
	row = row_of(3, g, N(g));
	assert_int_equal(record_from_row(m, &row, &rec, reason, sizeof(reason)),
	                 -1);
	assert_string_equal(reason, "members 'amount' and 'AMOUNT' both give "
	                            "quantity; keep one");
	record_map_free(m);
}

static void test_json_long_names(void **state)
{
	/* names of 8 bytes and more are compared a word at a time: the same
	 * length but a different last or first byte must not match */
	struct record_map *m = map_for(NULL);
	struct reader_field f[] = {S("subscriptionIx", "no"),
	                           S("xubscriptionId", "no"),
	                           S("acceptPartialQuantitY", "yes"),
	                           S("quantitx", "no"), S("quantity", "5")};
	struct reader_row row = row_of(2, f, N(f));
	struct record rec;
	char reason[200] = "";

	(void)state;
	assert_int_equal(record_from_row(m, &row, &rec, reason, sizeof(reason)),
	                 0);
	assert_absent(&rec, SUB);
	assert_value(&rec, PART, "yes", READER_STRING);
	assert_value(&rec, QTY, "5", READER_STRING);
	record_map_free(m);
}

/* ---- loose names: case, spaces, '_' and '-' ignored ---- */

static void test_header_loose_names(void **state)
{
	static const char *const names[] = {"Subscription ID", "QUANTITY",
	                                    "usage_time", "accept-partial-quantity",
	                                    "usage", NULL};
	static const char *const two[] = {"usageTime", "subscriptionId",
	                                  "quantity", "Usage Time", NULL};
	static const char *const maps[] = {"1", "units_used", NULL};
	static const char *const mapped[] = {"subscription_id", "Units Used",
	                                     "UNITS-USED-2", NULL};
	struct record_map *m = map_for(NULL);
	struct reader_field f[] = {S(NULL, "sub-1"), S(NULL, "2"),
	                           S(NULL, "2026-01-01T00:00:00Z"),
	                           S(NULL, "no"), S(NULL, "x")};
	struct reader_row row = row_of(2, f, N(f));
	struct record rec;
	char err[400], reason[100];

	(void)state;
	assert_int_equal(bind(m, names, err, sizeof(err)), RB_OK);
	assert_int_equal(record_from_row(m, &row, &rec, reason, sizeof(reason)),
	                 0);
	assert_value(&rec, SUB, "sub-1", READER_STRING);
	assert_value(&rec, QTY, "2", READER_STRING);
	assert_value(&rec, TIME, "2026-01-01T00:00:00Z", READER_STRING);
	assert_value(&rec, PART, "no", READER_STRING);
	/* two spellings of one field: both named */
	assert_int_equal(bind(m, two, err, sizeof(err)), RB_EINPUT);
	assert_string_equal(err, "line 1: columns 1 ('usageTime') and 4 "
	                         "('Usage Time') both name usageTime; rename "
	                         "one or choose with --map usageTime=COLUMN");
	record_map_free(m);

	/* --map names match the same way */
	m = map_for(maps);
	assert_int_equal(bind(m, mapped, err, sizeof(err)), RB_OK);
	row = row_of(2, f, 3);
	assert_int_equal(record_from_row(m, &row, &rec, reason, sizeof(reason)),
	                 0);
	assert_value(&rec, QTY, "2", READER_STRING);
	record_map_free(m);
}

static void test_json_loose_names(void **state)
{
	struct record_map *m = map_for(NULL);
	struct reader_field f[] = {S("subscription_id", "s"),
	                           fld("Quantity", "1", READER_NUMBER),
	                           S("usage-time", "t"),
	                           S("ACCEPT PARTIAL QUANTITY", "yes"),
	                           S("subscriptionIdx", "no"),
	                           S("usage", "no")};
	struct reader_field g[] = {S("usage_time", "a"), S("usageTime", "b"),
	                           S("subscriptionId", "s"), S("quantity", "1")};
	struct reader_row row = row_of(3, f, N(f));
	struct record rec;
	char reason[200] = "";

	(void)state;
	assert_int_equal(record_from_row(m, &row, &rec, reason, sizeof(reason)),
	                 0);
	assert_value(&rec, SUB, "s", READER_STRING);
	assert_value(&rec, QTY, "1", READER_NUMBER);
	assert_value(&rec, TIME, "t", READER_STRING);
	assert_value(&rec, PART, "yes", READER_STRING);
	row = row_of(4, g, N(g));
	assert_int_equal(record_from_row(m, &row, &rec, reason, sizeof(reason)),
	                 -1);
	assert_string_equal(reason, "members 'usage_time' and 'usageTime' both "
	                            "give usageTime; keep one");
	record_map_free(m);
}

/* ---- the header splits on another delimiter ---- */

static void test_header_other_delimiter_hint(void **state)
{
	static const char *const semi[] = {"subscriptionId;quantity;usageTime",
	                                   NULL};
	static const char *const tab[] = {"Subscription Id\tQuantity\tusageTime",
	                                  NULL};
	static const char *const comma[] = {"subscriptionId,quantity", NULL};
	static const char *const not_names[] = {"a;b;c", NULL};
	static const char *const half[] = {"subscriptionId", "note;quantity",
	                                   NULL};
	static const char *const maps[] = {"1", "units", NULL};
	static const char *const mapped[] = {"sub;units", NULL};
	struct record_map *m = map_for(NULL);
	char err[400];

	(void)state;
	assert_int_equal(bind(m, semi, err, sizeof(err)), RB_EINPUT);
	assert_string_equal(err, "line 1: no 'subscriptionId' column; the header "
	                         "looks ';'-separated: pass --delimiter ';'");
	assert_int_equal(bind(m, tab, err, sizeof(err)), RB_EINPUT);
	assert_string_equal(err, "line 1: no 'subscriptionId' column; the header "
	                         "looks tab-separated: pass --delimiter tab");
	assert_int_equal(bind(m, comma, err, sizeof(err)), RB_EINPUT);
	assert_string_equal(err, "line 1: no 'subscriptionId' column; the header "
	                         "looks ','-separated: pass --delimiter ','");
	/* names that bind nothing: no hint */
	assert_int_equal(bind(m, not_names, err, sizeof(err)), RB_EINPUT);
	assert_string_equal(err, "line 1: no 'subscriptionId' column in the "
	                         "header; name it so, or pass --map "
	                         "subscriptionId=COLUMN (or --columns for a file "
	                         "without a header)");
	/* a later name that splits into the missing one */
	assert_int_equal(bind(m, half, err, sizeof(err)), RB_EINPUT);
	assert_string_equal(err, "line 1: no 'quantity' column; the header looks "
	                         "';'-separated: pass --delimiter ';'");
	record_map_free(m);
	/* mapped names count; one of the two is enough to tell */
	m = map_for(maps);
	assert_int_equal(bind(m, mapped, err, sizeof(err)), RB_EINPUT);
	assert_string_equal(err, "line 1: no 'subscriptionId' column; the header "
	                         "looks ';'-separated: pass --delimiter ';'");
	record_map_free(m);
	m = map_for((const char *const[]){"0", "sub", "1", "units", NULL});
	assert_int_equal(bind(m, mapped, err, sizeof(err)), RB_EINPUT);
	assert_string_equal(err, "line 1: no 'sub' column; the header looks "
	                         "';'-separated: pass --delimiter ';'");
	record_map_free(m);
}

/* ---- nested JSON members: --map FIELD=a.b ---- */

#define C(n, v) fld(n, v, READER_COMPOSITE)

static void test_json_nested_paths(void **state)
{
	static const char *const maps[] = {"0", "subscription.id", "1",
	                                   "usage.amount.value", NULL};
	struct record_map *m = map_for(maps);
	struct reader_field f[] = {
		C("subscription", "{\"plan\":\"p\",\"id\":\"sub-1\"}"),
		C("Usage", "{\"amount\":{\"value\":2.5,\"unit\":\"GB\"}}"),
		S("subscriptionId", "ignored"),
	};
	struct reader_row row = row_of(2, f, N(f));
	struct record rec;
	char reason[300] = "";

	(void)state;
	assert_int_equal(record_from_row(m, &row, &rec, reason, sizeof(reason)),
	                 0);
	assert_string_equal(reason, "");
	assert_value(&rec, SUB, "sub-1", READER_STRING);
	assert_value(&rec, QTY, "2.5", READER_NUMBER);
	/* borrowed from the row when there is nothing to decode */
	assert_ptr_equal(rec.v[SUB].text, f[0].value + 18);

	/* escapes in names and values are decoded; names match loosely */
	{
		struct reader_field g[] = {
			C("subscription", "{\"I\\u0044\":\"sub-\\u0032\"}"),
			C("usage", "{\"Amount\":{\"value\":\"7\"}}"),
		};
		row = row_of(3, g, N(g));
		assert_int_equal(record_from_row(m, &row, &rec, reason,
		                                 sizeof(reason)),
		                 0);
		assert_value(&rec, SUB, "sub-2", READER_STRING);
		assert_value(&rec, QTY, "7", READER_STRING);
	}
	record_map_free(m);
}

static void test_json_nested_missing_and_wrong(void **state)
{
	static const char *const maps[] = {"0", "subscription.id", "1", "u.v.w",
	                                   NULL};
	struct record_map *m = map_for(maps);
	struct record rec;
	char reason[300] = "";
	struct reader_row row;
	size_t i;
	static const struct {
		const char *sub, *u; /* the members' raw texts; NULL: absent */
		enum reader_kind sub_kind, u_kind;
		const char *reason; /* NULL: fine, quantity absent */
	} cases[] = {
		/* missing or null on the way: the field is missing */
		{"{\"id\":\"s\"}", NULL, READER_COMPOSITE, 0, NULL},
		{"{\"id\":\"s\"}", "{}", READER_COMPOSITE, READER_COMPOSITE, NULL},
		{"{\"id\":\"s\"}", "{\"v\":null}", READER_COMPOSITE,
		 READER_COMPOSITE, NULL},
		{"{\"id\":\"s\"}", "null", READER_COMPOSITE, READER_NULL, NULL},
		{"{\"id\":\"s\"}", "{\"v\":{\"x\":1}}", READER_COMPOSITE,
		 READER_COMPOSITE, NULL},
		{"{\"id\":\"s\"}", "{\"v\":{\"w\":null}}", READER_COMPOSITE,
		 READER_COMPOSITE, NULL},
		/* through something that is not an object: a reason */
		{"\"sub-1\"", NULL, READER_STRING, 0,
		 "subscriptionId: member 'subscription' is a string, not an "
		 "object holding 'id' (--map subscriptionId=subscription.id)"},
		{"[{\"id\":\"s\"}]", NULL, READER_COMPOSITE, 0,
		 "subscriptionId: member 'subscription' is an array, not an "
		 "object holding 'id' (--map subscriptionId=subscription.id)"},
		{"{\"id\":\"s\"}", "{\"v\":5}", READER_COMPOSITE,
		 READER_COMPOSITE,
		 "quantity: member 'v' is a number, not an object holding 'w' "
		 "(--map quantity=u.v.w)"},
		{"{\"id\":\"s\"}", "{\"v\":true}", READER_COMPOSITE,
		 READER_COMPOSITE,
		 "quantity: member 'v' is a boolean, not an object holding 'w' "
		 "(--map quantity=u.v.w)"},
		/* a name twice on the way, or two spellings */
		{"{\"id\":\"s\",\"id\":\"t\"}", NULL, READER_COMPOSITE, 0,
		 "member 'id' appears twice in 'subscription'"},
		{"{\"id\":\"s\",\"ID\":\"t\"}", NULL, READER_COMPOSITE, 0,
		 "members 'id' and 'ID' both give subscriptionId; keep one"},
	};

	(void)state;
	for (i = 0; i < N(cases); i++) {
		struct reader_field f[2];
		size_t n = 0;

		f[n++] = fld("subscription", cases[i].sub, cases[i].sub_kind);
		if (cases[i].u)
			f[n++] = fld("u", cases[i].u, cases[i].u_kind);
		row = row_of(5, f, n);
		reason[0] = 0;
		if (!cases[i].reason) {
			if (record_from_row(m, &row, &rec, reason, sizeof(reason)))
				fail_msg("case %zu: %s", i, reason);
			assert_value(&rec, SUB, "s", READER_STRING);
			assert_false(rec.v[QTY].present);
			continue;
		}
		if (!record_from_row(m, &row, &rec, reason, sizeof(reason)))
			fail_msg("case %zu: no reason", i);
		assert_string_equal(reason, cases[i].reason);
	}
	record_map_free(m);
}

static void test_json_nested_quoted_and_shared(void **state)
{
	/* a member whose name holds a dot, quoted; two fields in one object */
	static const char *const maps[] = {"0", "\"sub.scription\".id", "1",
	                                   "sub.scription", "2", "\"a.b\"", NULL};
	struct record_map *m = map_for(maps);
	struct reader_field f[] = {
		C("sub.scription", "{\"id\":\"s-1\"}"),
		C("sub", "{\"scription\":3}"),
		S("a.b", "2026-01-01T00:00:00Z"),
		C("a", "{\"b\":\"wrong\"}"),
	};
	struct reader_row row = row_of(2, f, N(f));
	struct record rec;
	char reason[300] = "";

	(void)state;
	assert_int_equal(record_from_row(m, &row, &rec, reason, sizeof(reason)),
	                 0);
	assert_value(&rec, SUB, "s-1", READER_STRING);
	assert_value(&rec, QTY, "3", READER_NUMBER);
	assert_value(&rec, TIME, "2026-01-01T00:00:00Z", READER_STRING);
	record_map_free(m);

	/* two fields from one object */
	{
		static const char *const two[] = {"0", "s.id", "1", "s.q", NULL};
		struct reader_field g[] = {C("s", "{\"q\":1,\"id\":\"x\"}")};
		m = map_for(two);
		row = row_of(2, g, N(g));
		assert_int_equal(record_from_row(m, &row, &rec, reason,
		                                 sizeof(reason)),
		                 0);
		assert_value(&rec, SUB, "x", READER_STRING);
		assert_value(&rec, QTY, "1", READER_NUMBER);
		record_map_free(m);
	}
}

static void test_csv_dotted_map_names_a_column(void **state)
{
	/* in CSV, a path's names joined by dots name a column */
	static const char *const maps[] = {"0", "subscription.id", "1",
	                                   "\"qty.total\"", NULL};
	static const char *const names[] = {"Subscription.ID", "qty.total",
	                                    NULL};
	struct record_map *m = map_for(maps);
	struct reader_field f[] = {S(NULL, "s"), S(NULL, "4")};
	struct reader_row row = row_of(2, f, N(f));
	struct record rec;
	char err[300], reason[100];

	(void)state;
	assert_int_equal(bind(m, names, err, sizeof(err)), RB_OK);
	assert_int_equal(record_from_row(m, &row, &rec, reason, sizeof(reason)),
	                 0);
	assert_value(&rec, SUB, "s", READER_STRING);
	assert_value(&rec, QTY, "4", READER_STRING);
	record_map_free(m);
}

static void test_unparsed_map_name_taken_whole(void **state)
{
	/* cli.c refuses these; a map made from them anyway (tests, fuzzers)
	 * reads each as one name, as written */
	static const char *const maps[] = {"0", "a..b", "1", "\"q", NULL};
	struct record_map *m = map_for(maps);
	struct reader_field f[] = {S("a..b", "s"), S("\"q", "1")};
	struct reader_row row = row_of(2, f, N(f));
	struct record rec;
	char reason[100];

	(void)state;
	assert_int_equal(record_from_row(m, &row, &rec, reason, sizeof(reason)),
	                 0);
	assert_value(&rec, SUB, "s", READER_STRING);
	assert_value(&rec, QTY, "1", READER_STRING);
	record_map_free(m);
}

static void test_map_free_null(void **state)
{
	(void)state;
	record_map_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_any_case_any_order),
		cmocka_unit_test(test_header_missing_required),
		cmocka_unit_test(test_header_usage_time_required_only_when_asked),
		cmocka_unit_test(test_header_map),
		cmocka_unit_test(test_header_duplicate_mapped_column),
		cmocka_unit_test(test_header_duplicate_unmapped_columns_fine),
		cmocka_unit_test(test_header_rebind),
		cmocka_unit_test(test_csv_short_and_long_rows),
		cmocka_unit_test(test_json_members),
		cmocka_unit_test(test_json_kinds),
		cmocka_unit_test(test_json_missing_members),
		cmocka_unit_test(test_json_two_spellings),
		cmocka_unit_test(test_json_map),
		cmocka_unit_test(test_json_long_names),
		cmocka_unit_test(test_header_loose_names),
		cmocka_unit_test(test_json_loose_names),
		cmocka_unit_test(test_header_other_delimiter_hint),
		cmocka_unit_test(test_json_nested_paths),
		cmocka_unit_test(test_json_nested_missing_and_wrong),
		cmocka_unit_test(test_json_nested_quoted_and_shared),
		cmocka_unit_test(test_csv_dotted_map_names_a_column),
		cmocka_unit_test(test_unparsed_map_name_taken_whole),
		cmocka_unit_test(test_map_free_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
