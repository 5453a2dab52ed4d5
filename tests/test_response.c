/* Server replies: created ids, error lines, usage lists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "response.h"

#define S(lit) lit, sizeof(lit) - 1

static void id_from_body(void **state)
{
	char id[128];

	(void)state;
	assert_true(response_usage_id(S("{\"id\":\"usg_1\",\"quantity\":5}"),
	                              "http://x/organizations/o/usages/usg_2",
	                              id, sizeof(id)));
	assert_string_equal(id, "usg_1");
	/* escapes decoded */
	assert_true(response_usage_id(S("{\"id\":\"a\\u0062c\"}"), NULL, id,
	                              sizeof(id)));
	assert_string_equal(id, "abc");
}

static void id_from_location(void **state)
{
	char id[128];

	(void)state;
	/* no body, a body without id, a body that is not JSON, an id that is
	 * not a string: Location decides */
	assert_true(response_usage_id(NULL, 0,
	                              "https://api.rebilly.com/organizations/o/usages/u-9",
	                              id, sizeof(id)));
	assert_string_equal(id, "u-9");
	assert_true(response_usage_id(S("{\"quantity\":5}"), "/usages/u-8", id,
	                              sizeof(id)));
	assert_string_equal(id, "u-8");
	assert_true(response_usage_id(S("<html>"), "/usages/u-7?x=1\r\n", id,
	                              sizeof(id)));
	assert_string_equal(id, "u-7");
	assert_true(response_usage_id(S("{\"id\":5}"), "/usages/u-6", id, sizeof(id)));
	assert_string_equal(id, "u-6");
	/* nothing usable */
	assert_false(response_usage_id(S("{}"), NULL, id, sizeof(id)));
	assert_string_equal(id, "");
	assert_false(response_usage_id(S("{}"), "usg", id, sizeof(id)));
	assert_false(response_usage_id(S("{\"id\":\"\"}"), "/usages/", id, sizeof(id)));
	assert_false(response_usage_id(S("{\"id\":\"a b\"}"), NULL, id, sizeof(id)));
	/* too long for the buffer */
	assert_false(response_usage_id(S("{\"id\":\"abcdefgh\"}"), "/x/abcdefgh",
	                               id, 8));
}

static void invalid_fields_joined(void **state)
{
	char r[1024];
	static const char body[] =
		"{\"type\":\"https://www.rebilly.com/catalog/errors/validation\","
		"\"title\":\"Invalid data\",\"status\":422,\"detail\":\"Validation failed\","
		"\"invalidFields\":[{\"field\":\"quantity\",\"message\":\"must be at "
		"least 0.001\"},{\"field\":\"usageTime\",\"message\":\"invalid "
		"date-time\"}]}";

	(void)state;
	response_error_reason(422, body, sizeof(body) - 1, r, sizeof(r));
	assert_string_equal(r, "HTTP 422: quantity: must be at least 0.001; "
	                       "usageTime: invalid date-time");
	/* a message repeating its field name is not said twice; one without
	 * a field stands alone; entries without a message are skipped */
	response_error_reason(422, S("{\"invalidFields\":[{\"field\":\"quantity\","
	                             "\"message\":\"quantity must be a number\"},"
	                             "{\"message\":\"bad row\"},{\"field\":\"x\"}]}"),
	                      r, sizeof(r));
	assert_string_equal(r, "HTTP 422: quantity: must be a number; bad row");
	/* empty invalidFields: detail */
	response_error_reason(422, S("{\"invalidFields\":[],\"detail\":\"d\"}"),
	                      r, sizeof(r));
	assert_string_equal(r, "HTTP 422: d");
}

static void detail_then_title(void **state)
{
	char r[1024];

	(void)state;
	response_error_reason(409, S("{\"title\":\"Conflict\",\"detail\":\"usage "
	                             "is invoiced\"}"), r, sizeof(r));
	assert_string_equal(r, "HTTP 409: usage is invoiced");
	response_error_reason(401, S("{\"title\":\"Unauthorized\",\"detail\":\"\"}"),
	                      r, sizeof(r));
	assert_string_equal(r, "HTTP 401: Unauthorized");
	response_error_reason(400, S("{\"error\":\"bad\"}"), r, sizeof(r));
	assert_string_equal(r, "HTTP 400: bad");
}

static void non_json_body(void **state)
{
	char r[1024], big[600];

	(void)state;
	response_error_reason(502, S("<html>\r\n<body>Bad\tGateway</body>\n</html>"),
	                      r, sizeof(r));
	assert_string_equal(r, "HTTP 502: <html> <body>Bad Gateway</body> </html>");
	/* only the first 200 printable bytes */
	memset(big, 'x', sizeof(big));
	response_error_reason(500, big, sizeof(big), r, sizeof(r));
	assert_int_equal(strlen(r), strlen("HTTP 500: ") + 200);
	/* empty: the status's phrase */
	response_error_reason(503, "", 0, r, sizeof(r));
	assert_string_equal(r, "HTTP 503: Service Unavailable");
	response_error_reason(503, NULL, 0, r, sizeof(r));
	assert_string_equal(r, "HTTP 503: Service Unavailable");
	/* JSON that says nothing we know: its text */
	response_error_reason(500, S("[1,2]"), r, sizeof(r));
	assert_string_equal(r, "HTTP 500: [1,2]");
}

static void control_chars_stripped(void **state)
{
	char r[1024];
	size_t i;

	(void)state;
	response_error_reason(500, S("a\x01\x1b[31mb\x7f\x00" "c\n\nd \xff\xc3\xa9"),
	                      r, sizeof(r));
	assert_string_equal(r, "HTTP 500: a[31mbc d \xc3\xa9");
	/* escapes inside JSON strings decode to control characters too */
	response_error_reason(422, S("{\"detail\":\"line1\\nline2\\u0007\\t!\"}"),
	                      r, sizeof(r));
	assert_string_equal(r, "HTTP 422: line1 line2 !");
	for (i = 0; r[i]; i++)
		assert_true((unsigned char)r[i] >= 0x20);
}

static void small_output_buffer(void **state)
{
	char r[16];

	(void)state;
	response_error_reason(422, S("{\"detail\":\"a long explanation\"}"), r,
	                      sizeof(r));
	assert_int_equal(strlen(r), 15);
	assert_memory_equal(r, "HTTP 422: a lon", 15);
	/* a UTF-8 character is never cut in two */
	response_error_reason(422, S("{\"detail\":\"abcd\xc3\xa9\"}"), r, sizeof(r));
	assert_string_equal(r, "HTTP 422: abcd");
}

struct seen {
	int n;
	int stop_at;
	struct response_usage u[4];
};

static int collect(void *ctx, const struct response_usage *u)
{
	struct seen *s = ctx;

	if (s->n < 4)
		s->u[s->n] = *u;
	s->n++;
	return s->n == s->stop_at;
}

static void list_parsing(void **state)
{
	static const char body[] =
		"[{\"id\":\"u1\",\"subscriptionId\":\"sub-1\",\"quantity\":5.250,"
		"\"usageTime\":\"2024-05-01T12:00:00Z\",\"invoiceId\":null,"
		"\"_links\":[{\"rel\":\"self\",\"href\":\"x\"}]},"
		"{\"id\":\"u2\",\"subscriptionId\":\"s\\/2\",\"quantity\":\"7\","
		"\"usageTime\":null}]";
	struct seen s;
	char reason[200];

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(response_usage_list(S(body), collect, &s, reason,
	                                     sizeof(reason)), RB_OK);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.u[0].id, "u1");
	assert_string_equal(s.u[0].subscription_id, "sub-1");
	assert_string_equal(s.u[0].quantity, "5.250"); /* raw text, not 5.25 */
	assert_true(s.u[0].quantity_is_number);
	assert_string_equal(s.u[0].usage_time, "2024-05-01T12:00:00Z");
	assert_string_equal(s.u[1].subscription_id, "s/2");
	assert_string_equal(s.u[1].quantity, "7");
	assert_false(s.u[1].quantity_is_number);
	assert_string_equal(s.u[1].usage_time, "");

	memset(&s, 0, sizeof(s));
	assert_int_equal(response_usage_list(S("[]"), collect, &s, reason,
	                                     sizeof(reason)), RB_OK);
	assert_int_equal(s.n, 0);

	/* the callback stops the walk */
	memset(&s, 0, sizeof(s));
	s.stop_at = 1;
	assert_int_equal(response_usage_list(S(body), collect, &s, reason,
	                                     sizeof(reason)), RB_OK);
	assert_int_equal(s.n, 1);
}

static void list_many_elements(void **state)
{
	static char body[200000];
	struct seen s;
	char reason[200];
	size_t len = 0;
	int i;

	(void)state;
	memset(&s, 0, sizeof(s));
	body[len++] = '[';
	for (i = 0; i < 2000; i++)
		len += (size_t)snprintf(body + len, sizeof(body) - len,
		                        "%s{\"id\":\"u%d\",\"subscriptionId\":\"s\","
		                        "\"quantity\":1,\"usageTime\":\"t\"}",
		                        i ? "," : "", i);
	body[len++] = ']';
	assert_int_equal(response_usage_list(body, len, collect, &s, reason,
	                                     sizeof(reason)), RB_OK);
	assert_int_equal(s.n, 2000);
}

static void list_errors(void **state)
{
	struct seen s;
	char reason[200];

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(response_usage_list(S("{\"id\":\"u\"}"), collect, &s,
	                                     reason, sizeof(reason)), RB_EINPUT);
	assert_string_equal(reason, "usage list is not a JSON array");
	assert_int_equal(response_usage_list(S("[1]"), collect, &s, reason,
	                                     sizeof(reason)), RB_EINPUT);
	assert_int_equal(response_usage_list(S("[{\"id\":\"u\"},"), collect, &s,
	                                     reason, sizeof(reason)), RB_EINPUT);
	assert_int_equal(response_usage_list(S("[{\"quantity\":{}}]"), collect, &s,
	                                     reason, sizeof(reason)), RB_EINPUT);
	assert_string_equal(reason, "usage list element 1: unusable 'quantity'");
	assert_int_equal(response_usage_list(S("[{\"quantity\":true}]"), collect,
	                                     &s, reason, sizeof(reason)), RB_EINPUT);
	assert_int_equal(response_usage_list("", 0, collect, &s, reason,
	                                     sizeof(reason)), RB_EINPUT);
	assert_int_equal(s.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(id_from_body),
		cmocka_unit_test(id_from_location),
		cmocka_unit_test(invalid_fields_joined),
		cmocka_unit_test(detail_then_title),
		cmocka_unit_test(non_json_body),
		cmocka_unit_test(control_chars_stripped),
		cmocka_unit_test(small_output_buffer),
		cmocka_unit_test(list_parsing),
		cmocka_unit_test(list_many_elements),
		cmocka_unit_test(list_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
