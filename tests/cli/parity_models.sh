#!/bin/sh
# Model parity with real llama.cpp (node-llama-cpp's prebuilt CPU binding)
# for every architecture x weight type x tokenizer that infrac-mkmodel
# makes: prompt and corpus tokenization identical, next-token
# probabilities within 1e-4 (F32 weights) or 1e-2 (F16, BF16 and quantized
# weights), 32 greedy tokens identical (F32, F16 weights).
# F32/F16/BF16 models run with an F32 KV cache on both sides (llama.cpp's
# CPU backend rounds Q and the attention weights to F16 when the cache is
# F16; infrac keeps them F32, so the default F16 cache differs by ~1e-4);
# quantized models run with the default F16 cache on both sides.
# The probabilities are checked again with the engine held to each of
# PARITY_ISAS (default "avx2 avxvnni", INFRAC_ENGINE_ISA values), so the
# AVX2 kernels are held to llama.cpp on an AVX-512 machine too.
# PARITY_TYPES / PARITY_ARCHS / PARITY_TOKENIZERS narrow the matrix;
# PARITY_ONLY (a grep pattern on the case names) picks cases.
. "$SRC/tests/lib/tap.sh"
. "$SRC/tests/parity/lib.sh"
P="$SRC/tests/parity"
parity_setup "model parity with llama.cpp" || exit 0

tmp=$(mktemp -d /tmp/parity-models.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
printf '%s' "Hello, world! I'm sure you've heard they'll say it's fine. Café naïve 日本語 😀 1234567 x86_64 <|im_start|>user" > "$tmp/prompt.txt"
printf '%s' "$(cat "$P/corpus.txt")" > "$tmp/corpus.txt" # as "$(cat ...)" passes it

# The cases, one a line: name, arch, type, tokenizer, extra maker arguments,
# then after " -- " extra infrac-engine arguments.
# The matrix, then variants for what one default model does not reach:
# linear RoPE scaling (gemma3 applies it to its global layers only), every
# layer sliding, the per-layer pattern array, final logit soft-capping, one
# chosen expert, all experts chosen; gemma4 with per-layer KV head counts,
# V taken from K (no attn_v) and layer_output_scale, a sliding ring with
# heads wider than the global layers', linear scaling of its global layers,
# gemma4's mixture of experts beside its dense FFN (2 of 8, all 4, 1 of 16),
# with gate and up fused in one ffn_gate_up_exps (as convert_hf_to_gguf writes),
# and gemma4 with its own tokenizer (tokenizer.ggml.model "gemma4").
: > "$tmp/cases"
for arch in ${PARITY_ARCHS:-llama qwen2 qwen3 qwen3moe gemma3 gemma4}; do
for type in ${PARITY_TYPES:-f32 f16 bf16 q8_0 q4_0 q4_k q5_k q6_k q4_k_m}; do
for tok in ${PARITY_TOKENIZERS:-spm bpe}; do
    # gemma4: heads of 32 (sliding) and 64 (global) values, nearer the real
    # models' 256 / 512 than the maker's default 8 / 16 (on those llama.cpp
    # now and then returned NaN for the quantized files)
    g4=; [ "$arch" = gemma4 ] && g4=" --head-dim 64 --head-dim-swa 32"
    echo "$arch-$type-$tok $arch $type $tok$g4" >> "$tmp/cases"
done
done
done
if [ -z "${PARITY_ARCHS:-}${PARITY_TYPES:-}${PARITY_TOKENIZERS:-}" ]; then
    cat >> "$tmp/cases" <<'EOF'
gemma3-ropescale gemma3 f32 bpe --rope-scale 8 --layers 3 --swa-pattern 3
llama-ropescale llama f32 spm --rope-scale 4
gemma3-allswa gemma3 f16 spm --swa 5 --swa-pattern 0
gemma3-softcap gemma3 f32 spm --logit-softcap 2
gemma3-swalayers gemma3 f32 bpe --layers 4 --swa 6 --swa-layers 0,1,1,0
gemma3-swaring gemma3 f32 bpe --layers 3 --swa 8 --swa-pattern 3 -- --batch 5 --context 512
gemma3-swaring16 gemma3 f16 spm --swa 16 -- --batch 7 --context 300
gemma4-kvheads gemma4 f32 bpe --layers 4 --swa-layers 1,0,1,1 --kv-heads-swa 4 --logit-softcap 3
gemma4-keqv gemma4 f16 spm --layers 3 --k-eq-v --out-scale --swa 5
gemma4-swaring gemma4 f32 spm --layers 3 --swa 6 --swa-pattern 3 --head-dim-swa 32 --kv-heads 1 -- --batch 5 --context 512
gemma4-ropescale gemma4 f32 bpe --rope-scale 4 --out-scale
gemma4-moe gemma4 f32 bpe --moe --experts 8 --experts-used 2 --ff-exp 64 --layers 3 --out-scale
gemma4-moe16 gemma4 f16 spm --moe --experts 4 --experts-used 4 --ff-exp 32 --kv-heads-swa 4
gemma4-moeq8 gemma4 q8_0 bpe --moe --experts 16 --experts-used 1 --ff-exp 64 --head-dim 64 --head-dim-swa 32
gemma4-moefused gemma4 f32 spm --moe --fused-exps --experts 8 --experts-used 3 --ff-exp 64 --layers 3
gemma4-moefusedq4 gemma4 q4_0 bpe --moe --fused-exps --experts 8 --experts-used 2 --ff-exp 64 --head-dim 64 --head-dim-swa 32
gemma4-tokg4 gemma4 f32 gemma4 --head-dim 64 --head-dim-swa 32
gemma4-tokg4moeq8 gemma4 q8_0 gemma4 --moe --experts 8 --experts-used 2 --ff-exp 64 --head-dim 64 --head-dim-swa 32
qwen3moe-top1 qwen3moe f32 bpe --experts 16 --experts-used 1 --ff-exp 64
qwen3moe-all qwen3moe f16 spm --experts 4 --experts-used 4 --layers 3
EOF
fi
# (sliding layers keep a ring of window + batch cells: a small --batch and
# a prompt longer than the window make it wrap)
if [ -n "${PARITY_ONLY:-}" ]; then
    grep -e "$PARITY_ONLY" "$tmp/cases" > "$tmp/cases.only"
    mv "$tmp/cases.only" "$tmp/cases"
fi

# Every model first, then one llama.cpp process for all of them.
echo "[" > "$tmp/jobs.json"
sep=
while read -r name arch type tok extra <&3; do
    extra=${extra%%-- *}
    m="$tmp/$name"
    # K-quants need rows of whole 256-blocks (else the maker falls back to q8_0).
    case $type in q4_k|q5_k|q6_k|q4_k_m) dims="--embd 256 --ff 512" ;; *) dims= ;; esac
    # shellcheck disable=SC2086
    if ! "$INFRAC_MKMODEL" -o "$m.gguf" --arch "$arch" --type "$type" --tokenizer "$tok" --seed 7 $dims $extra >"$tmp/err" 2>&1; then
        fail "$name: infrac-mkmodel failed: $(head -2 "$tmp/err" | tr '\n' ' ')"
        continue
    fi
    kv=null; [ -n "${PARITY_KV_F32:-}" ] && kv='"F32"'

    printf '%s{"model":"%s.gguf","kv":%s,"out":"%s.ref.json"}\n' "$sep" "$m" "$kv" "$m" >> "$tmp/jobs.json"
    sep=,
done 3< "$tmp/cases"
echo "]" >> "$tmp/jobs.json"
if ! node "$P/modelref.mjs" "$tmp/jobs.json" "$tmp/prompt.txt" "$tmp/corpus.txt" 32 2>"$tmp/err"; then
    fail "llama.cpp reference run failed: $(tail -3 "$tmp/err" | tr '\n' ' ')"
    exit 0
fi

while read -r case arch type tok extra <&3; do
    engine_extra=
    case " $extra" in *" -- "*) engine_extra=${extra#*-- } ;; esac
    name=$(echo "$case" | tr - /)
    m="$tmp/$case.gguf"
    [ -f "$m" ] || continue
    kvargs=$engine_extra; [ -n "${PARITY_KV_F32:-}" ] && kvargs="$kvargs --cache-k f32 --cache-v f32"
    limit=1e-2; [ "$type" = f32 ] && limit=1e-4
    ref="$tmp/$case.ref.json"
    if grep -q '"error"' "$ref" 2>/dev/null || [ ! -s "$ref" ]; then
        fail "$name: llama.cpp reference failed: $(head -c 300 "$ref" 2>/dev/null)"
        continue
    fi
    ids=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).prompt_tokens.join(","))' "$ref")
    prompt_ids=$("$INFRAC_ENGINE" --model "$m" --prompt "$(cat "$tmp/prompt.txt")" --tokenize 2>&1)
    corpus_ids=$("$INFRAC_ENGINE" --model "$m" --prompt "$(cat "$tmp/corpus.txt")" --tokenize 2>&1)
    rm -f "$tmp/probs.json"
    # shellcheck disable=SC2086
    "$INFRAC_ENGINE" --model "$m" --tokens "$ids" -n 1 --dump-probs "$tmp/probs.json" $kvargs >/dev/null 2>"$tmp/err" ||
        echo "# $name: --dump-probs: $(head -2 "$tmp/err")"
    set --
    case $type in
        f32|f16)
            # shellcheck disable=SC2086
            set -- "$("$INFRAC_ENGINE" --model "$m" --tokens "$ids" -n 32 --greedy-ids $kvargs 2>&1)" ;;
    esac
    node "$P/compare.mjs" model "$ref" "$prompt_ids" "$corpus_ids" "$tmp/probs.json" "$limit" "$@" > "$tmp/cmp" 2>&1
    [ -s "$tmp/cmp" ] || echo "not ok	comparison printed nothing" > "$tmp/cmp"
    while IFS='	' read -r status what; do
        if [ "$status" = ok ]; then ok "$name: $what"; else fail "$name: $what"; fi
    done < "$tmp/cmp"
    # The same probabilities from the lower kernel sets (INFRAC_ENGINE_ISA;
    # on a CPU without one the engine takes the best it has).
    for isa in ${PARITY_ISAS-avx2 avxvnni}; do
        rm -f "$tmp/probs.json"
        # shellcheck disable=SC2086
        INFRAC_ENGINE_ISA=$isa "$INFRAC_ENGINE" --model "$m" --tokens "$ids" -n 1 --dump-probs "$tmp/probs.json" $kvargs \
            >/dev/null 2>"$tmp/err" || echo "# $name ($isa): --dump-probs: $(head -2 "$tmp/err")"
        node "$P/compare.mjs" model "$ref" "$prompt_ids" "$corpus_ids" "$tmp/probs.json" "$limit" 2>&1 |
            grep "next-token probabilities" > "$tmp/cmp"
        [ -s "$tmp/cmp" ] || echo "not ok	next-token probabilities: comparison printed nothing" > "$tmp/cmp"
        while IFS='	' read -r status what; do
            if [ "$status" = ok ]; then ok "$name ($isa): $what"; else fail "$name ($isa): $what"; fi
        done < "$tmp/cmp"
    done
done 3< "$tmp/cases"
