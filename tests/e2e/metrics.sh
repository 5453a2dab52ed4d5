# --metrics-file: what node_exporter's textfile collector reads after a
# nightly run. Parsed by a strict parser of the exposition format
# (tests/prom_parse.py) and, when installed, promtool; the figures agree with
# the fake server's ledger: rows by status, requests by HTTP status, 429
# pauses, the exact quantity created, the end time, success. The sample
# alert rules pass promtool too.
. "$(dirname "$0")/lib.sh"
cd "$T"
PARSE="python3 $TOP/tests/prom_parse.py"

# The parser is strict: each of these is refused.
i=0
for bad in 'x{a="1"} 1\nx{a="1"} 2\n' 'x 1' '# TYPE x gauge\n# TYPE x gauge\nx 1\n' \
	'x{a="\\q"} 1\n' 'x{a="1",a="2"} 1\n' 'x 1\ny 1\nx 2\n' 'x one\n' \
	'1x 1\n' 'x{a=1} 1\n' '# TYPE x histogram\nx 1\n' 'x 1\n# TYPE x gauge\n'; do
	printf "$bad" > bad$i.prom
	$PARSE bad$i.prom > /dev/null 2>&1 && fail "prom_parse accepted: $bad"
	i=$((i + 1))
done
printf '# HELP x a \\\\ b\\n c\n# TYPE x gauge\nx{a="q\\"\\\\\\n"} -1.5e3\nx +Inf\n' > good.prom
$PARSE good.prom > /dev/null || fail "prom_parse refused a valid file"

printf 'sub_ok_0\nsub_ok_1\nsub_ok_2\nsub_ok_3\nsub_ok_4\nsub_ok_5\nsub_ok_6\nsub_ok_7\n' > subs.txt
start_fake --subscriptions "$T/subs.txt" --rate-limit 20/3
{
	printf 'subscriptionId,quantity,usageTime\n'
	i=0
	while [ $i -lt 8 ]; do
		printf 'sub_ok_%d,%d.25,2026-11-20T10:00:0%dZ\n' $i $((i + 1)) $i
		i=$((i + 1))
	done
	printf 'sub_gone,1,2026-11-20T10:00:00Z\n'    # refused: 422
	printf 'sub_ok_0,0,2026-11-20T10:00:00Z\n'    # rejected here
	printf 'sub_ok_1,1.2345,2026-11-20T10:00:00Z\n' # rejected here
} > night.csv
# Another client of the organization has just spent the window's budget, so
# the import's first requests meet a 429 and pause.
python3 - "$FAKE_URL" "$KEY" <<'PY'
import sys, urllib.error, urllib.request
for i in range(20):
    req = urllib.request.Request(sys.argv[1] + "/organizations/org-e2e/usages/none-%d" % i,
                                 method="DELETE", headers={"REB-APIKEY": sys.argv[2]})
    try:
        urllib.request.urlopen(req)
    except urllib.error.HTTPError as e:
        assert e.code == 404, e.code
PY
t0=$(date +%s)
run "$RBUSAGE" import --rate 100 --reserve 0 --no-progress --metrics-file night.prom night.csv
expect_rc 1
t1=$(date +%s)
case $(ls -l night.prom) in -rw-r--r--*) ;; *) fail "night.prom is not mode 644" ;; esac
[ -z "$(ls -A | grep '\.tmp')" ] || fail "a temporary file was left: $(ls -A)"
if command -v promtool >/dev/null 2>&1; then
	promtool check metrics < night.prom > promtool.out 2>&1 || fail "promtool: $(cat promtool.out)"
else
	echo "skip: promtool not installed; prom_parse.py alone checks the format"
fi
ledger > ledger.jsonl
python3 - night.prom ledger.jsonl "$t0" "$t1" "$TOP/tests" <<'PY' || fail "night.prom disagrees with the run"
import json, sys
from decimal import Decimal
sys.path.insert(0, sys.argv[5])
import prom_parse
fams = prom_parse.parse(open(sys.argv[1], "rb").read())
want = {"command": "import", "input": "night.csv"}
def one(fam, **extra):
    got = [v for _, l, v, _ in fams[fam]["samples"] if l == dict(want, **extra)]
    assert len(got) == 1, (fam, extra, fams[fam]["samples"])
    return got[0]
for f in fams.values():
    assert f["type"] == "gauge" and f["help"], f
led = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
assert len(led) == 8, len(led)
assert one("rbusage_rows", status="created") == 8
assert one("rbusage_rows", status="refused") == 1
assert one("rbusage_rows", status="rejected") == 2
assert one("rbusage_rows", status="failed") == 0
assert one("rbusage_rows", status="skipped") == 0
assert one("rbusage_requests", code="201") == 8
assert one("rbusage_requests", code="422") == 1
assert one("rbusage_requests", code="429") >= 1
assert one("rbusage_rate_limit_pauses") >= 1
# the quantity, exactly: 1.25 + 2.25 + ... + 8.25 = 38
total = sum(Decimal(str(u["quantity"])) for u in led)
assert total == Decimal("38"), total
assert Decimal(repr(one("rbusage_quantity_created"))) == total
end = one("rbusage_last_run_end_timestamp_seconds")
assert int(sys.argv[3]) <= end <= int(sys.argv[4]) + 1, (end, sys.argv[3:5])
assert 0 < one("rbusage_run_duration_seconds") <= end - int(sys.argv[3]) + 1
assert one("rbusage_last_run_success") == 0
assert one("rbusage_last_run_exit_status") == 1
PY

# A second night, all created: success 1, exit 0; the file is replaced.
{
	printf 'subscriptionId,quantity,usageTime\n'
	printf 'sub_ok_%d,1,2026-11-21T10:00:00Z\n' 2 3
} > clean.csv
run "$RBUSAGE" import --rate 100 --reserve 0 --no-progress --metrics-file night.prom clean.csv
expect_rc 0
$PARSE night.prom > samples.jsonl || fail "night.prom does not parse"
grep -q '"input": "night.csv"' samples.jsonl && fail "the old night's series stayed"
grep -q '"family": "rbusage_last_run_success", .*"input": "clean.csv"}, "value": 1.0' samples.jsonl ||
	fail "clean night not a success: $(cat samples.jsonl)"

# A shard and a dry run carry their own labels.
run "$RBUSAGE" import --dry-run --shard 2/3 --metrics-file dry.prom night.csv
$PARSE dry.prom > samples.jsonl || fail "dry.prom does not parse"
grep -q '"labels": {"command": "dry-run", "input": "night.csv", "shard": "2/3", "status": "valid"}' samples.jsonl ||
	fail "dry run labels: $(head -3 samples.jsonl)"

# Nothing sent (exit 2, a missing --cacert): the metrics say so.
run "$RBUSAGE" import --rate 100 --cacert "$T/none.pem" --metrics-file bad.prom clean.csv
expect_rc 2
$PARSE bad.prom > samples.jsonl || fail "bad.prom does not parse"
grep -q '"family": "rbusage_last_run_exit_status", .*"value": 2.0' samples.jsonl || fail "exit 2 not in the metrics"
grep -q '"family": "rbusage_last_run_success", .*"value": 0.0' samples.jsonl || fail "exit 2 counted as success"
# A metrics file that cannot be written: exit 2, before anything is sent.
before=$(ledger_count)
run "$RBUSAGE" import --rate 100 --metrics-file "$T/no/dir/m.prom" clean.csv
expect_rc 2
expect_grep "^rbusage: --metrics-file: cannot write '$T/no/dir/m.prom': No such file or directory$" err
expect_eq "$(ledger_count)" "$before" "usages after a refused metrics path"
[ ! -e clean.rejects.csv ] || fail "wrote a reject file"

# undo writes its own metrics.
run "$RBUSAGE" undo --rate 100 --reserve 0 --metrics-file undo.prom night.results.jsonl
expect_rc 0
$PARSE undo.prom > samples.jsonl || fail "undo.prom does not parse"
grep -q '"labels": {"command": "undo", "input": "night.results.jsonl", "status": "deleted"}, "value": 8.0' samples.jsonl ||
	fail "undo metrics: $(head -3 samples.jsonl)"

# The nightly wrapper passes RBUSAGE_METRICS_FILE on.
mkdir state
sed 's/2026-11-21/2026-11-22/' clean.csv > export-2026-11-22.csv
(umask 077; printf '%s\n' "$KEY" > key)
set +e
RBUSAGE="$RBUSAGE" RBUSAGE_INPUT="$T/export-{day}.csv" RBUSAGE_STATE_DIR="$T/state" \
	RBUSAGE_KEY_FILE="$T/key" RBUSAGE_METRICS_FILE="$T/nightly.prom" RBUSAGE_TRIES=1 \
	sh "$TOP/samples/systemd/rbusage-nightly" 2026-11-22 --rate 100 > out 2> err
rc=$?
set -e
expect_rc 0
$PARSE nightly.prom > samples.jsonl || fail "nightly.prom does not parse"
grep -q '"family": "rbusage_last_run_success", .*"input": "'"$T"'/export-2026-11-22.csv"}, "value": 1.0' samples.jsonl ||
	fail "the wrapper's metrics: $(cat samples.jsonl)"

# The sample alert rules are valid rules for these metrics.
if command -v promtool >/dev/null 2>&1; then
	promtool check rules "$TOP/samples/systemd/rbusage-alerts.yml" > promtool.out 2>&1 ||
		fail "promtool check rules: $(cat promtool.out)"
fi
python3 - "$TOP/samples/systemd/rbusage-alerts.yml" <<'PY' || fail "alert rules"
import re, sys
text = open(sys.argv[1]).read()
names = set(re.findall(r"\b(rbusage_[a-z_]+)\b", text))
known = {"rbusage_rows", "rbusage_requests", "rbusage_rate_limit_pauses",
         "rbusage_quantity_created", "rbusage_run_duration_seconds",
         "rbusage_last_run_end_timestamp_seconds", "rbusage_last_run_success",
         "rbusage_last_run_exit_status"}
assert names and names <= known, names - known
PY
echo ok
