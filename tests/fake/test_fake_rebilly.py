#!/usr/bin/env python3
"""Tests for scripts/fake-rebilly: routes, statuses, faults, rate window,
ledger, keep-alive and TLS.  Standard library only; each server is started
with --port 0 and stopped by its PID.  Run: python3 tests/fake/test_fake_rebilly.py
"""

import http.client
import json
import os
import selectors
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FAKE = os.path.join(TOP, "scripts", "fake-rebilly")
KEY = "sk_test_fake"
ORG = "org-test"
USAGES = "/organizations/%s/usages" % ORG
AUTH = {"REB-APIKEY": KEY}
JSON_AUTH = {"REB-APIKEY": KEY, "Content-Type": "application/json"}


class Fake:
    """One fake-rebilly process; stop() is safe to call twice."""

    def __init__(self, *args, env=None):
        self.proc = subprocess.Popen(
            [sys.executable, FAKE, "--port", "0"] + list(args),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        ready = sel.select(timeout=10)
        sel.close()
        line = self.proc.stdout.readline() if ready else ""
        if not line.startswith("listening on "):
            self.stop()
            raise RuntimeError("fake-rebilly did not start: %r %s"
                               % (line, self.proc.stderr.read()))
        self.url = line.split()[-1]
        self.port = int(self.url.rsplit(":", 1)[1])

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for f in (self.proc.stdout, self.proc.stderr):
            f.close()
        return self.proc.returncode

    def conn(self, timeout=5):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, conn=None):
        """(status, headers, raw body bytes); a new connection unless given one."""
        own = conn is None
        c = conn or self.conn()
        try:
            if isinstance(body, (dict, list)):
                body = json.dumps(body)
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            return r.status, r.headers, r.read()
        finally:
            if own:
                c.close()

    def post(self, body, headers=JSON_AUTH, conn=None):
        return self.request("POST", USAGES, body, headers, conn)

    def ledger(self):
        st, _, body = self.request("GET", "/__ledger")
        assert st == 200
        return [json.loads(ln) for ln in body.decode().splitlines()]

    def requests(self):
        st, _, body = self.request("GET", "/__requests")
        assert st == 200
        return [json.loads(ln) for ln in body.decode().splitlines()]

    def raw(self, data, shut_write=False, timeout=5):
        """Send raw bytes on a fresh socket; return everything read until EOF."""
        s = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        try:
            s.sendall(data)
            if shut_write:
                s.shutdown(socket.SHUT_WR)
            chunks = []
            while True:
                try:
                    b = s.recv(65536)
                except ConnectionResetError:
                    break
                if not b:
                    break
                chunks.append(b)
            return b"".join(chunks)
        finally:
            s.close()


def usage(sid="sub-1", qty="5", t="2026-01-01T00:00:00Z", **extra):
    """A request body as text, so the quantity's exact text is under control."""
    parts = ['"subscriptionId":%s' % json.dumps(sid), '"quantity":%s' % qty]
    if t is not None:
        parts.append('"usageTime":%s' % json.dumps(t))
    for k, v in extra.items():
        parts.append("%s:%s" % (json.dumps(k), json.dumps(v)))
    return "{" + ",".join(parts) + "}"


class FakeTestCase(unittest.TestCase):
    def start(self, *args, env=None):
        f = Fake(*args, env=env)
        self.addCleanup(f.stop)
        return f

    def assertProblem(self, result, status, field=None):
        st, hdrs, body = result
        self.assertEqual(st, status, body)
        self.assertEqual(hdrs["Content-Type"], "application/problem+json")
        self.assertEqual(int(hdrs["Content-Length"]), len(body))
        p = json.loads(body)
        for k in ("type", "title", "status", "detail"):
            self.assertIn(k, p)
        self.assertEqual(p["status"], status)
        if field is not None:
            self.assertIn(field, [f["field"] for f in p["invalidFields"]], p)
            for f in p["invalidFields"]:
                self.assertTrue(f["message"])
        return p


class TestRoutes(FakeTestCase):
    """The API surface on a server with default settings."""

    @classmethod
    def setUpClass(cls):
        cls.f = Fake()

    @classmethod
    def tearDownClass(cls):
        cls.f.stop()

    def test_post_201(self):
        st, h, body = self.f.post(usage("sub-post", "5.250", acceptPartialQuantity=True))
        self.assertEqual(st, 201, body)
        self.assertEqual(h["Content-Type"], "application/json")
        self.assertIn('"quantity":5.250', body.decode())  # echoed as sent
        u = json.loads(body)
        self.assertEqual(h["Location"], self.f.url + USAGES + "/" + u["id"])
        self.assertEqual(h["X-RateLimit-Limit"], "3000")
        self.assertLess(int(h["X-RateLimit-Remaining"]), 3000)
        self.assertEqual(u["subscriptionId"], "sub-post")
        self.assertEqual(u["usageTime"], "2026-01-01T00:00:00Z")
        self.assertIs(u["acceptPartialQuantity"], True)
        self.assertIsNone(u["invoiceId"])
        for k in ("createdTime", "updatedTime", "_links"):
            self.assertIn(k, u)
        led = [x for x in self.f.ledger() if x["id"] == u["id"]]
        self.assertEqual(len(led), 1)
        self.assertEqual(led[0]["quantity"], "5.250")
        self.assertIs(led[0]["deleted"], False)

    def test_quantity_text_kept_exactly(self):
        for q in ("1e-3", "12345678901234.125", "0.001", "7", "2.500"):
            st, _, body = self.f.post(usage("sub-exact", q))
            self.assertEqual(st, 201, body)
            self.assertIn('"quantity":%s,' % q, body.decode())
        got = [x["quantity"] for x in self.f.ledger()
               if x["subscriptionId"] == "sub-exact"]
        self.assertEqual(got, ["1e-3", "12345678901234.125", "0.001", "7", "2.500"])

    def test_usage_time_defaults_to_arrival(self):
        before = time.time()
        st, _, body = self.f.post(usage("sub-notime", "1", t=None))
        self.assertEqual(st, 201, body)
        led = [x for x in self.f.ledger() if x["subscriptionId"] == "sub-notime"][0]
        self.assertIs(led["usageTimeSent"], False)
        self.assertTrue(led["usageTime"].endswith("Z"))
        self.assertGreaterEqual(led["arrival"], before - 1)

    def test_get_and_delete(self):
        st, h, body = self.f.post(usage("sub-del", "2"))
        uid = json.loads(body)["id"]
        st, h, body = self.f.request("GET", USAGES + "/" + uid, headers=AUTH)
        self.assertEqual(st, 200)
        self.assertEqual(json.loads(body)["id"], uid)
        st, h, body = self.f.request("DELETE", USAGES + "/" + uid, headers=AUTH)
        self.assertEqual(st, 204)
        self.assertEqual(body, b"")
        self.assertProblem(self.f.request("GET", USAGES + "/" + uid, headers=AUTH), 404)
        self.assertProblem(self.f.request("DELETE", USAGES + "/" + uid, headers=AUTH), 404)
        led = [x for x in self.f.ledger() if x["id"] == uid][0]
        self.assertIs(led["deleted"], True)

    def test_get_unknown_404(self):
        self.assertProblem(self.f.request("GET", USAGES + "/nope", headers=AUTH), 404)

    def test_list_filter_and_pagination(self):
        ids = []
        for day in (1, 2, 3):
            st, _, body = self.f.post(usage("sub-list", "1", "2026-03-0%dT12:00:00Z" % day))
            ids.append(json.loads(body)["id"])
        self.f.post(usage("sub-other", "1", "2026-03-02T12:00:00Z"))
        st, h, body = self.f.request(
            "GET", USAGES + "?filter=subscriptionId:sub-list;usageTime:2026-03-02T12:00:00Z",
            headers=AUTH)
        self.assertEqual(st, 200)
        self.assertEqual([u["id"] for u in json.loads(body)], [ids[1]])
        self.assertEqual(h["Pagination-Total"], "1")
        # Same instant written with an offset matches too.
        st, h, body = self.f.request(
            "GET", USAGES + "?filter=subscriptionId:sub-list;usageTime:2026-03-02T14:00:00%2B02:00",
            headers=AUTH)
        self.assertEqual([u["id"] for u in json.loads(body)], [ids[1]])
        # A range, inclusive, newest first by default.
        q = ("?filter=subscriptionId:sub-list;usageTime:2026-03-01T12:00:00Z.."
             "2026-03-02T12:00:00Z")
        st, h, body = self.f.request("GET", USAGES + q, headers=AUTH)
        self.assertEqual([u["id"] for u in json.loads(body)], [ids[1], ids[0]])
        st, h, body = self.f.request(
            "GET", USAGES + "?filter=subscriptionId:sub-list&limit=2&offset=1&sort=createdTime",
            headers=AUTH)
        self.assertEqual(st, 200)
        self.assertEqual([u["id"] for u in json.loads(body)], ids[1:3])
        self.assertEqual((h["Pagination-Total"], h["Pagination-Limit"],
                          h["Pagination-Offset"]), ("3", "2", "1"))

    def test_list_bad_query_400(self):
        for q in ("?limit=abc", "?limit=-1", "?limit=1001", "?offset=x",
                  "?filter=bogus:1", "?filter=usageTime:yesterday",
                  "?filter=noval", "?limit=1&limit=2", "?what=1", "?sort=quantity",
                  "?filter=%ff"):
            self.assertProblem(self.f.request("GET", USAGES + q, headers=AUTH), 400)

    def test_401(self):
        self.assertProblem(self.f.post(usage(), {"Content-Type": "application/json"}), 401)
        self.assertProblem(self.f.post(usage(), {"Content-Type": "application/json",
                                                 "REB-APIKEY": "wrong"}), 401)
        self.assertProblem(self.f.request("GET", USAGES), 401)

    def test_403_other_org(self):
        p = self.assertProblem(self.f.request("POST", "/organizations/other/usages",
                                              usage(), JSON_AUTH), 403)
        self.assertNotIn(KEY, json.dumps(p))

    def test_404_405(self):
        self.assertProblem(self.f.request("GET", "/organizations/org-test/nothing",
                                          headers=AUTH), 404)
        self.assertProblem(self.f.request("GET", "/", headers=AUTH), 404)
        self.assertProblem(self.f.request("GET", "/__nothing"), 404)
        st, h, body = self.f.request("PUT", USAGES, usage(), JSON_AUTH)
        self.assertProblem((st, h, body), 405)
        self.assertEqual(h["Allow"], "GET, POST")
        st, h, body = self.f.request("POST", USAGES + "/x", usage(), JSON_AUTH)
        self.assertProblem((st, h, body), 405)

    def test_422_validation(self):
        cases = [
            ('{"quantity":1}', "subscriptionId"),
            ('{"subscriptionId":"s"}', "quantity"),
            (usage(sid=5), "subscriptionId"),
            (usage(sid=""), "subscriptionId"),
            (usage(sid="x" * 51), "subscriptionId"),
            (usage(qty='"5"'), "quantity"),
            (usage(qty="true"), "quantity"),
            (usage(qty="0.0009"), "quantity"),
            (usage(qty="0"), "quantity"),
            (usage(qty="1.2345"), "quantity"),
            (usage(qty="-1"), "quantity"),
            (usage(t="2026-01-01"), "usageTime"),
            (usage(t="2026-02-30T00:00:00Z"), "usageTime"),
            (usage(t="2026-01-01T00:00:00"), "usageTime"),
            (usage(t="2026-01-01 00:00:00Z"), "usageTime"),
            (usage(t=1767225600), "usageTime"),
            (usage(acceptPartialQuantity="yes"), "acceptPartialQuantity"),
            (usage(bogus=1), "bogus"),
        ]
        for ro in ("id", "invoiceId", "invoiceItemId", "createdTime",
                   "updatedTime", "_links"):
            cases.append((usage(**{ro: None}), ro))
        for body, field in cases:
            with self.subTest(body=body):
                self.assertProblem(self.f.post(body), 422, field)
        # At most 3 decimals means the value: trailing zeros are fine.
        self.assertEqual(self.f.post(usage(qty="1.2340000"))[0], 201)
        self.assertEqual(self.f.post(usage(sid="x" * 50, t="2026-01-01T01:00:00.123+01:00"))[0], 201)

    def test_400_bad_body(self):
        for body in ("not json", "{", '{"a":1}{', "[1]", '"s"', "",
                     '{"subscriptionId":"a","subscriptionId":"b","quantity":1}',
                     '{"subscriptionId":"a","quantity":NaN}', b"\xff\xfe"):
            with self.subTest(body=body):
                self.assertProblem(self.f.post(body), 400)

    def test_415_not_json(self):
        self.assertProblem(self.f.post(usage(), {"REB-APIKEY": KEY,
                                                 "Content-Type": "text/plain"}), 415)

    def test_413_too_big(self):
        head = ("POST %s HTTP/1.1\r\nHost: x\r\nREB-APIKEY: %s\r\n"
                "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                % (USAGES, KEY, 2 * 1024 * 1024)).encode()
        out = self.f.raw(head)  # the server refuses before the body is sent
        self.assertTrue(out.startswith(b"HTTP/1.1 413 "), out)
        self.assertIn(b"application/problem+json", out)
        # Chunked bodies are capped too.
        big = b"x" * (1024 * 1024 + 10)
        st, h, body = self.f.request("POST", USAGES, iter([big]),
                                     JSON_AUTH)  # an iterator is sent chunked
        self.assertProblem((st, h, body), 413)

    def test_chunked_body(self):
        st, h, body = self.f.request("POST", USAGES, iter([usage("sub-chunk").encode()]),
                                     JSON_AUTH)  # an iterator is sent chunked
        self.assertEqual(st, 201, body)

    def test_expect_100_continue(self):
        body = usage("sub-expect").encode()
        head = ("POST %s HTTP/1.1\r\nHost: x\r\nREB-APIKEY: %s\r\n"
                "Content-Type: application/json\r\nContent-Length: %d\r\n"
                "Expect: 100-continue\r\nConnection: close\r\n\r\n"
                % (USAGES, KEY, len(body))).encode()
        s = socket.create_connection(("127.0.0.1", self.f.port), timeout=5)
        try:
            s.sendall(head)
            self.assertTrue(s.recv(4096).startswith(b"HTTP/1.1 100 Continue\r\n\r\n"))
            s.sendall(body)
            out = b""
            while True:
                b = s.recv(65536)
                if not b:
                    break
                out += b
        finally:
            s.close()
        self.assertTrue(out.startswith(b"HTTP/1.1 201 "), out)
        # A refused request with Expect never asks for its body.
        head = head.replace(KEY.encode(), b"wrong")
        out = self.f.raw(head)
        self.assertTrue(out.startswith(b"HTTP/1.1 401 "), out)

    def test_malformed_requests(self):
        out = self.f.raw(b"garbage\r\n\r\n")
        self.assertRegex(out, rb"^HTTP/1.1 400 ")
        self.assertIn(b"application/problem+json", out)
        out = self.f.raw(("POST %s HTTP/1.1\r\nHost: x\r\nREB-APIKEY: %s\r\n"
                          "Content-Type: application/json\r\nContent-Length: 50\r\n\r\n"
                          '{"quantity":1}' % (USAGES, KEY)).encode(), shut_write=True)
        self.assertRegex(out, rb"^HTTP/1.1 400 ")
        out = self.f.raw(("POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n"
                          % USAGES).encode())
        self.assertRegex(out, rb"^HTTP/1.1 400 ")
        out = self.f.raw(("POST %s HTTP/1.1\r\nHost: x\r\nREB-APIKEY: %s\r\n"
                          "Content-Type: application/json\r\n\r\n" % (USAGES, KEY)).encode())
        self.assertRegex(out, rb"^HTTP/1.1 411 ")
        out = self.f.raw(b"BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertRegex(out, rb"^HTTP/1.1 501 ")
        # The server is still fine afterwards.
        self.assertEqual(self.f.request("GET", USAGES, headers=AUTH)[0], 200)

    def test_409_invoiced(self):
        st, _, body = self.f.post(usage("invoiced-sub", "1"))
        self.assertEqual(st, 201)
        uid = json.loads(body)["id"]
        st, _, body = self.f.request("GET", USAGES + "/" + uid, headers=AUTH)
        self.assertIsNotNone(json.loads(body)["invoiceId"])
        self.assertProblem(self.f.request("DELETE", USAGES + "/" + uid, headers=AUTH), 409)
        st, _, body = self.f.post(usage("sub-later", "1"))
        uid = json.loads(body)["id"]
        self.assertEqual(self.f.request("POST", "/__invoice/" + uid)[0], 200)
        self.assertProblem(self.f.request("DELETE", USAGES + "/" + uid, headers=AUTH), 409)

    def test_keep_alive(self):
        c = self.f.conn()
        self.addCleanup(c.close)
        self.f.post(usage("sub-ka", "1"), conn=c)
        sock = c.sock
        self.assertIsNotNone(sock)
        for i in range(5):
            st, h, _ = self.f.post(usage("sub-ka", "1", "2026-01-01T00:00:0%dZ" % i), conn=c)
            self.assertEqual(st, 201)
            self.assertNotEqual((h["Connection"] or "").lower(), "close")
            self.assertEqual(self.f.request("GET", USAGES, headers=AUTH, conn=c)[0], 200)
            # Errors that consumed the body keep the connection too.
            self.assertEqual(self.f.post(usage(qty="0"), conn=c)[0], 422)
        self.assertIs(c.sock, sock)

    def test_concurrent_clients(self):
        errors = []

        def worker(n):
            c = self.f.conn()
            try:
                for i in range(10):
                    st, _, _ = self.f.post(usage("sub-conc-%d" % n, str(i + 1)), conn=c)
                    if st != 201:
                        errors.append(st)
            except Exception as e:  # reported below
                errors.append(e)
            finally:
                c.close()

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
        self.assertEqual(errors, [])
        ids = [x["id"] for x in self.f.ledger()
               if x["subscriptionId"].startswith("sub-conc-")]
        self.assertEqual(len(ids), 200)
        self.assertEqual(len(set(ids)), 200)

    def test_requests_log(self):
        self.f.request("GET", USAGES, headers=AUTH)
        reqs = self.f.requests()
        last = [r for r in reqs if r["method"] == "GET" and r["path"] == USAGES][-1]
        self.assertEqual(last["status"], 200)
        self.assertIsInstance(last["arrival"], float)
        self.assertIs(last["counted"], False)
        for k in ("fault", "usageId"):
            self.assertIn(k, last)


class TestOptions(FakeTestCase):
    def test_help(self):
        out = subprocess.run([sys.executable, FAKE, "--help"], capture_output=True,
                             text=True, timeout=10)
        self.assertEqual(out.returncode, 0)
        for flag in ("--port", "--api-key", "--org", "--rate-limit",
                     "--rate-window-kind", "--latency",
                     "--jitter", "--fail", "--reset", "--lost-reply", "--seed",
                     "--subscriptions", "--invoiced", "--ledger", "--tls",
                     "--fault-gets", "--requests-log", "--verbose", "/__ledger"):
            self.assertIn(flag, out.stdout)

    def test_bad_flags_exit_2(self):
        for args in (["--fail", "2"], ["--rate-limit", "x"],
                     ["--rate-window-kind", "rolling"],
                     ["--subscriptions", "/nonexistent"]):
            out = subprocess.run([sys.executable, FAKE, "--port", "0"] + args,
                                 capture_output=True, text=True, timeout=10)
            self.assertEqual(out.returncode, 2, args)

    def test_key_org_and_env(self):
        env = dict(os.environ, FAKE_REBILLY_API_KEY="sk_env")
        f = self.start("--org", "acme", env=env)
        h = {"REB-APIKEY": "sk_env", "Content-Type": "application/json"}
        self.assertEqual(f.request("POST", "/organizations/acme/usages", usage(), h)[0], 201)
        self.assertProblem(f.request("POST", "/organizations/acme/usages", usage(), JSON_AUTH), 401)
        self.assertProblem(f.request("POST", USAGES, usage(), h), 403)
        f2 = self.start("--api-key", "sk_flag", env=env)
        self.assertEqual(f2.post(usage(), {"REB-APIKEY": "sk_flag",
                                           "Content-Type": "application/json"})[0], 201)

    def test_subscriptions_file(self):
        d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, d)
        path = os.path.join(d, "subs")
        with open(path, "w") as fh:
            fh.write("# known\nsub-a\n\nsub-b\n")
        f = self.start("--subscriptions", path)
        self.assertEqual(f.post(usage("sub-a"))[0], 201)
        self.assertEqual(f.post(usage("sub-b"))[0], 201)
        self.assertProblem(f.post(usage("sub-c")), 422, "subscriptionId")

    def test_rate_window(self):
        f = self.start("--rate-limit", "3/60")
        remaining = []
        for i in range(3):
            st, h, _ = f.post(usage(t="2026-01-01T00:00:0%dZ" % i))
            self.assertEqual(st, 201)
            self.assertEqual(h["X-RateLimit-Limit"], "3")
            remaining.append(h["X-RateLimit-Remaining"])
        self.assertEqual(remaining, ["2", "1", "0"])
        now = time.time()
        st, h, body = f.post(usage(t="2026-01-01T00:00:09Z"))
        self.assertProblem((st, h, body), 429)
        retry = h["X-RateLimit-Retry-After"]
        self.assertRegex(retry, r"^\d+$")
        self.assertGreater(int(retry), now)
        self.assertLessEqual(int(retry), now + 61)
        self.assertEqual(h["X-RateLimit-Remaining"], "0")
        # DELETE counts too; GET does not and still works.
        self.assertEqual(f.request("DELETE", USAGES + "/x", headers=AUTH)[0], 429)
        st, h, _ = f.request("GET", USAGES, headers=AUTH)
        self.assertEqual(st, 200)
        self.assertEqual(h["X-RateLimit-Remaining"], "0")
        self.assertEqual(len(f.ledger()), 3)
        counted = [r for r in f.requests() if r["counted"]]
        self.assertEqual(len(counted), 3)

    def test_rate_window_resets(self):
        f = self.start("--rate-limit", "1/0.3")
        self.assertEqual(f.post(usage())[0], 201)
        self.assertEqual(f.post(usage())[0], 429)
        time.sleep(0.35)  # the window itself is the event being tested
        st, h, _ = f.post(usage())
        self.assertEqual(st, 201)
        self.assertEqual(h["X-RateLimit-Remaining"], "0")

    def test_rate_window_numbers_and_counted_at(self):
        f = self.start("--rate-limit", "2/0.3")
        t0 = time.time()
        for _ in range(3):
            f.post(usage())
        time.sleep(0.35)  # the window itself is the event being tested
        f.post(usage())
        reqs = [r for r in f.requests() if r["method"] == "POST"]
        self.assertEqual([r["status"] for r in reqs], [201, 201, 429, 201])
        self.assertEqual([r["window"] for r in reqs], [1, 1, None, 2])
        self.assertEqual([r["counted"] for r in reqs], [True, True, False, True])
        self.assertIsNone(reqs[2]["countedAt"])
        for r in (reqs[0], reqs[1], reqs[3]):
            self.assertGreaterEqual(r["countedAt"], r["arrival"])
            self.assertGreaterEqual(r["countedAt"], t0)

    def test_sliding_window(self):
        f = self.start("--rate-limit", "3/0.5", "--rate-window-kind", "sliding")
        st, h, _ = f.post(usage())
        self.assertEqual((st, h["X-RateLimit-Remaining"]), (201, "2"))
        first = f.requests()[0]["countedAt"]
        time.sleep(0.2)  # the second and third land 0.2 s after the first
        self.assertEqual(f.post(usage())[0], 201)
        st, h, _ = f.post(usage())
        self.assertEqual((st, h["X-RateLimit-Remaining"]), (201, "0"))
        st, h, body = f.post(usage())
        self.assertProblem((st, h, body), 429)
        self.assertIn("sliding", json.loads(body)["detail"])
        # a slot frees when the oldest request leaves the last 0.5 s
        self.assertEqual(int(h["X-RateLimit-Retry-After"]),
                         int(-(-(first + 0.5) // 1)))
        time.sleep(max(0, first + 0.55 - time.time()))
        # the first has left the window; the other two have not
        st, h, _ = f.request("GET", USAGES, headers=AUTH)
        self.assertEqual(h["X-RateLimit-Remaining"], "1")
        st, h, _ = f.post(usage())
        self.assertEqual((st, h["X-RateLimit-Remaining"]), (201, "0"))
        self.assertEqual(f.post(usage())[0], 429)
        reqs = [r for r in f.requests() if r["method"] == "POST"]
        self.assertEqual([r["window"] for r in reqs], [None] * 6)
        self.assertEqual(sum(r["counted"] for r in reqs), 4)

    def test_rate_headers_on_every_reply(self):
        f = self.start("--rate-limit", "5/60", "--fail", "1.0", "--seed", "1")
        h_json = dict(JSON_AUTH)
        cases = [
            ("POST", USAGES, usage(), h_json, 503),          # injected failure
            ("POST", USAGES, usage(), {"REB-APIKEY": "x",
                                       "Content-Type": "application/json"}, 401),
            ("POST", "/organizations/other/usages", usage(), h_json, 403),
            ("PUT", USAGES, usage(), h_json, 405),
            ("POST", USAGES + "/x/y", usage(), h_json, 404),
            ("GET", USAGES, None, AUTH, 200),
        ]
        for method, path, body, hdrs, status in cases:
            st, h, _ = f.request(method, path, body, hdrs)
            self.assertEqual(st, status, (method, path))
            self.assertEqual(h["X-RateLimit-Limit"], "5", (method, path))
            self.assertRegex(h["X-RateLimit-Remaining"], r"^\d+$")
        g = self.start("--rate-limit", "5/60")
        st, h, _ = g.post(usage(qty="0"))
        self.assertEqual(st, 422)
        self.assertEqual(h["X-RateLimit-Remaining"], "4")  # a 422 counts

    def test_fail(self):
        f = self.start("--fail", "1.0", "--seed", "1")
        self.assertProblem(f.post(usage()), 503)
        self.assertEqual(f.ledger(), [])
        # GETs are not faulted unless --fault-gets.
        self.assertEqual(f.request("GET", USAGES, headers=AUTH)[0], 200)
        self.assertEqual(f.requests()[0]["fault"], "fail")
        g = self.start("--fail", "1.0", "--fault-gets")
        self.assertProblem(g.request("GET", USAGES, headers=AUTH), 503)

    def assertNoReply(self, f, method, path, body=None):
        c = f.conn()
        try:
            c.request(method, path, body=body, headers=JSON_AUTH)
            with self.assertRaises((http.client.RemoteDisconnected, ConnectionError)):
                c.getresponse()
        finally:
            c.close()

    def test_reset(self):
        f = self.start("--reset", "1.0", "--seed", "1")
        self.assertNoReply(f, "POST", USAGES, usage())
        raw = f.raw(("POST %s HTTP/1.1\r\nHost: x\r\nREB-APIKEY: %s\r\n"
                     "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                     % (USAGES, KEY, len(usage()), usage())).encode())
        self.assertEqual(raw, b"")  # not a single byte
        self.assertEqual(f.ledger(), [])
        self.assertEqual([r["status"] for r in f.requests()[:2]], [None, None])

    def test_lost_reply(self):
        f = self.start("--lost-reply", "1.0", "--seed", "1")
        self.assertNoReply(f, "POST", USAGES, usage("sub-lost"))
        raw = f.raw(("POST %s HTTP/1.1\r\nHost: x\r\nREB-APIKEY: %s\r\n"
                     "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                     % (USAGES, KEY, len(usage("sub-lost")), usage("sub-lost"))).encode())
        self.assertEqual(raw, b"")
        led = f.ledger()
        self.assertEqual(len(led), 2)  # stored although no reply came
        reqs = f.requests()
        self.assertEqual(reqs[0]["fault"], "lost-reply")
        self.assertEqual(reqs[0]["usageId"], led[0]["id"])
        # The client can find it again with a GET (not faulted).
        st, _, body = f.request("GET", USAGES + "?filter=subscriptionId:sub-lost;"
                                "usageTime:2026-01-01T00:00:00Z", headers=AUTH)
        self.assertEqual(len(json.loads(body)), 2)
        # DELETE with a lost reply still deletes.
        self.assertNoReply(f, "DELETE", USAGES + "/" + led[0]["id"])
        self.assertIs(f.ledger()[0]["deleted"], True)

    # ---- the ways a real server differs from a client's hopes

    def test_store_then_fail(self):
        f = self.start("--store-then-fail", "1.0", "--seed", "3")
        codes = set()
        for i in range(9):
            st, _, body = f.post(usage(t="2026-01-01T00:00:%02dZ" % i))
            codes.add(st)
            self.assertIn("WAS stored", json.loads(body)["detail"])
        self.assertTrue(codes <= {500, 502, 504} and len(codes) > 1, codes)
        self.assertEqual(len(f.ledger()), 9)  # every one of them stored
        reqs = f.requests()
        self.assertTrue(all(r["fault"].startswith("store-then-") and r["usageId"]
                            for r in reqs if r["method"] == "POST"))
        # GETs are never failed this way
        self.assertEqual(f.request("GET", USAGES, headers=AUTH)[0], 200)

    def test_late_commit(self):
        f = self.start("--late-commit", "1.0", "--late-commit-delay", "0.6")
        c = f.conn(timeout=0.2)
        try:
            c.request("POST", USAGES, body=usage("sub-late"), headers=JSON_AUTH)
            with self.assertRaises(TimeoutError):
                c.getresponse()
        finally:
            c.close()
        self.assertEqual(f.ledger(), [])  # not yet: a lookup now misses it
        deadline = time.monotonic() + 5
        while not f.ledger() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual([u["subscriptionId"] for u in f.ledger()], ["sub-late"])

    def test_list_lag(self):
        f = self.start("--list-lag", "0.5")
        st, _, body = f.post(usage("sub-lag"))
        uid = json.loads(body)["id"]
        q = USAGES + "?filter=subscriptionId:sub-lag"
        self.assertEqual(json.loads(f.request("GET", q, headers=AUTH)[2]), [])
        # by id it is there at once
        self.assertEqual(f.request("GET", USAGES + "/" + uid, headers=AUTH)[0], 200)
        time.sleep(0.6)
        self.assertEqual(len(json.loads(f.request("GET", q, headers=AUTH)[2])), 1)

    def test_whole_seconds(self):
        f = self.start("--whole-seconds")
        st, _, body = f.post(usage("sub-ws", t="2026-01-01T01:00:00.750+01:00"))
        self.assertEqual(json.loads(body)["usageTime"], "2026-01-01T00:00:00Z")
        self.assertEqual(f.ledger()[0]["usageTime"], "2026-01-01T00:00:00Z")

    def test_usage_limit(self):
        f = self.start("--usage-limit", "10")
        self.assertEqual(f.post(usage("sub-cap", qty="6"))[0], 201)
        # over the limit without acceptPartialQuantity: refused
        self.assertProblem(f.post(usage("sub-cap", qty="6",
                                        t="2026-01-01T00:00:01Z")), 422)
        st, _, body = f.post(usage("sub-cap", qty="6.5", t="2026-01-01T00:00:02Z",
                                   acceptPartialQuantity=True))
        self.assertEqual(st, 201)
        self.assertEqual(json.loads(body)["quantity"], 4)  # what was left
        self.assertEqual([u["quantity"] for u in f.ledger()], ["6", "4"])
        # nothing left: refused even with acceptPartialQuantity
        self.assertProblem(f.post(usage("sub-cap", qty="1", t="2026-01-01T00:00:03Z",
                                        acceptPartialQuantity=True)), 422)
        # a delete gives the room back
        uid = f.ledger()[0]["id"]
        self.assertEqual(f.request("DELETE", USAGES + "/" + uid, headers=AUTH)[0], 204)
        self.assertEqual(f.post(usage("sub-cap", qty="1", t="2026-01-01T00:00:04Z"))[0], 201)
        # other subscriptions have their own
        self.assertEqual(f.post(usage("sub-other", qty="10"))[0], 201)

    def test_filter_reads_ids_as_rebilly_does(self):
        f = self.start("--max-page", "2")
        for sid in ("@acct-1", "s..001", "Sub-A", "sub-a", "s.5"):
            self.assertEqual(f.post(usage(sid))[0], 201)

        def ids(flt, extra=""):
            st, h, body = f.request("GET", USAGES + "?filter=" + flt + extra,
                                    headers=AUTH)
            self.assertEqual(st, 200)
            return sorted(u["subscriptionId"] for u in json.loads(body)), h
        self.assertEqual(ids("subscriptionId:%40acct-1")[0], [])  # a value list
        # a range: s..001 matches every id from 's' to '001' (none: 's' > '0')
        self.assertEqual(ids("subscriptionId:s..001")[0], [])
        self.assertEqual(ids("subscriptionId:sub-a")[0], ["Sub-A", "sub-a"])
        got, h = ids("usageTime:2026-01-01T00:00:00Z..2026-01-01T00:00:01Z",
                     "&limit=1000&sort=createdTime")
        self.assertEqual(len(got), 2)  # --max-page
        self.assertEqual(h["Pagination-Limit"], "2")
        self.assertEqual(h["Pagination-Total"], "5")

    def test_latency(self):
        f = self.start("--latency", "200", "--jitter", "50")
        t0 = time.monotonic()
        self.assertEqual(f.request("GET", USAGES, headers=AUTH)[0], 200)
        self.assertLess(time.monotonic() - t0, 0.2)  # GETs not delayed
        t0 = time.monotonic()
        self.assertEqual(f.post(usage())[0], 201)
        elapsed = time.monotonic() - t0
        self.assertGreaterEqual(elapsed, 0.2)
        self.assertLess(elapsed, 2.0)
        # The usage is stored before the delay: a client that gives up
        # waiting finds it when it reconciles.
        c = f.conn(timeout=0.05)
        try:
            c.request("POST", USAGES, body=usage("sub-slow"), headers=JSON_AUTH)
            with self.assertRaises(TimeoutError):
                c.getresponse()
        finally:
            c.close()
        self.assertIn("sub-slow", [x["subscriptionId"] for x in f.ledger()])

    def test_seed_repeatable(self):
        def statuses():
            f = self.start("--fail", "0.5", "--seed", "7")
            out = [f.post(usage(t="2026-01-01T00:00:%02dZ" % i))[0] for i in range(12)]
            f.stop()
            return out
        a, b = statuses(), statuses()
        self.assertEqual(a, b)
        self.assertEqual(set(a), {201, 503})

    def test_invoiced_probability(self):
        f = self.start("--invoiced", "1.0")
        st, _, body = f.post(usage())
        self.assertIsNone(json.loads(body)["invoiceId"])  # at creation
        uid = json.loads(body)["id"]
        self.assertProblem(f.request("DELETE", USAGES + "/" + uid, headers=AUTH), 409)

    def test_ledger_file_on_signals(self):
        d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, d)
        for sig in (signal.SIGTERM, signal.SIGINT):
            with self.subTest(sig=sig):
                path = os.path.join(d, "ledger-%d.jsonl" % sig)
                reqs = os.path.join(d, "requests-%d.jsonl" % sig)
                f = self.start("--ledger", path, "--requests-log", reqs)
                st, _, body = f.post(usage("sub-file", "3.140"))
                uid = json.loads(body)["id"]
                f.post(usage("sub-file", "1", "2026-01-02T00:00:00Z"))
                f.request("DELETE", USAGES + "/" + uid, headers=AUTH)
                served = f.ledger()
                self.assertEqual(f.stop(sig), 0)
                with open(path) as fh:
                    lines = [json.loads(ln) for ln in fh]
                self.assertEqual(lines, served)
                self.assertEqual(lines[0]["quantity"], "3.140")
                self.assertIs(lines[0]["deleted"], True)
                self.assertIs(lines[1]["deleted"], False)
                self.assertEqual(set(lines[0]), {
                    "id", "subscriptionId", "quantity", "usageTime", "usageTimeSent",
                    "acceptPartialQuantity", "invoiceId", "arrival", "deleted"})
                with open(reqs) as fh:
                    methods = [json.loads(ln)["method"] for ln in fh]
                self.assertEqual(methods[:3], ["POST", "POST", "DELETE"])

    def test_quiet_by_default_verbose_hides_key(self):
        for args, logged in (((), False), (("--verbose",), True)):
            f = self.start(*args)
            f.post(usage())
            f.post(usage(), {"REB-APIKEY": "sk_wrong_key"})
            f.raw(b"garbage\r\n\r\n")
            f.proc.send_signal(signal.SIGTERM)
            out, err = f.proc.communicate(timeout=10)
            self.assertEqual(out, "")  # nothing after the first line
            if logged:
                self.assertIn("POST %s\" 201" % USAGES, err)
                self.assertIn("401", err)
                self.assertNotIn(KEY, err)
                self.assertNotIn("sk_wrong_key", err)
            else:
                self.assertEqual(err, "")


def make_cert(d):
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-keyout", key, "-out", cert, "-days", "1", "-subj",
                        "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                       capture_output=True, timeout=20)
    if r.returncode != 0:
        raise unittest.SkipTest("openssl could not make a certificate: %s"
                                % r.stderr.decode(errors="replace")[-200:])
    return cert, key


class TestTLS(FakeTestCase):
    def test_tls(self):
        if shutil.which("openssl") is None:
            self.skipTest("openssl command not found: cannot make a test certificate")
        d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, d)
        cert, key = make_cert(d)
        f = self.start("--tls", cert, key)
        self.assertTrue(f.url.startswith("https://127.0.0.1:"))
        ctx = ssl.create_default_context(cafile=cert)
        c = http.client.HTTPSConnection("127.0.0.1", f.port, context=ctx, timeout=5)
        self.addCleanup(c.close)
        for i in range(3):  # keep-alive over TLS
            c.request("POST", USAGES, body=usage(t="2026-01-01T00:00:0%dZ" % i),
                      headers=JSON_AUTH)
            r = c.getresponse()
            r.read()
            self.assertEqual(r.status, 201)
        # An untrusting client fails the handshake; the server carries on.
        bad = http.client.HTTPSConnection("127.0.0.1", f.port, timeout=5,
                                          context=ssl.create_default_context())
        with self.assertRaises(ssl.SSLError):
            bad.request("GET", USAGES, headers=AUTH)
        bad.close()
        c.request("GET", USAGES, headers=AUTH)
        r = c.getresponse()
        self.assertEqual(len(json.loads(r.read())), 3)
        # Plain HTTP to the TLS port gets no HTTP reply and no hang.
        self.assertNotIn(b"HTTP/1.1 201", f.raw(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"))


if __name__ == "__main__":
    unittest.main()
