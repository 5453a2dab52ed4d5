# Exit codes tell the truth (DESIGN "Command line", "Operations"): a missing
# --cacert, an unwritable reject file or log, an empty CSV, a base URL with
# an empty port are configuration errors (2, nothing sent, nothing written);
# --dry-run --emit | head ends quietly (3: not every row was checked); a
# SIGTERM that timeout(1) delivers twice (child, then process group) is one
# stop, wound down cleanly (3, summary written).
. "$(dirname "$0")/lib.sh"
cd "$T"
start_fake

printf 'subscriptionId,quantity,usageTime\n' > in.csv
i=0
while [ $i -lt 40 ]; do
	printf 's%d,%d,2026-11-20T10:00:%02dZ\n' $i $((i % 5 + 1)) $((i % 60)) >> in.csv
	i=$((i + 1))
done

# nothing_written: no log, no reject file, and the fake holds nothing.
nothing_written() {
	for f in *.results.jsonl *.rejects.*; do
		[ -e "$f" ] && fail "$1: '$f' was written"
	done
	expect_eq "$(ledger_count)" 0 "$1: usages on the server"
}

# --- a missing --cacert: 2, whatever the URL's scheme ---------------------
run "$RBUSAGE" import --rate 500 --cacert "$T/no-such-ca.pem" in.csv
expect_rc 2
expect_grep "^rbusage: --cacert: cannot read '$T/no-such-ca.pem': No such file or directory$" err
nothing_written "--cacert over http"
run "$RBUSAGE" import --rate 500 --base-url https://127.0.0.1:1 --cacert "$T/no-such-ca.pem" in.csv
expect_rc 2
nothing_written "--cacert over https"
run "$RBUSAGE" import --rate 500 --cacert "$T" in.csv
expect_rc 2
expect_grep "cannot read '$T': not a regular file" err
run "$RBUSAGE" undo --cacert "$T/no-such-ca.pem" in.results.jsonl
expect_rc 2
expect_grep "^rbusage: --cacert: cannot read" err

# --- a base URL with an empty port does not go to port 80 -----------------
run "$RBUSAGE" import --rate 500 --base-url http://127.0.0.1: in.csv
expect_rc 2
expect_grep "^rbusage: the base URL 'http://127.0.0.1:' has an empty port$" err
run "$RBUSAGE" import --rate 500 --base-url 'http://[::1]:/' in.csv
expect_rc 2
nothing_written "empty port"

# --- unwritable outputs: 2, nothing sent, also in a dry run ----------------
run "$RBUSAGE" import --rate 500 --rejects "$T/no/dir/r.csv" in.csv
expect_rc 2
expect_grep "^rbusage: cannot write the reject file '$T/no/dir/r.csv': No such file or directory$" err
nothing_written "--rejects in a missing directory"
run "$RBUSAGE" import --dry-run --log "$T/no/dir/l.jsonl" in.csv
expect_rc 2
expect_grep "^rbusage: cannot write the result log '$T/no/dir/l.jsonl'" err
# The default reject file beside the input, where nothing can be created
# (the current directory is gone; works as root too): stdin's outputs.
mkdir gone
(
	cd gone && rmdir "$T/gone"
	set +e
	"$RBUSAGE" import --dry-run - < "$T/in.csv" > "$T/out" 2> "$T/err"
	echo $? > "$T/rc"
)
expect_eq "$(cat rc)" 2 "dry run, reject file in a removed directory"
expect_grep "^rbusage: cannot write the reject file 'stdin.rejects.csv': No such file or directory$" err
if [ "$(id -u)" -ne 0 ]; then
	mkdir ro && cp in.csv ro/ && chmod 555 ro
	run "$RBUSAGE" import --dry-run ro/in.csv
	expect_rc 2
	expect_grep "cannot write the reject file 'ro/in.rejects.csv': Permission denied" err
	chmod 755 ro
else
	echo "skip: root writes anywhere; the removed-directory case stands in"
fi
# the probe leaves nothing behind
[ ! -e in.rejects.csv ] || fail "the writability probe left in.rejects.csv"

# --- an empty CSV is an export that failed: 2; an empty JSON-lines file
# is zero records: 0 --------------------------------------------------------
: > empty.csv
run "$RBUSAGE" import --rate 500 empty.csv
expect_rc 2
expect_grep "^rbusage: empty.csv: no header line (the file is empty)$" err
run "$RBUSAGE" import --dry-run empty.csv
expect_rc 2
nothing_written "empty CSV"
: > empty.jsonl
run "$RBUSAGE" import --dry-run empty.jsonl
expect_rc 0

# --- --dry-run --emit | head: quiet, exit 3 ---------------------------------
python3 - <<'PY'
with open("big.csv", "w") as f:
    f.write("subscriptionId,quantity,usageTime\n")
    for i in range(20000):
        f.write("sub_%d,%d.5,2026-11-20T10:%02d:%02dZ\n" % (i, i % 9 + 1, i // 60 % 60, i % 60))
PY
{ st=0; "$RBUSAGE" import --dry-run --emit big.csv 2>err || st=$?; echo "$st" > rc; } | head -n 2 > out
expect_eq "$(cat rc)" 3 "--emit | head exit status"
[ ! -s err ] || fail "--emit | head said something on stderr: $(cat err)"
expect_eq "$(sed -n 1p out)" '{"subscriptionId":"sub_0","quantity":1.5,"usageTime":"2026-11-20T10:00:00Z"}' "first body"
expect_eq "$(summary big.results.jsonl interrupted)" True "the dry run's summary says it was cut short"
rm -f big.results.jsonl

# --- timeout(1): one SIGTERM, delivered twice, is one stop -----------------
# 40 rows at 4/s with slow replies: still running after a second. timeout
# signals rbusage, then its whole process group; rbusage must wind down
# (summary line, summary on stderr), not leave at once.
restart_fake() {
	kill "$FAKE_PID"
	wait "$FAKE_PID" || true
	FAKE_PID=""
	exec 3<&-
	rm -f "$T/fake.fifo"
	start_fake "$@"
}
restart_fake --latency 300
set +e
timeout --preserve-status -s TERM 1 "$RBUSAGE" import --rate 4 --no-progress in.csv > out 2> err
rc=$?
set -e
expect_rc 3
expect_grep "^rbusage: in.csv: import cut short in" err
expect_grep "^rbusage: interrupted; run the same command again to resume$" err
expect_eq "$(summary in.results.jsonl interrupted)" True "summary line after timeout"
expect_invariant in.results.jsonl
# The same, step by step and without timing luck: one process sends SIGTERM,
# waits until it is delivered (no longer pending in /proc), and sends it
# again: one stop. Then another process's SIGTERM: the second stop, which
# ends the run at once (exit 3, no summary line).
cat > sig.py <<'PY'
import json, os, signal, subprocess, sys, time
def wait_for(cond, what):
    deadline = time.time() + 30
    while not cond():
        if time.time() > deadline:
            sys.exit("timed out waiting for " + what)
        time.sleep(0.01)
def created():
    try:
        return any(json.loads(l).get("status") == "created" for l in open("in.results.jsonl"))
    except (FileNotFoundError, ValueError):
        return False
def delivered(pid):
    def f():
        mask = 0
        for l in open("/proc/%d/status" % pid):
            if l.startswith(("SigPnd:", "ShdPnd:")):
                mask |= int(l.split()[1], 16)
        return not mask & (1 << (signal.SIGTERM - 1))
    return f
mode = sys.argv[1]
if os.path.exists("in.results.jsonl"):
    os.remove("in.results.jsonl")
p = subprocess.Popen([os.environ["RBUSAGE"], "import", "--rate", "2", "--no-progress", "in.csv"],
                     stdout=open("out", "w"), stderr=open("err", "w"))
wait_for(created, "a created row")
os.kill(p.pid, signal.SIGTERM)
wait_for(delivered(p.pid), "the first SIGTERM to be delivered")
if mode == "same":
    os.kill(p.pid, signal.SIGTERM)      # the group kill of timeout(1)
else:
    subprocess.run(["kill", "-TERM", str(p.pid)], check=True)  # someone else
sys.exit(p.wait())
PY
set +e
python3 sig.py same
rc=$?
set -e
expect_rc 3
expect_grep "^rbusage: in.csv: import cut short in" err
expect_eq "$(summary in.results.jsonl interrupted)" True "summary after a repeated SIGTERM"
expect_invariant in.results.jsonl
set +e
python3 sig.py other
rc=$?
set -e
expect_rc 3
expect_no_grep '"type":"summary"' in.results.jsonl
expect_no_grep "cut short" err
echo ok
