#!/bin/sh
# infrac's SARIF against the SARIF 2.1.0 JSON Schema (tests/data/sarif) with a
# real validator (ajv from npm), for paths with spaces, '#', '%', UTF-8, an
# absolute path and stdin, and results with and without a line. Skips, loudly,
# only when the npm registry cannot be reached to install ajv.
. "$SRC/tests/lib/tap.sh"
tmp=$(mktemp -d /tmp/sarif-schema-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
dir="$SRC/tests/sarif"
npm_ready "$dir" "SARIF schema validation" ajv-draft-04 || exit 0
schema="$SRC/tests/data/sarif/sarif-2.1.0-rtm.5.json"
mkdir -p "$tmp/a b#c%d/é"
cp "$SRC/examples/broken/port-conflict.yaml" "$tmp/a b#c%d/é/port conflict.yaml"
cp "$SRC/examples/broken/port-conflict.yaml" "$tmp/rel #1.yaml"
"$INFRAC" check --format sarif "$tmp/a b#c%d/é/port conflict.yaml" >"$tmp/abs.sarif"
(cd "$tmp" && "$INFRAC" check --format sarif "rel #1.yaml") >"$tmp/rel.sarif"
"$INFRAC" check --format sarif - <"$SRC/examples/broken/port-conflict.yaml" >"$tmp/stdin.sarif"
"$INFRAC" check --format sarif "$tmp/missing.yaml" >"$tmp/noline.sarif"
"$INFRAC" check --format sarif "$SRC/examples/demo.yaml" >"$tmp/clean.sarif"
for f in abs rel stdin noline clean; do
    out=$(node "$dir/validate.mjs" "$schema" "$tmp/$f.sarif" 2>&1)
    check "SARIF ($f) valid against the 2.1.0 schema: $out" [ $? -eq 0 ]
done
jqq() { jq -e "$@" >/dev/null; }
check "absolute path: a percent-encoded file:// URI" \
    jqq '.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri | test("^file:///.*/a%20b%23c%25d/%C3%A9/port%20conflict\\.yaml$")' "$tmp/abs.sarif"
check "relative path: a percent-encoded relative reference" \
    jqq '.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri == "rel%20%231.yaml"' "$tmp/rel.sarif"
check "driver has a version" jqq '.runs[0].tool.driver.version | test("^[0-9]+\\.[0-9]+")' "$tmp/abs.sarif"
check "every result has partialFingerprints" jqq '[.runs[0].results[] | .partialFingerprints["infrac/v1"] | test("^[0-9a-f]{64}$")] | all' "$tmp/abs.sarif"
check "a result with no line has no region" jqq '.runs[0].results[0].locations[0].physicalLocation | has("region") | not' "$tmp/noline.sarif"
# the fingerprint does not move when the fleet gains lines above the result
{ echo "# a comment"; echo "# another"; cat "$tmp/rel #1.yaml"; } >"$tmp/moved.yaml"
cp "$tmp/moved.yaml" "$tmp/rel #1.yaml"
(cd "$tmp" && "$INFRAC" check --format sarif "rel #1.yaml") >"$tmp/moved.sarif"
check "partialFingerprints survive lines moving" sh -c \
    "[ \"\$(jq -c '[.runs[0].results[].partialFingerprints]' '$tmp/rel.sarif')\" = \"\$(jq -c '[.runs[0].results[].partialFingerprints]' '$tmp/moved.sarif')\" ]"
