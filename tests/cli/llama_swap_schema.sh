#!/bin/sh
# infrac build for a host with `llama_swap:`: its config.yaml against
# llama-swap's published JSON Schema (tests/data/ecosystem, MIT) with a real
# validator (ajv from npm, tests/ecosystem), and what the schema cannot say:
# every service a model whose cmd is the engine command line of its unit,
# each model in exactly one group, the exclusive group swapping. Skips,
# loudly, only when the npm registry cannot be reached to install ajv.
. "$SRC/tests/lib/tap.sh"
tmp=$(mktemp -d /tmp/llama-swap-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
dir="$SRC/tests/ecosystem"
schema="$SRC/tests/data/ecosystem/llama-swap-config-schema.json"
"$INFRAC" build "$SRC/examples/llama-swap.yaml" -o "$tmp/out" >/dev/null 2>&1
cfg="$tmp/out/box/etc/llama-swap.yaml"
check "a llama_swap host gets a config.yaml" [ -s "$cfg" ]
check "and its unit" [ -s "$tmp/out/box/systemd/infrac-llama-swap.service" ]
check "the host target starts llama-swap, not the services" \
    sh -c "grep -qx 'Wants=infrac-llama-swap.service' '$tmp/out/box/systemd/infrac-swap-box.target' &&
           ! grep -q 'Wants=infrac-chat.service' '$tmp/out/box/systemd/infrac-swap-box.target'"
# the engines' keys are llama-swap's apiKeys: one per key file, from the
# credentials its unit loads, never written into the config
check "apiKeys: one per distinct key file, by environment variable" \
    sh -c "[ \"\$(sed -n '/^apiKeys:/,/^models:/p' '$cfg' | grep -c 'env.INFRAC_API_KEY_')\" = 2 ]"
check "no key file's path or content in the config" sh -c "! grep -q '/etc/infrac/' '$cfg'"
check "llama-swap's unit loads every engine's key" \
    sh -c "[ \"\$(grep -c '^LoadCredential=[a-z]*\.api-key:/etc/infrac/' '$tmp/out/box/systemd/infrac-llama-swap.service')\" = 3 ]"
check "its script exports each key from its credential" \
    sh -c "grep -q '^INFRAC_API_KEY_1=\$(cat \"\$CREDENTIALS_DIRECTORY/dense.api-key\")' '$tmp/out/box/bin/llama-swap.sh' &&
           grep -qx 'export INFRAC_API_KEY_0' '$tmp/out/box/bin/llama-swap.sh'"
check "an engine started by llama-swap reads its key from llama-swap's credentials" \
    grep -q -- '--api-key-file /run/credentials/infrac-llama-swap.service/moe.api-key' "$cfg"
# a service removed from the fleet is gone from the rebuilt config and tree
awk '/^  dense:/ { skip = 1; next } skip && /^  [a-z]/ { skip = 0 } !skip' "$SRC/examples/llama-swap.yaml" > "$tmp/less.yaml"
"$INFRAC" build "$tmp/less.yaml" -o "$tmp/out" >/dev/null 2>&1
check "rebuilt without dense: no model, member, unit, script or key of it" \
    sh -c "! grep -q dense '$tmp/out/box/etc/llama-swap.yaml' && [ ! -e '$tmp/out/box/systemd/infrac-dense.service' ] &&
           [ ! -e '$tmp/out/box/bin/dense.sh' ] && ! grep -q dense '$tmp/out/box/systemd/infrac-llama-swap.service' &&
           grep -q '^  \"moe\":' '$tmp/out/box/etc/llama-swap.yaml'"
less_cfg="$tmp/less-llama-swap.yaml"
cp "$tmp/out/box/etc/llama-swap.yaml" "$less_cfg"
"$INFRAC" build "$SRC/examples/llama-swap.yaml" -o "$tmp/out" >/dev/null 2>&1
sed 's/port: 8082/port: 9000/' "$SRC/examples/llama-swap.yaml" > "$tmp/clash.yaml"
"$INFRAC" check "$tmp/clash.yaml" > "$tmp/clash.txt" 2>&1
check "a service on llama-swap's port is E0302" grep -q "error\[E0302\]: port 9000 is llama-swap's on host .box." "$tmp/clash.txt"
sed 's/llama_swap: {port: 9000, ttl: 600}/llama_swap: {ttl: 600}/' "$SRC/examples/llama-swap.yaml" > "$tmp/noport.yaml"
"$INFRAC" check "$tmp/noport.yaml" > "$tmp/noport.txt" 2>&1
check "llama_swap without a port is E0206" grep -q 'error\[E0206\]: llama_swap of host `box` has no `port`' "$tmp/noport.txt"
grep -v 'llama_swap: {port: 9000, ttl: 600}' "$SRC/examples/llama-swap.yaml" > "$tmp/noswap.yaml"
"$INFRAC" check "$tmp/noswap.yaml" > "$tmp/noswap.txt" 2>&1
check "swap_ttl on a host without llama-swap is E0820" \
    grep -q 'error\[E0820\]: service .chat. sets .swap_ttl., but host .box. has no llama-swap' "$tmp/noswap.txt"
npm_ready "$dir" "llama-swap schema validation" ajv yaml || { echo "1..$TAP_N"; exit 0; }
out=$(node "$dir/validate.mjs" "$schema" "$cfg" 2>&1)
check "config.yaml valid against llama-swap's schema: $out" [ $? -eq 0 ]
out=$(node "$dir/validate.mjs" "$schema" "$less_cfg" 2>&1)
check "the config rebuilt without a service is valid too: $out" [ $? -eq 0 ]
# a broken config is refused: the validator is not a no-op
printf 'models:\n  a: {cmd: "", ttl: -5}\ngroups:\n  g: {swap: 1}\n' > "$tmp/bad.yaml"
check "a broken config is refused by the validator" sh -c "! node '$dir/validate.mjs' '$schema' '$tmp/bad.yaml' >/dev/null 2>&1"
# cmd = the launch script's exec line (the same argv builder)
cat > "$tmp/cmp.mjs" <<'JS'
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
const require = createRequire(process.argv[4] + "/");
const { parse } = require("yaml");
const cfg = parse(readFileSync(process.argv[2], "utf8"));
const out = process.argv[3];
const fail = (m) => { console.log(m); process.exit(1); };
const names = Object.keys(cfg.models).sort();
if (names.join(",") !== "chat,dense,moe") fail(`models ${names}`);
const seen = {};
for (const [g, v] of Object.entries(cfg.groups)) for (const m of v.members) {
  if (seen[m]) fail(`${m} in two groups`);
  if (!cfg.models[m]) fail(`${m} not a model`);
  seen[m] = g;
}
if (Object.keys(seen).length !== names.length) fail("a model without a group");
if (seen.moe !== "big" || seen.dense !== "big" || cfg.groups.big.swap !== true) fail("big does not swap");
if (cfg.groups["infrac-resident"].swap !== false) fail("the resident group swaps");
for (const n of names) {
  const sh = readFileSync(`${out}/box/bin/${n}.sh`, "utf8");
  const exec = sh.slice(sh.indexOf("\nexec ") + 6).replace(/ \\\n    /g, " ").trim();
  if (exec !== cfg.models[n].cmd) fail(`${n}: cmd ${cfg.models[n].cmd} != exec ${exec}`);
  // chat's swap_ttl: 0 (never unloaded: no ttl); the others the host's 600
  if (cfg.models[n].ttl !== (n === "chat" ? undefined : 600)) fail(`${n}: ttl ${cfg.models[n].ttl}`);
}
console.log("ok");
JS
res=$(node "$tmp/cmp.mjs" "$cfg" "$tmp/out" "$dir/node_modules" 2>&1)
check "each model's cmd is its unit's command line, groups as the fleet's: $res" [ "$res" = ok ]
# `${` in a value: llama-swap would substitute (or fail on) `${name}` in cmd and
# `${env.NAME}` anywhere; the written cmd holds neither, and its POSIX word
# split (as llama-swap's) gives the value back
sed "s|^    api_key_file: /etc/infrac/chat.key|&\n    extra_args: ['--slot-save-path', '/tmp/\${model}']\n    env: {INFRAC_T2: '\${env.HOME}'}|" \
    "$SRC/examples/llama-swap.yaml" > "$tmp/dollar.yaml"
"$INFRAC" build "$tmp/dollar.yaml" -o "$tmp/dollar" >/dev/null 2>&1
cat > "$tmp/cmd.mjs" <<'JS'
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
const require = createRequire(process.argv[3] + "/");
const { parse } = require("yaml");
process.stdout.write(parse(readFileSync(process.argv[2], "utf8")).models.chat.cmd);
JS
dcmd=$(node "$tmp/cmd.mjs" "$tmp/dollar/box/etc/llama-swap.yaml" "$dir/node_modules" 2>&1)
check "a cmd with \${ in its values holds no llama-swap macro: $dcmd" \
    sh -c 'case "$1" in *'"'"'${'"'"'*|"") exit 1;; esac' sh "$dcmd"
words=$(eval "set -- $dcmd"; printf '%s\n' "$@")
check "its word split gives the values back" \
    sh -c 'printf "%s\n" "$1" | grep -qxF "INFRAC_T2=\${env.HOME}" && printf "%s\n" "$1" | grep -qxF "/tmp/\${model}"' sh "$words"
echo "1..$TAP_N"
