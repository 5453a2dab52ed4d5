# undo tells the truth: a usage it cannot delete (created without an id, or
# left pending by an import that stopped mid-flight) remains, with a reason
# naming what to look for, and undo exits 1; an undo log that is an
# import's result log is refused (exit 2) before anything is deleted.
. "$(dirname "$0")/lib.sh"
cd "$T"
start_fake

printf 'subscriptionId,quantity,usageTime\n' > in.csv
printf 'sub_%d,1.5,2026-11-20T10:00:0%dZ\n' 1 1 2 2 3 3 >> in.csv
run "$RBUSAGE" import --rate 500 --no-progress in.csv
expect_rc 0
expect_eq "$(ledger_count)" 3 "usages after the import"
cp in.results.jsonl import-log.jsonl

# An import that stopped mid-flight left line 9 pending (maybe created), and
# line 8 was created but the server named no id.
cat >> in.results.jsonl <<EOF
{"type":"run","tool":"rbusage","command":"import","input":"in.csv","dryRun":false,"baseUrl":"$FAKE_URL","organization":"org-e2e"}
{"type":"row","line":8,"status":"pending","subscriptionId":"sub_8","quantity":2,"usageTime":"2026-11-20T11:00:00Z"}
{"type":"row","line":8,"status":"created","http":201,"subscriptionId":"sub_8","quantity":2,"usageTime":"2026-11-20T11:00:00Z","found":"2xx without an id"}
{"type":"row","line":9,"status":"pending","subscriptionId":"sub_9","quantity":3,"usageTime":"2026-11-20T12:00:00Z"}
EOF

# --log naming the import's own log: refused, nothing deleted, log untouched.
cp in.results.jsonl before.jsonl
run "$RBUSAGE" undo --rate 500 --log in.results.jsonl in.results.jsonl
expect_rc 2
expect_grep "rbusage: the undo log 'in.results.jsonl' is the import's result log; give --log another path" err
expect_file in.results.jsonl before.jsonl
# ... or another import's log: refused too.
run "$RBUSAGE" undo --rate 500 --log import-log.jsonl in.results.jsonl
expect_rc 2
expect_grep "rbusage: 'import-log.jsonl' is not an undo log (it holds an import's run); give --log another path" err
# an undo log elsewhere than LOG.undo.jsonl is one import and report miss
expect_grep "^rbusage: note: --log 'import-log.jsonl': an import or report of 'in.results.jsonl' will not see what this undo deletes (they read 'in.results.jsonl.undo.jsonl'); importing that input again would skip those rows as created$" err
expect_eq "$(ledger_count)" 3 "usages after the refusals"

# An undo while another run holds the log (cron starting an import and an
# undo at once): refused at once, naming the holder's pid, nothing deleted.
mkfifo hold.fifo
python3 -c '
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_APPEND)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
open(sys.argv[2]).read()' in.results.jsonl hold.fifo > holder.out &
holder=$!
i=0
while [ $i -lt 100 ] && ! grep -q locked holder.out 2>/dev/null; do
	sleep 0.05
	i=$((i + 1))
done
run "$RBUSAGE" undo --rate 500 in.results.jsonl
: > hold.fifo
wait "$holder" || true
expect_rc 3
expect_grep "another run (pid $holder) is using the result log 'in.results.jsonl'" err
expect_eq "$(ledger_count)" 3 "usages after an undo that found the log busy"

# The real undo: 3 deleted, 2 remain (exit 1), each with its reason.
run "$RBUSAGE" undo --rate 500 in.results.jsonl
expect_rc 1
expect_eq "$(ledger_count)" 0 "usages after undo"
expect_grep "^  usages 5 = deleted 3 + deleted earlier 0 + remaining 2$" err
python3 - in.results.jsonl.undo.jsonl <<'PY' || fail "undo log"
import json, sys
rows = [o for o in map(json.loads, open(sys.argv[1])) if o["type"] == "row"]
left = {o["line"]: o for o in rows if o["status"] == "failed"}
assert sorted(left) == [8, 9], left
assert left[8]["reason"] == ("created, but the server named no usage id; undo "
    "cannot delete it: find subscriptionId 'sub_8' at usageTime "
    "2026-11-20T11:00:00Z in Rebilly and delete it there"), left[8]["reason"]
assert left[9]["reason"].startswith("outcome unknown: the import stopped while "
    "this row was in flight, so it may have been created; undo cannot delete "
    "it: find subscriptionId 'sub_9' at usageTime 2026-11-20T12:00:00Z"), left[9]
assert sum(1 for o in rows if o["status"] == "deleted") == 3
s = [o for o in map(json.loads, open(sys.argv[1])) if o["type"] == "summary"][-1]
assert s["remaining"] == 2 and s["created"] == 3, s
PY
# Run again: what was deleted stays deleted; the two still remain (exit 1).
run "$RBUSAGE" undo --rate 500 in.results.jsonl
expect_rc 1
expect_grep "^  usages 5 = deleted 0 + deleted earlier 3 + remaining 2$" err

# --aggregate: a usage's line names its rows; undo deletes each usage once,
# and one left pending (its rows' last entry) remains, with its reason.
printf 'subscriptionId,quantity,usageTime\n' > agg.csv
printf 'sub_%d,1.5,2026-11-20T10:00:0%dZ\n' 1 1 2 2 1 3 2 4 >> agg.csv
run "$RBUSAGE" import --rate 500 --no-progress --aggregate hour agg.csv
expect_rc 0
expect_eq "$(ledger_count)" 2 "usages after the aggregated import"
expect_grep '"status":"created","lines":\[2,4\],' agg.results.jsonl
cat >> agg.results.jsonl <<EOF
{"type":"run","tool":"rbusage","command":"import","input":"agg.csv","dryRun":false,"baseUrl":"$FAKE_URL","organization":"org-e2e","options":{"aggregate":"hour"}}
{"type":"row","line":6,"status":"pending","lines":[6,7,9],"subscriptionId":"sub_6","quantity":3,"usageTime":"2026-11-20T12:00:00Z"}
EOF
run "$RBUSAGE" undo --rate 500 agg.results.jsonl
expect_rc 1
expect_eq "$(ledger_count)" 0 "usages after undo"
expect_grep "^  usages 3 = deleted 2 + deleted earlier 0 + remaining 1$" err
expect_grep '"line":6,"status":"failed",.*"reason":"outcome unknown: the import stopped while this row was in flight, so it may have been created; undo cannot delete it: find subscriptionId .sub_6. at usageTime 2026-11-20T12:00:00Z' agg.results.jsonl.undo.jsonl

# An unreachable API stops undo as it stops an import: exit 3 ("run it again
# once the API can be reached"), not every usage failed one by one, exit 1.
printf 'subscriptionId,quantity,usageTime\n' > gone.csv
i=0
while [ "$i" -lt 400 ]; do
	printf 'sub_%d,1,2026-11-20T13:%02d:%02dZ\n' "$i" $((i / 60)) $((i % 60)) >> gone.csv
	i=$((i + 1))
done
run "$RBUSAGE" import --rate 500 --no-progress gone.csv
expect_rc 0
stop_fake
run "$RBUSAGE" undo --rate 500 --concurrency 2 --retries 1 --no-progress gone.results.jsonl
expect_rc 3
expect_grep "cannot reach 127.0.0.1" err
python3 - gone.results.jsonl.undo.jsonl <<'PY' || fail "undo went on row by row against an unreachable API"
import json, sys
objs = list(map(json.loads, open(sys.argv[1])))
s = objs[-1]
assert s["type"] == "summary" and s["interrupted"], s
rows = [o for o in objs if o["type"] == "row"]
assert len(rows) < 400, len(rows)
PY
# A row that timed out and that no lookup found (failed, storedMaybe) has no
# usage id: undo cannot delete it, says so, and exits 1.
cat > maybe.jsonl <<EOF
{"type":"run","tool":"rbusage","command":"import","input":"m.csv","fingerprint":"fm","dryRun":false,"baseUrl":"$FAKE_URL","organization":"org-e2e"}
{"type":"row","line":2,"status":"pending","subscriptionId":"sub_m","quantity":2,"usageTime":"2026-11-20T11:00:00Z"}
{"type":"row","line":2,"status":"failed","reason":"timed out","storedMaybe":true,"subscriptionId":"sub_m","quantity":2,"usageTime":"2026-11-20T11:00:00Z"}
EOF
run "$RBUSAGE" undo --rate 500 maybe.jsonl
expect_rc 1
expect_grep "usages 1 = deleted 0 + deleted earlier 0 + remaining 1" err
expect_grep "^rbusage: cannot undo 1 row whose outcome is unknown; run the import again to reconcile them first$" err
# A dry run's log: nothing was sent, nothing to undo: a usage error (2).
printf 'subscriptionId,quantity,usageTime\nsub_d,1,2026-11-20T10:00:00Z\n' > dry.csv
run "$RBUSAGE" import --dry-run dry.csv
expect_rc 0
run "$RBUSAGE" undo --rate 500 dry.results.jsonl
expect_rc 2
expect_grep "^rbusage: 'dry.results.jsonl' is the log of a dry run: nothing was sent, so there is nothing to undo$" err
[ ! -e dry.results.jsonl.undo.jsonl ] || fail "undo of a dry run wrote an undo log"
echo ok
