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
