# Shared helpers for the end-to-end tests (POSIX sh). Each test sources this.
# $RBUSAGE is the binary under test, $TOP the checkout (set by tests/run-all).
set -eu
: "${TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${RBUSAGE:=$TOP/rbusage}"
DATA="$TOP/tests/data/e2e"
T=$(mktemp -d "${TMPDIR:-/tmp}/rbusage-e2e.XXXXXX")
FAKE_PID=""
KEY=sk_test_e2e_$$

cleanup() {
	if [ -n "$FAKE_PID" ]; then
		kill "$FAKE_PID" 2>/dev/null || true
		wait "$FAKE_PID" 2>/dev/null || true
	fi
	exec 3<&- 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

fail() {
	echo "FAIL: $*" >&2
	for f in "$T"/out "$T"/err; do
		[ -s "$f" ] && { echo "--- $f" >&2; head -c 4000 "$f" >&2; }
	done
	exit 1
}

# run CMD...: runs it with stdout/stderr in $T/out and $T/err, exit code in $rc.
run() {
	set +e
	"$@" >"$T/out" 2>"$T/err" </dev/null
	rc=$?
	set -e
}

expect_rc() {
	[ "$rc" -eq "$1" ] || fail "expected exit $1, got $rc"
}

expect_eq() {
	[ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"
}

# expect_file ACTUAL EXPECTED: byte-for-byte.
expect_file() {
	cmp -s "$1" "$2" || {
		diff -u "$2" "$1" >&2 || true
		fail "$1 differs from $2"
	}
}

expect_grep() {
	grep -q -- "$1" "$2" || fail "'$1' not in $2"
}

expect_no_grep() {
	! grep -q -- "$1" "$2" || fail "'$1' found in $2"
}

# summary LOG FIELD: a field of the last summary line of a result log.
summary() {
	python3 -c '
import json, sys
last = None
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o.get("type") == "summary":
        last = o
print(last.get(sys.argv[2], 0) if last else "none")' "$1" "$2"
}

# rows LOG: "line status" for each row line, in order.
rows() {
	python3 -c '
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o.get("type") == "row":
        print(o["line"], o["status"])' "$1"
}

# The invariant every run keeps: read = created+rejected+refused+failed+skipped
# (a dry run: read = valid + rejected).
expect_invariant() {
	python3 -c '
import json, sys
s = None
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o.get("type") == "summary":
        s = o
assert s, "no summary line"
if s["dryRun"]:
    ok = s["read"] == s["valid"] + s["rejected"]
else:
    ok = s["read"] == s["created"] + s["rejected"] + s["refused"] + s["failed"] + s["skipped"]
sys.exit(0 if ok else "invariant broken: %r" % s)' "$1" || fail "invariant broken in $1"
}

# start_fake [FLAGS...]: starts scripts/fake-rebilly on a free port; sets
# FAKE_URL and FAKE_PID. Waits for its "listening on" line (no sleeping).
start_fake() {
	mkfifo "$T/fake.fifo"
	python3 "$TOP/scripts/fake-rebilly" --port 0 --api-key "$KEY" --org org-e2e \
		--ledger "$T/ledger.jsonl" "$@" >"$T/fake.fifo" 2>"$T/fake.err" &
	FAKE_PID=$!
	exec 3<"$T/fake.fifo"
	IFS= read -r line <&3 || fail "fake-rebilly did not start: $(cat "$T/fake.err")"
	FAKE_URL=${line#listening on }
	export REBILLY_API_KEY="$KEY" REBILLY_ORGANIZATION_ID=org-e2e \
		REBILLY_BASE_URL="$FAKE_URL"
}

# stop_fake: stops the running fake by its PID, so another can be started.
stop_fake() {
	if [ -n "$FAKE_PID" ]; then
		kill "$FAKE_PID" 2>/dev/null || true
		wait "$FAKE_PID" 2>/dev/null || true
		FAKE_PID=""
	fi
	{ exec 3<&-; } 2>/dev/null || true
	rm -f "$T/fake.fifo"
}

# exactly_once CSV LOG: every row of CSV (no quoted line breaks) is in the
# fake's ledger exactly once, and the ledger holds nothing else: each row has
# one "created" line in LOG with a usage id (later runs may say "skipped"),
# those ids are the
# ledger's live usages one to one, and each usage is its row's by the
# matching rules (usageTime equal or cut to whole seconds; quantity equal,
# or with acceptPartialQuantity at most the row's and equal to the log's
# storedQuantity).
exactly_once() {
	ledger > "$T/ledger.now"
	python3 - "$1" "$2" "$T/ledger.now" <<'PY' || fail "$1 is not in the ledger exactly once"
import csv, json, sys
from datetime import datetime, timezone
from decimal import Decimal

def instant(t):
    return datetime.fromisoformat(t.replace("Z", "+00:00")).astimezone(timezone.utc)

rows = {}
with open(sys.argv[1], newline="") as f:
    for i, r in enumerate(csv.DictReader(f), start=2):
        rows[i] = r
final, ids, stored = {}, {}, {}
for o in map(json.loads, open(sys.argv[2])):
    if o.get("type") != "row" or o["status"] == "pending":
        continue
    final[o["line"]] = o["status"]
    if o["status"] == "created":
        assert o["line"] not in ids, "line %d created twice" % o["line"]
        ids[o["line"]] = o.get("usageId")
        stored[o["line"]] = o
live = {u["id"]: u for u in map(json.loads, open(sys.argv[3])) if not u["deleted"]}
bad = {l: s for l, s in final.items()
       if s != "created" and not (s == "skipped" and l in ids)}
assert set(final) == set(rows), "lines without an outcome: %r" % sorted(set(rows) - set(final))[:5]
assert not bad, "not created: %r" % list(bad.items())[:5]
assert all(ids.values()), "created without an id: %r" % [l for l, i in ids.items() if not i][:5]
assert len(set(ids.values())) == len(ids), "one usage claimed by two rows"
extra = set(live) - set(ids.values())
missing = set(ids.values()) - set(live)
assert not extra, "%d usages in the ledger that no row of the log names (billed twice): %r" % (len(extra), [live[i] for i in list(extra)[:3]])
assert not missing, "usages the log names that the ledger lacks: %r" % list(missing)[:3]
for line, uid in ids.items():
    r, u, o = rows[line], live[uid], stored[line]
    assert u["subscriptionId"] == r["subscriptionId"].strip(), (line, u)
    t_row, t_srv = instant(r["usageTime"]), instant(u["usageTime"])
    assert t_srv in (t_row, t_row.replace(microsecond=0)), (line, r, u)
    q_row, q_srv = Decimal(r["quantity"]), Decimal(u["quantity"])
    partial = r.get("acceptPartialQuantity", "").strip().lower() in ("true", "1", "yes")
    assert q_srv == q_row or (partial and q_srv < q_row), (line, r, u)
    if q_srv != q_row:
        assert Decimal(str(o.get("storedQuantity"))) == q_srv, (line, o, u)
    if t_srv != t_row:
        assert instant(o["storedUsageTime"]) == t_srv, (line, o, u)
PY
}

# ledger: the fake's stored usages, one JSON per line, on stdout.
ledger() {
	python3 -c '
import sys, urllib.request
sys.stdout.write(urllib.request.urlopen(sys.argv[1] + "/__ledger").read().decode())' "$FAKE_URL"
}

# ledger_count [deleted]: how many usages the fake holds (not deleted).
ledger_count() {
	ledger | python3 -c '
import json, sys
print(sum(1 for l in sys.stdin if l.strip() and not json.loads(l).get("deleted")))'
}

# buckets_once CSV LOG: for --aggregate hour, the ledger holds one usage per
# (subscription, hour) of CSV (no acceptPartialQuantity column): its sum
# exactly (Decimal), its earliest usageTime (or that cut to whole seconds);
# nothing else; and LOG names every usage, each input line under exactly
# one created usage.
buckets_once() {
	ledger > "$T/ledger.now"
	python3 - "$1" "$2" "$T/ledger.now" <<'PY' || fail "$1: not one usage per bucket, exactly once"
import csv, json, sys
from datetime import datetime, timezone
from decimal import Decimal

def instant(t):
    return datetime.fromisoformat(t.replace("Z", "+00:00")).astimezone(timezone.utc)

want, lines_of = {}, {}
with open(sys.argv[1], newline="") as f:
    for line, r in enumerate(csv.DictReader(f), start=2):
        t = instant(r["usageTime"])
        k = (r["subscriptionId"], t.replace(minute=0, second=0, microsecond=0))
        q, first = want.get(k, (Decimal(0), None))
        want[k] = (q + Decimal(r["quantity"]), t if first is None or t < first else first)
        lines_of.setdefault(k, []).append(line)
live = {u["id"]: u for u in map(json.loads, open(sys.argv[3])) if not u["deleted"]}
got = {}
for u in live.values():
    t = instant(u["usageTime"])
    k = (u["subscriptionId"], t.replace(minute=0, second=0, microsecond=0))
    assert k not in got, "two usages for %r: %r %r" % (k, got[k], u)
    got[k] = u
assert set(got) == set(want), "buckets: %d in the ledger, %d in the file" % (len(got), len(want))
for k, (q, first) in want.items():
    u = got[k]
    assert Decimal(u["quantity"]) == q, (k, u["quantity"], q)
    assert instant(u["usageTime"]) in (first, first.replace(microsecond=0)), (k, u, first)
created, final = {}, {}
for o in map(json.loads, open(sys.argv[2])):
    if o.get("type") != "row" or o["status"] == "pending":
        continue
    for l in o.get("lines", [o["line"]]):
        final[l] = o["status"]
    if o["status"] == "created":
        assert o["usageId"] not in created, "usage %s created twice" % o["usageId"]
        created[o["usageId"]] = o
assert set(created) == set(live), "log and ledger name other usages"
for uid, o in created.items():
    u = live[uid]
    t = instant(o["usageTime"])
    k = (o["subscriptionId"], t.replace(minute=0, second=0, microsecond=0))
    assert o["lines"] == lines_of[k], (k, o["lines"][:5], lines_of[k][:5])
    assert o["line"] == o["lines"][0]
    assert Decimal(str(o["quantity"])) == want[k][0], (k, o["quantity"])
covered = sorted(l for ls in lines_of.values() for l in ls)
assert sorted(final) == covered, "lines without an outcome"
assert all(s in ("created", "skipped") for s in final.values()), "not created: %r" % [l for l, s in final.items() if s not in ("created", "skipped")][:5]
print(len(got), "usages,", len(covered), "rows")
PY
}
