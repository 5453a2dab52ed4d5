# The organization's rate budget, against the fake's real windows: with
# --reserve 20 a run never takes a window above 80% of the limit, whether it
# runs alone, as two shards at once, or with a fixed --rate; it meets at
# most a 429 or two, and it uses the budget (the rows finish within the
# windows they need, plus one). The issue's figures (50 per 10 s, 160 rows)
# are in `make bench-send`; here the same proportions at 25 per 5 s (5 per
# second, the auto start rate, fills a window exactly, as it does 50 per
# 10 s), 80 rows. The scenarios run at once, each against its own fake.
. "$(dirname "$0")/lib.sh"
cd "$T"

FAKES=""
stop_fakes() {
	for p in $FAKES; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	cleanup
}
trap stop_fakes EXIT INT TERM

# fake NAME FLAGS...: a fake of its own; sets URL_NAME.
fake() {
	name=$1
	shift
	mkfifo "$T/$name.fifo"
	python3 "$TOP/scripts/fake-rebilly" --port 0 --api-key "$KEY" --org org-e2e \
		"$@" >"$T/$name.fifo" 2>"$T/$name.fake.err" &
	FAKES="$FAKES $!"
	IFS= read -r line <"$T/$name.fifo" ||
		fail "fake-rebilly ($name) did not start: $(cat "$T/$name.fake.err")"
	eval "URL_$name=\${line#listening on }"
}

python3 - <<'PY' > rows.csv
print("subscriptionId,quantity,usageTime")
for i in range(80):
    print("rate_%d,%d,2026-11-20T10:%02d:%02dZ" % (i % 20, i % 7 + 1, i // 60, i % 60))
PY
head -n 13 rows.csv > twelve.csv

export REBILLY_API_KEY="$KEY" REBILLY_ORGANIZATION_ID=org-e2e

# imp NAME URL ARGS...: one import in the background (its pid in PID_NAME),
# bounded: 80 rows need 4 windows of 5 s, so 90 s means something is stuck.
imp() {
	name=$1 url=$2
	shift 2
	timeout 90 "$RBUSAGE" import --base-url "$url" --no-progress \
		--log "$name.jsonl" --rejects "$name.rej.csv" "$@" \
		>"$name.out" 2>"$name.err" </dev/null &
	eval "PID_$name=\$!"
}

fake one --rate-limit 25/5
fake shards --rate-limit 25/5
fake fixed --rate-limit 25/5
fake sliding --rate-limit 25/5 --rate-window-kind sliding
fake burst --rate-limit 100000/600

imp one "$URL_one" rows.csv
imp s1 "$URL_shards" --shard 1/2 rows.csv
imp s2 "$URL_shards" --shard 2/2 rows.csv
imp fixed "$URL_fixed" --rate 20 rows.csv
imp sliding "$URL_sliding" rows.csv
imp burst "$URL_burst" --rate 5 twelve.csv
for n in one s1 s2 fixed sliding burst; do
	eval "pid=\$PID_$n"
	wait "$pid" && rc=0 || rc=$?
	[ "$rc" -ne 124 ] || fail "$n did not finish in 90 s"
	[ "$rc" -eq 0 ] || { cat "$n.err" >&2; fail "$n exited $rc"; }
done

for n in one shards fixed sliding burst; do
	eval "url=\$URL_$n"
	python3 -c '
import sys, urllib.request
for route, out in (("/__requests", sys.argv[2] + ".requests"),
                   ("/__ledger", sys.argv[2] + ".ledger")):
    open(out, "w").write(urllib.request.urlopen(sys.argv[1] + route).read().decode())
' "$url" "$n"
done

python3 - <<'PY' || fail "the rate budget was not kept"
import json

def lines(p):
    return [json.loads(l) for l in open(p) if l.strip()]

def check(name, rows, sliding=False):
    reqs = [r for r in lines(name + ".requests") if r["method"] == "POST"]
    led = [u for u in lines(name + ".ledger") if not u["deleted"]]
    keys = {(u["subscriptionId"], u["quantity"], u["usageTime"]) for u in led}
    assert len(led) == rows and len(keys) == rows, (name, "ledger", len(led), len(keys))
    counted = [r for r in reqs if r["counted"]]
    n429 = sum(1 for r in reqs if r["status"] == 429)
    if sliding:
        t = sorted(r["countedAt"] for r in counted)
        busiest, j = 0, 0
        for i in range(len(t)):
            while t[i] - t[j] >= 5.0:
                j += 1
            busiest = max(busiest, i - j + 1)
        windows = None
        span = t[-1] - t[0]
    else:
        per = {}
        for r in counted:
            per[r["window"]] = per.get(r["window"], 0) + 1
        busiest = max(per.values())
        windows = max(per)
        print("%-8s per window %s" % (name, [per.get(k, 0) for k in range(1, windows + 1)]))
        span = None
    print("%-8s rows %d  busiest window %d  429s %d  windows %s%s" % (
        name, rows, busiest, n429, windows if windows else "-",
        "  span %.1f s" % span if span is not None else ""))
    assert busiest <= 20, (name, "a window above the floor", busiest)
    assert n429 <= 2, (name, "429s", n429)
    return windows, span

w, _ = check("one", 80)
assert w <= 5, ("one: windows", w)
w, _ = check("shards", 80)
assert w <= 5, ("shards: windows", w)
w, _ = check("fixed", 80)
assert w <= 5, ("fixed --rate 20: windows", w)
_, span = check("sliding", 80, sliding=True)
# 20 per 5 s at best: 80 rows span 15 s; allow one window more
assert span <= 25, ("sliding: span", span)
# --rate 5: at most 5 in any one second, the first one included
t = sorted(r["arrival"] for r in lines("burst.requests") if r["method"] == "POST")
assert len(t) == 12
most = max(sum(1 for x in t if a <= x < a + 1.0) for a in t)
first = sum(1 for x in t if x < t[0] + 1.0)
print("burst    --rate 5: the first second %d, the busiest %d" % (first, most))
assert most <= 5 and first == 5, (first, most)
PY
for n in one s1 s2 fixed sliding burst; do
	expect_invariant "$n.jsonl"
done
echo ok
