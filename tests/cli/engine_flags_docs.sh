#!/bin/sh
# The flag tables of docs/engine.md (one-shot CLI) and docs/engine-api.md
# (server) are what `infrac-engine --help` prints from the flag table
# (common/infrac_engine_flags.c): the same flags, each with its value word,
# the same defaults, and the usage lines verbatim. A flag added, renamed or
# re-defaulted in the table fails here until the docs follow.
. "$SRC/tests/lib/tap.sh"
if ! command -v python3 >/dev/null 2>&1; then
    fail "python3 is installed (scripts/deps.txt)"
    echo "1..$TAP_N"; exit 0
fi
help=$(mktemp /tmp/engine-help.XXXXXX)
"$INFRAC_ENGINE" --help > "$help" 2>/dev/null
python3 - "$help" "$SRC/docs/engine.md" "$SRC/docs/engine-api.md" <<'PY'
import re, sys

help_text = open(sys.argv[1]).read()
docs = {"oneshot": open(sys.argv[2]).read(), "server": open(sys.argv[3]).read()}
n = 0

def report(good, what):
    global n
    n += 1
    print(("ok" if good else "not ok") + " %d - %s" % (n, what))

# --help: two usages (one-shot first, then the server), each "usage:" lines,
# a summary line, then rows "  NAMES [VALUE]  help..." with continuation lines.
sections = re.split(r"\n(?=usage: )", help_text.strip())
report(len(sections) == 2 and all(sections), "--help prints two usages (one-shot, server)")
parsed = {}
for mode, text in zip(("oneshot", "server"), sections):
    usage = [l for l in text.splitlines() if l.startswith("usage: ") or l.startswith("       infrac-engine")]
    rows, cur = {}, None
    for line in text.splitlines():
        if re.match(r"  -", line):
            words = line[2:].split(" ")
            names, value, i = [], None, 0
            while i < len(words) and words[i].startswith("-"):
                names.append(words[i].rstrip(","))
                i += 1
            if i < len(words) and re.fullmatch(r"[A-Z][A-Z0-9]*", words[i]):
                value = words[i]
                i += 1
            cur = {"value": value, "help": " ".join(words[i:]).strip()}
            rows[tuple(names)] = cur
        elif cur is not None and line.startswith("    "):
            cur["help"] += " " + line.strip()
    for r in rows.values():
        m = re.search(r"\(default ([^):][^)]*)\)$", r["help"])
        r["default"] = m.group(1) if m else None
    parsed[mode] = (usage, rows)

def doc_table(doc, header):
    """Rows of the first markdown table whose header starts with `header`."""
    lines = doc.splitlines()
    for i, l in enumerate(lines):
        if l.startswith(header):
            out = []
            for row in lines[i + 2:]:
                if not row.startswith("|"):
                    break
                out.append([c.strip() for c in re.split(r"(?<!\\)\|", row)[1:-1]])
            return out
    return []

def spans(cell):
    """The flags a first cell documents: each `-a, --alias NAME` span."""
    out = []
    for s in re.findall(r"`([^`]*)`", cell):
        words = s.split(" ")
        names = tuple(w.rstrip(",") for w in words if w.startswith("-"))
        value = next((w for w in words if re.fullmatch(r"[A-Z][A-Z0-9]*", w)), None)
        if names:
            out.append((names, value))
    return out

headers = {"oneshot": "| flag | default |", "server": "| flag | config key | default |"}
where = {"oneshot": "docs/engine.md", "server": "docs/engine-api.md"}
for mode in ("oneshot", "server"):
    usage, rows = parsed[mode]
    doc = docs[mode]
    table = doc_table(doc, headers[mode])
    report(len(table) > 0, "%s has the %s flag table" % (where[mode], mode))
    for u in usage:
        report(u.replace("usage: ", "", 1).strip() in doc, "%s shows the usage line %r" % (where[mode], u.strip()))
    documented = {}
    for cells in table:
        default_cell = cells[-2].replace("`", "").replace("\u00d7", "x")
        for names, value in spans(cells[0]):
            documented[names] = (value, default_cell)
    for names, r in rows.items():
        what = "%s documents %s" % (where[mode], ", ".join(names))
        if names not in documented:
            report(False, what + " (no row whose first cell is `" + ", ".join(names) + "`)")
            continue
        value, default_cell = documented[names]
        report(value == r["value"], what + " with value word %s" % r["value"])
        if r["default"] is not None:
            report(r["default"] in default_cell,
                   "%s: %s defaults to %r as --help says (docs: %r)" % (where[mode], names[-1], r["default"], default_cell))
    for names in documented:
        report(names in rows, "%s: %s is a flag of --help" % (where[mode], ", ".join(names)))
print("1..%d" % n)
PY
rm -f "$help"
