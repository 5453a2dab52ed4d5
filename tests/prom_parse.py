#!/usr/bin/env python3
"""A strict parser of Prometheus' text exposition format (version 0.0.4), as
node_exporter's textfile collector reads it; standard library only.

    python3 tests/prom_parse.py FILE   prints the samples as JSON lines,
                                       or "FILE:LINE: why" and exits 1

Strict where the format and the collector are: UTF-8, every line ends with a
newline, metric and label names by their grammar, label values with only the
escapes \\\\ \\" \\n, values as Go's ParseFloat reads them, at most one HELP and
one TYPE per family and before its samples, a family's samples in one group,
no series twice, no label twice in one series, and a family's samples named
for its type (a gauge's samples carry its own name).
"""
import json
import re
import sys

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
FLOAT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$|[+-]?(Inf|inf)$|NaN$")
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")


class ParseError(Exception):
    pass


def _labels(s, pos, lineno):
    """Parses {a="x",b="y"} at s[pos] == '{'; returns (dict, next pos)."""
    labels = {}
    pos += 1
    while True:
        if s[pos:pos + 1] == "}":
            return labels, pos + 1
        m = LABEL.match(s, pos)
        if not m:
            raise ParseError("%d: bad label name at %r" % (lineno, s[pos:pos + 20]))
        name = m.group(0)
        pos = m.end()
        if s[pos:pos + 2] != '="':
            raise ParseError("%d: expected =\" after label %s" % (lineno, name))
        pos += 2
        value = []
        while True:
            if pos >= len(s):
                raise ParseError("%d: unterminated label value" % lineno)
            c = s[pos]
            if c == "\\":
                e = s[pos + 1:pos + 2]
                if e not in ('\\', '"', "n"):
                    raise ParseError("%d: bad escape \\%s in label %s" % (lineno, e, name))
                value.append("\n" if e == "n" else e)
                pos += 2
            elif c == '"':
                pos += 1
                break
            elif c == "\n":
                raise ParseError("%d: newline in label value" % lineno)
            else:
                value.append(c)
                pos += 1
        if name in labels:
            raise ParseError("%d: label %s twice" % (lineno, name))
        if name.startswith("__"):
            raise ParseError("%d: label %s is reserved" % (lineno, name))
        labels[name] = "".join(value)
        if s[pos:pos + 1] == ",":
            pos += 1
        elif s[pos:pos + 1] != "}":
            raise ParseError("%d: expected , or } after label %s" % (lineno, name))


def _help(s, lineno):
    """A HELP text: only \\\\ and \\n are escapes."""
    out, i = [], 0
    while i < len(s):
        if s[i] == "\\":
            e = s[i + 1:i + 2]
            if e not in ("\\", "n"):
                raise ParseError("%d: bad escape \\%s in HELP" % (lineno, e))
            out.append("\n" if e == "n" else "\\")
            i += 2
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def _value(tok, lineno):
    if not FLOAT.match(tok):
        raise ParseError("%d: bad value %r" % (lineno, tok))
    return float(tok)


def _family_of(sample, types):
    """The family a sample belongs to: itself, or a histogram/summary base."""
    for suffix in ("_bucket", "_count", "_sum"):
        if sample.endswith(suffix):
            base = sample[: -len(suffix)]
            if types.get(base) in ("histogram", "summary"):
                return base
    return sample


def parse(data):
    """data: bytes. Returns {family: {"type", "help", "samples": [(name,
    labels, value, timestamp)]}}; raises ParseError naming the line."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ParseError("0: not UTF-8 (%s)" % e)
    if text and not text.endswith("\n"):
        raise ParseError("%d: the last line has no newline" % (text.count("\n") + 1))
    families, types, helps = {}, {}, {}
    done = set()      # families whose group of samples has ended
    current = None
    seen = set()
    for lineno, line in enumerate(text.split("\n")[:-1], 1):
        if line.strip() == "":
            continue
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                name = parts[2]
                if not NAME.fullmatch(name):
                    raise ParseError("%d: bad metric name %r" % (lineno, name))
                rest = parts[3] if len(parts) > 3 else ""
                table = helps if parts[1] == "HELP" else types
                if name in table:
                    raise ParseError("%d: second %s for %s" % (lineno, parts[1], name))
                if name in families and families[name]["samples"]:
                    raise ParseError("%d: %s for %s after its samples" % (lineno, parts[1], name))
                if parts[1] == "TYPE":
                    if rest not in TYPES:
                        raise ParseError("%d: unknown type %r" % (lineno, rest))
                    types[name] = rest
                else:
                    helps[name] = _help(rest, lineno)
                f = families.setdefault(name, {"type": "untyped", "help": None, "samples": []})
                f["type"] = types.get(name, "untyped")
                f["help"] = helps.get(name)
                if current is not None and current != name:
                    done.add(current)
                current = name
            continue
        m = NAME.match(line)
        if not m:
            raise ParseError("%d: bad metric name at %r" % (lineno, line[:30]))
        sample = m.group(0)
        pos = m.end()
        labels = {}
        if line[pos:pos + 1] == "{":
            labels, pos = _labels(line, pos, lineno)
        if line[pos:pos + 1] != " ":
            raise ParseError("%d: expected a space before the value" % lineno)
        toks = line[pos + 1:].split(" ")
        if not 1 <= len(toks) <= 2 or "" in toks:
            raise ParseError("%d: expected a value and an optional timestamp" % lineno)
        value = _value(toks[0], lineno)
        ts = None
        if len(toks) == 2:
            if not re.fullmatch(r"-?\d+", toks[1]):
                raise ParseError("%d: bad timestamp %r" % (lineno, toks[1]))
            ts = int(toks[1])
        fam = _family_of(sample, types)
        if fam in done:
            raise ParseError("%d: samples of %s are not in one group" % (lineno, fam))
        if current is not None and current != fam:
            done.add(current)
        current = fam
        key = (sample, tuple(sorted(labels.items())))
        if key in seen:
            raise ParseError("%d: series %s%s twice" % (lineno, sample, labels))
        seen.add(key)
        f = families.setdefault(fam, {"type": types.get(fam, "untyped"),
                                      "help": helps.get(fam), "samples": []})
        if f["type"] in ("gauge", "counter", "untyped") and sample != fam:
            raise ParseError("%d: %s is no sample name of %s %s" % (lineno, sample, f["type"], fam))
        if f["type"] == "histogram" and sample == fam:
            raise ParseError("%d: a histogram sample needs _bucket, _sum or _count" % lineno)
        f["samples"].append((sample, labels, value, ts))
    return families


def main(argv):
    if len(argv) != 2:
        sys.exit(__doc__)
    try:
        fams = parse(open(argv[1], "rb").read())
    except ParseError as e:
        print("%s:%s" % (argv[1], e), file=sys.stderr)
        return 1
    for name, f in fams.items():
        for sample, labels, value, ts in f["samples"]:
            print(json.dumps({"family": name, "type": f["type"], "name": sample,
                              "labels": labels, "value": value}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
