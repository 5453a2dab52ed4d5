# --shard K/N: N processes split one file by a stable hash of subscriptionId
# (FNV-1a 64 of the trimmed id, modulo N, is K-1); together they send every
# valid row exactly once and report every bad row exactly once.
. "$(dirname "$0")/lib.sh"
cd "$T"
start_fake --rate-limit 1000000/600
python3 - <<'PY' > big.csv
print("subscriptionId,quantity,usageTime")
for i in range(240):
    print("shard_%d,%d,2026-11-20T10:%02d:%02dZ" % (i % 60, i % 9 + 1, i // 60, i % 60))
print(",1,2026-11-20T10:00:00Z")          # no id: shard 1 reports it
print("bad id,1,2026-11-20T10:00:00Z")    # a bad id: the shard its text hashes to
print("shard_1,0,2026-11-20T10:00:00Z")   # a bad quantity
PY
pids=""
for k in 1 2 3 4; do
	"$RBUSAGE" import --shard $k/4 --rate 500 --no-progress big.csv \
		--log s$k.jsonl --rejects s$k.rej.csv >o$k 2>e$k &
	pids="$pids $!"
done
for p in $pids; do
	wait "$p" && rc=0 || rc=$?
	[ "$rc" -le 1 ] || fail "a shard exited $rc"
done
ledger > ledger.jsonl
python3 - <<'PY' || fail "shards do not add up"
import json
from collections import Counter
def fnv(s):
    h = 0xcbf29ce484222325
    for b in s.encode():
        h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
    return h
summ = {}
logs = {}
for k in range(1, 5):
    rows = [json.loads(l) for l in open("s%d.jsonl" % k)]
    summ[k] = [r for r in rows if r["type"] == "summary"][-1]
    logs[k] = [r for r in rows if r["type"] == "row" and r["status"] != "pending"]
    for r in logs[k]:
        sid = r.get("subscriptionId")
        if sid:
            assert fnv(sid) % 4 == k - 1, (k, sid)
# every row of the file is read by exactly one shard
assert sum(s["read"] for s in summ.values()) == 243, [s["read"] for s in summ.values()]
for s in summ.values():
    assert s["read"] + s.get("otherShard", 0) == 243, s
lines = Counter(r["line"] for k in logs for r in logs[k])
assert len(lines) == 243 and set(lines.values()) == {1}, "a row reported twice or not at all"
assert sum(s["created"] for s in summ.values()) == 240
assert sum(s["rejected"] for s in summ.values()) == 3
# the no-id row went to shard 1
assert any(r["line"] == 242 for r in logs[1]), "row without id not in shard 1"
led = [json.loads(l) for l in open("ledger.jsonl")]
c = Counter((u["subscriptionId"], u["quantity"], u["usageTime"]) for u in led)
assert len(led) == 240 and set(c.values()) == {1}, "ledger does not hold each row once"
PY

# A shard's log taken by a run without --shard, or with another, is refused
# before anything is sent (it would send the other shards' rows again).
run "$RBUSAGE" import --rate 500 --no-progress big.csv --log s1.jsonl --rejects x.rej.csv
expect_rc 2
expect_eq "$(cat err)" "rbusage: result log 's1.jsonl' holds a run with --shard 1/4 (log line 1), but this run has no --shard: it would send rows that another shard's log holds, billing them twice; run it with --shard 1/4 to resume, or give --log NEW_PATH (after 'rbusage undo s1.jsonl' if the rows it created are to be sent again from the new log)" "an unsharded run on a shard's log"
run "$RBUSAGE" import --shard 2/4 --rate 500 --no-progress big.csv --log s1.jsonl --rejects x.rej.csv
expect_rc 2
expect_grep "result log 's1.jsonl' holds a run with --shard 1/4 (log line 1), but this run has --shard 2/4" err
[ "$(ledger_count)" -eq 240 ] || fail "a refused run sent something"
# the same shard resumes; an unsharded log refuses a sharded run
run "$RBUSAGE" import --shard 1/4 --rate 500 --no-progress big.csv --log s1.jsonl --rejects s1.rej.csv
[ "$rc" -le 1 ] || fail "the same shard again exited $rc"
[ "$(ledger_count)" -eq 240 ] || fail "the same shard again sent something"
head -n 11 big.csv > small.csv
run "$RBUSAGE" import --rate 500 --no-progress small.csv
expect_rc 0
run "$RBUSAGE" import --shard 1/2 --rate 500 --no-progress small.csv
expect_rc 2
expect_grep "result log 'small.results.jsonl' holds a run without --shard (log line 1), but this run has --shard 1/2" err
echo ok
