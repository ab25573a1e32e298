#!/bin/sh
# Drafters end to end: the fleet keys' types and ranges (lowering), the
# example's llama-server command and plan.json, and the draft's memory in
# `infrac plan` on the GPU it is placed on.
. "$SRC/tests/lib/tap.sh"
cd "$SRC" || exit 1
tmp=$(mktemp -d /tmp/draft-cli.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

ex=examples/4090-5090-drafter.yaml
check_exit 0 "the drafter example checks clean" "$INFRAC" check --werror "$ex"

# the command: the draft's flags, spelled as llama.cpp's common/arg.cpp has them
"$INFRAC" build "$ex" -o "$tmp/out" --print-commands > "$tmp/cmd" 2>&1
want='--spec-draft-model /models/Qwen3-8B-Q4_K_M.gguf --spec-draft-device CUDA1 --spec-draft-ngl all --spec-draft-type-k q8_0 --spec-draft-type-v q8_0 --spec-type draft-simple --spec-draft-n-max 16 --spec-draft-n-min 2'
if grep -qF -- "$want" "$tmp/cmd"; then ok "draft flags in the command"; else fail "draft flags in the command"; sed 's/^/# /' "$tmp/cmd"; fi
if grep -q -- ' --draft\| -md \| -cd ' "$tmp/cmd"; then fail "no removed --draft* flags"; else ok "no removed --draft* flags"; fi

# without spec_type a draft gets --spec-type draft-simple: llama-server's default (none) would load the
# draft and free it again; a spec_type that no draft-model type is in is W0521 at its line
grep -v '^    spec_type' "$ex" > "$tmp/nospec.yaml"
"$INFRAC" build "$tmp/nospec.yaml" -o "$tmp/nospec" --print-commands > "$tmp/nospec.cmd" 2>&1
check "a draft without spec_type drafts: --spec-type draft-simple" grep -qF -- '--spec-type draft-simple' "$tmp/nospec.cmd"
sed 's/^    spec_type: draft-simple/    spec_type: ngram-simple/' "$ex" > "$tmp/ngram.yaml"
"$INFRAC" check --color never "$tmp/ngram.yaml" > "$tmp/ngram.txt" 2>&1
check "a draft with spec_type ngram-simple is W0521 at the spec_type line" \
    sh -c "grep -q 'warning\[W0521\]' '$tmp/ngram.txt' && grep -q \"ngram.yaml:$(grep -n '^    spec_type' "$ex" | cut -d: -f1):\" '$tmp/ngram.txt'"

# plan.json carries the draft
"$INFRAC" plan --format json "$ex" > "$tmp/plan.json"
if python3 - "$tmp/plan.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
s = [x for x in p["services"] if x["name"] == "chat"][0]
d = s["draft"]
assert d["model"] == "qwen3-8b" and d["gpu"] == 1 and d["cache"] == "q8_0", d
assert d["n_max"] == 16 and d["n_min"] == 2 and d["spec_type"] == "draft-simple", d
PY
then ok "plan.json has the draft"; else fail "plan.json has the draft"; fi

# the draft's memory lands on GPU 1 only: compare with the same fleet without it
grep -v '^    draft\|^    spec_' "$ex" > "$tmp/nodraft.yaml"
gpu_total() { "$INFRAC" plan "$1" | awk -v g="GPU $2 " 'index($0, g) { f = 1; next } f && $1 == "chat" { print $NF; exit }'; }
a0=$(gpu_total "$tmp/nodraft.yaml" 0); b0=$(gpu_total "$ex" 0)
a1=$(gpu_total "$tmp/nodraft.yaml" 1); b1=$(gpu_total "$ex" 1)
if [ -n "$a0" ] && [ "$a0" = "$b0" ]; then ok "GPU 0 unchanged by the draft ($a0 GiB)"; else fail "GPU 0 unchanged by the draft ($a0 vs $b0)"; fi
if [ -n "$a1" ] && awk -v a="$a1" -v b="$b1" 'BEGIN { exit !(b > a + 6 && b < a + 8) }'; then
    ok "GPU 1 holds the draft ($a1 -> $b1 GiB: Qwen3-8B Q4_K_M weights + q8_0 KV at 32K)"
else fail "GPU 1 holds the draft ($a1 -> $b1 GiB)"; fi

# each key's type and range, at its position
lower() {
    cat > "$tmp/f.yaml" <<YAML
fleet: t
hosts:
  box:
    gpus: [rtx-4090]
models:
  m:
    path: /m.gguf
    catalog: qwen3-8b
services:
  s:
    host: box
    model: m
    port: 8080
    gpus: [0]
    context: 4096
    draft: m
    $1
YAML
    NO_COLOR=1 "$INFRAC" check --color never "$tmp/f.yaml" 2>&1
}
expect() { # description, key line, code, text
    out=$(lower "$2")
    if echo "$out" | grep -q "f.yaml:17:[0-9]*: error\[$3\]" && echo "$out" | grep -qF -- "$4"; then ok "$1"; else fail "$1"; echo "$out" | sed 's/^/# /'; fi
}
expect "draft_gpu is an integer" "draft_gpu: one" E0202 "draft_gpu"
expect "draft_gpu in range" "draft_gpu: 64" E0203 "draft_gpu"
expect "draft_gpu_layers all or a number" "draft_gpu_layers: most" E0202 "must be \`all\` or an integer"
expect "draft_cache is a llama.cpp cache type" "draft_cache: q9_0" E0204 "q9_0"
expect "spec_draft_n_max at least 1" "spec_draft_n_max: 0" E0203 "spec_draft_n_max"
expect "spec_draft_n_min not negative" "spec_draft_n_min: -1" E0203 "spec_draft_n_min"
expect "spec_type names llama.cpp's types" "spec_type: medusa" E0524 "medusa"
expect "extra_args cannot start an uncounted draft" 'extra_args: ["-md", "/x.gguf"]' E0212 "\`draft\`"
expect "extra_args cannot set the spec type" 'extra_args: ["--spec-type", "ngram-mod"]' E0212 "\`spec_type\`"
out=$(lower "draft_gpu_layers: 10")
if [ -z "$(echo "$out" | grep error)" ]; then ok "a valid draft_gpu_layers checks clean"; else fail "a valid draft_gpu_layers checks clean"; echo "$out" | sed 's/^/# /'; fi

# every refusal of examples/broken/draft.yaml, by code
out=$(NO_COLOR=1 "$INFRAC" check --color never examples/broken/draft.yaml 2>&1)
for c in E0520 E0521 E0522 E0523 E0524 E0525 E0527 E0702; do
    if echo "$out" | grep -q "error\[$c\]"; then ok "broken/draft.yaml reports $c"; else fail "broken/draft.yaml reports $c"; fi
done
for c in E0520 E0521 E0522 E0523 E0524 E0525 E0526 E0527; do
    if "$INFRAC" explain "$c" > "$tmp/explain" 2>&1 && grep -q "^$c: " "$tmp/explain"; then ok "infrac explain $c"; else fail "infrac explain $c"; fi
done
# vLLM: one --speculative-config JSON (vllm/config/speculative.py: method, model,
# num_speculative_tokens), and the draft's memory in vLLM's KV budget
vx=examples/vllm-drafter.yaml
check_exit 0 "the vLLM drafter example checks clean" "$INFRAC" check --werror "$vx"
"$INFRAC" build "$vx" -o "$tmp/vout" --print-commands > "$tmp/vcmd" 2>&1
want="--speculative-config '{\"method\":\"draft_model\",\"model\":\"/models/Qwen3-8B-Q4_K_M.gguf\",\"num_speculative_tokens\":4}'"
if grep -qF -- "$want" "$tmp/vcmd"; then ok "vLLM --speculative-config in the command"; else fail "vLLM --speculative-config in the command"; sed 's/^/# /' "$tmp/vcmd"; fi
grep -v '^    draft\|^    spec_' "$vx" > "$tmp/vnodraft.yaml"
cells() { "$INFRAC" plan --format json "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["services"][0]["memory"]["kv_cells"])'; }
a=$(cells "$tmp/vnodraft.yaml"); b=$(cells "$vx")
if [ -n "$a" ] && [ -n "$b" ] && [ "$b" -lt "$a" ]; then ok "the vLLM draft takes KV tokens ($a -> $b)"; else fail "the vLLM draft takes KV tokens ($a -> $b)"; fi
echo "1..$TAP_N"
