# Exactly once against servers that fail the way real ones do (issue 10), one
# scenario per way: a 5xx after the usage was stored, a commit after the
# client gave up, lists that lag, usageTime kept in whole seconds, less
# stored than sent, ids the filter syntax misreads, two runs at once,
# --restart after rows were appended, --skip-existing (also resuming rows
# left pending), an unreachable API.
# Each time the ledger must hold every row exactly once, and nothing the
# result log does not name (so undo can take it all back).
. "$(dirname "$0")/lib.sh"
cd "$T"

# gen N PREFIX [partial]: N rows with millisecond usageTimes.
gen() {
	python3 - "$@" <<'PY'
import sys
n, prefix = int(sys.argv[1]), sys.argv[2]
partial = len(sys.argv) > 3
print("subscriptionId,quantity,usageTime" + (",acceptPartialQuantity" if partial else ""))
for i in range(n):
    t = "2026-11-20T%02d:%02d:%02d.%03dZ" % (i // 3600 % 24, i // 60 % 60, i % 60, (i * 37) % 1000)
    q = "%d.%03d" % (i % 7 + 1, (i * 13) % 1000)
    print("%s_%d,%s,%s%s" % (prefix, i % 23, q, t, ",true" if partial else ""))
PY
}

OPTS="--rate 1000 --concurrency 8 --retries 4 --no-progress"

# imp CSV ARGS...: imports until it exits 0 (bounded), as a person would.
imp() {
	f=$1
	shift
	k=0
	while :; do
		run "$RBUSAGE" import $OPTS "$@" "$f"
		[ "$rc" -eq 0 ] && break
		[ "$rc" -eq 1 ] || fail "exit $rc"
		k=$((k + 1))
		[ $k -lt 5 ] || fail "did not converge"
	done
	expect_invariant "${f%.csv}.results.jsonl"
}

# --- a 5xx after the usage was stored (8% of POSTs) -------------------------
gen 300 stf > stf.csv
start_fake --store-then-fail 0.08 --seed 10
run "$RBUSAGE" import $OPTS --settle 0.2 stf.csv
expect_rc 0
expect_invariant stf.results.jsonl
exactly_once stf.csv stf.results.jsonl
expect_grep '"found":"reconciled: found with GET /usages"' stf.results.jsonl
expect_grep '"http":50[024]' stf.results.jsonl
stop_fake

# --- a POST committed 2.5 s after the client gave up (--timeout 1) ----------
gen 300 late > late.csv
start_fake --late-commit 0.1 --late-commit-delay 2.5 --seed 11
run "$RBUSAGE" import $OPTS --timeout 1 --settle 3 late.csv
expect_rc 0
exactly_once late.csv late.results.jsonl
expect_grep '"found":"reconciled: found with GET /usages"' late.results.jsonl
# every usage is named in the log, so undo takes them all back
run "$RBUSAGE" undo --rate 1000 --no-progress late.results.jsonl
expect_rc 0
expect_eq "$(ledger_count)" 0 "usages left after undo"
stop_fake

# --- lists that show a usage 1.5 s after it is stored, 5% lost replies -------
gen 300 lag > lag.csv
start_fake --list-lag 1.5 --lost-reply 0.05 --seed 12
run "$RBUSAGE" import $OPTS --settle 1 lag.csv
expect_rc 0
exactly_once lag.csv lag.results.jsonl
stop_fake

# --- usageTime kept in whole seconds, 7% lost replies ------------------------
gen 300 ws > ws.csv
start_fake --whole-seconds --lost-reply 0.07 --seed 13
run "$RBUSAGE" import $OPTS --settle 0.2 ws.csv
expect_rc 0
exactly_once ws.csv ws.results.jsonl
expect_grep '"storedUsageTime":"2026-11-20T00:00:01Z"' ws.results.jsonl
stop_fake

# --- less stored than sent: a usage limit under acceptPartialQuantity -------
gen 300 cap partial > cap.csv
start_fake --usage-limit 50 --lost-reply 0.05 --seed 14
run "$RBUSAGE" import $OPTS --settle 0.2 cap.csv
# over the limit with nothing left is refused (422); the rest is created
[ "$rc" -eq 0 ] || [ "$rc" -eq 1 ] || fail "exit $rc"
expect_invariant cap.results.jsonl
python3 - cap.csv cap.results.jsonl "$T/ledger.jsonl" <<'PY' || fail "what was stored is not what the log says"
import csv, json, sys, urllib.request, os
from decimal import Decimal
log = [o for o in map(json.loads, open(sys.argv[2])) if o.get("type") == "row"]
created = [o for o in log if o["status"] == "created"]
logged = sum(Decimal(str(o.get("storedQuantity", o["quantity"]))) for o in created)
ids = {o["usageId"] for o in created}
led = [json.loads(l) for l in urllib.request.urlopen(os.environ["REBILLY_BASE_URL"] + "/__ledger")]
live = [u for u in led if not u["deleted"]]
assert ids == {u["id"] for u in live}, "log and ledger name other usages"
stored = sum(Decimal(u["quantity"]) for u in live)
assert logged == stored, (logged, stored)
assert any("storedQuantity" in o for o in created), "no row was cut"
assert all(Decimal(u["quantity"]) > 0 for u in live)
# 23 subscriptions, 50 each at most
assert stored <= 23 * 50, stored
print(stored)
PY
# report totals what the server stored, not what was sent
stored=$(python3 -c '
import json, sys, urllib.request
from decimal import Decimal
led = [json.loads(l) for l in urllib.request.urlopen(sys.argv[1] + "/__ledger")]
print(format(sum(Decimal(u["quantity"]) for u in led if not u["deleted"]).normalize(), "f"))' "$FAKE_URL")
run "$RBUSAGE" report cap.results.jsonl
grep -q "^  total  *$stored  ([0-9]* rows)\$" out || fail "report does not total the stored $stored: $(cat out)"
stop_fake

# --- ids Rebilly's filter syntax misreads, ids differing only in case --------
python3 - <<'PY' > ids.csv
print("subscriptionId,quantity,usageTime")
ids = ["@acct-1", "s..001", "Sub-A", "sub-a", "SUB-A", "a.b~c", "x@y", "-lead", "_u"]
for i in range(300):
    print("%s,%d,2026-11-20T01:%02d:%02d.%03dZ" % (ids[i % len(ids)], i % 5 + 1, i // 60 % 60, i % 60, i * 7 % 1000))
PY
start_fake --lost-reply 0.1 --seed 15
run "$RBUSAGE" import $OPTS --settle 0.1 ids.csv
expect_rc 0
exactly_once ids.csv ids.results.jsonl
stop_fake

# --- two runs of the same import at once (cron overlap) ----------------------
gen 200 two > two.csv
start_fake --latency 20 --seed 16
"$RBUSAGE" import --rate 50 --concurrency 2 --no-progress two.csv >first.out 2>first.err &
first=$!
# wait (bounded) until the first run has its lock and is sending
i=0
while [ $i -lt 200 ] && ! grep -q '"status":"created"' two.results.jsonl 2>/dev/null; do
	sleep 0.05
	i=$((i + 1))
done
before=$(ledger_count)
run "$RBUSAGE" import --rate 50 --no-progress two.csv
expect_rc 3
expect_grep "another run (pid $first) is using the result log 'two.results.jsonl'; nothing was sent" err
[ "$(wc -l < err)" -le 2 ] || fail "more than the one line: $(cat err)"
wait "$first" || fail "the first run failed"
python3 - two.results.jsonl <<'PY' || fail "the second run wrote into the log"
import json, sys
runs = [o for o in map(json.loads, open(sys.argv[1])) if o["type"] == "run"]
assert len(runs) == 1, len(runs)
PY
exactly_once two.csv two.results.jsonl
stop_fake

# --- --restart after rows were appended: only the new rows go ----------------
gen 120 rs > rs120.csv
head -n 101 rs120.csv > rs.csv
start_fake --seed 17
run "$RBUSAGE" import $OPTS rs.csv
expect_rc 0
cp rs120.csv rs.csv
run "$RBUSAGE" import $OPTS rs.csv
expect_rc 2
expect_grep "pass --restart" err
run "$RBUSAGE" import $OPTS --restart rs.csv
expect_rc 0
expect_grep "created 20 " err
expect_grep "skipped 100" err
exactly_once rs.csv rs.results.jsonl
[ "$(ledger_count)" -eq 120 ] || fail "expected 120 usages"
# ... and again: nothing more
run "$RBUSAGE" import $OPTS --restart rs.csv
expect_rc 0
expect_grep "created 0 " err
[ "$(ledger_count)" -eq 120 ] || fail "the third run sent again"
stop_fake

# --- --skip-existing: the log is lost, the server is asked instead -----------
gen 100 se > se.csv
start_fake --seed 18
head -n 61 se.csv > se60.csv
run "$RBUSAGE" import $OPTS se60.csv
expect_rc 0
run "$RBUSAGE" import $OPTS --skip-existing se.csv
expect_rc 0
expect_grep "created 40 " err
expect_grep "skipped 60" err
[ "$(ledger_count)" -eq 100 ] || fail "expected 100 usages"
expect_grep '"found":"already on the server (--skip-existing)"' se.results.jsonl
python3 - "$FAKE_URL" <<'PY' || fail "--skip-existing asked more than twice"
import json, sys, urllib.request
reqs = [json.loads(l) for l in urllib.request.urlopen(sys.argv[1] + "/__requests")]
gets = [r for r in reqs if r["method"] == "GET" and "/usages" in r["path"]]
assert 1 <= len(gets) <= 2, gets
PY
# the same import again, as cron would run it, without the option: the rows
# found on the server are as done as the rows created
run "$RBUSAGE" import $OPTS se.csv
expect_rc 0
expect_grep "created 0 " err
expect_grep "skipped 100" err
[ "$(ledger_count)" -eq 100 ] || fail "rows found on the server were sent again"
stop_fake

# --- --skip-existing resuming rows a crash left pending ----------------------
# The run was killed after its POSTs went out: the log has their pending
# lines, the server their usages. Listing the window must not make those
# usages "another row's": each pending row finds its own, nothing is sent.
gen 30 sp > sp.csv
start_fake --seed 19
run "$RBUSAGE" import $OPTS sp.csv
expect_rc 0
grep -v -e '"status":"created"' -e '"type":"summary"' sp.results.jsonl > sp.cut
mv sp.cut sp.results.jsonl
run "$RBUSAGE" import $OPTS --settle 0.1 --skip-existing sp.csv
expect_rc 0
[ "$(ledger_count)" -eq 30 ] || fail "a pending row was sent again: $(ledger_count) usages for 30 rows"
exactly_once sp.csv sp.results.jsonl
stop_fake

# --- an unreachable API: exit 3 in well under 45 s, not a day ---------------
gen 500 un > un.csv
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
t0=$(date +%s)
run "$RBUSAGE" import --base-url "http://127.0.0.1:$port" --no-progress un.csv
t1=$(date +%s)
expect_rc 3
expect_grep "cannot reach 127.0.0.1" err
[ $((t1 - t0)) -lt 45 ] || fail "an unreachable API took $((t1 - t0)) s to give up"
python3 - un.results.jsonl <<'PY' || fail "rows of an unreachable run are not all accounted for"
import json, sys
objs = list(map(json.loads, open(sys.argv[1])))
s = objs[-1]
assert s["type"] == "summary" and s["interrupted"], s
assert s["read"] == s["failed"] + s["created"] + s["rejected"] + s["refused"] + s["skipped"], s
assert s["created"] == 0 and s["read"] < 500, s   # reading stopped early
PY

# --retries 0: the first row that would fail on a connection never made
# stops the run (exit 3, "cannot reach"), not each row failing by itself
gen 3 un0 > un0.csv
run "$RBUSAGE" import --base-url "http://127.0.0.1:$port" --retries 0 --no-progress un0.csv
expect_rc 3
expect_grep "cannot reach 127.0.0.1: .*1 attempt in a row" err
expect_grep "run the same command again once the API can be reached" err
echo ok
