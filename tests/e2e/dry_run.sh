# Dry run end to end: exact reject files, exact request bodies (--emit),
# counts, exit status, and that a fixed reject file imports cleanly.
. "$(dirname "$0")/lib.sh"

cp "$DATA/tricky.csv" "$DATA/tricky.jsonl" "$T/"
cd "$T"

# CSV: BOM, CRLF, quoted newlines, blank line, ragged row, dup, bad values.
run "$RBUSAGE" import --dry-run --emit tricky.csv
expect_rc 1
expect_file out "$DATA/tricky.csv.emit"
expect_file tricky.rejects.csv "$DATA/tricky.csv.expected-rejects"
expect_invariant tricky.results.jsonl
expect_eq "$(summary tricky.results.jsonl read)" 11 "csv rows read"
expect_eq "$(summary tricky.results.jsonl valid)" 4 "csv rows valid"
expect_grep "rows read 11 = valid 4 + rejected 7" err
expect_grep "rejects: tricky.rejects.csv" err
# a dry run lists rejected rows only
expect_eq "$(rows tricky.results.jsonl | tr '\n' ' ')" \
	"6 rejected 7 rejected 9 rejected 10 rejected 11 rejected 12 rejected 13 rejected " "row lines"

# JSON lines: strictness, escapes, kinds, raw form for broken lines.
run "$RBUSAGE" import --dry-run --emit tricky.jsonl
expect_rc 1
expect_file out "$DATA/tricky.jsonl.emit"
expect_file tricky.rejects.jsonl "$DATA/tricky.jsonl.expected-rejects"
expect_invariant tricky.results.jsonl
expect_grep "rows read 12 = valid 5 + rejected 7" err

# gzip input reads the same, and the reject file is never compressed.
rm -f tricky.rejects.csv
gzip -c tricky.csv > tricky-gz.csv.gz
run "$RBUSAGE" import --dry-run --emit tricky-gz.csv.gz
expect_rc 1
expect_file out "$DATA/tricky.csv.emit"
expect_file tricky-gz.rejects.csv "$DATA/tricky.csv.expected-rejects"

# standard input, format given.
set +e
"$RBUSAGE" import --dry-run --emit --format jsonl - <tricky.jsonl >out 2>err
rc=$?
set -e
expect_rc 1
expect_file out "$DATA/tricky.jsonl.emit"
expect_file stdin.rejects.jsonl "$DATA/tricky.jsonl.expected-rejects"

# A person fixes the reject file; fed back unchanged, every row is valid.
sed -e 's/,sub_3,0.0009,/,sub_3,0.001,/' \
    -e 's/,sub_4,2,2026-11-20T10:00:00Z$/,sub_4,2,2026-11-20T10:00:00Z,/' \
    -e 's/,sub_6,1.2345,/,sub_6,1.234,/' \
    -e 's/,sub;7,/,sub_7,/' \
    -e 's/,sub_8,1e3,/,sub_8,1000,/' \
    -e 's/,2026-02-29T00:00:00Z,$/,2024-02-29T00:00:00Z,/' \
    "$DATA/tricky.csv.expected-rejects" > fixed.csv
# The duplicate's row (its first was sent) is rejected again, saying so ...
run "$RBUSAGE" import --dry-run --emit fixed.csv
expect_rc 1
expect_grep "rows read 7 = valid 6 + rejected 1" err
rejected=$(python3 -c '
import json, sys
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o.get("type") == "row" and o["status"] == "rejected":
        print(o["line"], o["reason"])' fixed.results.jsonl)
expect_eq "$rejected" "5 repeats line 2 of the run that wrote this reject file, which was sent: delete this row, unless both are real (then pass --allow-duplicates)" "the fed-back duplicate"
# ... unless both are real.
run "$RBUSAGE" import --dry-run --emit --allow-duplicates fixed.csv
expect_rc 0
expect_grep "rows read 7 = valid 7 + rejected 0" err
expect_grep '"subscriptionId":"sub_7","quantity":1,' out
expect_grep '"subscriptionId":"sub_9","quantity":3,"usageTime":"2024-02-29T00:00:00Z"' out

# All valid: exit 0. Headerless file with --columns.
run "$RBUSAGE" import --dry-run --columns usageTime,subscriptionId,quantity \
	"$TOP/samples/headerless.csv" --rejects "$T/h.rej.csv" --log "$T/h.log"
expect_rc 0
expect_invariant "$T/h.log"
expect_eq "$(summary "$T/h.log" valid)" 50 "headerless rows"

# Rows without usageTime get the run's stamped time (recorded in the run line).
printf 'subscriptionId,quantity\ns1,1\n' > notime.csv
printf 'rejectLine,rejectReason,subscriptionId,quantity\n2,stale,s1,x\n' > notime.rejects.csv
run "$RBUSAGE" import --dry-run --stamp-time --emit notime.csv
expect_rc 0
# no rejects: no reject file, and an earlier run's stale one is gone
[ ! -e notime.rejects.csv ] || fail "stale reject file left behind"
stamp=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["stampedTime"])' notime.results.jsonl)
expect_grep "\"usageTime\":\"$stamp\"" out
run "$RBUSAGE" import --dry-run notime.csv
expect_rc 2
expect_grep "no 'usageTime' column" err

# A long header name cut inside a UTF-8 character, or holding a newline, is
# quoted into a reason: the log must stay valid UTF-8 JSON (resume reads it).
python3 -c '
import sys
name = "n" * 99 + "\u00e9"
sys.stdout.buffer.write(("subscriptionId,quantity,\"%s\",\"a\nb\"\ns1,1,x\n" % name).encode())
sys.stdout.buffer.write(b"s2,1,\"x\"y,z\n")' > names.csv
run "$RBUSAGE" import --dry-run --stamp-time names.csv
expect_rc 1
python3 -c '
import json, sys
for line in open(sys.argv[1], "rb"):
    json.loads(line.decode("utf-8"))' names.results.jsonl || fail "the log is not valid UTF-8 JSON"

# A .tsv input gets a tab-separated reject file.
printf 'subscriptionId\tquantity\tusageTime\ns1\t0\t2026-01-01T00:00:00Z\n' > t.tsv
run "$RBUSAGE" import --dry-run t.tsv
expect_rc 1
printf 'rejectLine\trejectReason\tsubscriptionId\tquantity\tusageTime\n2\tquantity 0 is below the minimum 0.001\ts1\t0\t2026-01-01T00:00:00Z\n' > t.expected
expect_file t.rejects.tsv t.expected

# An empty CSV has no header: refused (exit 2); header only: no rows, 0.
: > empty.csv
run "$RBUSAGE" import --dry-run empty.csv
expect_rc 2
printf 'subscriptionId,quantity,usageTime\n' > header.csv
run "$RBUSAGE" import --dry-run header.csv
expect_rc 0
expect_grep "rows read 0 = valid 0 + rejected 0" err
echo ok
