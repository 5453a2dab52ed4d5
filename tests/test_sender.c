/* The transport against scripts/fake-rebilly on loopback: exactly one usage
 * per POST, no silent re-send after a lost reply, retries, 429 pauses, auth
 * stops, refusals with the server's words, real concurrency, aborts. Each
 * test starts its own fake server and stops it by PID in its teardown. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "config.h"
#include "endpoint.h"
#include "clock.h"
#include "sender.h"

#define KEY "sk_test_sender"
#define ORG "org-sender"
#define USAGE "{\"subscriptionId\":\"sub-1\",\"quantity\":5.25," \
              "\"usageTime\":\"2024-05-01T12:00:00Z\"}"

struct fake {
	pid_t pid;
	char url[64];
};

/* ---- the fake server ---- */

static pid_t live_pid; /* for the exit handler, should a test crash */

static void kill_live(void)
{
	if (live_pid > 0) {
		kill(live_pid, SIGKILL);
		waitpid(live_pid, NULL, 0);
		live_pid = 0;
	}
}

/* Starts scripts/fake-rebilly with extra arguments (NULL-terminated) and
 * reads its "listening on URL" line. */
static struct fake *fake_start(const char *const *extra)
{
	const char *top = getenv("TOP");
	char script[4096], line[256];
	const char *argv[40];
	struct fake *f;
	int fds[2], n = 0;
	size_t len = 0;
	struct pollfd pfd;

	snprintf(script, sizeof(script), "%s/scripts/fake-rebilly",
	         top && *top ? top : ".");
	argv[n++] = "python3";
	argv[n++] = script;
	argv[n++] = "--port";
	argv[n++] = "0";
	argv[n++] = "--api-key";
	argv[n++] = KEY;
	argv[n++] = "--org";
	argv[n++] = ORG;
	argv[n++] = "--seed";
	argv[n++] = "7";
	while (extra && *extra && n < 38)
		argv[n++] = *extra++;
	argv[n] = NULL;

	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	assert_int_equal(pipe(fds), 0);
	f->pid = fork();
	assert_true(f->pid >= 0);
	if (f->pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execvp("python3", (char *const *)argv);
		_exit(127);
	}
	live_pid = f->pid;
	close(fds[1]);
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	while (len < sizeof(line) - 1 && (len == 0 || line[len - 1] != '\n')) {
		ssize_t r;

		if (poll(&pfd, 1, 15000) <= 0)
			break;
		r = read(fds[0], line + len, sizeof(line) - 1 - len);
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	line[len] = 0;
	close(fds[0]); /* the fake writes nothing more on stdout */
	if (sscanf(line, "listening on %63s", f->url) != 1) {
		kill_live();
		fail_msg("fake-rebilly did not start: '%s'", line);
	}
	return f;
}

static int fake_stop(void **state)
{
	struct fake *f = *state;

	if (f) {
		kill(f->pid, SIGTERM);
		waitpid(f->pid, NULL, 0);
		if (live_pid == f->pid)
			live_pid = 0;
		free(f);
		*state = NULL;
	}
	return 0;
}

/* ---- talking to the fake's test routes ---- */

static char *strndup_(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	assert_non_null(p);
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

struct text {
	char *p;
	size_t n;
};

static size_t gather(char *d, size_t sz, size_t nm, void *u)
{
	struct text *t = u;
	char *p = realloc(t->p, t->n + sz * nm + 1);

	assert_non_null(p);
	memcpy(p + t->n, d, sz * nm);
	t->n += sz * nm;
	p[t->n] = 0;
	t->p = p;
	return sz * nm;
}

/* GET url+path, the body as a malloc'd string. */
static char *fetch(const struct fake *f, const char *path)
{
	struct text t = {NULL, 0};
	char url[256];
	CURL *e = curl_easy_init();

	snprintf(url, sizeof(url), "%s%s", f->url, path);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, gather);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
	if (!strncmp(url, "https:", 6))
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L); /* test route only */
	assert_int_equal(curl_easy_perform(e), CURLE_OK);
	curl_easy_cleanup(e);
	return t.p ? t.p : strdup("");
}

/* Lines of s, or only those holding needle. */
static int count_lines(const char *s, const char *needle)
{
	int n = 0;

	while (*s) {
		size_t len = strcspn(s, "\n");
		char *line = strndup_(s, len);

		if (!needle || strstr(line, needle))
			n++;
		free(line);
		s += len + (s[len] == '\n');
	}
	return n;
}

/* ---- the sender ---- */

static struct sender *make_sender(const struct fake *f, struct config *cfg,
                                  const char *key)
{
	static char keybuf[128];
	char err[512];
	struct sender *s;

	config_defaults(cfg);
	cfg->base_url = f->url;
	cfg->org = ORG;
	snprintf(keybuf, sizeof(keybuf), "%s", key);
	cfg->api_key = keybuf; /* not owned: no config_free here */
	cfg->rate = 1000;
	cfg->concurrency = 8;
	cfg->retries = 2;
	cfg->timeout_ms = 10000;
	cfg->verbose = getenv("TEST_SENDER_VERBOSE") != NULL;
	s = sender_new(cfg, err, sizeof(err));
	if (!s)
		fail_msg("sender_new: %s", err);
	sender_set_backoff(s, 5, 50);
	return s;
}

/* Runs sender_next until a result comes (bounded: 20 s). */
static void next_result(struct sender *s, struct sender_result *res)
{
	bool have = false;
	char err[256];
	int i;

	for (i = 0; i < 200 && !have; i++)
		assert_int_equal(sender_next(s, 100, res, &have, err, sizeof(err)),
		                 RB_OK);
	assert_true(have);
}

static void post(struct sender *s, uint64_t tag, const char *body)
{
	assert_int_equal(sender_submit(s, tag, SENDER_POST, "/usages", body,
	                               strlen(body)), RB_OK);
}

static int ledger_count(const struct fake *f)
{
	char *l = fetch(f, "/__ledger");
	int n = count_lines(l, NULL);

	free(l);
	return n;
}

/* ---- tests ---- */

static void post_creates_exactly_one(void **state)
{
	struct fake *f = *state = fake_start(NULL);
	struct config cfg;
	struct sender *s = make_sender(f, &cfg, KEY);
	struct sender_result res;
	char *ledger;

	assert_int_equal(sender_room(s), 8);
	post(s, 42, USAGE);
	assert_int_equal(sender_busy(s), 1);
	assert_int_equal(sender_room(s), 7);
	next_result(s, &res);
	assert_int_equal(res.tag, 42);
	assert_int_equal(res.outcome, SENDER_DONE);
	assert_int_equal(res.http, 201);
	assert_int_equal(res.attempts, 1);
	assert_true(res.ms >= 0);
	assert_true(res.usage_id[0]);
	assert_int_equal(sender_busy(s), 0);

	ledger = fetch(f, "/__ledger");
	assert_int_equal(count_lines(ledger, NULL), 1);
	assert_non_null(strstr(ledger, res.usage_id));
	assert_non_null(strstr(ledger, "\"quantity\":\"5.25\""));
	free(ledger);
	sender_free(s);
}

static void get_and_delete(void **state)
{
	struct fake *f = *state = fake_start(NULL);
	struct config cfg;
	struct sender *s = make_sender(f, &cfg, KEY);
	struct sender_result res;
	char path[256], id[128];

	post(s, 1, USAGE);
	next_result(s, &res);
	assert_int_equal(res.outcome, SENDER_DONE);
	snprintf(id, sizeof(id), "%s", res.usage_id);

	assert_int_equal(sender_submit(s, 2, SENDER_GET,
	                               "/usages?filter=subscriptionId:sub-1", NULL,
	                               0), RB_OK);
	next_result(s, &res);
	assert_int_equal(res.outcome, SENDER_DONE);
	assert_int_equal(res.http, 200);
	assert_true(res.body_len > 0 && res.body[0] == '[');
	assert_non_null(strstr(res.body, id));

	snprintf(path, sizeof(path), "/usages/%s", id);
	assert_int_equal(sender_submit(s, 3, SENDER_DELETE, path, NULL, 0), RB_OK);
	next_result(s, &res);
	assert_int_equal(res.outcome, SENDER_DONE);
	assert_int_equal(res.http, 204);

	/* gone: a 404 is a refusal with the server's words */
	assert_int_equal(sender_submit(s, 4, SENDER_DELETE, path, NULL, 0), RB_OK);
	next_result(s, &res);
	assert_int_equal(res.outcome, SENDER_REFUSED);
	assert_int_equal(res.http, 404);
	assert_non_null(strstr(res.reason, "not found"));
	sender_free(s);
}

static void concurrency_overlaps(void **state)
{
	static const char *const args[] = {"--latency", "300", NULL};
	struct fake *f = *state = fake_start(args);
	struct config cfg;
	struct sender *s = make_sender(f, &cfg, KEY);
	struct sender_result res;
	double first = 0, last = 0;
	char *reqs, *p;
	int i, n = 0;

	for (i = 0; i < 8; i++)
		post(s, (uint64_t)i, USAGE);
	assert_int_equal(sender_room(s), 0);
	assert_int_equal(sender_submit(s, 9, SENDER_POST, "/usages", USAGE,
	                               strlen(USAGE)), RB_ETOOBIG);
	for (i = 0; i < 8; i++) {
		next_result(s, &res);
		assert_int_equal(res.outcome, SENDER_DONE);
	}
	/* The server saw all eight arrive before the first could have been
	 * answered: one after another they would be >= 300 ms apart each. */
	reqs = fetch(f, "/__requests");
	for (p = strstr(reqs, "\"arrival\":"); p; p = strstr(p + 1, "\"arrival\":")) {
		double a = strtod(p + 10, NULL);
		const char *eol = strchr(p, '\n'), *m = strstr(p, "\"method\":\"POST\"");

		if (!m || (eol && m > eol))
			continue;

		if (!n++ || a < first)
			first = a;
		if (a > last)
			last = a;
	}
	free(reqs);
	assert_int_equal(n, 8);
	assert_true(last - first < 0.3);
	assert_int_equal(ledger_count(f), 8);
	sender_free(s);
}

static void reset_is_unknown_and_not_stored(void **state)
{
	static const char *const args[] = {"--reset", "1", NULL};
	struct fake *f = *state = fake_start(args);
	struct config cfg;
	struct sender *s = make_sender(f, &cfg, KEY);
	struct sender_result res;

	post(s, 1, USAGE);
	next_result(s, &res);
	assert_int_equal(res.outcome, SENDER_UNKNOWN);
	assert_int_equal(res.attempts, 1);
	assert_int_equal(res.http, 0);
	assert_non_null(strstr(res.reason, "outcome unknown"));
	assert_int_equal(ledger_count(f), 0);
	sender_free(s);
}

static void lost_reply_is_unknown_and_stored_once(void **state)
{
	static const char *const args[] = {"--lost-reply", "1", NULL};
	struct fake *f = *state = fake_start(args);
	struct config cfg;
	struct sender *s;
	struct sender_result res;
	int i;

	/* One connection, reused: a lost reply on a reused connection is where
	 * libcurl would re-send by itself. Five in a row, each on its own. */
	s = make_sender(f, &cfg, KEY);
	for (i = 0; i < 5; i++) {
		post(s, (uint64_t)i, USAGE);
		next_result(s, &res);
		assert_int_equal(res.outcome, SENDER_UNKNOWN);
		assert_int_equal(res.attempts, 1);
		assert_int_equal(ledger_count(f), i + 1); /* not i + 2 */
	}
	sender_free(s);
}

static void lost_reply_on_reused_connection(void **state)
{
	static const char *const args[] = {"--lost-reply", "0.5", NULL};
	struct fake *f = *state = fake_start(args);
	struct config cfg;
	struct sender *s = make_sender(f, &cfg, KEY);
	struct sender_result res;
	char *reqs;
	int i, done = 0, unknown = 0;

	/* One after another on a kept-alive connection: a reply lost after a
	 * good one is lost on a reused connection, where libcurl would send the
	 * POST again by itself if it could rewind the body. Every POST must
	 * reach the server exactly once. */
	for (i = 0; i < 20; i++) {
		post(s, (uint64_t)i, USAGE);
		next_result(s, &res);
		assert_int_equal(res.attempts, 1);
		if (res.outcome == SENDER_DONE)
			done++;
		else if (res.outcome == SENDER_UNKNOWN)
			unknown++;
		else
			fail_msg("outcome %d: %s", res.outcome, res.reason);
	}
	assert_true(done > 0 && unknown > 0);
	reqs = fetch(f, "/__requests");
	assert_int_equal(count_lines(reqs, "\"POST\""), 20);
	free(reqs);
	assert_int_equal(ledger_count(f), 20);
	sender_free(s);
}

/* A 5xx to a POST proves nothing (a gateway may time out after the backend
 * stored the usage): it comes back unknown at once, never sent again. */
static void post_5xx_is_unknown_never_resent(void **state)
{
	static const char *const args[] = {"--fail", "1", NULL};
	struct fake *f = *state = fake_start(args);
	struct config cfg;
	struct sender *s = make_sender(f, &cfg, KEY);
	struct sender_result res;
	char *reqs;

	post(s, 1, USAGE);
	next_result(s, &res);
	assert_int_equal(res.outcome, SENDER_UNKNOWN);
	assert_int_equal(res.http, 503);
	assert_int_equal(res.attempts, 1);
	assert_non_null(strstr(res.reason, "HTTP 503"));
	assert_non_null(strstr(res.reason, "outcome unknown"));
	reqs = fetch(f, "/__requests");
	assert_int_equal(count_lines(reqs, "\"POST\""), 1);
	free(reqs);
	sender_free(s);
}

/* ... while a GET is simply tried again, --retries times. */
static void get_5xx_retries_then_gives_up(void **state)
{
	static const char *const args[] = {"--fail", "1", "--fault-gets", NULL};
	struct fake *f = *state = fake_start(args);
	struct config cfg;
	struct sender *s = make_sender(f, &cfg, KEY);
	struct sender_result res;
	char *reqs;

	assert_int_equal(sender_submit(s, 1, SENDER_GET, "/usages", NULL, 0),
	                 RB_OK);
	next_result(s, &res);
	assert_int_equal(res.outcome, SENDER_FAILED);
	assert_int_equal(res.http, 503);
	assert_int_equal(res.attempts, cfg.retries + 1);
	assert_non_null(strstr(res.reason, "HTTP 503"));
	assert_non_null(strstr(res.reason, "gave up after 3 attempts"));
	reqs = fetch(f, "/__requests");
	assert_int_equal(count_lines(reqs, "\"fault\":\"fail\""), 3);
	free(reqs);
	sender_free(s);
}

static void rate_limit_pauses_then_succeeds(void **state)
{
	/* Another client (a) takes the whole window; b, which has seen no
	 * header yet, meets a 429: it pauses all sending until the window
	 * resets, sends the same request again (not counted as an attempt),
	 * and from then on keeps within the budget by its headers. */
	static const char *const args[] = {"--rate-limit", "2/1", NULL};
	struct fake *f = *state = fake_start(args);
	struct config cfg;
	struct sender *a = make_sender(f, &cfg, KEY), *b;
	struct sender_result res;
	char *reqs, err[256];
	const char *p;
	int i;

	post(a, 1, USAGE);
	post(a, 2, USAGE);
	for (i = 0; i < 2; i++) {
		next_result(a, &res);
		assert_int_equal(res.http, 201);
	}
	cfg.reserve_pct = 0;
	b = sender_new(&cfg, err, sizeof(err));
	assert_non_null(b);
	for (i = 0; i < 5; i++)
		post(b, (uint64_t)i, USAGE);
	for (i = 0; i < 5; i++) {
		next_result(b, &res);
		assert_int_equal(res.outcome, SENDER_DONE);
		assert_int_equal(res.http, 201);
		assert_int_equal(res.attempts, 1); /* a 429 is not an attempt */
	}
	reqs = fetch(f, "/__requests");
	/* b's first requests (up to the concurrency, before any reply) met
	 * the 429; after that the headers kept it within the budget */
	p = strstr(reqs, "\"status\":429");
	assert_non_null(p);
	assert_non_null(p = strstr(p, "\"status\":201"));
	assert_null(strstr(p, "\"status\":429"));
	free(reqs);
	assert_int_equal(ledger_count(f), 7);
	sender_free(a);
	sender_free(b);
}

static void wrong_key_is_auth(void **state)
{
	struct fake *f = *state = fake_start(NULL);
	struct config cfg;
	struct sender *s = make_sender(f, &cfg, "sk_wrong");
	struct sender_result res;

	post(s, 1, USAGE);
	next_result(s, &res);
	assert_int_equal(res.outcome, SENDER_AUTH);
	assert_int_equal(res.http, 401);
	assert_int_equal(res.attempts, 1);
	assert_non_null(strstr(res.reason, "HTTP 401"));
	assert_null(strstr(res.reason, "sk_wrong"));
	assert_int_equal(ledger_count(f), 0);
	sender_free(s);
}

static void validation_error_is_refused(void **state)
{
	struct fake *f = *state = fake_start(NULL);
	struct config cfg;
	struct sender *s = make_sender(f, &cfg, KEY);
	struct sender_result res;

	post(s, 1, "{\"subscriptionId\":\"sub-1\",\"quantity\":0}");
	next_result(s, &res);
	assert_int_equal(res.outcome, SENDER_REFUSED);
	assert_int_equal(res.http, 422);
	assert_int_equal(res.attempts, 1);
	assert_non_null(strstr(res.reason, "HTTP 422: quantity: "));
	assert_non_null(strstr(res.reason, "at least 0.001"));
	assert_null(strchr(res.reason, '\n'));
	assert_int_equal(ledger_count(f), 0);
	sender_free(s);
}

static void connection_refused_is_unreachable(void **state)
{
	struct fake *f = *state = fake_start(NULL);
	struct config cfg;
	struct sender *s;
	struct sender_result res;
	struct fake dead = *f;

	/* a port nobody listens on any more */
	kill(f->pid, SIGTERM);
	waitpid(f->pid, NULL, 0);
	live_pid = 0;
	free(f);
	*state = NULL;
	s = make_sender(&dead, &cfg, KEY);
	post(s, 1, USAGE);
	next_result(s, &res);
	/* no request ever got through: at the row's last try the API is
	 * unreachable (the run stops), not this row failed */
	assert_int_equal(res.outcome, SENDER_UNREACHABLE);
	assert_int_equal(res.attempts, cfg.retries + 1);
	assert_int_equal(res.http, 0);
	assert_non_null(strstr(res.reason, "cannot reach 127.0.0.1"));
	sender_free(s);
}

static void abort_accounts_for_everything(void **state)
{
	static const char *const args[] = {"--latency", "3000", NULL};
	struct fake *f = *state = fake_start(args);
	struct config cfg;
	struct sender *s;
	struct sender_result res;
	bool have;
	char err[128];
	int i, unknown = 0, failed = 0;

	config_defaults(&cfg);
	s = make_sender(f, &cfg, KEY);
	post(s, 1, USAGE); /* goes out, then waits on the server */
	post(s, 2, USAGE);
	/* let both reach the server */
	for (i = 0; i < 5; i++)
		assert_int_equal(sender_next(s, 100, &res, &have, err, sizeof(err)),
		                 RB_OK);
	assert_false(have);
	sender_abort(s);
	assert_int_equal(sender_room(s), 0);
	assert_int_equal(sender_submit(s, 3, SENDER_POST, "/usages", USAGE,
	                               strlen(USAGE)), RB_EINTR);
	for (i = 0; i < 2; i++) {
		assert_int_equal(sender_next(s, 0, &res, &have, err, sizeof(err)),
		                 RB_OK);
		assert_true(have);
		if (res.outcome == SENDER_UNKNOWN) {
			unknown++;
			assert_string_equal(res.reason,
			                    "interrupted after sending; outcome unknown");
		} else {
			failed++;
			print_message("failed: %s\n", res.reason);
		}
	}
	assert_int_equal(unknown, 2);
	assert_int_equal(sender_busy(s), 0);
	assert_int_equal(sender_next(s, 0, &res, &have, err, sizeof(err)), RB_OK);
	assert_false(have);
	sender_free(s);
}

/* With nothing to carry, sender_next waits out its timeout: a caller whose
 * rows only wait on settle timers must not spin a core (it did: 3 s of CPU
 * for a 3 s settle). A lower bound only, so load cannot make it fail. */
static void idle_waits_its_timeout(void **state)
{
	struct fake *f = *state = fake_start(NULL);
	struct config cfg;
	struct sender *s = make_sender(f, &cfg, KEY);
	struct sender_result res;
	bool have = true;
	char err[128];
	int64_t t0 = clock_mono_ms();

	assert_int_equal(sender_next(s, 200, &res, &have, err, sizeof(err)),
	                 RB_OK);
	assert_false(have);
	assert_true(clock_mono_ms() - t0 >= 190);
	sender_free(s);
}

static void abort_before_sending(void **state)
{
	struct fake *f = *state = fake_start(NULL);
	struct config cfg;
	struct sender *s = make_sender(f, &cfg, KEY);
	struct sender_result res;
	bool have;
	char err[128];

	sender_free(s);
	/* one token per 10 s: the second request waits for its turn */
	config_defaults(&cfg);
	s = make_sender(f, &cfg, KEY);
	sender_free(s);
	cfg.rate = 0.1;
	s = sender_new(&cfg, err, sizeof(err));
	assert_non_null(s);
	post(s, 1, USAGE);
	post(s, 2, USAGE);
	next_result(s, &res);
	assert_int_equal(res.tag, 1);
	assert_int_equal(res.outcome, SENDER_DONE);
	assert_int_equal(sender_next(s, 50, &res, &have, err, sizeof(err)), RB_OK);
	assert_false(have);
	sender_abort(s);
	assert_int_equal(sender_next(s, 0, &res, &have, err, sizeof(err)), RB_OK);
	assert_true(have);
	assert_int_equal(res.tag, 2);
	assert_int_equal(res.outcome, SENDER_FAILED);
	assert_int_equal(res.attempts, 0);
	assert_string_equal(res.reason, "interrupted before sending");
	sender_free(s);
	assert_int_equal(ledger_count(f), 1);
}

static void timeout_after_sending_is_unknown(void **state)
{
	static const char *const args[] = {"--latency", "3000", NULL};
	struct fake *f = *state = fake_start(args);
	struct config cfg;
	struct sender *s = make_sender(f, &cfg, KEY);
	struct sender_result res;

	sender_free(s);
	cfg.timeout_ms = 300;
	s = sender_new(&cfg, NULL, 0);
	assert_non_null(s);
	post(s, 1, USAGE);
	next_result(s, &res);
	assert_int_equal(res.outcome, SENDER_UNKNOWN);
	assert_int_equal(res.attempts, 1);
	assert_non_null(strstr(res.reason, "outcome unknown"));
	/* the fake stores before its delay: reconciling would find it */
	assert_int_equal(ledger_count(f), 1);
	sender_free(s);
}

/* Runs one POST with --verbose, stderr going to a file; returns the file. */
static char *verbose_trace(const struct fake *f)
{
	char path[] = "/tmp/test_sender_XXXXXX", *text;
	struct config cfg;
	struct sender *s;
	struct sender_result res;
	int fd = mkstemp(path), saved = dup(2);
	FILE *fp;
	long n;

	assert_true(fd >= 0 && saved >= 0);
	fflush(stderr);
	dup2(fd, 2);
	s = make_sender(f, &cfg, KEY);
	sender_free(s);
	cfg.verbose = true;
	s = sender_new(&cfg, NULL, 0);
	post(s, 1, USAGE);
	next_result(s, &res);
	sender_free(s);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	fp = fdopen(fd, "r");
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	text = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(text, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	unlink(path);
	return text;
}

static void verbose_traces_without_the_key(void **state)
{
	struct fake *f = *state = fake_start(NULL);
	char *t = verbose_trace(f);

	assert_non_null(strstr(t, "> POST /organizations/" ORG "/usages {"));
	assert_non_null(strstr(t, "< 201 "));
	assert_null(strstr(t, KEY));
	free(t);
}

/* A self-signed certificate for 127.0.0.1 in dir; false when openssl is
 * not there to make one. */
static bool make_cert(const char *dir)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd),
	         "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "
	         "/CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout "
	         "%s/key.pem -out %s/cert.pem >/dev/null 2>&1", dir, dir);
	return system(cmd) == 0;
}

static void https_verifies_the_peer(void **state)
{
	char dir[] = "/tmp/test_sender_tls_XXXXXX", cert[128], key[128], cmd[256];
	const char *args[] = {"--tls", cert, key, NULL};
	struct fake *f;
	struct config cfg;
	struct sender *s;
	struct sender_result res;

	assert_non_null(mkdtemp(dir));
	snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
	snprintf(key, sizeof(key), "%s/key.pem", dir);
	if (!make_cert(dir)) {
		rmdir(dir);
		skip();
	}
	f = *state = fake_start(args);
	assert_int_equal(strncmp(f->url, "https://", 8), 0);

	/* not trusted: refused at the handshake, and not retried */
	s = make_sender(f, &cfg, KEY);
	post(s, 1, USAGE);
	next_result(s, &res);
	assert_int_equal(res.outcome, SENDER_STOP);
	assert_int_equal(res.attempts, 1);
	assert_int_equal(res.http, 0);
	sender_free(s);
	assert_int_equal(ledger_count(f), 0);

	/* --cacert makes it trusted */
	s = make_sender(f, &cfg, KEY);
	sender_free(s);
	cfg.cacert = cert;
	s = sender_new(&cfg, NULL, 0);
	assert_non_null(s);
	post(s, 2, USAGE);
	next_result(s, &res);
	assert_int_equal(res.outcome, SENDER_DONE);
	assert_int_equal(res.http, 201);
	sender_free(s);
	assert_int_equal(ledger_count(f), 1);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void refuses_bad_setups(void **state)
{
	static const char *const bad_urls[] = {
		"http://example.com", "http://10.0.0.1:8080", "http://128.0.0.1",
		"http://localhost.example.com", "http://[::2]", "ftp://127.0.0.1",
		"https://user:pw@api.rebilly.com", "https://api.rebilly.com/?x=1",
		"not a url",
		/* an empty port is port 80 to libcurl: never a place to send */
		"http://127.0.0.1:", "http://127.0.0.1:/", "http://[::1]:",
		"https://api.rebilly.com:/organizations",
	};
	static const char *const good_urls[] = {
		"http://127.0.0.1:1", "http://127.8.9.10", "http://localhost:8080/",
		"http://[::1]:8080", "https://api.rebilly.com", "HTTPS://api-sandbox.rebilly.com/",
	};
	struct config cfg;
	struct sender *s;
	char err[512];
	char key[] = "sk_secret_value";
	size_t i;

	(void)state;
	config_defaults(&cfg);
	cfg.org = ORG;
	cfg.api_key = key;
	for (i = 0; i < sizeof(bad_urls) / sizeof(bad_urls[0]); i++) {
		cfg.base_url = bad_urls[i];
		err[0] = 0;
		s = sender_new(&cfg, err, sizeof(err));
		if (s)
			fail_msg("accepted %s", bad_urls[i]);
		assert_true(err[0]);
		assert_null(strstr(err, key));
	}
	cfg.base_url = "http://example.com";
	assert_null(sender_new(&cfg, err, sizeof(err)));
	assert_non_null(strstr(err, "refusing to send the API key over plain "
	                            "http:// to 'example.com'"));
	for (i = 0; i < sizeof(good_urls) / sizeof(good_urls[0]); i++) {
		cfg.base_url = good_urls[i];
		s = sender_new(&cfg, err, sizeof(err));
		if (!s)
			fail_msg("refused %s: %s", good_urls[i], err);
		sender_free(s);
	}
	cfg.base_url = "http://127.0.0.1:";
	assert_null(sender_new(&cfg, err, sizeof(err)));
	assert_string_equal(err, "the base URL 'http://127.0.0.1:' has an empty "
	                         "port");
	/* --cacert: a readable regular file, or nothing */
	assert_true(endpoint_check_cacert(NULL, err, sizeof(err)));
	assert_true(endpoint_check_cacert("/etc/hostname", err, sizeof(err)) ||
	            access("/etc/hostname", R_OK) != 0);
	assert_false(endpoint_check_cacert("/nonexistent/ca.pem", err, sizeof(err)));
	assert_string_equal(err, "--cacert: cannot read '/nonexistent/ca.pem': "
	                         "No such file or directory");
	assert_false(endpoint_check_cacert("/tmp", err, sizeof(err)));
	assert_string_equal(err, "--cacert: cannot read '/tmp': not a regular "
	                         "file");
	cfg.base_url = "https://api.rebilly.com";
	cfg.org = NULL;
	assert_null(sender_new(&cfg, err, sizeof(err)));
	assert_non_null(strstr(err, "organization"));
	cfg.org = "";
	assert_null(sender_new(&cfg, err, sizeof(err)));
	cfg.org = ORG;
	cfg.api_key = NULL;
	assert_null(sender_new(&cfg, err, sizeof(err)));
	assert_non_null(strstr(err, "API key"));
	cfg.api_key = (char *)"sk\nx";
	assert_null(sender_new(&cfg, err, sizeof(err)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(refuses_bad_setups),
		cmocka_unit_test_teardown(post_creates_exactly_one, fake_stop),
		cmocka_unit_test_teardown(get_and_delete, fake_stop),
		cmocka_unit_test_teardown(concurrency_overlaps, fake_stop),
		cmocka_unit_test_teardown(reset_is_unknown_and_not_stored, fake_stop),
		cmocka_unit_test_teardown(lost_reply_is_unknown_and_stored_once,
		                          fake_stop),
		cmocka_unit_test_teardown(lost_reply_on_reused_connection, fake_stop),
		cmocka_unit_test_teardown(post_5xx_is_unknown_never_resent, fake_stop),
		cmocka_unit_test_teardown(get_5xx_retries_then_gives_up, fake_stop),
		cmocka_unit_test_teardown(rate_limit_pauses_then_succeeds, fake_stop),
		cmocka_unit_test_teardown(wrong_key_is_auth, fake_stop),
		cmocka_unit_test_teardown(validation_error_is_refused, fake_stop),
		cmocka_unit_test_teardown(connection_refused_is_unreachable, fake_stop),
		cmocka_unit_test_teardown(abort_accounts_for_everything, fake_stop),
		cmocka_unit_test_teardown(idle_waits_its_timeout, fake_stop),
		cmocka_unit_test_teardown(abort_before_sending, fake_stop),
		cmocka_unit_test_teardown(timeout_after_sending_is_unknown, fake_stop),
		cmocka_unit_test_teardown(verbose_traces_without_the_key, fake_stop),
		cmocka_unit_test_teardown(https_verifies_the_peer, fake_stop),
	};
	int rc;

	signal(SIGPIPE, SIG_IGN);
	atexit(kill_live);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
