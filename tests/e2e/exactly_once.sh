# Exactly once against servers that fail the way real ones do (issue 10), one
# scenario per way: a 5xx after the usage was stored, a commit after the
# client gave up, lists that lag, usageTime kept in whole seconds, less
# stored than sent, ids the filter syntax misreads, two runs at once,
# --restart after rows were appended, --skip-existing (also resuming rows
# left pending, and a usage going to the row it matches best), an
# unreachable API.
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

# --- import, undo, import again: the undone usages are sent again ----------
# The log still says "created" for every row; the undo log beside it says
# those usages are gone. A run that believed the log alone skipped all 20
# rows and billed nothing (exit 0). Same with --restart on a changed file.
gen 20 ua > ua.csv
start_fake --seed 29
run "$RBUSAGE" import $OPTS ua.csv
expect_rc 0
run "$RBUSAGE" undo --rate 1000 --no-progress ua.results.jsonl
expect_rc 0
expect_eq "$(ledger_count)" 0 "usages after undo"
run "$RBUSAGE" import $OPTS ua.csv
expect_rc 0
expect_grep "rows read 20 = created 20 + rejected 0 + refused 0 + failed 0 + skipped 0" err
expect_eq "$(ledger_count)" 20 "usages after importing again"
run "$RBUSAGE" report ua.results.jsonl
expect_rc 0
expect_grep "^  created  *20\( \|$\)" out
expect_grep "(not counted: 20 rows deleted by undo" out
grep -c '"status":"pending"' ua.results.jsonl | grep -qx 40 || fail "the second run looked rows up instead of sending them"
run "$RBUSAGE" undo --rate 1000 --no-progress ua.results.jsonl
expect_rc 0
expect_eq "$(ledger_count)" 0 "usages after the second undo"
gen 22 ua > ua.csv
run "$RBUSAGE" import $OPTS --restart ua.csv
expect_rc 0
expect_grep "rows read 22 = created 22 + rejected 0 + refused 0 + failed 0 + skipped 0" err
ledger > ua.ledger
python3 - ua.csv ua.ledger <<'PY' || fail "after undo and --restart the ledger is not the file once"
import csv, json, sys
from datetime import datetime
from decimal import Decimal
t = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))
rows = sorted((r["subscriptionId"], Decimal(r["quantity"]), t(r["usageTime"]))
              for r in csv.DictReader(open(sys.argv[1])))
live = sorted((u["subscriptionId"], Decimal(u["quantity"]), t(u["usageTime"]))
              for u in map(json.loads, open(sys.argv[2])) if not u["deleted"])
assert rows == live, (len(rows), len(live))
PY
stop_fake

# --- --restart on an edited file after a crash ------------------------------
# A run killed with POSTs in flight left pending lines (the usages are
# stored); the user then edits those rows and runs --restart. Nothing in
# the new file matches them, so nothing looks them up: the run must say so
# and exit 1, not 0. A created usage the new file no longer has is noted.
gen 6 ed > ed.csv
start_fake --seed 31
run "$RBUSAGE" import $OPTS ed.csv
expect_rc 0
grep -v -e '"line":2,"status":"created"' -e '"type":"summary"' ed.results.jsonl > ed.cut
mv ed.cut ed.results.jsonl
sed -i -e '2s/,[0-9]*\./,90./' -e '3s/,[0-9]*\./,91./' ed.csv
run "$RBUSAGE" import $OPTS --settle 0.1 --restart ed.csv
expect_rc 1
expect_grep "^rbusage: 1 row that an earlier run sent without learning the outcome (e.g. subscriptionId ed_0, usageTime 2026-11-20T00:00:00Z, quantity 1) matches no row in this input, so nothing looks it up: it may be billed; check it in Rebilly ('rbusage report ed.results.jsonl' lists them)$" err
expect_grep "^rbusage: note: 1 usage that earlier runs created (e.g. subscriptionId ed_1, usageTime 2026-11-20T00:00:01.037Z, quantity 2.013) matches no row in this input; it stays billed" err
expect_grep "rows read 6 = created 2 + rejected 0 + refused 0 + failed 0 + skipped 4" err
expect_eq "$(ledger_count)" 8 "usages (6 rows, 2 of an earlier version)"
stop_fake
# Rows the --restart run looked up and found are this version's rows by
# line from then on: the same command again says nothing is left behind.
gen 3 eb > eb.csv
start_fake --seed 37
run "$RBUSAGE" import $OPTS eb.csv
expect_rc 0
grep -v -e '"status":"created"' -e '"type":"summary"' eb.results.jsonl > eb.cut
mv eb.cut eb.results.jsonl
{ head -n 1 eb.csv; echo "eb_new,5,2026-11-21T00:00:00Z"; tail -n +2 eb.csv; } > eb.new
mv eb.new eb.csv
run "$RBUSAGE" import $OPTS --settle 0.1 --restart eb.csv
expect_rc 0
expect_no_grep "earlier run" err
run "$RBUSAGE" import $OPTS --settle 0.1 --restart eb.csv
expect_rc 0
expect_no_grep "earlier run" err
expect_grep "rows read 4 = created 0 + rejected 0 + refused 0 + failed 0 + skipped 4" err
expect_eq "$(ledger_count)" 4 "usages for 4 rows"
run "$RBUSAGE" report eb.results.jsonl
expect_rc 0
expect_grep "^  created  *4\( \|$\)" out
expect_no_grep "unknown" out
stop_fake

# --- a server that takes requests but answers none in time -----------------
# Every POST is stored, every reply (lookups too) comes after --timeout: the
# rows end failed with storedMaybe, nothing is sent twice, and the API is not
# called unreachable (each request reached it).
gen 5 slow > slow.csv
start_fake --seed 23 --latency 300 --fault-gets
run "$RBUSAGE" import --rate 1000 --concurrency 4 --retries 1 --no-progress --timeout 0.1 --settle 0.2 slow.csv
expect_rc 1
grep -q "cannot reach" err && fail "a server that took every request was called unreachable: $(cat err)"
[ "$(grep -c '"storedMaybe":true' slow.results.jsonl)" -eq 5 ] || fail "rows whose POST may be stored are not marked storedMaybe"
[ "$(ledger_count)" -eq 5 ] || fail "$(ledger_count) usages for 5 rows"
stop_fake

# --- --skip-existing: a usage goes to the row it matches best ---------------
# The server holds one usage; the file has a row that matches it only by a
# looser rule (a partial quantity, whole seconds) before the row that is it
# exactly. The usage is the exact row's; the other row is another usage.
# skip_best NAME FAKEOPTS FIRST_ROWS SECOND_ROWS WANT: imports FIRST_ROWS,
# then FIRST_ROWS' header with SECOND_ROWS under --skip-existing; WANT is
# the ledger's sorted (usageTime, quantity) pairs and SKIPPED the lines
# skipped, as Python literals.
skip_best() {
	start_fake $2
	printf '%s\n' "$3" > "$1.first.csv"
	printf '%s\n' "$4" > "$1.csv"
	run "$RBUSAGE" import $OPTS "$1.first.csv"
	expect_rc 0
	run "$RBUSAGE" import $OPTS --skip-existing "$1.csv"
	expect_rc 0
	expect_invariant "$1.results.jsonl"
	ledger > "$1.ledger"
	python3 - "$1.ledger" "$1.results.jsonl" "$5" "$6" <<'PY' || fail "$1: the usage went to the wrong row"
import ast, json, sys
led = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
got = sorted((u["usageTime"], u["quantity"]) for u in led)
want = ast.literal_eval(sys.argv[3])
assert got == want, (got, want)
rows = [json.loads(l) for l in open(sys.argv[2])]
skipped = sorted(r["line"] for r in rows if r.get("status") == "skipped")
assert skipped == ast.literal_eval(sys.argv[4]), skipped
first = json.loads(open(sys.argv[1]).readline())["id"]
for r in rows:
    if r.get("status") == "skipped":
        assert r["usageId"] == first, r
PY
	stop_fake
}
# a usage limit cut nothing here: the 3 stored is the row of 3's
skip_best sbp "--seed 20" 'subscriptionId,quantity,usageTime,acceptPartialQuantity
subP,3,2026-11-20T10:00:00Z,true' 'subscriptionId,quantity,usageTime,acceptPartialQuantity
subP,5,2026-11-20T10:00:00Z,true
subP,3,2026-11-20T10:00:00Z,true' \
	"[('2026-11-20T10:00:00Z', '3'), ('2026-11-20T10:00:00Z', '5')]" "[3]"
# a server that keeps milliseconds: the .500 row is not the :00.000 usage
skip_best sbm "--seed 21" 'subscriptionId,quantity,usageTime
subM,2,2026-11-20T10:00:00.000Z' 'subscriptionId,quantity,usageTime
subM,2,2026-11-20T10:00:00.500Z
subM,2,2026-11-20T10:00:00.000Z' \
	"[('2026-11-20T10:00:00.500Z', '2'), ('2026-11-20T10:00:00Z', '2')]" "[3]"
# a usage limit did cut it, and no row is it exactly: the cut row's
skip_best sbl "--seed 22 --usage-limit 3" 'subscriptionId,quantity,usageTime,acceptPartialQuantity
subL,5,2026-11-20T10:00:00Z,true' 'subscriptionId,quantity,usageTime,acceptPartialQuantity
subL,5,2026-11-20T10:00:00Z,true' \
	"[('2026-11-20T10:00:00Z', '3')]" "[2]"
# a server that keeps seconds: two rows that only loosely match one usage
# are two usages, one of them found, the other sent
skip_best sbw "--seed 23 --whole-seconds" 'subscriptionId,quantity,usageTime
subW,2,2026-11-20T10:00:00.500Z' 'subscriptionId,quantity,usageTime
subW,2,2026-11-20T10:00:00.500Z
subW,2,2026-11-20T10:00:00.700Z' \
	"[('2026-11-20T10:00:00Z', '2'), ('2026-11-20T10:00:00Z', '2')]" "[2]"

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
