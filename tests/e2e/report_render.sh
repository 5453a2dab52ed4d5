# The HTML report renders in a real browser, offline: headless Chromium takes
# a screenshot of it, and the picture is not blank. Skipped (with a message)
# where Chromium is not installed.
. "$(dirname "$0")/lib.sh"
chrome=""
for c in chromium chromium-browser google-chrome; do
	command -v "$c" >/dev/null 2>&1 && { chrome=$(command -v "$c"); break; }
done
if [ -z "$chrome" ]; then
	echo "SKIP: no Chromium here; the HTML is still checked by report.sh"
	exit 0
fi
cd "$T"
run "$RBUSAGE" report "$DATA/report-log.jsonl" --html page.html
expect_rc 0
# --disable-background-networking etc.: the page must need no network at all.
timeout 60 "$chrome" --headless --no-sandbox --disable-gpu --disable-quic \
	--no-first-run --disable-background-networking --disable-component-update \
	--disable-sync --user-data-dir="$T/profile" --window-size=900,1400 \
	--screenshot="$T/shot.png" "file://$T/page.html" >chrome.log 2>&1 ||
	fail "chromium failed: $(tail -3 chrome.log)"
python3 - "$T/shot.png" <<'PY' || fail "the screenshot is blank or not a PNG"
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
w, h = struct.unpack(">II", data[16:24])
assert w >= 800 and h >= 1000, (w, h)
# decode the IDAT stream and count distinct row patterns: a blank page has one
pos, idat = 8, b""
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    if kind == b"IDAT":
        idat += data[pos + 8:pos + 8 + n]
    pos += 12 + n
raw = zlib.decompress(idat)
stride = len(raw) // h
rows = {raw[i * stride + 1:(i + 1) * stride] for i in range(h)}
assert len(rows) > 50, "only %d distinct rows of pixels: nothing rendered" % len(rows)
PY
echo ok
