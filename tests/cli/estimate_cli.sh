#!/bin/sh
# infrac estimate through the real binary: JSON fields, text table, bad
# flags, on the header-only reference GGUF in tests/data/reference.
. "$SRC/tests/lib/tap.sh"
tmp=$(mktemp -d /tmp/estimate-cli.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
gguf="$SRC/tests/data/reference/qwen3-8b.gguf"

"$INFRAC" estimate --help > "$tmp/help" 2>&1
check "estimate --help names --gguf" grep -q -- "--gguf" "$tmp/help"
check "reference GGUF is in the repo" [ -r "$gguf" ]

"$INFRAC" estimate --gguf "$gguf" --context 32768 --format json > "$tmp/out.json"
check "json output exits 0" [ $? -eq 0 ]
# measured: 9398 MiB on an H200 (qwen3-8b, ctx 32768, f16 cache, FA on)
total=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["gpus"][0]["total_mib"])' "$tmp/out.json" 2>/dev/null)
check ".gpus[0].total_mib within 5% above the measured 9398 MiB (got $total)" \
    [ "${total:-0}" -ge 9398 -a "${total:-0}" -le 9868 ]
host=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["host"]["total_mib"])' "$tmp/out.json" 2>/dev/null)
check ".host.total_mib present (got $host)" [ "${host:-0}" -gt 0 ]

"$INFRAC" estimate --gguf "$gguf" --tensor-split 1,1 --gpu rtx-4090 > "$tmp/out.txt"
text_ok() { grep -q "GPU 1" "$1" && grep -q "host RAM" "$1" && grep -q "fits rtx-4090" "$1"; }
check "text output names both GPUs and host RAM" text_ok "$tmp/out.txt"

"$INFRAC" estimate --gguf "$gguf" --context 32768 --format json > "$tmp/again.json"
check "same input, same bytes" cmp -s "$tmp/out.json" "$tmp/again.json"

check_exit 2 "unknown flag exits 2" "$INFRAC" estimate --gguf "$gguf" --frobnicate 2>/dev/null
check_exit 2 "bad number exits 2" "$INFRAC" estimate --gguf "$gguf" --context twelve 2>/dev/null
host_mib() { "$INFRAC" estimate --gguf "$gguf" --format json "$@" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["host"]["other_mib"])'; }
check "--cache-ram sets the prompt cache counted in host RAM (8192 MiB by default, 0 = off)" \
    [ "$(host_mib)" = 8192 -a "$(host_mib --cache-ram 512)" = 512 -a "$(host_mib --cache-ram 0)" = 0 ]
scratch() { "$INFRAC" estimate --gguf "$gguf" --engine infrac --gpus 0 --format json "$@" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["host"]["compute_mib"])'; }
check "--threads sizes infrac-engine's per-thread scratch (fewer threads, less)" \
    [ "$(scratch --threads 4)" -lt "$(scratch)" ]
check_exit 2 "--cache-ram for vLLM exits 2" "$INFRAC" estimate --gguf "$gguf" --engine vllm --cache-ram 1 2>/dev/null
check_exit 2 "--threads for llama.cpp exits 2" "$INFRAC" estimate --gguf "$gguf" --threads 4 2>/dev/null
check_exit 2 "unknown GPU exits 2" "$INFRAC" estimate --gguf "$gguf" --gpu rtx-9999 2>/dev/null
check_exit 2 "missing file exits 2" "$INFRAC" estimate --gguf "$tmp/none.gguf" 2>/dev/null
head -c 1000 "$gguf" > "$tmp/cut.gguf"
"$INFRAC" estimate --gguf "$tmp/cut.gguf" > /dev/null 2> "$tmp/err"
rc=$?
check "truncated GGUF exits 2 with a message" [ $rc -eq 2 -a -s "$tmp/err" ]

# a draft model (--draft) on one GPU: the target's GPU 0 unchanged, GPU 1
# gains exactly the draft's own estimate at the target's context; the same
# code path as `infrac check` (the estimator's request carries the draft)
big="$SRC/tests/data/reference/qwen3-14b.gguf"
est() { "$INFRAC" estimate --format json "$@" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(" ".join(str(g["total_mib"]) for g in d["gpus"]))'; }
base=$(est --gguf "$big" --context 16384 --gpus 2)
with=$(est --gguf "$big" --context 16384 --gpus 2 --draft "$gguf" --draft-gpu 1 --draft-cache q8_0)
alone=$(est --gguf "$gguf" --context 16384 --gpus 1 --cache-k q8_0 --cache-v q8_0)
draft_ok() {
    set -- $base $with $alone
    # GPU 0 the same; GPU 1 grows by the draft's estimate minus its CUDA overhead (600 MiB, counted once)
    [ "$1" = "$3" ] && [ $(( $4 - $2 )) -ge $(( $5 - 600 - 2 )) ] && [ $(( $4 - $2 )) -le $(( $5 - 600 + 2 )) ]
}
check "--draft on GPU 1 adds the draft's weights, KV and compute there ($base -> $with; alone $alone)" draft_ok
"$INFRAC" estimate --gguf "$big" --gpus 1 --draft "$gguf" > "$tmp/draft.txt"
check "text output names the draft" grep -q "^draft: .*qwen3-8b.gguf" "$tmp/draft.txt"
check_exit 2 "--draft-gpu outside --gpus exits 2" "$INFRAC" estimate --gguf "$big" --gpus 1 --draft "$gguf" --draft-gpu 1 2>/dev/null
check_exit 2 "--draft-gpu without --draft exits 2" "$INFRAC" estimate --gguf "$big" --gpus 2 --draft-gpu 1 2>/dev/null
check_exit 2 "--draft on the infrac engine exits 2" "$INFRAC" estimate --gguf "$gguf" --engine infrac --gpus 0 --draft "$gguf" 2>/dev/null
check_exit 2 "--draft-cache on vLLM exits 2" "$INFRAC" estimate --gguf "$big" --engine vllm --draft "$gguf" --draft-cache q8_0 2>/dev/null
vbase=$("$INFRAC" estimate --format json --gguf "$big" --engine vllm --gpu h100-80gb | python3 -c 'import json,sys; print(json.load(sys.stdin)["kv_cells"])')
vdraft=$("$INFRAC" estimate --format json --gguf "$big" --engine vllm --gpu h100-80gb --draft "$gguf" | python3 -c 'import json,sys; print(json.load(sys.stdin)["kv_cells"])')
check "vLLM: a draft model leaves fewer KV tokens ($vbase -> $vdraft)" [ "${vdraft:-0}" -gt 0 -a "${vdraft:-0}" -lt "${vbase:-0}" ]

# --mtp: the model's own MTP block drafts (llama-server --spec-type draft-mtp):
# its weights load and a second context caches it (GLM-4.5-Air's layers, measured
# in tests/data/vram/2026c: 17712 -> 22338 MiB at 16K with flash attention off)
glm="$SRC/tests/data/vram/2026c/headers/glm45-air-12l.gguf"
m0=$(est --gguf "$glm" --context 16384 --gpus 1 --flash-attention off)
m1=$(est --gguf "$glm" --context 16384 --gpus 1 --flash-attention off --mtp)
check "--mtp counts the MTP block and its context ($m0 -> $m1 MiB; measured 17712 -> 22338)" \
    [ "${m0:-0}" -ge 17534 -a "${m0:-0}" -le 18243 -a "${m1:-0}" -ge 22114 -a "${m1:-0}" -le 23008 ]
