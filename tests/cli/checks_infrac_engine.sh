#!/bin/sh
# `infrac check` on an `engine: infrac` service says when infrac-engine
# would refuse the model at load, with the engine's own reason (E0516):
# a RoPE scaling type it does not implement read from the GGUF header, an
# architecture it does not run from a declared shape, gemma4's per-layer
# embeddings; the same model under llama.cpp, and models the engine runs (a
# gemma4 MoE among them), check clean.
. "$SRC/tests/lib/tap.sh"
tmp=$(mktemp -d /tmp/checks-infrac-engine.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

"$INFRAC_MKMODEL" -o "$tmp/yarn.gguf" --arch qwen3 --meta rope.scaling.type=yarn --meta rope.scaling.factor=4 --header-only
"$INFRAC_MKMODEL" -o "$tmp/plain.gguf" --arch qwen3 --header-only
"$INFRAC_MKMODEL" -o "$tmp/g4ple.gguf" --arch gemma4 --meta embedding_length_per_layer_input=256 --header-only
"$INFRAC_MKMODEL" -o "$tmp/g4.gguf" --arch gemma4 --layers 4 --kv-heads-swa 4 --moe --ff-exp 64 --header-only
fleet() { # engine, model lines
    cat > "$tmp/f.yaml" <<YAML
fleet: t
hosts:
  box:
    memory: 16 GiB
models:
  m:
$2
services:
  s:
    engine: $1
    host: box
    model: m
    port: 9000
YAML
}

fleet infrac "    path: /srv/m.gguf
    gguf: yarn.gguf"
"$INFRAC" check "$tmp/f.yaml" > "$tmp/out" 2>&1
rc=$?
if [ $rc -ne 0 ] && grep -q "E0516" "$tmp/out" &&
   grep -qF "infrac-engine cannot run model \`m\` of service \`s\`: metadata key qwen3.rope.scaling.type is 'yarn'" "$tmp/out"; then
    ok "yarn RoPE scaling under engine: infrac is E0516, naming the key and value"
else fail "yarn RoPE scaling under engine: infrac is E0516 (rc $rc)"; sed 's/^/# /' "$tmp/out"; fi

fleet llama.cpp "    path: /srv/m.gguf
    gguf: yarn.gguf"
if "$INFRAC" check "$tmp/f.yaml" > "$tmp/out" 2>&1 && ! grep -q E0516 "$tmp/out"; then
    ok "the same model under llama.cpp checks clean"
else fail "the same model under llama.cpp checks clean"; sed 's/^/# /' "$tmp/out"; fi

fleet infrac "    path: /srv/m.gguf
    gguf: plain.gguf"
if "$INFRAC" check "$tmp/f.yaml" > "$tmp/out" 2>&1 && ! grep -q E0516 "$tmp/out"; then
    ok "a model infrac-engine runs checks clean"
else fail "a model infrac-engine runs checks clean"; sed 's/^/# /' "$tmp/out"; fi

fleet infrac "    path: /srv/m.gguf
    shape: {arch: phi3, layers: 2, embd: 64, heads: 4, ctx_train: 2048, weights: 200 KiB}"
"$INFRAC" check "$tmp/f.yaml" > "$tmp/out" 2>&1
if grep -qF "infrac-engine cannot run model \`m\` of service \`s\`: architecture 'phi3' is not supported by infrac-engine (supported: llama," "$tmp/out"; then
    ok "a declared architecture the engine does not run is E0516"
else fail "a declared architecture the engine does not run is E0516"; sed 's/^/# /' "$tmp/out"; fi
fleet infrac "    path: /srv/m.gguf
    gguf: g4ple.gguf"
"$INFRAC" check "$tmp/f.yaml" > "$tmp/out" 2>&1
if grep -q "E0516" "$tmp/out" &&
   grep -qF "metadata key gemma4.embedding_length_per_layer_input is 256: infrac-engine does not implement" "$tmp/out"; then
    ok "gemma4's per-layer embeddings under engine: infrac are E0516"
else fail "gemma4's per-layer embeddings under engine: infrac are E0516"; sed 's/^/# /' "$tmp/out"; fi

fleet infrac "    path: /srv/m.gguf
    gguf: g4.gguf"
if "$INFRAC" check "$tmp/f.yaml" > "$tmp/out" 2>&1 && ! grep -q E0516 "$tmp/out"; then
    ok "a gemma4 MoE with per-layer KV heads checks clean under engine: infrac"
else fail "a gemma4 MoE checks clean under engine: infrac"; sed 's/^/# /' "$tmp/out"; fi
echo "1..$TAP_N"
