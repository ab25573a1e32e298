#!/bin/sh
# Include edges point one way. Every `#include "..."` of common/, compiler/,
# schema/, targets/ and engine/ is resolved (its own directory first, then
# the -I directories of the Makefile) to a module: a top directory, a
# directory under compiler/, and each of compiler/'s own files by name
# (source, service_config, plan with plan_build.h, driver). The module graph must
# have no cycle, and these directions hold by name: diag.h does not include
# driver.h (a diagnostic is below the driver); targets/ includes of the
# compiler only plan.h (every writer reads only the plan); schema/ includes
# nothing of the compiler. A new include against them fails here.
. "$SRC/tests/lib/tap.sh"
out=$(python3 - "$SRC" <<'PY'
import collections, os, re, sys
root = sys.argv[1]
search = ["common", "compiler", "schema", "targets", "engine"]
files = []
for d in search:
    for dp, _, fs in os.walk(os.path.join(root, d)):
        files += [os.path.relpath(os.path.join(dp, f), root) for f in fs if f.endswith((".c", ".h"))]
def resolve(src, inc):
    for c in [os.path.join(os.path.dirname(src), inc)] + [os.path.join(s, inc) for s in search]:
        if os.path.isfile(os.path.join(root, c)):
            return os.path.normpath(c)
    return None
def module(p):
    parts = p.split("/")
    if parts[0] != "compiler":
        return parts[0]
    if len(parts) > 2:
        return "compiler/" + parts[1]
    base = parts[1].split(".")[0]
    if base == "source": return "compiler:source"
    if base.startswith("plan"): return "compiler:plan"
    return "compiler:" + base
edges = collections.defaultdict(set)
why = {}
bad = []
for f in sorted(files):
    for n, line in enumerate(open(os.path.join(root, f), errors="replace"), 1):
        m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
        if not m:
            continue
        t = resolve(f, m.group(1))
        if not t:
            continue
        a, b = module(f), module(t)
        if a != b:
            edges[a].add(b)
            why.setdefault((a, b), "%s:%d includes %s" % (f, n, t))
        if f == "compiler/diag/diag.h" and t == "compiler/driver.h":
            bad.append("%s:%d: diag.h includes driver.h" % (f, n))
        if a == "targets" and b.startswith("compiler") and t != "compiler/plan.h":
            bad.append("%s:%d: a target writer includes %s (writers read only plan.h)" % (f, n, t))
        if a == "schema" and b.startswith("compiler"):
            bad.append("%s:%d: schema/ includes %s" % (f, n, t))
# cycles: depth-first search over the module graph
state, stack = {}, []
def visit(v):
    state[v] = 1
    stack.append(v)
    for w in sorted(edges[v]):
        if state.get(w) == 1:
            cyc = stack[stack.index(w):] + [w]
            bad.append("cycle " + " -> ".join(cyc) + " (" + "; ".join(why[(cyc[i], cyc[i + 1])] for i in range(len(cyc) - 1)) + ")")
        elif not state.get(w):
            visit(w)
    stack.pop()
    state[v] = 2
for v in sorted(list(edges)):
    if not state.get(v):
        visit(v)
for a in sorted(edges):
    print("# %s -> %s" % (a, ", ".join(sorted(edges[a]))))
for b in bad:
    print("BAD " + b)
sys.exit(1 if bad else 0)
PY
)
rc=$?
printf '%s\n' "$out" | sed 's/^BAD /# BAD /'
check "include edges point one way (no module cycle, diag.h below driver.h, targets read only plan.h, schema/ below the compiler)" [ $rc -eq 0 ]
