/* Tests for fieldname: loose name matching (case, spaces, '_' and '-'
 * ignored; nothing else) and the --map path syntax (dots, quoted names with
 * doubled quotes, and each way a path can be malformed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fieldname.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_norm(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"usageTime", "usagetime"},
		{"usage_time", "usagetime"},
		{"Usage Time", "usagetime"},
		{"USAGE-TIME", "usagetime"},
		{" _-", ""},
		{"a.b", "a.b"},          /* dots are kept */
		{"a\tb", "a\tb"},        /* tabs are not spaces here */
		{"Caf\xc3\xa9", "caf\xc3\xa9"}, /* only ASCII is folded */
		{"\xc3\x89T\xc3\x89", "\xc3\x89t\xc3\x89"},
	};
	char out[64];
	size_t i, n;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		n = fieldname_norm(cases[i].in, strlen(cases[i].in), out);
		out[n] = 0;
		assert_string_equal(out, cases[i].out);
	}
}

static void test_matches(void **state)
{
	static const struct {
		const char *name, *norm;
		bool match;
	} cases[] = {
		{"subscriptionId", "subscriptionid", true},
		{"Subscription ID", "subscriptionid", true},
		{"subscription_id", "subscriptionid", true},
		{"-subscription--id-", "subscriptionid", true},
		{"subscriptionIds", "subscriptionid", false},
		{"subscriptionI", "subscriptionid", false},
		{"subscription.id", "subscriptionid", false},
		{"", "subscriptionid", false},
		{"___", "", false},     /* an empty name matches nothing */
		{"", "", false},
		{"qty", "quantity", false},
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++)
		if (fieldname_matches(cases[i].name, strlen(cases[i].name),
		                      cases[i].norm, strlen(cases[i].norm)) !=
		    cases[i].match)
			fail_msg("'%s' vs '%s': want %d", cases[i].name,
			         cases[i].norm, cases[i].match);
}

static void test_path(void **state)
{
	static const struct {
		const char *spec;
		const char *segs[4];
		const char *flat;
	} cases[] = {
		{"units", {"units"}, "units"},
		{"subscription.id", {"subscription", "id"}, "subscription.id"},
		{"a.b.c", {"a", "b", "c"}, "a.b.c"},
		{"\"a.b\"", {"a.b"}, "a.b"},
		{"x.\"a.b\".y", {"x", "a.b", "y"}, "x.a.b.y"},
		{"\"say \"\"hi\"\"\"", {"say \"hi\""}, "say \"hi\""},
		{"\"\"\"\"", {"\""}, "\""},
		{"Usage Time", {"Usage Time"}, "Usage Time"},
	};
	struct fieldname_path *p;
	char err[200];
	size_t i, k;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		err[0] = 0;
		assert_int_equal(fieldname_path_parse(cases[i].spec, &p, err,
		                                      sizeof(err)),
		                 RB_OK);
		assert_string_equal(err, "");
		for (k = 0; k < 4 && cases[i].segs[k]; k++) {
			assert_int_equal(p->len[k], strlen(cases[i].segs[k]));
			assert_memory_equal(p->seg[k], cases[i].segs[k], p->len[k]);
		}
		assert_int_equal(p->nseg, k);
		assert_int_equal(p->flat_len, strlen(cases[i].flat));
		assert_string_equal(p->flat, cases[i].flat);
		fieldname_path_free(p);
	}
	fieldname_path_free(NULL);
}

static void test_path_refused(void **state)
{
	static const struct {
		const char *spec, *err;
	} cases[] = {
		{"", "an empty name in ''"},
		{".a", "an empty name in '.a'"},
		{"a.", "an empty name in 'a.'"},
		{"a..b", "an empty name in 'a..b'"},
		{"\"\"", "an empty name in '\"\"'"},
		{"\"a.b", "unterminated quote in '\"a.b'"},
		{"\"a\"b", "text after a closing quote in '\"a\"b' (a quoted name "
		           "ends at a dot or the end)"},
		{"a\"b\"", "a quote inside the name in 'a\"b\"' (quote the whole "
		           "name and double the quotes in it)"},
	};
	struct fieldname_path *p = (struct fieldname_path *)1;
	char err[200];
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		assert_int_equal(fieldname_path_parse(cases[i].spec, &p, err,
		                                      sizeof(err)),
		                 RB_EUSAGE);
		assert_null(p);
		assert_string_equal(err, cases[i].err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_norm),
		cmocka_unit_test(test_matches),
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_path_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
