#!/bin/sh
# infrac's front-end commands: the command table, explain, schema, and the
# generated parts of the docs being current.
. "$SRC/tests/lib/tap.sh"
tmp=$(mktemp -d /tmp/front-cli-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

check "--version prints the version" sh -c '"$INFRAC" --version | grep -q "^infrac [0-9]"'
check "--help lists explain and schema" sh -c '"$INFRAC" --help | grep -q "explain" && "$INFRAC" --help | grep -q "schema"'
check_exit 2 "no command is a usage error" "$INFRAC"
"$INFRAC" explian > /dev/null 2> "$tmp/err"; rc=$?
if [ "$rc" -eq 2 ] && grep -q "did you mean 'infrac explain'" "$tmp/err"; then ok "unknown command: exit 2 with did-you-mean"; else fail "unknown command: exit 2 with did-you-mean (exit $rc)"; fi

"$INFRAC" explain E0201 > "$tmp/out"; rc=$?
if [ "$rc" -eq 0 ] && head -1 "$tmp/out" | grep -q "^E0201: unknown key$" && grep -q "Example" "$tmp/out"; then
    ok "explain E0201 prints title and explanation"
else
    fail "explain E0201 prints title and explanation"
fi
check "explain is case-insensitive" sh -c '"$INFRAC" explain w0210 | grep -q "^W0210:"'
"$INFRAC" explain E0299 > /dev/null 2> "$tmp/err"; rc=$?
if [ "$rc" -eq 2 ] && grep -q "did you mean 'E0209'" "$tmp/err"; then ok "unknown code: exit 2 with did-you-mean"; else fail "unknown code: exit 2 with did-you-mean (exit $rc)"; fi
"$INFRAC" explain E0210 > /dev/null 2> "$tmp/err"; rc=$?
if [ "$rc" -eq 2 ] && grep -q "W0210" "$tmp/err"; then ok "E0210 suggests W0210"; else fail "E0210 suggests W0210"; fi
check "explain --list lists every front code" sh -c '[ "$("$INFRAC" explain --list | grep -c "^[EW]0[12]")" -ge 20 ]'

"$INFRAC" schema > "$tmp/schema.json"; rc=$?
if [ "$rc" -eq 0 ] && python3 - "$tmp/schema.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["$schema"].startswith("http://json-schema.org/draft-07/schema")
assert set(s["properties"]) == {"fleet", "defaults", "checks", "engines", "hosts", "models", "services"}, s["properties"].keys()
assert s["required"] == ["fleet"]
assert s["additionalProperties"] is False
svc = s["definitions"]["service"]["properties"]
for k in ["host", "model", "port", "gpus", "cache", "context", "gpu_memory_utilization", "extra_args"]:
    assert k in svc, k
assert svc["port"]["minimum"] == 1 and svc["port"]["maximum"] == 65535
assert "llama.cpp" in svc["engine"]["anyOf"][0]["enum"]  # or a build's name (engines:)
assert s["definitions"]["service"]["required"] == ["host", "model", "port"]
PY
then ok "schema is JSON Schema with every top-level key"; else fail "schema is JSON Schema with every top-level key"; fi

# the schema accepts a fleet using every key and rejects a broken one, as an
# editor using it would (needs python3-jsonschema and python3-yaml)
if python3 -c 'import jsonschema, yaml' 2>/dev/null; then
    python3 - "$tmp/schema.json" "$SRC/tests/golden/front/valid.yaml" "$SRC/tests/golden/front/errors.yaml" > "$tmp/validate" 2>&1 <<'PY'
import json, sys, yaml, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft7Validator.check_schema(schema)
v = jsonschema.Draft7Validator(schema)
good = yaml.safe_load(open(sys.argv[2]))
errs = list(v.iter_errors(good))
assert not errs, [e.message for e in errs]
bad = yaml.safe_load(open(sys.argv[3]))
msgs = [e.message for e in v.iter_errors(bad)]
assert any("prot" in m for m in msgs), msgs
# `engine: llamacpp` is a name a build of engines: could have: E0801 is the compiler's
print("ok")
PY
    if grep -q "^ok$" "$tmp/validate"; then ok "schema validates a full fleet and rejects a broken one"; else fail "schema validates a full fleet and rejects a broken one: $(tail -3 "$tmp/validate")"; fi
else
    skip "schema validates a full fleet and rejects a broken one" "python3 jsonschema/yaml not installed"
fi

# the generated parts of the docs match the tables they come from
"$INFRAC" schema --markdown > "$tmp/ref.md"
sed -n '/^### fleet$/,$p' "$SRC/docs/fleet.md" > "$tmp/doc.md"
if cmp -s "$tmp/ref.md" "$tmp/doc.md"; then ok "docs/fleet.md key reference is current"; else fail "docs/fleet.md key reference is current (infrac schema --markdown)"; fi
"$INFRAC" explain --markdown 01 > "$tmp/codes.md"
"$INFRAC" explain --markdown 02 >> "$tmp/codes.md"
if python3 - "$tmp/codes.md" "$SRC/docs/diagnostics.md" <<'PY'
import sys
gen, doc = open(sys.argv[1]).read(), open(sys.argv[2]).read()
sys.exit(0 if gen in doc else 1)
PY
then ok "docs/diagnostics.md front codes are current"; else fail "docs/diagnostics.md front codes are current (infrac explain --markdown)"; fi
echo "1..$TAP_N"
