# Memcheck over whole runs: dry runs of the tricky inputs and the nightly
# sample, and a real send against scripts/fake-rebilly. Any invalid read or
# write, use of uninitialised memory, or definite or indirect leak fails.
# Skipped without valgrind, and for a sanitizer build (the two don't mix).
. "$(dirname "$0")/lib.sh"

if ! command -v valgrind >/dev/null 2>&1; then
	echo "SKIP: valgrind is not installed"
	exit 0
fi
if grep -q __asan_init "$RBUSAGE" 2>/dev/null; then
	echo "SKIP: $RBUSAGE is built with AddressSanitizer"
	exit 0
fi

# vg EXPECTED_RC ARGS...: rbusage under memcheck; 99 means memcheck errors.
vg() {
	want=$1
	shift
	run valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite,indirect --track-fds=no \
		--log-file="$T/vg.log" "$RBUSAGE" "$@"
	if [ "$rc" -eq 99 ] || [ -s "$T/vg.log" ]; then
		cat "$T/vg.log" >&2
		fail "memcheck: rbusage $*"
	fi
	expect_rc "$want"
}

cp "$DATA/tricky.csv" "$DATA/tricky.jsonl" "$TOP/samples/nightly.csv" "$T/"
cd "$T"
vg 1 import --dry-run --emit tricky.csv
vg 1 import --dry-run --emit tricky.jsonl
vg 1 import --dry-run --emit --log dry.jsonl nightly.csv
rm -f nightly.rejects.csv

start_fake
vg 1 import --rate 500 --concurrency 8 --no-progress nightly.csv
expect_grep "rows read 309 = created 300 + rejected 9" err
# resumed: nothing left to send
vg 1 import --rate 500 --concurrency 8 --no-progress nightly.csv
expect_eq "$(ledger_count)" 300 "usages on the fake"
vg 0 report nightly.results.jsonl
# --aggregate: the usages, a sum past 15 digits read back for the reject
# file, a resume by content, undo of the usages
printf 'subscriptionId,quantity,usageTime\nbig,999999999999999,2026-11-20T05:00:00Z\nbig,1,2026-11-20T05:01:00Z\n' > big.csv
vg 1 import --dry-run --emit --aggregate hour big.csv
expect_grep "over 15 significant digits" big.rejects.csv
vg 1 import --aggregate hour --rate 500 --no-progress --log agg.jsonl nightly.csv
vg 1 import --aggregate hour --rate 500 --no-progress --log agg.jsonl nightly.csv
expect_grep "created 0 + rejected 9 + refused 0 + failed 0 + skipped 300" err
vg 0 undo --rate 500 --no-progress agg.jsonl
echo "valgrind: 10 runs clean"
