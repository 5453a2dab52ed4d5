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
