# --aggregate hour end to end (issue 12): 6,000 rows of 10 subscriptions over
# two days go as one POST per (subscription, hour) with the exact decimal
# sum and the earliest usageTime, exactly once while the server loses
# replies, answers 5xx after storing and keeps whole seconds; a second run
# sends nothing; report counts rows and totals what was stored; undo takes
# every usage back. Then: the dry run's "N rows -> M usages" and --emit; a
# refused usage puts each of its rows in the reject file; a sum past 15
# digits rejects its rows; a run killed mid-flight resumes without sending
# anything twice; --restart after rows were added to a sent hour rejects
# that hour rather than bill it twice; a log of another --aggregate, or
# standard input, is refused (exit 2).
. "$(dirname "$0")/lib.sh"
cd "$T"

# gen N SUBS PREFIX: N rows, SUBS subscriptions, every hour of two days,
# in time order as an export would have them.
gen() {
	python3 - "$@" <<'PY'
import random, sys
n, subs, prefix = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rnd = random.Random(n * 31 + subs)
rows = []
for i in range(n):
    hour = (i // subs) % 48
    t = (hour * 3600 + rnd.randrange(3600)) * 1000 + rnd.randrange(1000)
    q = "%d.%03d" % (rnd.randrange(1, 500), rnd.randrange(1000))
    rows.append((t, "%s_%d" % (prefix, i % subs), q))
rows.sort()
print("subscriptionId,quantity,usageTime")
for t, s, q in rows:
    d, ms = divmod(t, 1000)
    print("%s,%s,2026-11-%02dT%02d:%02d:%02d.%03dZ" % (s, q, 20 + d // 86400, d // 3600 % 24, d // 60 % 60, d % 60, ms))
PY
}

# posts: POST requests the fake has seen.
posts() {
	python3 -c '
import json, sys, urllib.request
print(sum(1 for l in urllib.request.urlopen(sys.argv[1] + "/__requests").read().decode().splitlines() if l and json.loads(l)["method"] == "POST"))' "$FAKE_URL"
}

OPTS="--aggregate hour --rate 1000 --concurrency 8 --retries 4 --settle 0.2 --no-progress"

# --- 6,000 rows, 10 subscriptions, 2 days: the dry run says what will go ----
gen 6000 10 sub > backfill.csv
run "$RBUSAGE" import --dry-run --aggregate hour --no-progress backfill.csv
expect_rc 0
expect_grep "^  rows read 6000 = valid 6000 + rejected 0$" err
expect_grep "^  6000 rows -> 480 usages (--aggregate hour)$" err
run "$RBUSAGE" import --dry-run --emit --aggregate hour --no-progress backfill.csv
expect_rc 0
python3 - backfill.csv out <<'PY' || fail "--emit: not the aggregates' bodies"
import csv, json, sys
from decimal import Decimal
sums = {}
for r in csv.DictReader(open(sys.argv[1], newline="")):
    k = (r["subscriptionId"], r["usageTime"][:13])
    sums[k] = sums.get(k, Decimal(0)) + Decimal(r["quantity"])
bodies = [json.loads(l, parse_float=Decimal, parse_int=Decimal) for l in open(sys.argv[2])]
assert len(bodies) == 480, len(bodies)
got = {(b["subscriptionId"], b["usageTime"][:13]): b["quantity"] for b in bodies}
assert got == sums, "sums differ"
assert all(set(b) == {"subscriptionId", "quantity", "usageTime"} for b in bodies)
PY

# --- the import, while the server loses replies, stores and then answers
# 5xx, and keeps whole seconds: one POST per bucket ---------------------------
start_fake --lost-reply 0.05 --store-then-fail 0.05 --whole-seconds --seed 7 \
	--rate-limit 1000000/600
run "$RBUSAGE" import $OPTS backfill.csv
expect_rc 0
expect_invariant backfill.results.jsonl
expect_grep "^  rows read 6000 = created 6000 + rejected 0 + refused 0 + failed 0 + skipped 0$" err
expect_grep "^  6000 rows -> 480 usages (--aggregate hour)$" err
expect_eq "$(posts)" 480 "POSTs for 480 buckets"
buckets_once backfill.csv backfill.results.jsonl
expect_grep '"found":"reconciled: found with GET /usages"' backfill.results.jsonl
expect_grep '"storedUsageTime":"2026-11-2' backfill.results.jsonl
expect_grep '"aggregate":"hour"' backfill.results.jsonl
# again: every usage skipped, nothing sent
run "$RBUSAGE" import $OPTS backfill.csv
expect_rc 0
expect_grep "^  rows read 6000 = created 0 + rejected 0 + refused 0 + failed 0 + skipped 6000$" err
expect_eq "$(posts)" 480 "POSTs after a second run"
# another bucketing on the same log: refused before anything is sent
run "$RBUSAGE" import --rate 1000 --no-progress backfill.csv
expect_rc 2
expect_grep "holds usages sent with --aggregate hour (log line 6), but this run has no --aggregate" err
run "$RBUSAGE" import --rate 1000 --no-progress --aggregate day --restart backfill.csv
expect_rc 2
expect_eq "$(posts)" 480 "POSTs after the refusals"
# report: rows by final status, quantities once per usage (what was stored)
total=$(python3 -c '
import csv, sys
from decimal import Decimal
print(format(sum(Decimal(r["quantity"]) for r in csv.DictReader(open(sys.argv[1]))).normalize(), "f"))' backfill.csv)
run "$RBUSAGE" report backfill.results.jsonl
expect_rc 0
expect_grep "^  created          6000  (6000 of them before the last run)$" out
grep -q "^  total  *$total  (6000 rows)\$" out || fail "report total is not $total: $(grep total out)"
expect_grep "^  2026-11-20  .*  (3120 rows)$" out
expect_grep "^  2026-11-21  .*  (2880 rows)$" out
# undo takes every usage back
run "$RBUSAGE" undo --rate 1000 --no-progress backfill.results.jsonl
expect_rc 0
expect_grep "^  usages 480 = deleted 480 + deleted earlier 0 + remaining 0$" err
expect_eq "$(ledger_count)" 0 "usages left after undo"
stop_fake

# --- a refused usage: every row of it in the reject file, as read ----------
gen 600 6 acct > small.csv
# two rows whose sum is past 15 digits: rejected, each with the sum's reason
printf 'acct_big,999999999999999,2026-11-20T05:00:00Z\nacct_big,1,2026-11-20T05:59:59Z\n' >> small.csv
printf '%s\n' acct_0 acct_1 acct_2 acct_4 acct_5 acct_big > subs.txt
start_fake --subscriptions subs.txt --lost-reply 0.05 --seed 8
run "$RBUSAGE" import $OPTS small.csv
expect_rc 1
expect_invariant small.results.jsonl
expect_grep "^  rows read 602 = created 500 + rejected 2 + refused 100 + failed 0 + skipped 0$" err
expect_grep "^  600 rows -> 288 usages (--aggregate hour)$" err
python3 - small.csv small.rejects.csv small.results.jsonl <<'PY' || fail "reject file"
import csv, json, sys
rows = {i: r for i, r in enumerate(csv.reader(open(sys.argv[1], newline="")), start=1)}
rej = list(csv.reader(open(sys.argv[2], newline="")))
assert rej[0] == ["rejectLine", "rejectReason", "subscriptionId", "quantity", "usageTime"], rej[0]
got = {int(r[0]): r for r in rej[1:]}
want = sorted(i for i, r in rows.items() if r[0] in ("acct_3", "acct_big"))
assert sorted(got) == want, (sorted(got)[:5], want[:5])
for i, r in got.items():
    assert r[2:] == rows[i], (i, r, rows[i])   # the row as read
    if rows[i][0] == "acct_big":
        assert r[1].startswith("--aggregate hour: the 2 rows of subscription acct_big in the hour of 2026-11-20T05:00Z sum to 1000000000000000, over 15 significant digits"), r[1]
    else:
        assert r[1].startswith("HTTP 422: subscriptionId: subscription acct_3 does not exist (refused for the --aggregate hour usage of "), r[1]
# the log: one refused line per usage, naming its lines
refused = [o for o in map(json.loads, open(sys.argv[3])) if o.get("status") == "refused"]
assert len(refused) == 48, len(refused)
assert sorted(l for o in refused for l in o["lines"]) == [i for i in want if rows[i][0] == "acct_3"]
PY
# an input that ends early (a truncated gzip) sends nothing: a sum of part
# of an hour would not be the file's
gzip -c small.csv | head -c 3000 > cut.csv.gz
sent=$(posts)
run "$RBUSAGE" import $OPTS cut.csv.gz
expect_rc 1
expect_grep "rows were not sent: --aggregate sends nothing of an input that ended early" err
expect_grep "rbusage: cut.csv.gz: truncated gzip stream" err
expect_eq "$(posts)" "$sent" "POSTs for a truncated input"
stop_fake

# --- killed mid-flight (SIGKILL), run again: nothing sent twice -----------
cp backfill.csv again.csv
start_fake --lost-reply 0.05 --latency 30 --seed 9 --rate-limit 1000000/600
"$RBUSAGE" import $OPTS again.csv >/dev/null 2>&1 &
pid=$!
i=0
while :; do
	n=$(grep -c '"status":"created"' again.results.jsonl 2>/dev/null || :)
	[ "${n:-0}" -lt 100 ] && [ $i -lt 3000 ] || break
	sleep 0.01
	i=$((i + 1))
done
kill -KILL "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
grep -q '"status":"pending"' again.results.jsonl || fail "nothing was in flight"
k=0
while :; do
	run "$RBUSAGE" import $OPTS again.csv
	[ "$rc" -eq 0 ] && break
	[ "$rc" -eq 1 ] || [ "$rc" -eq 3 ] || fail "exit $rc"
	k=$((k + 1))
	[ $k -lt 5 ] || fail "did not converge"
done
expect_invariant again.results.jsonl
buckets_once again.csv again.results.jsonl

# --- --restart after rows were added: a sent hour is not sent again ----------
cp again.csv v1.csv
printf 'sub_3,2.5,2026-11-20T00:30:00Z\nsub_3,4,2026-11-22T00:30:00Z\n' >> again.csv
sent=$(posts)
run "$RBUSAGE" import $OPTS again.csv
expect_rc 2
expect_grep "was written for another version" err
run "$RBUSAGE" import $OPTS --restart again.csv
expect_rc 1
expect_invariant again.results.jsonl
# sub_3's first hour is rejected whole (its rows and the one added); the new
# day's row goes; every other usage is skipped
n3=$(grep -c '^sub_3,.*,2026-11-20T00:' again.csv)
expect_grep "^  rows read 6002 = created 1 + rejected $n3 + refused 0 + failed 0 + skipped $((6001 - n3))$" err
expect_eq "$(posts)" $((sent + 1)) "POSTs after --restart"
expect_eq "$(($(wc -l < again.rejects.csv) - 1))" "$n3" "rows in the reject file"
expect_grep ',"--aggregate hour: the result log has a usage of subscription sub_3 for the hour of 2026-11-20T00:00Z, sent by an earlier run, and this run'"'"'s rows of it (sum ' again.rejects.csv
ledger > ledger.now
python3 - v1.csv ledger.now <<'PY' || fail "--restart changed what was billed"
import csv, json, sys
from decimal import Decimal
want = {}
for r in csv.DictReader(open(sys.argv[1], newline="")):
    k = (r["subscriptionId"], r["usageTime"][:13])
    want[k] = want.get(k, Decimal(0)) + Decimal(r["quantity"])
want[("sub_3", "2026-11-22T00")] = Decimal(4)
live = [u for u in map(json.loads, open(sys.argv[2])) if not u["deleted"]]
got = {(u["subscriptionId"], u["usageTime"][:13]): Decimal(u["quantity"]) for u in live}
assert len(live) == len(got) == 481, len(live)
assert got == want
PY
stop_fake

# --- standard input cannot be read twice ------------------------------------
run sh -c "\"$RBUSAGE\" import --dry-run --aggregate hour - < small.csv"
expect_rc 2
expect_grep "rbusage: --aggregate reads the input twice (a refused usage's rows go to the reject file as they were read): give '-' as a file" err
echo ok
