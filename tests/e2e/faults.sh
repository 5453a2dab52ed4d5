# Faults: lost replies, resets and 5xx never make a usage twice; 401 stops the
# run at once; 422 goes to the reject file with the server's words; 429 pauses
# and the rows still go; SIGTERM stops cleanly and a rerun completes; undo.
. "$(dirname "$0")/lib.sh"
cd "$T"

# 200 distinct valid rows.
mkrows() { # mkrows FILE N PREFIX
	printf 'subscriptionId,quantity,usageTime\n' > "$1"
	i=0
	while [ "$i" -lt "$2" ]; do
		printf '%s_%d,%d.5,2026-11-20T10:%02d:%02dZ\n' "$3" "$i" $((i % 7 + 1)) $((i / 60 % 60)) $((i % 60)) >> "$1"
		i=$((i + 1))
	done
}

restart_fake() {
	if [ -n "$FAKE_PID" ]; then
		kill "$FAKE_PID"
		wait "$FAKE_PID" || true
		FAKE_PID=""
		exec 3<&-
		rm -f "$T/fake.fifo"
	fi
	start_fake "$@"
}

# exactly_once N: the ledger holds N live usages, no (sub, time, qty) twice.
exactly_once() {
	ledger | python3 -c '
import json, sys
from collections import Counter
live = [json.loads(l) for l in sys.stdin if l.strip()]
live = [u for u in live if not u["deleted"]]
c = Counter((u["subscriptionId"], u["usageTime"], u["quantity"]) for u in live)
dups = [k for k, n in c.items() if n > 1]
assert not dups, "stored twice: %r" % dups[:5]
assert len(live) == int(sys.argv[1]), "%d usages, want %s" % (len(live), sys.argv[1])' "$1" || fail "exactly-once broken"
}

# --- lost replies, resets, 503s: every row once, reruns converge -----------
mkrows chaos.csv 200 chaos
restart_fake --lost-reply 0.1 --reset 0.1 --fail 0.15 --seed 7
run "$RBUSAGE" import --rate 500 --concurrency 8 --retries 2 --timeout 5 --settle 0.2 --no-progress chaos.csv
[ "$rc" -eq 0 ] || [ "$rc" -eq 1 ] || fail "chaos run exit $rc"
expect_invariant chaos.results.jsonl
expect_grep "found again after a lost reply" err
tries=0
while [ "$rc" -ne 0 ] && [ $tries -lt 10 ]; do
	run "$RBUSAGE" import --rate 500 --concurrency 8 --retries 2 --timeout 5 --settle 0.2 --no-progress chaos.csv
	tries=$((tries + 1))
done
expect_rc 0
exactly_once 200
# the log agrees with the server: every created id is on the ledger once
ledger > ledger.jsonl
python3 - chaos.results.jsonl ledger.jsonl <<'PY' || fail "log and ledger disagree"
import json, sys
ids = [o["usageId"] for o in map(json.loads, open(sys.argv[1])) if o.get("status") == "created"]
led = {u["id"] for u in map(json.loads, open(sys.argv[2]))}
assert len(ids) == len(set(ids)) == 200, (len(ids), len(set(ids)))
assert set(ids) == led
PY

# --- undo deletes what was created, and is resumable -------------------------
restart_fake
mkrows small.csv 30 undo
run "$RBUSAGE" import --rate 500 --no-progress small.csv
expect_rc 0
expect_eq "$(ledger_count)" 30 "usages before undo"
run "$RBUSAGE" undo --rate 500 small.results.jsonl
expect_rc 0
expect_grep "usages 30 = deleted 30 + deleted earlier 0 + remaining 0" err
expect_eq "$(ledger_count)" 0 "usages after undo"
run "$RBUSAGE" undo --rate 500 small.results.jsonl
expect_rc 0
expect_grep "usages 30 = deleted 0 + deleted earlier 30 + remaining 0" err
# undo refuses to delete anywhere but where the import created the usages
run env REBILLY_ORGANIZATION_ID=other-org "$RBUSAGE" undo --rate 500 small.results.jsonl
expect_rc 2
expect_grep "created at $FAKE_URL for organization 'org-e2e', but undo is set to" err
[ ! -e small.results.jsonl.undo.jsonl ] || [ "$(grep -c '"type":"run"' small.results.jsonl.undo.jsonl)" -eq 2 ] || fail "undo wrote to its log before refusing"
# an invoiced usage cannot be deleted: 409 reported, exit 1
printf 'subscriptionId,quantity,usageTime\ninvoiced-1,1,2026-11-20T10:00:00Z\nfree-1,1,2026-11-20T10:00:00Z\n' > inv.csv
run "$RBUSAGE" import --rate 500 --no-progress inv.csv
expect_rc 0
run "$RBUSAGE" undo --rate 500 inv.results.jsonl
expect_rc 1
expect_grep "remaining 1" err
expect_grep '"status":"refused"' inv.results.jsonl.undo.jsonl
expect_grep 'HTTP 409' inv.results.jsonl.undo.jsonl

# --- 401: the run stops at once, exit 3, the key never shows ---------------
restart_fake
mkrows many.csv 100 auth
REBILLY_API_KEY=sk_wrong_SECRET_KEY "$RBUSAGE" import --rate 1000 --concurrency 4 --no-progress many.csv >out 2>err && rc=0 || rc=$?
expect_rc 3
expect_grep "refused our credentials" err
expect_no_grep "SECRET_KEY" err
expect_no_grep "SECRET_KEY" many.results.jsonl
expect_eq "$(ledger_count)" 0 "usages after 401"
n=$(python3 -c 'import json,sys,urllib.request; print(sum(1 for l in urllib.request.urlopen(sys.argv[1]+"/__requests").read().decode().splitlines() if l and json.loads(l)["method"]=="POST"))' "$FAKE_URL")
[ "$n" -le 4 ] || fail "$n requests went out after a 401 (concurrency 4)"

# --- 422: refused rows go to the reject file with the server's message -----
printf 'sub_known\n' > subs.txt
restart_fake --subscriptions subs.txt
printf 'subscriptionId,quantity,usageTime\nsub_known,1,2026-11-20T10:00:00Z\nsub_unknown,2,2026-11-20T10:00:00Z\n' > r.csv
run "$RBUSAGE" import --rate 100 --no-progress r.csv
expect_rc 1
expect_grep "created 1 + rejected 0 + refused 1" err
expect_grep '^3,HTTP 422: subscriptionId: ' r.rejects.csv
expect_grep ',sub_unknown,2,2026-11-20T10:00:00Z$' r.rejects.csv
expect_grep '"status":"refused","http":422' r.results.jsonl

# --- 429: the fake allows 10 per second; all 40 still go, once -------------
restart_fake --rate-limit 10/1
mkrows limited.csv 40 limited
run "$RBUSAGE" import --rate 1000 --concurrency 4 --no-progress limited.csv
expect_rc 0
exactly_once 40

# --- SIGTERM mid-run: exit 3, consistent log; the rerun completes ----------
restart_fake --latency 100
mkrows term.csv 60 term
"$RBUSAGE" import --rate 20 --concurrency 2 --no-progress term.csv >out 2>err &
pid=$!
# wait (bounded) until some rows are created, then signal
i=0
while [ "$i" -lt 200 ] && ! grep -q '"created"' term.results.jsonl 2>/dev/null; do
	sleep 0.05
	i=$((i + 1))
done
kill -TERM "$pid"
wait "$pid" && rc=0 || rc=$?
expect_rc 3
expect_grep "interrupted" err
expect_invariant term.results.jsonl
run "$RBUSAGE" import --rate 200 --concurrency 4 --no-progress term.csv
expect_rc 0
exactly_once 60

# --- SIGTERM while a lookup pages: the page that comes back ends it --------
# One page a usage (--max-page 1): the lookup of the 5xx'd row meets the
# other usage of its second on page 0 and needs page 1; the signal comes
# while page 0 is out. The run must end within its grace, the row failed
# (maybe stored, looked up first by the rerun), never spin forever.
restart_fake --max-page 1 --fault-gets --latency 600 --store-then-fail 1 --seed 5
printf 'subscriptionId,quantity,usageTime\ns1,9,2026-11-20T10:00:00Z\n' > page0.csv
run "$RBUSAGE" import --rate 100 --settle 0.1 --no-progress page0.csv
expect_rc 0
printf 'subscriptionId,quantity,usageTime\ns1,1,2026-11-20T10:00:00Z\n' > page1.csv
"$RBUSAGE" import --rate 100 --settle 0.1 --verbose --no-progress page1.csv >out 2>err </dev/null &
pid=$!
i=0
while [ "$i" -lt 200 ] && ! grep -q '^> GET ' err; do
	sleep 0.05
	i=$((i + 1))
done
expect_grep 'offset=0&' err
kill -TERM "$pid"
i=0
while [ "$i" -lt 150 ] && kill -0 "$pid" 2>/dev/null; do
	sleep 0.1
	i=$((i + 1))
done
if kill -0 "$pid" 2>/dev/null; then
	kill -KILL "$pid"
	fail "still running 15 s after SIGTERM (a lookup page queued after the stop)"
fi
wait "$pid" && rc=0 || rc=$?
expect_rc 3
expect_invariant page1.results.jsonl
expect_grep '"status":"failed".*it may have been stored' page1.results.jsonl
# the rerun looks it up (every page) and finds it: nothing sent twice
run "$RBUSAGE" import --rate 100 --settle 0.1 --no-progress page1.csv
expect_rc 0
exactly_once 2
# A second signal stops at once (exit 3) and says so: rows in flight stay
# pending, and the rerun looks them up: nothing is sent twice.
restart_fake --latency 800 --seed 9
printf 'subscriptionId,quantity,usageTime\n' > twice.csv
i=0
while [ "$i" -lt 20 ]; do
	printf 't%d,1,2026-11-20T11:00:%02dZ\n' "$i" "$i" >> twice.csv
	i=$((i + 1))
done
"$RBUSAGE" import --rate 100 --concurrency 4 --settle 0.1 --verbose --no-progress twice.csv >out 2>err </dev/null &
pid=$!
i=0
while [ "$i" -lt 200 ] && ! grep -q '^> POST ' err; do
	sleep 0.05
	i=$((i + 1))
done
kill -TERM "$pid"
kill -INT "$pid"
wait "$pid" && rc=0 || rc=$?
expect_rc 3
expect_grep '^rbusage: second signal: stopping now; rows in flight stay pending and the next run looks them up before sending$' err
run "$RBUSAGE" import --rate 100 --concurrency 4 --settle 0.1 --no-progress twice.csv
expect_rc 0
exactly_once 20
echo ok
