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
echo ok
