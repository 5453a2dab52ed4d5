# Secret hygiene: a canary key, from $REBILLY_API_KEY and from
# --api-key-file, never shows in anything rbusage writes: stdout, stderr
# (--verbose included), result logs, reject files, undo logs, reports; not
# for a success, a 422, a 401, a dry run, an undo or a refused option. A
# group-readable key file is warned about. A sending run is not dumpable.
. "$(dirname "$0")/lib.sh"
cd "$T"

CANARY=sk_live_CANARY_$$_xyz
WRONG=sk_live_WRONGCANARY_$$_xyz
KEY=$CANARY # the fake accepts the canary
printf 'sec_ok\nsec_ok2\n' > subs.txt
start_fake --subscriptions subs.txt
mkdir w keys
cd w

# every output of every command lands in w/ (numbered), so one grep sees all
n=0
cmd() {
	n=$((n + 1))
	set +e
	"$@" >"out.$n" 2>"err.$n" </dev/null
	rc=$?
	set -e
	cp "out.$n" "$T/out"
	cp "err.$n" "$T/err"
}

# one good row, one refused by the server (422), one rejected locally
printf 'subscriptionId,quantity,usageTime\nsec_ok,1,2026-11-20T10:00:00Z\nsec_unknown,2,2026-11-20T10:00:00Z\nsec_bad,-1,2026-11-20T10:00:00Z\n' > a.csv
sed 's/sec_ok,/sec_ok2,/' a.csv > b.csv
sed 's/sec_ok,/sec_ok3,/' a.csv > c.csv

# --- the key from the environment, --verbose, a 201 and a 422 ----------------
cmd "$RBUSAGE" import --verbose --rate 100 --no-progress a.csv
expect_rc 1
expect_grep "created 1 + rejected 1 + refused 1" "$T/err"
expect_grep "^> POST " "$T/err" # the trace is there, and...

# --- the key from a file: 600 says nothing, 644 is warned about --------------
printf '%s\n' "$CANARY" > ../keys/key600
chmod 600 ../keys/key600
cmd env -u REBILLY_API_KEY "$RBUSAGE" import --api-key-file ../keys/key600 --verbose \
	--rate 100 --no-progress b.csv
expect_rc 1
expect_grep "created 1 + rejected 1 + refused 1" "$T/err"
expect_no_grep "readable by group" "$T/err"
cp ../keys/key600 ../keys/key644
chmod 644 ../keys/key644
cmd env -u REBILLY_API_KEY "$RBUSAGE" import --api-key-file ../keys/key644 --verbose \
	--rate 100 --no-progress --log b644.jsonl --rejects b644.rej.csv b.csv
expect_grep "warning: '../keys/key644' is readable by group or others; chmod 600 it" "$T/err"

# --- 401: another key (itself a canary); the run stops, exit 3 ---------------
cmd env REBILLY_API_KEY="$WRONG" "$RBUSAGE" import --verbose --rate 100 --no-progress c.csv
expect_rc 3
expect_grep "refused our credentials" "$T/err"
printf '%s\n' "$WRONG" > ../keys/wrong
chmod 600 ../keys/wrong
cmd env -u REBILLY_API_KEY "$RBUSAGE" import --api-key-file ../keys/wrong --verbose \
	--rate 100 --no-progress --log c2.jsonl --rejects c2.rej.csv c.csv
expect_rc 3

# --- a dry run with the key set, --emit --------------------------------------
cmd "$RBUSAGE" import --dry-run --emit --verbose --log dry.jsonl --rejects dry.rej.csv a.csv
expect_rc 1

# --- report (text and HTML), undo --------------------------------------------
cmd "$RBUSAGE" report a.results.jsonl
cmd "$RBUSAGE" report --html a.report.html a.results.jsonl
[ -s a.report.html ] || fail "no HTML report"
cmd "$RBUSAGE" undo --verbose --rate 100 a.results.jsonl
expect_rc 0
expect_grep "deleted 1" "$T/err"
cmd env -u REBILLY_API_KEY "$RBUSAGE" undo --api-key-file ../keys/key600 --verbose --rate 100 b.results.jsonl
expect_rc 0

# --- a key given where keys are not taken: refused without echoing it --------
cmd "$RBUSAGE" import --api-key "$CANARY" a.csv
expect_rc 2
cmd "$RBUSAGE" import "--api-key=$CANARY" a.csv
expect_rc 2
cmd "$RBUSAGE" undo --api-key "$CANARY" a.results.jsonl
expect_rc 2

# --- not one byte of either key anywhere ------------------------------------
if grep -r -l -a -e "$CANARY" -e "$WRONG" . >"$T/leaks"; then
	cat "$T/leaks" >&2
	fail "the key leaked into: $(tr '\n' ' ' <"$T/leaks")"
fi
# (and the files checked are the ones meant: logs, rejects, undo log, report)
for f in a.results.jsonl a.rejects.csv b.results.jsonl b644.jsonl c.results.jsonl \
	c2.jsonl dry.jsonl a.results.jsonl.undo.jsonl b.results.jsonl.undo.jsonl a.report.html; do
	[ -s "$f" ] || fail "expected output $f missing"
done

# A key inside --base-url is refused (exit 2); the refusal must not write it
# down either.
cmd "$RBUSAGE" import --base-url "http://user:$CANARY@127.0.0.1:1" --log url.jsonl \
	--rejects url.rej.csv a.csv
expect_rc 2
expect_grep "must not hold credentials" "$T/err"
expect_no_grep "$CANARY" "$T/err"
[ ! -e url.jsonl ] || fail "a refused --base-url left a result log"

# --- a sending run is not dumpable: /proc/PID is root's, environ unreadable --
# prctl(PR_SET_DUMPABLE, 0) hands /proc/PID/* to root. As root everything is
# readable anyway, so rbusage runs as nobody and nobody tries to read it.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1 &&
	setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$RBUSAGE"; then
	as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
	chmod 755 "$T"
	mkdir "$T/nb"
	chmod 777 "$T/nb"
	printf 'subscriptionId,quantity,usageTime\nsec_ok,5,2026-11-20T11:00:00Z\n' > "$T/nb/d.csv"
	kill "$FAKE_PID"
	wait "$FAKE_PID" || true
	FAKE_PID=""
	exec 3<&-
	rm -f "$T/fake.fifo"
	start_fake --latency 3000
	(cd "$T/nb" && as_nobody "$RBUSAGE" import --rate 100 --no-progress d.csv \
		>"$T/nb/out" 2>"$T/nb/err" </dev/null) &
	sub=$!
	# the import's pid: the setpriv'd child of the subshell, once it is rbusage
	pid=""
	i=0
	while [ $i -lt 100 ] && [ -z "$pid" ]; do
		for p in "$sub" $(pgrep -P "$sub" 2>/dev/null); do
			[ "$(cat /proc/"$p"/comm 2>/dev/null)" = rbusage ] && pid=$p
		done
		[ -n "$pid" ] || sleep 0.05
		i=$((i + 1))
	done
	[ -n "$pid" ] || fail "could not find the running import"
	# the reply takes 3 s: let it reach the request (the key is loaded by then)
	i=0
	while [ $i -lt 100 ] && ! grep -q pending "$T/nb/d.results.jsonl" 2>/dev/null; do
		sleep 0.05
		i=$((i + 1))
	done
	owner=$(stat -c %u /proc/"$pid"/environ)
	if as_nobody cat /proc/"$pid"/environ >/dev/null 2>&1; then
		readable=yes
	else
		readable=no
	fi
	# the control: a dumpable process of nobody's is readable by nobody
	as_nobody sleep 5 &
	ctl=$!
	sleep 0.2
	ctl_pid=$ctl
	[ "$(cat /proc/"$ctl"/comm 2>/dev/null)" = sleep ] || ctl_pid=$(pgrep -P "$ctl" sleep || echo "$ctl")
	if as_nobody cat /proc/"$ctl_pid"/environ >/dev/null 2>&1; then
		ctl_readable=yes
	else
		ctl_readable=no
	fi
	kill "$ctl" 2>/dev/null || true
	wait "$ctl" 2>/dev/null || true
	wait "$sub" && rc=0 || rc=$?
	expect_rc 0
	[ "$ctl_readable" = yes ] || fail "control: nobody cannot read its own /proc/PID/environ"
	expect_eq "$owner" 0 "owner of /proc/<import>/environ"
	expect_eq "$readable" no "nobody can read the import's /proc/PID/environ"
	! grep -r -l -a -e "$CANARY" "$T/nb" || fail "the key leaked into $T/nb"
else
	echo "SKIP: not root or no setpriv: the not-dumpable check needs to run rbusage as nobody"
fi
echo ok
