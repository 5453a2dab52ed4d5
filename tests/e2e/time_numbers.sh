# Issue 11 (time and numbers) and issue 10's id alphabet, end to end: each
# option on a file a person would have, the exact bodies that would be sent
# (--emit), the exact reject file, and one real import into the fake's
# ledger.
. "$(dirname "$0")/lib.sh"

cd "$T"

# ---- --time-zone America/New_York across both daylight-saving changes ----
cat > ny.csv <<'EOF'
subscriptionId,quantity,usageTime
sub_1,1,2025-03-09 01:30:00
sub_1,2,2025-03-09 02:30:00
sub_1,3,2025-03-09 03:30:00
sub_1,4,2025-11-02 00:30:00
sub_1,5,2025-11-02 01:30:00
sub_1,6,2025-11-02 02:30:00
sub_1,7,2025-11-02T01:30:00-05:00
sub_1,8,1960-06-01
EOF
run "$RBUSAGE" import --dry-run --emit --time-zone America/New_York ny.csv
expect_rc 1
cat > want <<'EOF'
{"subscriptionId":"sub_1","quantity":1,"usageTime":"2025-03-09T06:30:00Z"}
{"subscriptionId":"sub_1","quantity":3,"usageTime":"2025-03-09T07:30:00Z"}
{"subscriptionId":"sub_1","quantity":4,"usageTime":"2025-11-02T04:30:00Z"}
{"subscriptionId":"sub_1","quantity":6,"usageTime":"2025-11-02T07:30:00Z"}
{"subscriptionId":"sub_1","quantity":7,"usageTime":"2025-11-02T06:30:00Z"}
{"subscriptionId":"sub_1","quantity":8,"usageTime":"1960-06-01T04:00:00Z"}
EOF
expect_file out want
cat > want <<'EOF'
rejectLine,rejectReason,subscriptionId,quantity,usageTime
3,usageTime '2025-03-09 02:30:00' does not exist in America/New_York: clocks jumped from 02:00 to 03:00 on 2025-03-09 (EST to EDT); pass --dst earlier or --dst later to take one,sub_1,2,2025-03-09 02:30:00
6,"usageTime '2025-11-02 01:30:00' is ambiguous in America/New_York: 01:00 to 02:00 happened twice on 2025-11-02 (EDT, then EST); pass --dst earlier or --dst later to take one",sub_1,5,2025-11-02 01:30:00
EOF
expect_file ny.rejects.csv want
expect_invariant ny.results.jsonl
grep -q '"timeZone":"America/New_York"' ny.results.jsonl ||
	fail "the run line does not name the zone"

run "$RBUSAGE" import --dry-run --emit --time-zone America/New_York \
	--dst earlier ny.csv
expect_rc 0
expect_grep '"quantity":2,"usageTime":"2025-03-09T06:30:00Z"' out
expect_grep '"quantity":5,"usageTime":"2025-11-02T05:30:00Z"' out
run "$RBUSAGE" import --dry-run --emit --time-zone America/New_York \
	--dst later ny.csv
expect_rc 0
expect_grep '"quantity":2,"usageTime":"2025-03-09T07:30:00Z"' out
expect_grep '"quantity":5,"usageTime":"2025-11-02T06:30:00Z"' out
[ ! -e ny.rejects.csv ] || fail "a clean run left the reject file"

# Bare dates as bounds are days of --time-zone: New York's Dec 31 evening is
# inside --not-after 2025-12-31, its Jan 1 early hours are not.
printf 'subscriptionId,quantity,usageTime\nny1,1,2025-12-31 23:30:00\nny2,1,2026-01-01 00:30:00\nny3,1,2025-01-01 00:00:00\nny4,1,2024-12-31 23:59:59\n' > nyday.csv
run "$RBUSAGE" import --dry-run --emit --no-progress --time-zone America/New_York \
	--not-before 2025-01-01 --not-after 2025-12-31 nyday.csv
expect_rc 1
printf '{"subscriptionId":"ny1","quantity":1,"usageTime":"2026-01-01T04:30:00Z"}\n{"subscriptionId":"ny3","quantity":1,"usageTime":"2025-01-01T05:00:00Z"}\n' > want
expect_file out want
expect_grep "^3,usageTime 2026-01-01 00:30:00 (2026-01-01T05:30:00Z) is after --not-after 2026-01-01T04:59:59.999Z," nyday.rejects.csv
expect_grep "^5,usageTime 2024-12-31 23:59:59 (2025-01-01T04:59:59Z) is before --not-before 2025-01-01T05:00:00Z," nyday.rejects.csv

# A time without seconds under --time-zone: the seconds are named, not a zone.
printf 'subscriptionId,quantity,usageTime\ns1,1,2025-07-01 12:00\n' > hhmm.csv
run "$RBUSAGE" import --dry-run --no-progress --time-zone America/New_York hhmm.csv
expect_rc 1
expect_grep "^2,usageTime '2025-07-01 12:00' has no seconds (RFC 3339 wants HH:MM:SS); for times without them pass --time-format '%Y-%m-%d %H:%M',s1," hhmm.rejects.csv

run "$RBUSAGE" import --dry-run --time-zone America/New_Yrok ny.csv
expect_rc 2
expect_grep "rbusage: --time-zone: 'America/New_Yrok' is not a time zone in /usr/share/zoneinfo" err
run env TZDIR="$TOP/tests/data/zoneinfo" "$RBUSAGE" import --dry-run --emit \
	--time-zone Australia/Lord_Howe --dst later ny.csv
expect_rc 0
expect_grep '"quantity":1,"usageTime":"2025-03-08T14:30:00Z"' out
run env TZDIR="$TOP/tests/data/zoneinfo" "$RBUSAGE" import --dry-run \
	--time-zone Europe/Paris ny.csv
expect_rc 2
expect_grep "'Europe/Paris' is not a time zone in $TOP/tests/data/zoneinfo" err

# ---- --time-format PATTERN: Excel's US export, in New York's time ----
cat > excel.csv <<'EOF'
subscriptionId,quantity,usageTime
sub_1,1,3/1/2025 10:00 PM
sub_2,1,12/31/2025 12:05 AM
sub_3,1,3/9/2025 2:30 AM
sub_4,1,3/1/2025 22:00
EOF
run "$RBUSAGE" import --dry-run --emit --time-format '%m/%d/%Y %I:%M %p' \
	--time-zone America/New_York excel.csv
expect_rc 1
cat > want <<'EOF'
{"subscriptionId":"sub_1","quantity":1,"usageTime":"2025-03-02T03:00:00Z"}
{"subscriptionId":"sub_2","quantity":1,"usageTime":"2025-12-31T05:05:00Z"}
EOF
expect_file out want
cat > want <<'EOF'
rejectLine,rejectReason,subscriptionId,quantity,usageTime
4,usageTime '3/9/2025 2:30 AM' does not exist in America/New_York: clocks jumped from 02:00 to 03:00 on 2025-03-09 (EST to EDT); pass --dst earlier or --dst later to take one,sub_3,1,3/9/2025 2:30 AM
5,"usageTime '3/1/2025 22:00' does not match --time-format '%m/%d/%Y %I:%M %p': %p wants AM or PM, found nothing",sub_4,1,3/1/2025 22:00
EOF
expect_file excel.rejects.csv want
grep -q '"timeFormat":"%m/%d/%Y %I:%M %p"' excel.results.jsonl ||
	fail "the run line does not keep the pattern"

# A bad pattern is a usage error that says what is wrong.
run "$RBUSAGE" import --dry-run --time-format '%d.%m.%y' excel.csv
expect_rc 2
expect_grep "rbusage: --time-format: '%d.%m.%y' has %y; a pattern takes" err

# ---- a German export: ;-separated, day first, decimal comma, Berlin ----
cat > de.csv <<'EOF'
subscriptionId;quantity;usageTime
sub_1;1,5;01.03.2025 10:00
sub_2;0,25;1.7.2025 9:05
sub_3;1.5;01.03.2025 10:00
sub_4;1,2345;01.03.2025 10:00
sub_5;2;01/03/2025 10:00
EOF
run "$RBUSAGE" import --dry-run --emit --decimal-comma --delimiter ';' \
	--time-format '%d.%m.%Y %H:%M' --time-zone Europe/Berlin de.csv
expect_rc 1
cat > want <<'EOF'
{"subscriptionId":"sub_1","quantity":1.5,"usageTime":"2025-03-01T09:00:00Z"}
{"subscriptionId":"sub_2","quantity":0.25,"usageTime":"2025-07-01T07:05:00Z"}
EOF
expect_file out want
cat > want <<'EOF'
rejectLine;rejectReason;subscriptionId;quantity;usageTime
4;quantity '1.5' is not a decimal number (digits with an optional ',' as --decimal-comma says, no sign, exponent, separators or units);sub_3;1.5;01.03.2025 10:00
5;"quantity 1,2345 has 4 decimals; at most 3 are allowed";sub_4;1,2345;01.03.2025 10:00
6;usageTime '01/03/2025 10:00' does not match --time-format '%d.%m.%Y %H:%M': wants '.', found '/03/2025 10:00';sub_5;2;01/03/2025 10:00
EOF
expect_file de.rejects.csv want
grep -q '"decimalComma":true' de.results.jsonl ||
	fail "the run line does not say --decimal-comma"

# --decimal-comma never goes with ',' as the delimiter.
run "$RBUSAGE" import --dry-run --decimal-comma --delimiter , de.csv
expect_rc 2
expect_grep "rbusage: --decimal-comma needs a delimiter other than ','" err
run "$RBUSAGE" import --dry-run --decimal-comma de.csv
expect_rc 2
expect_grep "rbusage: --decimal-comma: 'de.csv' would be read with ',' as its delimiter" err
# without it, the reason says what to pass
printf 'subscriptionId,quantity,usageTime\nsub_1,"1,5",2025-03-01T10:00:00Z\n' > comma.csv
run "$RBUSAGE" import --dry-run comma.csv
expect_rc 1
expect_grep "quantity '1,5' is not a decimal number (digits with an optional '.', no sign, exponent, separators or units); if ',' is the decimal mark, pass --decimal-comma" comma.rejects.csv
# JSON lines: a string with a comma; a number is JSON's
cat > dc.jsonl <<'EOF'
{"subscriptionId":"sub_1","quantity":"2,5","usageTime":"2025-03-01T10:00:00Z"}
{"subscriptionId":"sub_2","quantity":2.5,"usageTime":"2025-03-01T10:00:00Z"}
EOF
run "$RBUSAGE" import --dry-run --emit --decimal-comma dc.jsonl
expect_rc 0
cat > want <<'EOF'
{"subscriptionId":"sub_1","quantity":2.5,"usageTime":"2025-03-01T10:00:00Z"}
{"subscriptionId":"sub_2","quantity":2.5,"usageTime":"2025-03-01T10:00:00Z"}
EOF
expect_file out want

# ---- --not-after DATE keeps that whole day ----
cat > day.csv <<'EOF'
subscriptionId,quantity,usageTime
sub_1,1,2025-12-31T00:00:00Z
sub_1,2,2025-12-31T23:59:59.999Z
sub_1,3,2026-01-01T00:00:00Z
sub_1,4,2025-12-31T23:30:00-05:00
EOF
run "$RBUSAGE" import --dry-run --emit --not-before 2025-12-31 \
	--not-after 2025-12-31 day.csv
expect_rc 1
cat > want <<'EOF'
{"subscriptionId":"sub_1","quantity":1,"usageTime":"2025-12-31T00:00:00Z"}
{"subscriptionId":"sub_1","quantity":2,"usageTime":"2025-12-31T23:59:59.999Z"}
EOF
expect_file out want
cat > want <<'EOF'
rejectLine,rejectReason,subscriptionId,quantity,usageTime
4,usageTime 2026-01-01T00:00:00Z is after --not-after 2025-12-31T23:59:59.999Z,sub_1,3,2026-01-01T00:00:00Z
5,usageTime 2025-12-31T23:30:00-05:00 (2026-01-01T04:30:00Z) is after --not-after 2025-12-31T23:59:59.999Z,sub_1,4,2025-12-31T23:30:00-05:00
EOF
expect_file day.rejects.csv want

# ---- epoch values in the wrong unit ----
cat > ep.csv <<'EOF'
subscriptionId,quantity,usageTime
sub_1,1,1767225600
sub_2,1,1767225600123
EOF
run "$RBUSAGE" import --dry-run --emit --time-format epoch-ms ep.csv
expect_rc 1
expect_eq "$(cat out)" '{"subscriptionId":"sub_2","quantity":1,"usageTime":"2026-01-01T00:00:00.123Z"}' "epoch-ms body"
cat > want <<'EOF'
rejectLine,rejectReason,subscriptionId,quantity,usageTime
2,"usageTime '1767225600' is 1970-01-21T10:53:45.600Z in milliseconds, before 2000: probably seconds (pass --time-format epoch)",sub_1,1,1767225600
EOF
expect_file ep.rejects.csv want
run "$RBUSAGE" import --dry-run --emit --time-format epoch ep.csv
expect_rc 1
expect_eq "$(cat out)" '{"subscriptionId":"sub_1","quantity":1,"usageTime":"2026-01-01T00:00:00Z"}' "epoch body"
cat > want <<'EOF'
rejectLine,rejectReason,subscriptionId,quantity,usageTime
3,usageTime '1767225600123' is after 9999-12-31T23:59:59.999Z in seconds: probably milliseconds (pass --time-format epoch-ms),sub_2,1,1767225600123
EOF
expect_file ep.rejects.csv want

# ---- ids no subscription can have; a repeat names the first line ----
cat > ids.jsonl <<'EOF'
{"subscriptionId":"sub:1","quantity":1,"usageTime":"2025-03-01T10:00:00Z"}
{"subscriptionId":"a!b","quantity":1,"usageTime":"2025-03-01T10:00:00Z"}
{"subscriptionId":"a@b.c~d_e-f","quantity":1,"usageTime":"2025-03-01T10:00:00Z"}

{"subscriptionId":"a@b.c~d_e-f","quantity":1.000,"usageTime":"2025-03-01T11:00:00+01:00"}
EOF
run "$RBUSAGE" import --dry-run --emit ids.jsonl
expect_rc 1
expect_eq "$(cat out)" '{"subscriptionId":"a@b.c~d_e-f","quantity":1,"usageTime":"2025-03-01T10:00:00Z"}' "ids body"
cat > want <<'EOF'
{"rejectLine":1,"rejectReason":"subscriptionId 'sub:1' contains ':', which no subscription id can hold (ASCII letters, digits and _ @ ~ . - only)","subscriptionId":"sub:1","quantity":1,"usageTime":"2025-03-01T10:00:00Z"}
{"rejectLine":2,"rejectReason":"subscriptionId 'a!b' contains '!', which no subscription id can hold (ASCII letters, digits and _ @ ~ . - only)","subscriptionId":"a!b","quantity":1,"usageTime":"2025-03-01T10:00:00Z"}
{"rejectLine":5,"rejectReason":"repeats line 3 (same subscriptionId, usageTime and quantity), which is sent: delete this row before importing this reject file, unless both are real (then pass --allow-duplicates)","subscriptionId":"a@b.c~d_e-f","quantity":1.000,"usageTime":"2025-03-01T11:00:00+01:00"}
EOF
expect_file ids.rejects.jsonl want

# ---- a real import: the fake stores the UTC instants the zone gives ----
start_fake
cat > send.csv <<'EOF'
subscriptionId,quantity,usageTime
sub_1,1,3/9/2025 1:59 AM
sub_1,2,3/9/2025 3:00 AM
sub_1,3,11/2/2025 1:30 AM
EOF
run "$RBUSAGE" import --quiet --time-format '%m/%d/%Y %I:%M %p' \
	--time-zone America/New_York --dst later send.csv
expect_rc 0
expect_invariant send.results.jsonl
ledger | python3 -c '
import json, sys
got = sorted((str(u["quantity"]), u["usageTime"])
             for u in map(json.loads, sys.stdin))
want = [("1", "2025-03-09T06:59:00Z"), ("2", "2025-03-09T07:00:00Z"),
        ("3", "2025-11-02T06:30:00Z")]
sys.exit(0 if got == want else "ledger %r, want %r" % (got, want))' ||
	fail "the ledger does not hold the instants the zone gives"
echo "ok"
