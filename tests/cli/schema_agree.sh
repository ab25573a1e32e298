#!/bin/sh
# The JSON Schema (`infrac schema`) and the compiler agree: ajv (the npm
# package tests/sarif installs) validates examples/*.yaml and
# examples/broken/*.yaml, converted to JSON by python3's yaml module, and its
# verdict must equal whether `infrac check` reports an error a schema can
# express: an unknown key, a wrong type, a value out of range or not in its
# set, a missing key, a bad name, an unknown GPU (E02xx), or a root that is
# not a mapping (E0112). Files whose YAML has no JSON form (syntax error,
# duplicate key, tag, several documents, unknown alias: E0101..E0111) are
# skipped by name; semantic errors (ports, memory, references) are not a
# schema's to find and count as "schema accepts". Skips, loudly, only when
# the npm registry cannot be reached to install ajv.
. "$SRC/tests/lib/tap.sh"
tmp=$(mktemp -d /tmp/schema-agree-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
dir="$SRC/tests/sarif"
npm_ready "$dir" "fleet schema agrees with infrac check" ajv || exit 0
"$INFRAC" schema >"$tmp/schema.json"
# The known disagreements (issue 10), each a small fleet, with their
# accepted counterparts: NAME|LINE REPLACED|BY
mkdir -p "$tmp/cases"
base='fleet: t
hosts:
  box:
    memory: 64 GiB
    gpus: [rtx-4090, rtx-4090]
models:
  m:
    path: /models/m.gguf
    shape: {arch: llama, layers: 32, embd: 4096, heads: 32, kv_heads: 8, head_dim: 128, ff: 14336, vocab: 128256, ctx_train: 8192, weights: 4.58 GiB}
services:
  chat:
    host: box
    model: m
    port: 8080
    gpus: [0, 1]
    bind: 127.0.0.1'
while IFS='|' read -r name from to; do
    printf '%s\n' "$base" | sed "s|$from|$to|" >"$tmp/cases/$name.yaml"
done <<'CASES'
alias-number|    port: 8080|    port: 8080\n    alias: 123
alias-quoted|    port: 8080|    port: 8080\n    alias: "123"
extra-args-types|    port: 8080|    port: 8080\n    extra_args: [7, true]
extra-args-quoted|    port: 8080|    port: 8080\n    extra_args: ["7", "true", ""]
path-empty|    path: /models/m.gguf|    path: ""
bind-hostname|    bind: 127.0.0.1|    bind: localhost
bind-ipv6|    bind: 127.0.0.1|    bind: "::1"
gpu-unknown|    gpus: \[rtx-4090, rtx-4090\]|    gpus: [rtx-4909, rtx-4090]
gpu-unknown-model|    gpus: \[rtx-4090, rtx-4090\]|    gpus: [{model: rtx-4909}, rtx-4090]
gpus-twice|    gpus: \[0, 1\]|    gpus: [0, 0]
CASES
for f in "$SRC"/examples/*.yaml "$SRC"/examples/broken/*.yaml "$tmp"/cases/*.yaml; do
    name=$(basename "$f" .yaml)
    codes=$("$INFRAC" check --format json "$f" 2>/dev/null | jq -r '[.diagnostics[] | select(.severity == "error") | .code] | unique | join(" ")')
    case " $codes " in
    *" E010"* | *" E0110 "* | *" E0111 "*)
        ok "$name: YAML with no JSON form ($codes), not compared"; continue ;;
    esac
    # E0209 (values inconsistent with each other) and E0204 "not supported
    # by <engine>" are cross-field rules, not a schema's, and so is an unknown
    # cache type, since a build under engines: may declare any name (the
    # schema takes names); a GPU list that repeats an index (E0706 "listed
    # twice") is (uniqueItems)
    errs=$("$INFRAC" check --format json "$f" 2>/dev/null | jq -r '.diagnostics[] | select(.severity == "error")
        | select(((.code | test("^E02|^E0112$")) and .code != "E0209"
                  and (.code != "E0204" or (.message | test("not supported by|^unknown (cache|k|v) ") | not)))
                 or (.code == "E0706" and (.message | test("listed twice")))) | .code')
    if [ -n "$errs" ]; then want=reject; else want=accept; fi
    if ! python3 -c 'import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), open(sys.argv[2], "w"))' "$f" "$tmp/$name.json" 2>"$tmp/conv.err"; then
        fail "$name: python3 yaml could not convert it: $(tail -1 "$tmp/conv.err")"; continue
    fi
    out=$(node "$dir/validate.mjs" "$tmp/schema.json" "$tmp/$name.json" 2>&1)
    if [ $? -eq 0 ]; then got=accept; else got=reject; fi
    if [ "$got" = "$want" ]; then ok "$name: schema and infrac check both ${want} (${codes:-no errors})"
    else fail "$name: schema ${got}s, infrac check ${want}s (${codes:-no errors}): $out"; fi
done
