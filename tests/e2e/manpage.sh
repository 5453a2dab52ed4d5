# The man page and --help cannot drift apart: every option --help prints is
# documented in doc/rbusage.1, every option the man page describes exists, the
# versions agree, the page renders without warnings (when groff is here), and
# make install / uninstall put it and the binary where PREFIX and DESTDIR say.
. "$(dirname "$0")/lib.sh"
MAN="$TOP/doc/rbusage.1"
[ -f "$MAN" ] || fail "no $MAN"

run "$RBUSAGE" --help
expect_rc 0
grep -oE -- '--[a-z-]+' "$T/out" | sort -u > "$T/help-opts"
[ -s "$T/help-opts" ] || fail "no options in --help"
: > "$T/out" # a failure below shows its own output, not --help

# roff writes a hyphen as \- : read the source with them as plain '-'.
sed 's/\\-/-/g' "$MAN" > "$T/man.txt"

# Every --help option, as a whole word (--progress is not --no-progress).
while IFS= read -r o; do
	grep -qE -- "(^|[^a-z-])$o([^a-z-]|\$)" "$T/man.txt" ||
		fail "$o is in --help but not in doc/rbusage.1"
done < "$T/help-opts"

# Every option the man page describes (the tag line after .TP or .TQ) is in
# --help; --api-key is described only to say it is refused.
awk '/^\.T[PQ]/ { if ((getline line) > 0) print line }' "$T/man.txt" |
	grep -oE -- '--[a-z-]+' | sort -u > "$T/man-opts"
while IFS= read -r o; do
	[ "$o" = --api-key ] && continue
	grep -qx -- "$o" "$T/help-opts" ||
		fail "$o is described in doc/rbusage.1 but not in --help"
done < "$T/man-opts"
[ -s "$T/man-opts" ] || fail "no option tags found in doc/rbusage.1"

# The report command's options: the same in --help's usage line and in the
# man page's SYNOPSIS, and exactly those --help options report accepts.
run "$RBUSAGE" --help
grep -E '^ *(usage: )?rbusage report ' "$T/out" | grep -oE -- '--[a-z-]+' | sort -u > "$T/help-report"
awk '/^\.B rbusage report/ { on = 1; next } on && /^\.br/ { exit } on' "$T/man.txt" |
	grep -oE -- '--[a-z-]+' | sort -u > "$T/man-report"
: > "$T/out"
[ -s "$T/help-report" ] || fail "no report options in --help's usage line"
cmp -s "$T/help-report" "$T/man-report" ||
	fail "report's options differ: --help says $(tr '\n' ' ' < "$T/help-report"), the man page's SYNOPSIS $(tr '\n' ' ' < "$T/man-report")"
while IFS= read -r o; do
	case $o in --help|--version) continue ;; esac
	run "$RBUSAGE" report "$o" arg "$T/no-such.jsonl"
	if grep -qx -- "$o" "$T/help-report"; then
		expect_no_grep "does not apply here" "$T/err"
	else
		expect_grep "report: $o does not apply here" "$T/err"
	fi
done < "$T/help-opts"

# Every key of the run line the tool writes (its options too, with as many
# set as a dry run takes) is described in the man page.
cd "$T"
printf 'subscriptionId;quantity;usageTime\ns1;1;2025-03-01 10:00:00\n' > keys.csv
n=0
for opts in "--time-zone Europe/Paris --dst later --decimal-comma --not-before 2025-01-01 --not-after 2025-12-31 --shard 1/2 --encoding latin1 --aggregate hour --map quantity=quantity --stamp-time --allow-duplicates" \
	"--time-zone +02:00 --time-format %Y-%m-%d_%H:%M:%S" "--time-format epoch"; do
	# shellcheck disable=SC2086
	n=$((n + 1))
	run "$RBUSAGE" import --dry-run --no-progress --delimiter ';' --log keys$n.jsonl $opts keys.csv
	[ "$rc" -le 1 ] || fail "dry run with $opts: exit $rc"
done
cat keys1.jsonl keys2.jsonl keys3.jsonl > keys.jsonl
python3 - keys.jsonl "$T/man.txt" <<'PY' || fail "a run-line key is not in doc/rbusage.1"
import json, re, sys
man = open(sys.argv[2]).read()
keys = set()
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o.get("type") == "run":
        keys |= set(o) | set(o["options"])
missing = sorted(k for k in keys - {"type"}
                 if not re.search(r"(^|[^A-Za-z.])" + re.escape(k.split(".")[0]) + r"([^A-Za-z]|$)", man, re.M))
if missing:
    sys.exit("not in the man page: %s" % ", ".join(missing))
for k in ("timeZone", "timeZoneOffsetMinutes", "dst", "shard", "aggregate", "encoding", "decimalComma", "stampTime", "settleMs", "rateWindowS"):
    assert k in keys, "the dry runs did not write %s" % k
PY
cd - >/dev/null

# The version in .TH is the binary's.
run "$RBUSAGE" --version
expect_rc 0
v=$(sed 's/^rbusage //' "$T/out")
grep -q "^\.TH RBUSAGE 1 .*\"rbusage $v\"" "$MAN" ||
	fail "doc/rbusage.1's .TH does not say rbusage $v"

if command -v groff >/dev/null 2>&1; then
	groff -man -Tutf8 -ww -z "$MAN" > "$T/out" 2> "$T/err" ||
		fail "groff failed on doc/rbusage.1"
	[ ! -s "$T/err" ] || fail "groff warns about doc/rbusage.1"
else
	echo "skip: groff is not installed; rendering not checked"
fi

# make install / uninstall into a temporary root. -o all: the recipes only,
# never a rebuild (and MAKEFLAGS from an outer make, e.g. SANITIZE, dropped).
if [ -x "$TOP/rbusage" ] && command -v make >/dev/null 2>&1; then
	mk() {
		(unset MAKEFLAGS MFLAGS MAKELEVEL
		 make -s -C "$TOP" -o all "$@" DESTDIR="$T/root" PREFIX=/usr) \
			> "$T/out" 2> "$T/err" || fail "make $1 failed"
	}
	mk install
	cmp -s "$TOP/rbusage" "$T/root/usr/bin/rbusage" ||
		fail "make install did not put rbusage in \$DESTDIR\$PREFIX/bin"
	cmp -s "$MAN" "$T/root/usr/share/man/man1/rbusage.1" ||
		fail "make install did not put rbusage.1 in \$DESTDIR\$PREFIX/share/man/man1"
	[ -x "$T/root/usr/bin/rbusage" ] || fail "installed rbusage is not executable"
	case $(ls -l "$T/root/usr/share/man/man1/rbusage.1") in
	-rw-r--r--*) ;;
	*) fail "installed rbusage.1 is not mode 644" ;;
	esac
	mk uninstall
	[ ! -e "$T/root/usr/bin/rbusage" ] || fail "make uninstall left rbusage"
	[ ! -e "$T/root/usr/share/man/man1/rbusage.1" ] ||
		fail "make uninstall left rbusage.1"
else
	echo "skip: no $TOP/rbusage or no make; install not checked"
fi
echo ok
