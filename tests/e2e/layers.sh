# The house's floors (doc/HACKING.md, "Layout"): every file of src/ is in
# the map, each includes only files on its own floor or below, and the
# include graph has no circle. So no file calls a file above it.
. "$(dirname "$0")/lib.sh"
python3 - "$TOP" <<'PY' || fail "the include graph breaks the map in doc/HACKING.md"
import glob, os, re, sys
top = sys.argv[1]
floor = {}
for line in open(os.path.join(top, "doc", "HACKING.md")):
    m = re.match(r"\| `([a-z0-9_]+)\.[ch]` \| ([1-4]) \|", line)
    if m:
        floor[m.group(1)] = int(m.group(2))
assert len(floor) > 20, "no map in doc/HACKING.md"
deps, bad = {}, []
for path in sorted(glob.glob(os.path.join(top, "src", "*.[ch]"))):
    mod = os.path.basename(path)[:-2]
    if mod not in floor:
        bad.append("%s is not in the map" % os.path.basename(path))
        continue
    for line in open(path):
        m = re.match(r'#include "([a-z0-9_]+)\.h"', line)
        if not m or m.group(1) == mod:
            continue
        dep = m.group(1)
        deps.setdefault(mod, set()).add(dep)
        if dep not in floor:
            bad.append("%s includes %s.h, which is not in the map" % (path, dep))
        elif floor[dep] > floor[mod]:
            bad.append("%s (floor %d) includes %s.h (floor %d): a call upward"
                       % (os.path.basename(path), floor[mod], dep, floor[dep]))
for mod in floor:
    if not glob.glob(os.path.join(top, "src", mod + ".[ch]")):
        bad.append("the map names %s, which src/ does not have" % mod)
# no circle
state = {}
def visit(m, path):
    if state.get(m) == 1:
        bad.append("a circle: " + " -> ".join(path + [m]))
        return
    if state.get(m) == 2:
        return
    state[m] = 1
    for d in sorted(deps.get(m, ())):
        visit(d, path + [m])
    state[m] = 2
for m in sorted(deps):
    visit(m, [])
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
PY
# and no file over about 800 lines
for f in "$TOP"/src/*.c; do
	n=$(wc -l < "$f")
	[ "$n" -le 880 ] || fail "$(basename "$f") has $n lines (about 800 at most: 10% over is the limit)"
done
echo ok
