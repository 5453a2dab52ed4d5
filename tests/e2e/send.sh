# Sending end to end against scripts/fake-rebilly: exact bodies on the
# server's ledger, result log lines, resume without re-sending, refusals into
# the reject file, 401 stopping the run, concurrency actually used.
. "$(dirname "$0")/lib.sh"
cd "$T"
cp "$TOP/samples/nightly.csv" .
start_fake --latency 5

# What a dry run says would be sent.
run "$RBUSAGE" import --dry-run --emit --quiet nightly.csv --log dry.jsonl
cp out expected-bodies.jsonl
rm -f nightly.rejects.csv

run "$RBUSAGE" import --rate 200 --concurrency 8 --no-progress nightly.csv
expect_rc 1
expect_invariant nightly.results.jsonl
expect_grep "rows read 309 = created 300 + rejected 9 + refused 0 + failed 0 + skipped 0" err
expect_file nightly.rejects.csv "$TOP/tests/data/e2e/nightly.expected-rejects.csv"

# The ledger holds exactly the bodies a dry run shows, each once, with the
# quantity text exactly as canonicalized; the log names each usage's id.
ledger > ledger.jsonl
python3 - expected-bodies.jsonl ledger.jsonl nightly.results.jsonl <<'PY' || fail "ledger differs"
import json, sys
# the quantity token exactly as the dry run printed it; the fake stores an
# absent acceptPartialQuantity as its default, false
want = sorted((b.split('"subscriptionId":"')[1].split('"')[0],
               b.split('"quantity":')[1].split(',')[0],
               json.loads(b)["usageTime"], json.loads(b).get("acceptPartialQuantity", False))
              for b in open(sys.argv[1]))
led = [json.loads(l) for l in open(sys.argv[2])]
got = sorted((u["subscriptionId"], u["quantity"], u["usageTime"], bool(u.get("acceptPartialQuantity"))) for u in led)
assert got == want, "bodies differ: %d vs %d" % (len(got), len(want))
ids = {u["id"] for u in led}
created = [o for o in map(json.loads, open(sys.argv[3])) if o.get("status") == "created"]
assert len(created) == 300 and {c["usageId"] for c in created} == ids, "log ids differ from ledger"
assert all(c["http"] == 201 and c["attempts"] == 1 for c in created)
PY

# Every created row had a pending line first.
python3 - nightly.results.jsonl <<'PY' || fail "pending before created"
import json, sys
pending = set()
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o.get("status") == "pending": pending.add(o["line"])
    if o.get("status") == "created": assert o["line"] in pending, o
PY

# The same command again: nothing is sent twice.
run "$RBUSAGE" import --rate 200 --no-progress nightly.csv
expect_rc 1
expect_grep "created 0 + rejected 9 + refused 0 + failed 0 + skipped 300" err
expect_eq "$(ledger_count)" 300 "usages after resume"

# A log written for another file is refused (exit 2), nothing sent.
printf 'x\n' >> nightly.csv
run "$RBUSAGE" import --no-progress nightly.csv
expect_rc 2
expect_grep "was written for another version of 'nightly.csv'" err
expect_eq "$(ledger_count)" 300 "usages after refused resume"

# Concurrency: with 150 ms per reply and 8 in flight, requests overlap.
printf 'subscriptionId,quantity,usageTime\n' > conc.csv
i=0
while [ $i -lt 24 ]; do
	printf 'conc_%d,1,2026-11-20T10:00:00Z\n' $i >> conc.csv
	i=$((i + 1))
done
kill "$FAKE_PID"; wait "$FAKE_PID" || true; FAKE_PID=""; rm -f "$T/fake.fifo"; exec 3<&-
start_fake --latency 150
run "$RBUSAGE" import --rate 1000 --concurrency 8 --no-progress conc.csv
expect_rc 0
python3 - "$FAKE_URL" <<'PY' || fail "no overlap seen"
import json, sys, urllib.request
reqs = [json.loads(l) for l in urllib.request.urlopen(sys.argv[1] + "/__requests").read().decode().splitlines() if l]
t = sorted(r["arrival"] for r in reqs if r["method"] == "POST")
assert len(t) == 24, len(t)
# some request arrived while 3 others were still within their 150 ms
assert any(t[i + 3] - t[i] < 0.15 for i in range(len(t) - 3)), t
PY
# Exact result-log lines for a small import: created, rejected, refused
# (ids, timings and the run line's clock, fingerprint and URL masked).
kill "$FAKE_PID"; wait "$FAKE_PID" || true; FAKE_PID=""; rm -f "$T/fake.fifo"; exec 3<&-
printf 'sub_ok\n' > known.txt
start_fake --subscriptions known.txt
printf 'subscriptionId,quantity,usageTime,acceptPartialQuantity\nsub_ok,5.250,2026-11-20T12:00:00+02:00,yes\nsub_ok,0.0001,2026-11-20T10:00:00Z,\nsub_other,2,2026-11-20T10:00:00Z,\n' > exact.csv
run "$RBUSAGE" import --rate 100 --concurrency 1 --no-progress exact.csv
expect_rc 1
python3 - exact.results.jsonl <<'PY' > exact.masked
import json, re, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    for k in ("usageId", "started", "stampedTime", "fingerprint", "baseUrl", "elapsedMs"):
        if k in o: o[k] = "*"
    if "ms" in o: o["ms"] = "*"
    print(json.dumps(o, separators=(",", ":")))
PY
expect_file exact.masked "$DATA/exact.expected-log"
echo ok
