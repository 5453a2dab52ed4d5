# Hostile servers (tests/hostile-server): a 201 without an id is never
# booked as created; a reply that is not JSON is read for what it is; an
# endless reply is capped at 1 MiB with bounded memory; a trickling server
# times out; a redirect is not followed (the key never reaches the other
# host); a 429 asking for days is capped at 15 minutes; garbage rate-limit
# headers are ignored; TLS is verified (wrong name refused, --cacert works);
# plain http:// to a non-loopback host is refused before anything is sent.
. "$(dirname "$0")/lib.sh"
cd "$T"

HOSTILE="$TOP/tests/hostile-server"
H_PID=""
H_URL=""

stop_hostile() {
	if [ -n "$H_PID" ]; then
		kill "$H_PID" 2>/dev/null || true
		wait "$H_PID" 2>/dev/null || true
		H_PID=""
	fi
	{ exec 4<&-; } 2>/dev/null || true
	rm -f "$T/hostile.fifo"
}
trap 'stop_hostile; cleanup' EXIT INT TERM

# start_hostile MODE [FLAGS...]: sets H_URL, H_PID (waits for its first line).
start_hostile() {
	stop_hostile
	mkfifo "$T/hostile.fifo"
	python3 "$HOSTILE" --port 0 --mode "$@" >"$T/hostile.fifo" 2>"$T/hostile.err" &
	H_PID=$!
	exec 4<"$T/hostile.fifo"
	IFS= read -r line <&4 || fail "hostile-server did not start: $(cat "$T/hostile.err")"
	H_URL=${line#listening on }
	case "$H_URL" in
	http://127.0.0.1:*|https://127.0.0.1:*) ;;
	*) fail "hostile-server said '$line'" ;;
	esac
}

# hget PATH: a test-only route of the running hostile server (TLS unverified:
# these routes carry nothing secret).
hget() {
	python3 -c '
import ssl, sys, urllib.request
ctx = ssl._create_unverified_context()
sys.stdout.write(urllib.request.urlopen(sys.argv[1] + sys.argv[2], context=ctx).read().decode())' "$H_URL" "$1"
}

export REBILLY_API_KEY=sk_test_hostile_$$ REBILLY_ORGANIZATION_ID=org-hostile
unset REBILLY_BASE_URL

printf 'subscriptionId,quantity,usageTime\nh1,1,2026-11-20T10:00:00Z\nh2,2.5,2026-11-20T10:00:01Z\nh3,3,2026-11-20T10:00:02Z\n' > three.csv

# imp [OPTIONS...]: imports three.csv afresh into the hostile server.
imp() {
	rm -f three.results.jsonl three.rejects.csv
	run "$RBUSAGE" import --base-url "$H_URL" --rate 100 --settle 0.05 --no-progress "$@" three.csv
}

# no_created LOG: no row of LOG says created.
no_created() {
	expect_no_grep '"status":"created"' "$1"
}

# every_row STATUS LOG: the last outcome of each of lines 2..4 is STATUS.
every_row() {
	python3 - "$1" "$2" <<'PY' || fail "rows are not all $1"
import json, sys
last = {}
for l in open(sys.argv[2]):
    o = json.loads(l)
    if o.get("type") == "row" and o["status"] != "pending":
        last[o["line"]] = o["status"]
assert last == {2: sys.argv[1], 3: sys.argv[1], 4: sys.argv[1]}, last
PY
}

# log_whole LOG: every line is JSON, every pending row has an outcome after
# it, the summary is last and keeps the invariant.
log_whole() {
	python3 - "$1" <<'PY' || fail "result log $1 is not consistent"
import json, sys
lines = open(sys.argv[1], "rb").read().split(b"\n")
assert lines[-1] == b"", "last line torn"
objs = [json.loads(l) for l in lines[:-1]]
assert objs[0]["type"] == "run" and objs[-1]["type"] == "summary"
open_rows = set()
for o in objs:
    if o.get("type") == "row":
        if o["status"] == "pending":
            open_rows.add(o["line"])
        else:
            open_rows.discard(o["line"])
assert not open_rows, "pending without an outcome: %r" % open_rows
PY
	expect_invariant "$1"
}

# --- a 201 without an id and without a Location -----------------------------
# A 2xx means stored, so the row is never POSTed again: it is looked up with
# GET /usages (the hostile list is empty) a few times, then recorded as
# created without an id, with a reason saying undo cannot delete it.
start_hostile no-id
imp --retries 1
expect_rc 0
every_row created three.results.jsonl
expect_no_grep '"usageId"' three.results.jsonl
expect_grep '"found":"2xx without an id"' three.results.jsonl
expect_grep 'undo cannot delete it' three.results.jsonl
log_whole three.results.jsonl
hget /__requests > req.jsonl
python3 - req.jsonl 1 <<'PY' || fail "a 2xx row was sent again"
import json, sys, re
retries = int(sys.argv[2])
seq = {}
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["method"] == "POST":
        seq.setdefault(r["subscriptionId"], []).append("P")
    else:
        m = re.search(r"subscriptionId%3A([^%&]+)", r["path"])
        assert m, r
        seq.setdefault(m.group(1), []).append("G")
assert set(seq) == {"h1", "h2", "h3"}, seq
for sub, s in seq.items():
    s = "".join(s)
    # one POST, then lookups only
    assert re.fullmatch(r"PG+", s) and s.count("G") <= retries + 1, (sub, s)
PY

# --- a 201 whose body is not JSON, with a Location ---------------------------
start_hostile garbage-location
imp --retries 1
expect_rc 0
python3 - three.results.jsonl <<'PY' || fail "ids not taken from Location"
import json, sys, re
ids = [o["usageId"] for o in map(json.loads, open(sys.argv[1]))
       if o.get("status") == "created"]
assert len(ids) == 3 and all(re.fullmatch(r"hostile-\d+", i) for i in ids), ids
PY
log_whole three.results.jsonl

# --- a 500 with an HTML body: it may have been stored, so it is looked up
# (twice, --settle apart) before each POST goes again; in the end failed with
# a readable reason that says the next run looks first ------------------------
start_hostile html-500
imp --retries 2
expect_rc 1
no_created three.results.jsonl
every_row failed three.results.jsonl
log_whole three.results.jsonl
python3 - three.results.jsonl <<'PY' || fail "unreadable 500 reason"
import json, sys
for o in map(json.loads, open(sys.argv[1])):
    if o.get("status") == "failed":
        r = o["reason"]
        assert r.startswith("HTTP 500: "), r
        assert "Internal Server Error" in r and "gave up after 3 attempts" in r, r
        assert "next run looks it up" in r, r
        assert all(ord(c) >= 0x20 for c in r), repr(r)   # no NUL, ESC, newline
        assert o["attempts"] == 3, o
PY
hget /__requests > req.jsonl
python3 - req.jsonl <<'PY' || fail "a 500 was sent again without two lookups first"
import json, re, sys
seq = {}
for r in map(json.loads, open(sys.argv[1])):
    if r["method"] == "POST":
        seq.setdefault(r["subscriptionId"], []).append("P")
    else:
        sub = re.search(r"subscriptionId%3A([^%&]+)", r["path"]).group(1)
        seq.setdefault(sub, []).append("G")
assert set(seq) == {"h1", "h2", "h3"}, seq
for sub, s in seq.items():
    assert "".join(s) == "PGGPGGPGG", (sub, "".join(s))
PY

# --- a server that ignores offset: every page is the first. A lookup that
# walked pages until an empty one would never end; a page that repeats the
# one before ends it as failed, and the row says it may have been stored ---
start_hostile no-offset
t0=$(date +%s)
imp --retries 0
t1=$(date +%s)
expect_rc 1
no_created three.results.jsonl
every_row failed three.results.jsonl
log_whole three.results.jsonl
expect_grep "repeats the one before: the server seems to ignore offset" three.results.jsonl
expect_grep "next run looks it up" three.results.jsonl
[ $((t1 - t0)) -le 20 ] || fail "a server ignoring offset held the run $((t1 - t0)) s"

# --- endless replies: capped at 1 MiB, memory bounded. The 201 came, so each
# row is stored: never sent again, looked up (the endless list fails too), and
# booked created without an id -------------------------------------------------
for mode in huge-chunked huge-length; do
	start_hostile "$mode"
	rm -f three.results.jsonl
	set +e
	/usr/bin/time -f %M -o rss "$RBUSAGE" import --base-url "$H_URL" --rate 100 \
		--retries 1 --settle 0.05 --no-progress three.csv >out 2>err </dev/null
	rc=$?
	set -e
	expect_rc 0
	every_row created three.results.jsonl
	expect_no_grep '"usageId"' three.results.jsonl
	expect_grep 'undo cannot delete it' three.results.jsonl
	log_whole three.results.jsonl
	[ "$(hget /__requests | grep -c POST)" -eq 3 ] || fail "$mode: a 2xx row was sent again"
	kb=$(tail -n 1 rss)
	[ "$kb" -lt 65536 ] || fail "$mode: peak RSS $kb KiB (>= 64 MiB)"
done

# --- one byte a minute: --timeout 2 ends it in bounded time ------------------
start_hostile trickle
t0=$(date +%s)
imp --retries 1 --timeout 2
t1=$(date +%s)
expect_rc 1
no_created three.results.jsonl
every_row failed three.results.jsonl
log_whole three.results.jsonl
expect_grep "outcome unknown" three.results.jsonl
expect_grep "timed out" three.results.jsonl
[ $((t1 - t0)) -le 20 ] || fail "a trickling server held the run $((t1 - t0)) s"

# --- a redirect to another port: not followed, the key goes nowhere else -----
start_hostile redirect
imp --retries 1
expect_rc 1
no_created three.results.jsonl
every_row failed three.results.jsonl
log_whole three.results.jsonl
expect_grep '"http":307' three.results.jsonl
expect_grep 'a redirect: not followed' three.results.jsonl
[ -z "$(hget /__target)" ] || fail "the redirect target got: $(hget /__target)"

# --- a 429 asking for days: capped at 15 minutes, said on stderr; SIGTERM -----
start_hostile retry-after-days
rm -f three.results.jsonl
"$RBUSAGE" import --base-url "$H_URL" --rate 100 --no-progress three.csv >out 2>err </dev/null &
pid=$!
i=0
while [ $i -lt 100 ] && ! grep -q "capped at 15 minutes" err; do
	sleep 0.1
	i=$((i + 1))
done
expect_grep "server asked to wait until 20[0-9-]*T[0-9:]*Z, capped at 15 minutes" err
kill -TERM "$pid"
i=0
while [ $i -lt 150 ] && kill -0 "$pid" 2>/dev/null; do
	sleep 0.1
	i=$((i + 1))
done
if kill -0 "$pid" 2>/dev/null; then
	kill -KILL "$pid"
	fail "still waiting 15 s after SIGTERM"
fi
# every request in flight met the 429; the notice is said once
expect_eq "$(grep -c 'capped at 15 minutes' err)" 1 "capped-wait notices"
wait "$pid" && rc=0 || rc=$?
expect_rc 3
expect_grep "interrupted" err
no_created three.results.jsonl
log_whole three.results.jsonl
expect_grep '"interrupted":true' three.results.jsonl

# --- garbage and negative X-RateLimit-* headers: ignored, rows go at --rate ---
start_hostile bad-ratelimit
printf 'subscriptionId,quantity,usageTime\n' > thirty.csv
i=0
while [ $i -lt 30 ]; do
	printf 'r%d,1,2026-11-20T10:00:%02dZ\n' $i $i >> thirty.csv
	i=$((i + 1))
done
t0=$(date +%s)
run "$RBUSAGE" import --base-url "$H_URL" --rate 50 --no-progress thirty.csv
t1=$(date +%s)
expect_rc 0
expect_grep "created 30 " err
[ $((t1 - t0)) -le 10 ] || fail "garbage rate-limit headers slowed 30 rows to $((t1 - t0)) s"

# --- TLS: a certificate for another name is refused; --cacert works ----------
if command -v openssl >/dev/null 2>&1; then
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=not-localhost \
		-keyout wrong.key -out wrong.pem >/dev/null 2>&1 || fail "openssl (wrong cert)"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=rbusage-test \
		-addext subjectAltName=IP:127.0.0.1 \
		-keyout good.key -out good.pem >/dev/null 2>&1 || fail "openssl (good cert)"
	start_hostile ok --tls wrong.pem wrong.key
	for ca in "" wrong.pem; do
		imp --retries 1 ${ca:+--cacert "$ca"}
		[ "$rc" -ne 0 ] || fail "a certificate for 'not-localhost' was accepted (cacert '$ca')"
		# an untrusted server stops the run (exit 3), not one failure per row
		expect_rc 3
		expect_grep "cannot go on: " err
		no_created three.results.jsonl
		every_row failed three.results.jsonl
		expect_grep "certificate" three.results.jsonl
	done
	expect_grep "does not match target host name" three.results.jsonl
	[ -z "$(hget /__requests)" ] || fail "a request reached the wrong-name server"
	start_hostile ok --tls good.pem good.key
	imp --retries 1
	[ "$rc" -ne 0 ] || fail "a self-signed certificate was trusted without --cacert"
	expect_grep "certificate" three.results.jsonl
	imp --retries 1 --cacert good.pem
	expect_rc 0
	every_row created three.results.jsonl
else
	echo "SKIP: openssl not installed: TLS checks not run"
fi
stop_hostile

# --- http:// to a non-loopback host: refused before anything is sent ---------
# Header-only input: even a build that accepted the URL would have no row to
# send, so these checks never put a packet on the network.
printf 'subscriptionId,quantity,usageTime\n' > none.csv
for url in http://10.0.0.1 http://10.0.0.1:8080/ http://127.0.0.1.example.com \
	'http://[::ffff:10.0.0.1]/' http://192.0.2.1; do
	rm -f none.results.jsonl
	run "$RBUSAGE" import --base-url "$url" --no-progress none.csv
	expect_rc 2
	expect_grep "refusing to send the API key over plain http://" err
done
run "$RBUSAGE" import --base-url http://127.0.0.1@10.0.0.1/ --no-progress none.csv
expect_rc 2
# With rows, only inside a network namespace with no route anywhere.
if unshare -n true 2>/dev/null; then
	rm -f three.results.jsonl
	set +e
	unshare -n "$RBUSAGE" import --base-url http://10.0.0.1 --no-progress three.csv >out 2>err </dev/null
	rc=$?
	set -e
	expect_rc 2
	expect_grep "refusing to send the API key over plain http://" err
	[ ! -e three.results.jsonl ] || fail "a refused --base-url left a result log"
else
	echo "SKIP: unshare -n not permitted: the refusal with rows not run"
fi
echo ok
