# Replays every fuzz seed (tests/fuzz/corpus/<target>/) and every crash ever
# found (tests/fuzz/regress/<target>/) through the fuzz targets, built with
# gcc, ASan and UBSan and FUZZ_STANDALONE's main(): libFuzzer and clang are
# not needed, and a fixed crash stays fixed. `make fuzz` is the fuzzing itself.
. "$(dirname "$0")/lib.sh"

CC=${FUZZ_REPLAY_CC:-gcc}
command -v "$CC" >/dev/null 2>&1 || CC=cc
FLAGS="-std=c11 -D_POSIX_C_SOURCE=200809L -O1 -g -fno-omit-frame-pointer
	-fsanitize=address,undefined -fno-sanitize-recover=all
	-DRBUSAGE_VERSION=\"fuzz\" -I$TOP/src -I$TOP/tests/fuzz"
LIBS="-lcurl -lcsv -lz -lm"

if ! echo 'int main(void){return 0;}' >"$T/probe.c" ||
	! $CC $FLAGS -o "$T/probe" "$T/probe.c" 2>"$T/probe.err"; then
	echo "SKIP: $CC cannot build with -fsanitize=address,undefined:"
	cat "$T/probe.err"
	exit 0
fi

# Every source once, two at a time, into one archive: each target links
# what it uses, so no list here has to follow the code's calls.
mkdir "$T/obj"
compile() {
	$CC $FLAGS -c -o "$T/obj/$1.o" "$TOP/src/$1.c" 2>"$T/obj/$1.err" ||
		fail "cannot compile src/$1.c: $(cat "$T/obj/$1.err")"
}
set -- $(cd "$TOP/src" && ls *.c | sed 's/\.c$//' | grep -v '^main$')
while [ $# -gt 0 ]; do
	if [ $# -ge 2 ]; then
		compile "$1" &
		pid=$!
		compile "$2"
		wait "$pid" || exit 1
		shift 2
	else
		compile "$1"
		shift
	fi
done
ar rcs "$T/libfuzz.a" "$T"/obj/*.o

# ASan: fail on leaks too; UBSan: print the stack.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

total=0
for t in csv jsonl check response resultlog encoding time; do
	# shellcheck disable=SC2086
	$CC $FLAGS -DFUZZ_STANDALONE -o "$T/fuzz_$t" \
		"$TOP/tests/fuzz/fuzz_$t.c" "$T/libfuzz.a" $LIBS ||
		fail "cannot build fuzz_$t"
	dirs="$TOP/tests/fuzz/corpus/$t"
	[ -d "$TOP/tests/fuzz/regress/$t" ] && dirs="$dirs $TOP/tests/fuzz/regress/$t"
	# shellcheck disable=SC2086
	run "$T/fuzz_$t" $dirs
	[ "$rc" -eq 0 ] || fail "fuzz_$t failed on a seed or reproducer (exit $rc)"
	cat "$T/err"
	count=$(sed -n 's/.*: \([0-9]*\) inputs replayed$/\1/p' "$T/err")
	[ "${count:-0}" -gt 0 ] || fail "fuzz_$t replayed nothing"
	total=$((total + count))
done
echo "fuzz corpus: $total inputs replayed, no findings"
