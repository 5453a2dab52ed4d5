# Inputs as they really come (issues 10 and 11), each through the binary: a
# 70 KB line ending in 37.8"N followed by valid rows (none may vanish);
# header names spelled loosely; a ';' or tab header read with ','; nested
# JSON reached with --map paths.
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

# --- header names spelled loosely ---------------------------------------------
printf 'Subscription ID,QUANTITY,usage_time,Accept-Partial-Quantity\ns1,1,%s,yes\n' "$TS" > loose.csv
dry loose.csv --emit
expect_rc 0
printf '{"subscriptionId":"s1","quantity":1,"usageTime":"%s","acceptPartialQuantity":true}\n' "$TS" > want
expect_file out want
printf 'usageTime,subscriptionId,quantity,Usage Time\n' > twice.csv
dry twice.csv
expect_rc 2
expect_grep "twice.csv: line 1: columns 1 ('usageTime') and 4 ('Usage Time') both name usageTime; rename one or choose with --map usageTime=COLUMN" err

# --- a ';' or tab header read with ',': say which --delimiter ------------------
printf 'subscriptionId;quantity;usageTime\ns1;1;%s\n' "$TS" > semi.csv
dry semi.csv
expect_rc 2
expect_grep "semi.csv: line 1: no 'subscriptionId' column; the header looks ';'-separated: pass --delimiter ';'" err
[ ! -e semi.results.jsonl ] || fail "a log was written for a refused header"
dry semi.csv --delimiter ';'
expect_rc 0
printf 'subscriptionId\tquantity\tusageTime\ns1\t1\t%s\n' "$TS" > tab.txt
dry tab.txt --format csv
expect_rc 2
expect_grep "tab.txt: line 1: no 'subscriptionId' column; the header looks tab-separated: pass --delimiter tab" err
dry tab.txt --format csv --delimiter tab
expect_rc 0

# --- nested JSON with --map paths -----------------------------------------------
cat > nested.jsonl <<EOF2
{"subscription":{"id":"sub-1","plan":"gold"},"usage":{"total":2.5},"usageTime":"$TS"}
{"usage":{"total":1},"usageTime":"$TS"}
{"subscription":"sub-3","usage":{"total":1},"usageTime":"$TS"}
{"subscription":{"id":"sub-4"},"usage":{"total":null},"usageTime":"$TS"}
{"Subscription":{"ID":"sub-5"},"usage":{"total":"5"},"usage_time":"$TS"}
{"subscription":{"id":"sub-6","id":"sub-7"},"usage":{"total":1},"usageTime":"$TS"}
EOF2
dry nested.jsonl --emit --map subscriptionId=subscription.id --map quantity=usage.total
expect_rc 1
cat > want <<EOF2
{"subscriptionId":"sub-1","quantity":2.5,"usageTime":"$TS"}
{"subscriptionId":"sub-5","quantity":5,"usageTime":"$TS"}
EOF2
expect_file out want
rejected_lines nested.results.jsonl > got
cat > want <<'EOF2'
2 subscriptionId is missing
3 subscriptionId: member 'subscription' is a string, not an object holding 'id' (--map subscriptionId=subscription.id)
4 quantity is missing
6 member 'id' appears twice in 'subscription'
EOF2
expect_file got want
expect_invariant nested.results.jsonl
# a member whose name holds a dot, quoted
printf '{"sub.id":"s1","a":{"b.c":3},"usageTime":"%s"}\n' "$TS" > dotted.jsonl
dry dotted.jsonl --emit --map 'subscriptionId="sub.id"' --map 'quantity=a."b.c"'
expect_rc 0
printf '{"subscriptionId":"s1","quantity":3,"usageTime":"%s"}\n' "$TS" > want
expect_file out want
run "$RBUSAGE" import --dry-run --map 'quantity="a.b' dotted.jsonl
expect_rc 2
expect_grep "\-\-map quantity: unterminated quote in '\"a.b'" err

echo "real inputs: ok"
