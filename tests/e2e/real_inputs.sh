# Inputs as they really come (issues 10 and 11), each through the binary: a
# 70 KB line ending in 37.8"N followed by valid rows (none may vanish);
# header names spelled loosely; a ';' or tab header read with ','; nested
# JSON reached with --map paths; Latin-1, Windows-1252 and UTF-16 (Excel's
# "Unicode text") inputs, imported against the fake server, their reject
# files fixed by hand in their own encoding and imported again.
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
2 subscriptionId is missing: --map subscriptionId=subscription.id finds no value in this row (no such member, or null)
3 subscriptionId: member 'subscription' is a string, not an object holding 'id' (--map subscriptionId=subscription.id)
4 quantity is missing: --map quantity=usage.total finds no value in this row (no such member, or null)
6 member 'id' appears twice in 'subscription'
EOF2
expect_file got want
expect_invariant nested.results.jsonl
# a mapped CSV column the header lacks is named as mapped
printf 'subscriptionId,quantity,usageTime\ns1,1,%s\n' "$TS" > mapped.csv
dry mapped.csv --map quantity=nonexistent
expect_rc 2
expect_eq "$(cat err)" "rbusage: mapped.csv: line 1: no 'nonexistent' column in the header (--map quantity='nonexistent'); check its spelling against the header's names" "a mapped column not in the header"
# a member whose name holds a dot, quoted
printf '{"sub.id":"s1","a":{"b.c":3},"usageTime":"%s"}\n' "$TS" > dotted.jsonl
dry dotted.jsonl --emit --map 'subscriptionId="sub.id"' --map 'quantity=a."b.c"'
expect_rc 0
printf '{"subscriptionId":"s1","quantity":3,"usageTime":"%s"}\n' "$TS" > want
expect_file out want
run "$RBUSAGE" import --dry-run --map 'quantity="a.b' dotted.jsonl
expect_rc 2
expect_grep "\-\-map quantity: unterminated quote in '\"a.b'" err

# --- encodings ------------------------------------------------------------------
# Latin-1: an é in an ignored column, one bad quantity
printf 'subscriptionId,quantity,usageTime,note\nsub-1,1,%s,Caf\351\nsub-2,1;5,%s,na\357ve\nsub-3,3,%s,plain\n' "$TS" "$TS" "$TS" > latin.csv
dry latin.csv
expect_rc 1
rejected_lines latin.results.jsonl > got
cat > want <<'EOF2'
2 invalid UTF-8 in column 'note' (byte 0xE9): the file looks like Latin-1; pass --encoding latin1 (or windows-1252)
3 invalid UTF-8 in column 'note' (byte 0xEF): the file looks like Latin-1; pass --encoding latin1 (or windows-1252)
EOF2
expect_file got want
dry latin.csv --encoding latin1 --emit
expect_rc 1
printf '{"subscriptionId":"sub-1","quantity":1,"usageTime":"%s"}\n{"subscriptionId":"sub-3","quantity":3,"usageTime":"%s"}\n' "$TS" "$TS" > want
expect_file out want
rejected_lines latin.results.jsonl | tail -n 1 > got
expect_grep "^3 quantity '1;5' is not a decimal number" got
# the reject file is Latin-1, the row's bytes as they came
grep -q "$(printf 'sub-2,1;5,%s,na\357ve' "$TS")" latin.rejects.csv || fail "latin.rejects.csv does not hold the Latin-1 row: $(od -c latin.rejects.csv | head)"
! grep -q "$(printf '\303')" latin.rejects.csv || fail "latin.rejects.csv holds UTF-8"
# fixed by hand, it imports again with the same --encoding
sed 's/,1;5,/,1.5,/' latin.rejects.csv > latin-fixed.csv
dry latin-fixed.csv --encoding latin1 --emit
expect_rc 0
printf '{"subscriptionId":"sub-2","quantity":1.5,"usageTime":"%s"}\n' "$TS" > want
expect_file out want

# Windows-1252: the euro sign and smart quotes are not Latin-1's C1 controls
printf 'subscriptionId;quantity;usageTime;note\nsub-1;2;%s;\223best\224 \200 5\nsub-2;x;%s;\226 \200\n' "$TS" "$TS" > cp.csv
dry cp.csv --delimiter ';'
expect_rc 1
expect_grep "invalid UTF-8 in column 'note' (byte 0x93): the file looks like Windows-1252; pass --encoding windows-1252" cp.rejects.csv
dry cp.csv --delimiter ';' --encoding windows-1252 --emit
expect_rc 1
printf '{"subscriptionId":"sub-1","quantity":2,"usageTime":"%s"}\n' "$TS" > want
expect_file out want
grep -q "$(printf ';\226 \200')" cp.rejects.csv || fail "cp.rejects.csv does not hold the Windows-1252 bytes"
sed 's/;x;/;4;/' cp.rejects.csv > cp-fixed.csv
dry cp-fixed.csv --delimiter ';' --encoding windows-1252 --emit
expect_rc 0
printf '{"subscriptionId":"sub-2","quantity":4,"usageTime":"%s"}\n' "$TS" > want
expect_file out want

# UTF-16LE with a BOM, tab-separated: Excel's "Unicode text", sent for real
python3 - "$TS" <<'PY'
import sys
ts = sys.argv[1]
rows = ["subscriptionId\tquantity\tusageTime\tcustomer",
        "sub-a\t1\t%s\tZo\u00eb \u20ac\U0001F600" % ts,
        "sub-b\t-2\t%s\tRen\u00e9e" % ts,
        "sub-c\t3\t%s\t\u65e5\u672c" % ts]
open("excel.txt", "wb").write("\r\n".join(rows).encode("utf-16") + "\r\n".encode("utf-16-le"))
PY
dry excel.txt --format csv
expect_rc 2
expect_grep "excel.txt: line 1: no 'subscriptionId' column; the header looks tab-separated: pass --delimiter tab" err
start_fake
run "$RBUSAGE" import --no-progress --rate 100 --format csv --delimiter tab excel.txt
expect_rc 1
expect_invariant excel.txt.results.jsonl
expect_eq "$(ledger | python3 -c 'import json,sys; print(" ".join(sorted(json.loads(l)["subscriptionId"] for l in sys.stdin)))')" "sub-a sub-c" "usages sent from UTF-16"
python3 - <<'PY' || fail "excel.txt.rejects.tsv is not the UTF-16 row as read"
data = open("excel.txt.rejects.tsv", "rb").read()
assert data[:2] == b"\xff\xfe", data[:8]
text = data.decode("utf-16")
want = "rejectLine\trejectReason\tsubscriptionId\tquantity\tusageTime\tcustomer\n"
assert text.startswith(want), text
assert "\tsub-b\t-2\t" in text and text.endswith("\tRen\u00e9e\n"), text
open("excel-fixed.txt", "wb").write(data.decode("utf-16").replace("\t-2\t", "\t2\t").encode("utf-16"))
PY
run "$RBUSAGE" import --no-progress --rate 100 --format csv --delimiter tab excel-fixed.txt
expect_rc 0
expect_eq "$(ledger_count)" 3 "usages after the fixed UTF-16 reject file"
ledger | grep -q '"subscriptionId": *"sub-b", *"quantity": *2[,}]' ||
	ledger | python3 -c '
import json, sys
assert any(u["subscriptionId"] == "sub-b" and str(u["quantity"]) in ("2", "2.0") for u in map(json.loads, sys.stdin))' ||
	fail "sub-b not stored with quantity 2"

# --- a duplicate in a reject file fixed and imported again: never sent twice ---
printf 'subscriptionId,quantity,usageTime\nd1,1,%s\nd2,x,%s\nd1,1,%s\n' "$TS" "$TS" "$TS" > dup.csv
DUPWHY='repeats line 2 (same subscriptionId, usageTime and quantity), which is sent: delete this row before importing this reject file, unless both are real (then pass --allow-duplicates)'
run "$RBUSAGE" import --no-progress --rate 100 dup.csv
expect_rc 1
rejected_lines dup.results.jsonl | tail -n 1 > got
echo "4 $DUPWHY" > want
expect_file got want
sed 's/,d2,x,/,d2,7,/' dup.rejects.csv > dup-fixed.csv
run "$RBUSAGE" import --no-progress --rate 100 dup-fixed.csv
expect_rc 1
expect_eq "$(ledger_count)" 5 "usages after the fixed reject file with its duplicate"
FIXWHY='repeats line 2 of the run that wrote this reject file, which was sent: delete this row, unless both are real (then pass --allow-duplicates)'
rejected_lines dup-fixed.results.jsonl > got
echo "3 $FIXWHY" > want
expect_file got want
# and again from that reject file, and only with --allow-duplicates is it sent
run "$RBUSAGE" import --no-progress --rate 100 dup-fixed.rejects.csv --rejects again.rej.csv --log again.jsonl
expect_rc 1
expect_eq "$(ledger_count)" 5 "usages after a third import of the duplicate"
run "$RBUSAGE" import --no-progress --rate 100 --allow-duplicates dup-fixed.rejects.csv --log again2.jsonl
expect_rc 0
expect_eq "$(ledger_count)" 6 "usages after --allow-duplicates"

# UTF-16 without a BOM: refused with the way out, read with --encoding
python3 -c 'open("nobom.jsonl","wb").write(("{\"subscriptionId\":\"s1\",\"quantity\":1,\"usageTime\":\"%s\"}\n" % "'"$TS"'").encode("utf-16-be"))'
dry nobom.jsonl
expect_rc 2
expect_grep "nobom.jsonl looks like UTF-16 without a byte-order mark (every other byte is 0): pass --encoding utf-16" err
dry nobom.jsonl --encoding utf-16 --emit
expect_rc 0
printf '{"subscriptionId":"s1","quantity":1,"usageTime":"%s"}\n' "$TS" > want
expect_file out want

echo "real inputs: ok"
