# Inputs as they really come (issues 10 and 11), each through the binary: a
# 70 KB line ending in 37.8"N followed by valid rows (none may vanish).
. "$(dirname "$0")/lib.sh"
cd "$T"

# dry FILE [OPTIONS...]: a dry run, output in $T/out and $T/err.
dry() {
	f=$1
	shift
	run "$RBUSAGE" import --dry-run --no-progress "$@" "$f"
	[ "$rc" -le 3 ] || fail "$f: exit $rc (a crash?)"
}

# rejected_lines LOG: "line reason" of each rejected row, in order.
rejected_lines() {
	python3 -c '
import json, sys
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o.get("type") == "row" and o["status"] == "rejected":
        print(o["line"], o["reason"])' "$1"
}

TS=2026-11-20T10:00:00Z

# --- an oversized line with a quote kept as text, then 5 valid rows -----------
python3 - <<'PY'
T = b"2026-11-20T10:00:00Z"
with open("coords.csv", "wb") as f:
    f.write(b"subscriptionId,quantity,usageTime,place\n")
    f.write(b"big,1," + T + b"," + b"9" * (70 * 1024) + b'37.8"N\n')  # 2
    for i in range(1, 6):                                           # 3..7
        f.write(b"good%d,%d,%s,x\n" % (i, i, T))
PY
dry coords.csv
expect_rc 1
rejected_lines coords.results.jsonl > got
echo "2 record is longer than 65536 bytes" > want
expect_file got want
expect_eq "$(summary coords.results.jsonl read)" 6 "rows read after a 70 KB line"
expect_eq "$(summary coords.results.jsonl valid)" 5 "valid rows after a 70 KB line"
expect_invariant coords.results.jsonl

echo "real inputs: ok"
