# Inspects the Debian package `make deb` built (run by `make deb-check`, a
# CI step of its own: building it twice in make check's two runs would not
# fit the time). The package holds the binary, its manual page and the
# samples as examples; it names its shared libraries; what it installs runs.
# Usage: sh tests/package/deb.sh build-deb/rbusage_VERSION_ARCH.deb
set -eu
deb=$1
[ -f "$deb" ] || { echo "FAIL: no package '$deb'" >&2; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/rbusage-deb.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }

dpkg-deb --info "$deb" > "$T/info"
dpkg-deb --contents "$deb" | awk '{print $1, $2, $NF}' > "$T/contents"
for f in ./usr/bin/rbusage ./usr/share/man/man1/rbusage.1.gz \
	./usr/share/doc/rbusage/copyright ./usr/share/doc/rbusage/README.md.gz \
	./usr/share/doc/rbusage/examples/systemd/rbusage-nightly.service \
	./usr/share/doc/rbusage/examples/systemd/rbusage-nightly.timer \
	./usr/share/doc/rbusage/examples/systemd/rbusage-nightly \
	./usr/share/doc/rbusage/examples/systemd/rbusage-alerts.yml \
	./usr/share/doc/rbusage/examples/cron.txt \
	./usr/share/doc/rbusage/examples/kubernetes/rbusage-job.yaml; do
	grep -q " $f\$" "$T/contents" || fail "$f is not in the package"
done
grep -q '^-rwxr-xr-x root/root \./usr/bin/rbusage$' "$T/contents" ||
	fail "usr/bin/rbusage is not root-owned and 755: $(grep usr/bin "$T/contents")"
if grep -v '^d' "$T/contents" | grep -v ' \./usr/' >/dev/null; then
	fail "files outside /usr: $(grep -v '^d' "$T/contents" | grep -v ' \./usr/')"
fi
grep -q '^ Package: rbusage$' "$T/info" || fail "not the rbusage package"
for lib in libcurl4 libcsv3 zlib1g libc6; do
	grep '^ Depends:' "$T/info" | grep -q "$lib" || fail "Depends lacks $lib: $(grep Depends "$T/info")"
done

# What it installs works: the binary runs and knows its version; the
# manual page renders; the examples are there to read.
dpkg-deb -x "$deb" "$T/root"
"$T/root/usr/bin/rbusage" --version > "$T/out" || fail "the packaged binary does not run"
v=$(dpkg-deb -f "$deb" Version)
[ "$(cat "$T/out")" = "rbusage $v" ] || fail "version: '$(cat "$T/out")' but the package is $v"
"$T/root/usr/bin/rbusage" --help | grep -q -- '--metrics-file' || fail "--help"
if command -v man >/dev/null 2>&1; then
	MANWIDTH=200 man -l "$T/root/usr/share/man/man1/rbusage.1.gz" 2>"$T/err" |
		tr -s ' ' | grep -q 'import metered usage into the Rebilly billing API' ||
		fail "the man page does not render: $(cat "$T/err")"
fi
# the hardening Debian asks for reached the compiler and linker
if command -v readelf >/dev/null 2>&1; then
	readelf -d "$T/root/usr/bin/rbusage" | grep -q 'BIND_NOW' || fail "not linked with -z now"
	readelf -h "$T/root/usr/bin/rbusage" | grep -q 'DYN' || fail "not a PIE"
fi
echo "deb: $(basename "$deb"): $(grep -c . "$T/contents") entries, ok"
