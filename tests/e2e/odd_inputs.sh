# Huge and odd inputs (dry runs unless said): a 100 MB line, a million
# columns, NUL bytes, a FIFO, paths that cannot be read, a file that grows
# while it is read, a truncated .gz, binary garbage, empty and header-only
# files; and a disk that fills under the result log: a clean stop, whole
# lines, and a resume that sends every row exactly once.
. "$(dirname "$0")/lib.sh"
cd "$T"

FULL=""
BG=""
odd_cleanup() {
	for p in $BG; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	if [ -n "$FULL" ]; then
		umount "$FULL" 2>/dev/null || true
	fi
}
trap 'odd_cleanup; cleanup' EXIT INT TERM

TIME=""
[ -x /usr/bin/time ] && TIME=/usr/bin/time || echo "SKIP: no /usr/bin/time: peak memory not measured"

# dry FILE [OPTIONS...]: a dry run; peak RSS (KiB) in $kb when measurable.
dry() {
	f=$1
	shift
	set +e
	if [ -n "$TIME" ]; then
		$TIME -f %M -o "$T/rss" "$RBUSAGE" import --dry-run --no-progress "$@" "$f" >"$T/out" 2>"$T/err" </dev/null
		rc=$?
		kb=$(tail -n 1 "$T/rss")
	else
		"$RBUSAGE" import --dry-run --no-progress "$@" "$f" >"$T/out" 2>"$T/err" </dev/null
		rc=$?
		kb=0
	fi
	set -e
	[ "$rc" -le 3 ] || fail "$f: exit $rc (a crash?)"
}

small_rss() {
	[ "$kb" -lt 65536 ] || fail "$1: peak RSS $kb KiB (>= 64 MiB)"
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

# --- a 100 MB line between good rows; a 10 MB quoted field over 1000 lines ---
python3 - <<'PY'
T = b"2026-11-20T10:00:00Z"
with open("huge.csv", "wb") as f:
    f.write(b"subscriptionId,quantity,usageTime\n")
    f.write(b"good1,1," + T + b"\n")                         # 2
    f.write(b"x" * (100 * 1024 * 1024) + b"\n")               # 3
    f.write(b"bad4,-1," + T + b"\n")                          # 4
    f.write(b"good5,5," + T + b"\n")                          # 5
    f.write(b'"' + (b"y" * 10000 + b"\n") * 1000 + b'",1,' + T + b"\n")  # 6..1006
    f.write(b"bad1007,-1," + T + b"\n")                       # 1007
    f.write(b"good1008,8," + T + b"\n")                       # 1008
PY
dry huge.csv
expect_rc 1
small_rss "100 MB line"
rejected_lines huge.results.jsonl > got
cat > want <<'EOF'
3 record is longer than 65536 bytes
4 quantity -1 is negative; it must be at least 0.001
6 record from line 6 to line 1006 is longer than 65536 bytes
1007 quantity -1 is negative; it must be at least 0.001
EOF
expect_file got want
expect_eq "$(summary huge.results.jsonl valid)" 3 "valid rows around the huge ones"
expect_invariant huge.results.jsonl
rm -f huge.csv

# the same in JSON lines: a 100 MB string member
python3 - <<'PY'
T = b'"2026-11-20T10:00:00Z"'
with open("hugej.jsonl", "wb") as f:
    f.write(b'{"subscriptionId":"good1","quantity":1,"usageTime":' + T + b'}\n')
    f.write(b'{"subscriptionId":"' + b"z" * (100 * 1024 * 1024) + b'","quantity":1}\n')
    f.write(b'{"subscriptionId":"bad3","quantity":-1,"usageTime":' + T + b'}\n')
    f.write(b'{"subscriptionId":"good4","quantity":4,"usageTime":' + T + b'}\n')
PY
dry hugej.jsonl
expect_rc 1
small_rss "100 MB JSON line"
rejected_lines hugej.results.jsonl > got
printf '2 record is longer than 65536 bytes\n3 quantity -1 is negative; it must be at least 0.001\n' > want
expect_file got want
rm -f hugej.jsonl

# --- a million columns; twenty thousand (short enough to be parsed) ----------
python3 - <<'PY'
T = b"2026-11-20T10:00:00Z"
with open("cols.csv", "wb") as f:
    f.write(b"subscriptionId,quantity,usageTime\n")
    f.write(b"good1,1," + T + b"\n")          # 2
    f.write(b"," * 1000000 + b"\n")            # 3: a million and one empty fields
    f.write(b"bad4,-1," + T + b"\n")          # 4
    f.write(b"a," * 20000 + b"\n")             # 5: 20001 fields, 40 KB
    f.write(b"good6,6," + T + b"\n")          # 6
PY
dry cols.csv
expect_rc 1
small_rss "a million columns"
rejected_lines cols.results.jsonl > got
cat > want <<'EOF'
3 record is longer than 65536 bytes
4 quantity -1 is negative; it must be at least 0.001
5 row has 20001 fields; the header has 3
EOF
expect_file got want
expect_invariant cols.results.jsonl

# --- a quote never closed swallows the rest: its reason names the lines ------
python3 - <<'PY'
with open("swallow.csv", "w") as f:
    f.write("subscriptionId,quantity,usageTime,note\n")
    f.write("L1,1,2025-01-01T00:00:00Z,ok\n")                  # 2
    f.write('L4,1,2025-01-01T00:00:03Z,"unterminated\n')        # 3
    for i in range(4, 3001):                                    # 4..3000
        f.write("L%d,1,2025-01-01T00:00:05Z,z\n" % i)
PY
dry swallow.csv
expect_rc 1
rejected_lines swallow.results.jsonl > got
echo "3 record from line 3 to line 3000 is longer than 65536 bytes (a quote opened in column 'note' on line 3 is never closed?)" > want
expect_file got want
expect_eq "$(summary swallow.results.jsonl read)" 2 "rows read with a quote never closed"
expect_invariant swallow.results.jsonl
printf 'subscriptionId,quantity,usageTime,note\nL1,1,2025-01-01T00:00:00Z,"short\nL2,1,2025-01-01T00:00:01Z,z\n' > short.csv
dry short.csv
expect_rc 1
rejected_lines short.results.jsonl > got
echo "2 a quote opened in column 'note' on line 2 is never closed (the record runs to the end of the file, line 3)" > want
expect_file got want

# --- a last line without a line end: kept, and warned about once -------------
printf 'subscriptionId,quantity,usageTime\ns1,1,2025-01-01T00:00:00Z\ns2,12,2025-01-01T00:00:00Z' > cut.csv
dry cut.csv --emit
expect_rc 0
expect_eq "$(grep -c 'no line end' err)" 1 "warnings about the last line"
expect_grep "^rbusage: cut.csv: the last line (3) has no line end; a cut-off export?\$" err
expect_grep '"subscriptionId":"s2","quantity":12,' out
printf 'subscriptionId,quantity,usageTime\ns1,1,2025-01-01T00:00:00Z\n' > ended.csv
dry ended.csv
expect_no_grep "no line end" err

# --- NUL bytes ----------------------------------------------------------------
printf 'subscriptionId,quantity,usageTime\ngood1,1,2026-11-20T10:00:00Z\nab\000cd,1,2026-11-20T10:00:00Z\ngood3,3,2026-11-20T10:00:00Z\n"q\000",\000,2026-11-20T10:00:00Z\ngood5,5,2026-11-20T10:00:00Z\n' > nul.csv
dry nul.csv
expect_rc 1
rejected_lines nul.results.jsonl > got
printf "3 NUL byte in column 'subscriptionId'\n5 NUL byte in column 'subscriptionId'\n" > want
expect_file got want
expect_eq "$(summary nul.results.jsonl valid)" 3 "valid rows around NULs"
# the reject file keeps the row as read, NUL included, to be fixed by hand
[ "$(tr -dc '\000' < nul.rejects.csv | wc -c)" -eq 3 ] || fail "NULs not kept in nul.rejects.csv"
printf '{"subscriptionId":"good1","quantity":1,"usageTime":"2026-11-20T10:00:00Z"}\n{"subscriptionId":"a\000b","quantity":1,"usageTime":"2026-11-20T10:00:00Z"}\n{"subscriptionId":"a\\u0000b","quantity":1,"usageTime":"2026-11-20T10:00:00Z"}\n\000\n{"subscriptionId":"good5","quantity":1,"usageTime":"2026-11-20T10:00:00Z"}\n' > nulj.jsonl
dry nulj.jsonl
expect_rc 1
expect_eq "$(rejected_lines nulj.results.jsonl | cut -d' ' -f1 | tr '\n' ' ')" "2 3 4 " "rejected NUL lines"
expect_eq "$(summary nulj.results.jsonl valid)" 2 "valid JSON rows around NULs"
# a JSON reject stays valid JSON (the raw line escaped)
python3 -c '
import json, sys
for l in open(sys.argv[1], "rb"):
    json.loads(l)' nulj.rejects.jsonl || fail "nulj.rejects.jsonl is not JSON lines"

# --- a FIFO ------------------------------------------------------------------
printf 'subscriptionId,quantity,usageTime\nf1,1,2026-11-20T10:00:00Z\nf2,-2,2026-11-20T10:00:00Z\nf3,3,2026-11-20T10:00:00Z\n' > fifo-src.csv
# As standard input: streamed, every row counted.
mkfifo in1.fifo
cat fifo-src.csv > in1.fifo &
BG="$BG $!"
set +e
"$RBUSAGE" import --dry-run --no-progress - <in1.fifo >out 2>err
rc=$?
set -e
expect_rc 1
expect_eq "$(summary stdin.results.jsonl read)" 3 "rows read from a FIFO on stdin"
expect_eq "$(summary stdin.results.jsonl valid)" 2 "valid rows from a FIFO on stdin"
# By name.
mkfifo named.csv
cat fifo-src.csv > named.csv &
w=$!
BG="$BG $w"
"$RBUSAGE" import --dry-run --no-progress named.csv >out 2>err </dev/null &
pid=$!
BG="$BG $pid"
i=0
while [ $i -lt 50 ] && kill -0 "$pid" 2>/dev/null; do
	sleep 0.1
	i=$((i + 1))
done
if kill -0 "$pid" 2>/dev/null; then
	# a FIFO is read once only: the preflight must leave it alone
	kill -KILL "$pid" 2>/dev/null || true
	fail "a FIFO given by name hangs" 
	wait "$pid" 2>/dev/null || true
	kill "$w" 2>/dev/null || true
else
	wait "$pid" && rc=0 || rc=$?
	expect_rc 1
	expect_eq "$(summary named.results.jsonl read)" 3 "rows read from a named FIFO"
fi

# --- paths that cannot be read ------------------------------------------------
mkdir dir.csv
dry dir.csv
expect_rc 2
expect_grep "cannot open 'dir.csv': Is a directory" err
dry missing.csv
expect_rc 2
expect_grep "cannot open 'missing.csv': No such file or directory" err
[ ! -e missing.results.jsonl ] || fail "a log was written for a missing input"
# chmod 000 stops only a user without CAP_DAC_OVERRIDE: as root, the file is
# read as nobody.
cp fifo-src.csv locked.csv
chmod 000 locked.csv
if [ "$(id -u)" -ne 0 ]; then
	dry locked.csv
	expect_rc 2
	expect_grep "Permission denied" err
elif command -v setpriv >/dev/null 2>&1 &&
	setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$RBUSAGE"; then
	chmod 755 "$T"
	mkdir nb
	chmod 777 nb
	mv locked.csv nb/
	set +e
	(cd nb && setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$RBUSAGE" import --dry-run --no-progress locked.csv) >out 2>err </dev/null
	rc=$?
	set -e
	expect_rc 2
	expect_grep "cannot open 'locked.csv': Permission denied" err
else
	echo "SKIP: root without setpriv: an unreadable file cannot be tested (directory and missing path were)"
fi

# --- a file that grows while it is read --------------------------------------
# A rate-limited import reads as it sends, so rows land behind it as it goes;
# lines are appended in two writes (a reader may meet half a line at the end).
printf 'subscriptionId,quantity,usageTime\n' > grow.csv
i=0
while [ $i -lt 100 ]; do
	printf 'g%d,1,2026-11-20T10:%02d:%02dZ\n' $i $((i / 60)) $((i % 60)) >> grow.csv
	i=$((i + 1))
done
start_fake
python3 - <<'PY' &
import time
with open("grow.csv", "a") as f:
    for i in range(100, 300):
        line = "g%d,1,2026-11-20T10:%02d:%02dZ\n" % (i, i // 60, i % 60)
        f.write(line[:7]); f.flush(); time.sleep(0.001)
        f.write(line[7:]); f.flush(); time.sleep(0.002)
PY
appender=$!
BG="$BG $appender"
run "$RBUSAGE" import --rate 200 --concurrency 2 --no-progress grow.csv
wait "$appender" || true
[ "$rc" -le 1 ] || fail "growing file: exit $rc"
expect_invariant grow.results.jsonl
[ "$(summary grow.results.jsonl read)" -ge 100 ] || fail "growing file: fewer rows than were there at the start"
ledger > led.jsonl
python3 - grow.results.jsonl led.jsonl <<'PY' || fail "growing file: log and ledger disagree"
import json, sys
from collections import Counter
ids = [o["usageId"] for o in map(json.loads, open(sys.argv[1])) if o.get("status") == "created"]
led = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
assert sorted(ids) == sorted(u["id"] for u in led), (len(ids), len(led))
c = Counter((u["subscriptionId"], u["usageTime"]) for u in led)
assert all(n == 1 for n in c.values())
for u in led:
    i = int(u["subscriptionId"][1:])
    want = "2026-11-20T10:%02d:%02dZ" % (i // 60, i % 60)
    if u["usageTime"] != want:
        # KNOWN (reader): a last line met half-written ("g7,1," at EOF) is a
        # whole row to the reader; with the time column still empty it goes
        # out with the stamped time.
        print("KNOWN: a half-written last line was imported as a row: %r" % u)
PY
# and a dry run of what it became: every row there
dry grow.csv
expect_rc 0
expect_eq "$(summary grow.results.jsonl read)" 300 "rows in the grown file"

# --- a truncated .gz -----------------------------------------------------------
python3 - <<'PY'
import gzip, zlib
rows = ["subscriptionId,quantity,usageTime"]
rows += ["z%d,%d,2026-11-20T10:%02d:%02dZ" % (i, i % 9 + 1, i // 60 % 60, i % 60) for i in range(20000)]
data = gzip.compress(("\n".join(rows) + "\n").encode())
cut = data[:len(data) // 3]
open("cut.csv.gz", "wb").write(cut)
d = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(cut)
open("cut.expect", "w").write("%d\n" % (d.count(b"\n") - 1))  # whole rows
PY
dry cut.csv.gz
expect_rc 1
expect_grep "cut.csv.gz" err
expect_grep "truncated" err
expect_eq "$(summary cut.results.jsonl read)" "$(cat cut.expect)" "rows before the truncation"
expect_invariant cut.results.jsonl

# --- binary garbage under a valid header --------------------------------------
python3 - $$ <<'PY'
import random, sys
r = random.Random(int(sys.argv[1]))
with open("garbage.csv", "wb") as f:
    f.write(b"subscriptionId,quantity,usageTime\n")
    f.write(r.randbytes(1024 * 1024))
PY
dry garbage.csv
[ "$rc" -le 1 ] || fail "binary garbage (seed $$): exit $rc"
small_rss "binary garbage"
expect_invariant garbage.results.jsonl
n=$(rows garbage.results.jsonl | wc -l)
expect_eq "$n" "$(summary garbage.results.jsonl rejected)" "a log line per rejected garbage row (seed $$)"
printf '{"subscriptionId":"j1","quantity":1,"usageTime":"2026-11-20T10:00:00Z"}\n' > garbagej.jsonl
python3 -c '
import random, sys
sys.stdout.buffer.write(random.Random(int(sys.argv[1])).randbytes(1024 * 1024))' $$ >> garbagej.jsonl
dry garbagej.jsonl
[ "$rc" -le 1 ] || fail "binary garbage JSON (seed $$): exit $rc"
expect_invariant garbagej.results.jsonl
python3 -c '
import json, sys
for l in open(sys.argv[1], "rb"):
    json.loads(l)' garbagej.rejects.jsonl || fail "garbagej.rejects.jsonl is not JSON lines (seed $$)"

# --- empty and header-only files ---------------------------------------------
: > empty.csv
: > emptyj.jsonl
printf 'subscriptionId,quantity,usageTime\n' > header.csv
printf 'subscriptionId,quantity,usageTime' > header-nonl.csv
for f in emptyj.jsonl header.csv header-nonl.csv; do
	dry "$f"
	expect_rc 0
	log=${f%.*}.results.jsonl
	expect_eq "$(summary "$log" read)" 0 "rows in $f"
done
# a CSV without even its header is an export that failed: refused
dry empty.csv
expect_rc 2
expect_grep "empty.csv: no header line (the file is empty)" err

# --- the disk under the logs fills up -----------------------------------------
mkdir full roomy
if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o size=64k tmpfs full 2>/dev/null; then
	FULL=$T/full
	printf 'subscriptionId,quantity,usageTime\n' > disk.csv
	i=0
	while [ $i -lt 600 ]; do
		printf 'd%d,%d,2026-11-20T11:%02d:%02dZ\n' $i $((i % 9 + 1)) $((i / 60)) $((i % 60)) >> disk.csv
		i=$((i + 1))
	done
	kill "$FAKE_PID"
	wait "$FAKE_PID" || true
	FAKE_PID=""
	exec 3<&-
	rm -f fake.fifo ledger.jsonl
	start_fake
	run "$RBUSAGE" import --rate 1000 --no-progress --log full/d.jsonl --rejects full/d.rej.csv disk.csv
	expect_rc 3
	expect_grep "cannot write 'full/d.jsonl': No space left on device" err
	if ! python3 -c '
import json, sys
data = open(sys.argv[1], "rb").read()
assert data.endswith(b"\n"), "torn last line"
for l in data.split(b"\n")[:-1]:
    json.loads(l)' full/d.jsonl 2>/dev/null; then
		# whole lines only, even when the disk filled mid-line
		fail "a full disk left a torn last line in the result log"
	fi
	# the summary on stderr must add up
	if ! python3 -c '
import re, sys
m = re.search(r"rows read (\d+) = created (\d+) \+ rejected (\d+) \+ refused (\d+) \+ failed (\d+) \+ skipped (\d+)", open(sys.argv[1]).read())
n = [int(x) for x in m.groups()]
assert n[0] == sum(n[1:]), n' err 2>/dev/null; then
		# rows in flight at the stop count as failed
		fail "after a log write error the summary does not add up: $(grep 'rows read' err)"
	fi
	# resume with the log on a roomy disk: every row exactly once
	cp full/d.jsonl roomy/d.jsonl
	umount full
	FULL=""
	run "$RBUSAGE" import --rate 1000 --no-progress --log roomy/d.jsonl --rejects roomy/d.rej.csv disk.csv
	expect_rc 0
	ledger | python3 -c '
import json, sys
from collections import Counter
live = [json.loads(l) for l in sys.stdin if l.strip()]
c = Counter((u["subscriptionId"], u["usageTime"], u["quantity"]) for u in live)
assert len(live) == 600 and all(n == 1 for n in c.values()), (len(live), [k for k, n in c.items() if n > 1][:5])' ||
		fail "the resume after a full disk did not send every row exactly once"
	# and once more: all skipped, the log still readable
	run "$RBUSAGE" import --rate 1000 --no-progress --log roomy/d.jsonl --rejects roomy/d.rej.csv disk.csv
	if [ "$rc" -eq 2 ] && grep -q "is not a result log line" err; then
		# the log stays readable for every later run and report
		fail "after a full disk, a second resume or 'rbusage report' refuses the log: $(cat err)"
	else
		expect_rc 0
		expect_grep "skipped 600" err
		run "$RBUSAGE" report roomy/d.jsonl
		expect_rc 0
	fi
else
	echo "SKIP: cannot mount a tmpfs (not root, or not permitted): the full-disk test not run"
fi
echo ok
