# rbusage report: final status per row across resumed runs (dry runs left
# out), reasons ranked with example lines, exact quantity totals per day and
# per subscription, latency, retries; --html writes one offline page.
. "$(dirname "$0")/lib.sh"
cd "$T"
cp "$DATA/report-log.jsonl" log.jsonl
run "$RBUSAGE" report log.jsonl --html page.html
expect_rc 0
sed "s|tests/data/e2e/report-log.jsonl|log.jsonl|" "$DATA/report-log.expected" > expected
expect_file out expected
# The page: well-formed, self-contained (no scripts, nothing fetched), with
# the same figures and two inline SVG charts.
python3 - page.html <<'PY' || fail "bad HTML page"
import sys
from html.parser import HTMLParser
text = open(sys.argv[1]).read()
class P(HTMLParser):
    def __init__(self):
        super().__init__(); self.stack = []; self.tags = []
    def handle_starttag(self, t, a):
        self.tags.append(t)
        for k, v in a:
            assert k not in ("src", "href") or not v or v.startswith("#"), (t, k, v)
        if t not in ("meta", "br", "img", "link"): self.stack.append(t)
    def handle_startendtag(self, t, a):
        self.tags.append(t)
    def handle_endtag(self, t):
        assert self.stack and self.stack[-1] == t, (t, self.stack[-5:])
        self.stack.pop()
p = P(); p.feed(text); p.close()
assert not p.stack, p.stack
assert "script" not in p.tags, "a script in the page"
assert p.tags.count("svg") == 2, p.tags.count("svg")
for s in ("3.501", "2026-11-24", "sub_b", "HTTP 422: subscriptionId: unknown subscription"):
    assert s in text, s
PY
# A run cut short by a crash (its last lines torn off): the rows left
# pending are named as unknown, the run has no end, and report exits 1.
head -n 17 "$DATA/report-log.jsonl" > crashed.jsonl
printf '{"type":"row","line":5,"sta' >> crashed.jsonl
run "$RBUSAGE" report crashed.jsonl
expect_rc 1
expect_grep "^    import   2026-11-25T03:00:00.000Z  no end recorded: killed, crashed, or still running$" out
expect_grep "^  unknown             1  may be billed (pending, or timed out and not found)$" out
expect_grep "^Unknown — may be billed; run the import again to reconcile$" out
expect_grep "^  crashed.jsonl: line 4 (1 row)$" out
# report a b: both logs' runs, totals over both (3 + 3 created, 2 of them
# by an earlier run in each... and the unknown row of the crashed one)
run "$RBUSAGE" report log.jsonl crashed.jsonl
expect_rc 1
expect_grep "^Result logs: log.jsonl, crashed.jsonl (4 import runs, 2 dry runs)$" out
expect_grep "^  created             5  (2 of them before the last run)$" out
expect_grep "^  total                   7.001  (5 rows)$" out
# --quiet still tells by its exit status
run "$RBUSAGE" report --quiet crashed.jsonl
expect_rc 1
[ ! -s out ] || fail "--quiet printed a report"
# A dry run's log alone: summarized as such, exit 0.
head -n 3 "$DATA/report-log.jsonl" > dry.jsonl
run "$RBUSAGE" report dry.jsonl
expect_rc 0
expect_grep "^    dry run  2026-11-25T01:00:00.000Z to 2026-11-25T01:00:00.001Z  finished: rows read 5 = valid 4 + rejected 1$" out
expect_grep "^No import run: nothing was sent.$" out
# | head: the reader goes away after one line of a report far longer than
# a pipe holds; report ends quietly with its own status (1: unknown rows).
python3 - <<'PY'
with open("many.jsonl", "w") as f:
    for i in range(3000):
        f.write('{"type":"run","command":"import","dryRun":false,'
                '"started":"2026-11-25T02:00:00Z"}\n'
                '{"type":"summary","read":0,"elapsedMs":%d}\n' % i)
PY
cat crashed.jsonl >> many.jsonl
{ st=0; "$RBUSAGE" report many.jsonl 2>err || st=$?; echo "$st" > rc; } | head -n 1 > out
expect_eq "$(cat out)" "Result log: many.jsonl (3002 import runs, 1 dry run)" "first line"
expect_eq "$(cat rc)" 1 "report | head exit status"
[ ! -s err ] || fail "report | head said something on stderr: $(cat err)"
# Not a log: a clear error, exit 2.
printf 'hello\n' > notalog.txt
run "$RBUSAGE" report notalog.txt
expect_rc 2
expect_grep "notalog.txt: line 1 is not a result log line" err
run "$RBUSAGE" report missing.jsonl
expect_rc 2
expect_grep "cannot open 'missing.jsonl'" err
# Two different exports piped through stdin into one log: each run has lines
# of its own (stdin resumes by content), so 2 + 2 rows are created, not 2.
# A third stdin run of the second export skips its rows as created before.
R='{"type":"run","command":"import","input":"-","fingerprint":"stdin","dryRun":false}'
S='{"type":"summary","read":2,"created":2,"dryRun":false,"interrupted":false}'
c() { printf '{"type":"row","line":%s,"status":"created","usageId":"%s","subscriptionId":"%s","quantity":%s,"usageTime":"2026-11-20T10:00:00Z"}\n' "$@"; }
k() { printf '{"type":"row","line":%s,"status":"skipped","subscriptionId":"%s","quantity":%s,"usageTime":"2026-11-20T10:00:00Z"}\n' "$@"; }
{ echo "$R"; c 2 u1 a 1; c 3 u2 b 2; echo "$S"
  echo "$R"; c 2 u3 c 4; c 3 u4 d 8; echo "$S"
  echo "$R"; k 2 c 4; k 3 d 8; echo "$S"; } > stdin.jsonl
run "$RBUSAGE" report stdin.jsonl
expect_rc 0
expect_grep "^  created             4  (2 of them before the last run)$" out
expect_grep "^  total                      15  (4 rows)$" out
# A row that timed out and was not found (failed, storedMaybe) is unknown
# like a pending one: exit 1. A row --skip-existing found on the server is
# skipped, not created. An input that ended early is said, exit 1.
R2='{"type":"run","command":"import","input":"x.csv.gz","fingerprint":"f1","dryRun":false}'
{ echo "$R2"; c 2 u1 a 1
  printf '{"type":"row","line":3,"status":"failed","reason":"timed out","storedMaybe":true,"subscriptionId":"b","quantity":2,"usageTime":"2026-11-20T10:00:00Z"}\n'
  printf '{"type":"row","line":4,"status":"skipped","usageId":"srv1","subscriptionId":"c","quantity":4,"usageTime":"2026-11-20T10:00:00Z"}\n'
  echo '{"type":"summary","read":3,"created":1,"failed":1,"skipped":1,"inputFailed":"x.csv.gz: truncated gzip stream","dryRun":false,"interrupted":false}'; } > mixed.jsonl
run "$RBUSAGE" report mixed.jsonl
expect_rc 1
expect_grep "^  created             1$" out
expect_grep "^  skipped             1  already on the server (--skip-existing)$" out
expect_grep "^  unknown             1  may be billed (pending, or timed out and not found)$" out
expect_grep "^  mixed.jsonl: line 3 (1 row)$" out
expect_grep "input ended early: x.csv.gz: truncated gzip stream: rows read 3 = created 1 " out
expect_grep "^  total                       1  (1 row)$" out
# The undo log beside it (LOG.undo.jsonl) is read: deleted rows are shown
# and the totals are net of them.
{ echo '{"type":"run","command":"undo","input":"stdin.jsonl","dryRun":false}'
  echo '{"type":"row","line":2,"status":"deleted","usageId":"u3"}'
  echo '{"type":"summary","read":1,"created":1,"dryRun":false,"interrupted":false}'; } > stdin.jsonl.undo.jsonl
run "$RBUSAGE" report stdin.jsonl
expect_rc 0
expect_grep "^Result logs: stdin.jsonl, stdin.jsonl.undo.jsonl (3 import runs, 1 undo run)$" out
expect_grep "^  created             3  (1 of them before the last run)$" out
expect_grep "^  deleted             1  by undo (quantity 4)$" out
expect_grep "^  total                      11  (3 rows)$" out
expect_grep "^  (not counted: 1 row deleted by undo, quantity 4)$" out
echo ok
