# Chaos: the importer is killed with SIGKILL at random points while the server
# misbehaves every way a real one does: it loses replies, resets connections,
# fails with 503, answers 5xx after storing, commits after the client gave
# up, lists new usages late and keeps usageTime in whole seconds; each time
# the importer is run again. In the end the server must hold every valid row
# exactly once, and nothing the result log does not name. The same for undo,
# for --aggregate hour, and for legitimately repeated rows (--allow-duplicates,
# matched by count).
# CHAOS_ROWS, CHAOS_KILLS and CHAOS_SEED make it longer (make chaos).
. "$(dirname "$0")/lib.sh"
cd "$T"
ROWS=${CHAOS_ROWS:-1000}
KILLS=${CHAOS_KILLS:-4}
SEED=${CHAOS_SEED:-$$}
echo "chaos: rows=$ROWS kills=$KILLS seed=$SEED"
# --settle outlasts the late commit plus the list's lag, as it must
start_fake --lost-reply 0.03 --reset 0.02 --fail 0.03 --store-then-fail 0.03 \
	--late-commit 0.02 --late-commit-delay 1.5 --list-lag 0.5 --whole-seconds \
	--seed "$SEED" --rate-limit 1000000/600
UOPTS="--rate 1000 --concurrency 8 --retries 3 --timeout 1 --no-progress"
OPTS="$UOPTS --settle 2.5"

rnd() { python3 -c "import random,sys; random.seed(int(sys.argv[3])); print(random.randint(int(sys.argv[1]), int(sys.argv[2])))" "$1" "$2" "$3"; }
lines() { [ -f "$1" ] && wc -l < "$1" || echo 0; }

# kill_at CMD_LOG N ARGS...: runs rbusage ARGS in the background and kills it
# with SIGKILL once its log has grown by N lines (or it ends by itself).
kill_at() {
	log=$1
	n=$2
	shift 2
	start=$(lines "$log")
	"$RBUSAGE" "$@" >/dev/null 2>&1 &
	pid=$!
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $(($(lines "$log") - start)) -lt "$n" ] && [ $i -lt 1000 ]; do
		sleep 0.01
		i=$((i + 1))
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# finish ARGS...: runs until exit 0 (bounded), as a person would after a crash.
finish() {
	k=0
	while :; do
		run "$RBUSAGE" "$@"
		[ "$rc" -eq 0 ] && return 0
		[ "$rc" -eq 1 ] || [ "$rc" -eq 3 ] || fail "exit $rc: $(tail -3 "$T/err")"
		k=$((k + 1))
		[ $k -lt 20 ] || fail "did not converge"
	done
}

python3 - "$ROWS" <<'PY' > rows.csv
import sys
print("subscriptionId,quantity,usageTime")
for i in range(int(sys.argv[1])):
    print("chaos_%d,%d.%03d,2026-11-20T%02d:%02d:%02d.%03dZ" % (i % 97, i % 13 + 1, i % 1000, i // 3600 % 24, i // 60 % 60, i % 60, i * 7 % 1000))
PY

k=0
while [ $k -lt "$KILLS" ]; do
	kill_at rows.results.jsonl "$(rnd 20 $((ROWS / 2)) $((SEED + k)))" import $OPTS rows.csv
	k=$((k + 1))
done
finish import $OPTS rows.csv
expect_invariant rows.results.jsonl
exactly_once rows.csv rows.results.jsonl

# Undo, killed the same way, then finished: nothing of it remains.
k=0
while [ $k -lt "$KILLS" ]; do
	kill_at rows.results.jsonl.undo.jsonl "$(rnd 10 $((ROWS / 2)) $((SEED + 100 + k)))" undo $UOPTS rows.results.jsonl
	k=$((k + 1))
done
finish undo $UOPTS rows.results.jsonl
expect_eq "$(ledger_count)" 0 "usages left after undo"

# The same rows as --aggregate hour usages, killed the same way: one usage
# per (subscription, hour), its exact sum, exactly once.
k=0
while [ $k -lt "$KILLS" ]; do
	kill_at agg.jsonl "$(rnd 5 120 $((SEED + 300 + k)))" import --aggregate hour --log agg.jsonl $OPTS rows.csv
	k=$((k + 1))
done
finish import --aggregate hour --log agg.jsonl $OPTS rows.csv
expect_invariant agg.jsonl
buckets_once rows.csv agg.jsonl
finish undo $UOPTS agg.jsonl
expect_eq "$(ledger_count)" 0 "usages left after undo"

# Rows that legitimately repeat: each of 40 rows three times.
python3 - <<'PY' > dups.csv
print("subscriptionId,quantity,usageTime")
for rep in range(3):
    for i in range(40):
        print("dup_%d,%d,2026-11-21T10:00:%02d.250Z" % (i, i % 5 + 1, i))
PY
k=0
while [ $k -lt "$KILLS" ]; do
	kill_at dups.results.jsonl "$(rnd 5 60 $((SEED + 200 + k)))" import --allow-duplicates $OPTS dups.csv
	k=$((k + 1))
done
finish import --allow-duplicates $OPTS dups.csv
exactly_once dups.csv dups.results.jsonl
echo ok
