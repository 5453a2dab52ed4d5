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
# Not a log: a clear error, exit 2.
printf 'hello\n' > notalog.txt
run "$RBUSAGE" report notalog.txt
expect_rc 2
expect_grep "notalog.txt: line 1 is not a result log line" err
run "$RBUSAGE" report missing.jsonl
expect_rc 2
expect_grep "cannot open 'missing.jsonl'" err
echo ok
