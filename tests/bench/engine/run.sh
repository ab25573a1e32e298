#!/bin/sh
# make bench-engine: infrac-engine against llama.cpp's own llama-bench on the
# same GGUF files, threads and machine. Alternates runs, reports medians, the
# ratio infrac / llama.cpp per cell, peak RSS of both, and how close each gets
# to the memory-bandwidth limit. Writes docs/benchmarks.md.
#
# llama-bench is built once, in a cache directory outside the repository,
# from the llama.cpp source shipped in the node-llama-cpp@3.22.1 npm package
# (CPU build, GGML_NATIVE=ON, target llama-bench only). Nothing of it is
# committed.
#
# BENCH_ISA=avx2 (or avxvnni) runs the same bench as an AVX2-only CPU
# would: llama-bench from a second build of that source in
# llama.cpp/build-avx2 (build-avxvnni), GGML_NATIVE=OFF with AVX2, FMA,
# F16C and BMI2 on and AVX-512 and AMX off (avxvnni: GGML_AVX_VNNI on), and
# infrac-engine held to the same kernels by INFRAC_ENGINE_ISA; the report
# then goes to $cache/bench/benchmarks-avx2.md unless BENCH_OUT says where.
#   env: BENCH_REPS (default 3), BENCH_THREADS (default "1 2"),
#        BENCH_MODELS (default: the cells of $default_cells below; the heavy
#          ones, llama8b-q4_k_m and llama1b-q4_k_m@d16384, by name),
#        BENCH_ISA (default: unset, the machine's best on both sides),
#        INFRAC_CACHE (default ~/.cache/infrac), BENCH_OUT (default docs/benchmarks.md)
set -eu
root=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$root"
bin=build/release
cache=${INFRAC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/infrac}
reps=${BENCH_REPS:-3}
threads=${BENCH_THREADS:-"1 2"}
isa=${BENCH_ISA:-}
work=$cache/bench
out=${BENCH_OUT:-docs/benchmarks.md}
[ -n "$isa" ] && out=${BENCH_OUT:-$work/benchmarks-$isa.md}
mkdir -p "$work"

# ggml's AMX kernels crash (SIGSEGV in ggml_backend_amx_mul_mat) on CPUs
# whose AMX the virtual machine does not enable for the process, as on the
# Sapphire Rapids VMs seen here; AVX-512 VNNI stays on.
no_amx="-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"
case $isa in
    "") build=build-cpu
        set -- -DGGML_NATIVE=ON "-DCMAKE_C_FLAGS=$no_amx" "-DCMAKE_CXX_FLAGS=$no_amx" ;;
    avx2|avxvnni)
        build=build-$isa; vnni=OFF; [ "$isa" = avxvnni ] && vnni=ON
        set -- -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON \
            -DGGML_AVX_VNNI=$vnni -DGGML_AVX512=OFF -DGGML_AVX512_VBMI=OFF -DGGML_AVX512_VNNI=OFF \
            -DGGML_AVX512_BF16=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF ;;
    *) echo "bench: BENCH_ISA is avx2 or avxvnni, not '$isa'" >&2; exit 2 ;;
esac
llama_bench=$cache/llama.cpp/$build/bin/llama-bench
if [ ! -x "$llama_bench" ]; then
    if [ ! -f "$cache/llama.cpp/CMakeLists.txt" ]; then
        echo "bench: fetching the llama.cpp source of node-llama-cpp@3.22.1 into $cache (once)"
        mkdir -p "$cache/nlc"
        (cd "$cache/nlc" && npm install --no-audit --no-fund --ignore-scripts node-llama-cpp@3.22.1 >/dev/null)
        rm -rf "$cache/llama.cpp"
        git clone -q "$cache/nlc/node_modules/node-llama-cpp/llama/gitRelease.bundle" "$cache/llama.cpp"
    fi
    echo "bench: building llama-bench in $cache/llama.cpp/$build (once)"
    cmake -S "$cache/llama.cpp" -B "$cache/llama.cpp/$build" -DCMAKE_BUILD_TYPE=Release \
        -DLLAMA_CURL=OFF -DLLAMA_BUILD_APP=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
        -DLLAMA_BUILD_SERVER=OFF -DBUILD_SHARED_LIBS=OFF "$@" >/dev/null
    cmake --build "$cache/llama.cpp/$build" --target llama-bench -j"$(nproc)" >/dev/null
fi
# infrac-engine held to the same kernel set (engine/kernels.c, ie_isa_best).
engine_env=
[ -n "$isa" ] && engine_env="INFRAC_ENGINE_ISA=$isa"

cc -O2 -pthread -o "$work/membw" tests/bench/engine/membw.c

# Cells: a model name, or MODEL@dDEPTH: tg128 after DEPTH tokens already in
# the cache (llama-bench -d), which adds reading the KV cache to every token.
default_cells="llama1b-q8_0 llama1b-q4_0 llama1b-q4_k_m llama1b-q5_k_m llama1b-q5_k llama1b-q6_k qwen05b-q8_0 qwen3moe2b-q4_0 llama1b-q4_k_m@d4096"
cells=${BENCH_MODELS:-$default_cells}

# Models at real shapes, random weights (made once, those the cells use; the
# maker is deterministic).
make_model() { # name, maker args...
    name=$1; shift
    case " $cells " in *" $name"[\ @]*) ;; *) return 0 ;; esac
    [ -f "$work/$name.gguf" ] || "$bin/infrac-mkmodel" "$@" -o "$work/$name.gguf"
}
make_model llama1b-q8_0 --arch llama --layers 16 --embd 2048 --heads 32 --kv-heads 8 --ff 8192 --vocab 128256 --type q8_0 --tokenizer bpe
make_model llama1b-q4_0 --arch llama --layers 16 --embd 2048 --heads 32 --kv-heads 8 --ff 8192 --vocab 128256 --type q4_0 --tokenizer bpe
make_model llama1b-q4_k_m --arch llama --layers 16 --embd 2048 --heads 32 --kv-heads 8 --ff 8192 --vocab 128256 --type q4_k_m --tokenizer bpe
make_model llama1b-q5_k --arch llama --layers 16 --embd 2048 --heads 32 --kv-heads 8 --ff 8192 --vocab 128256 --type q5_k --tokenizer bpe
make_model llama1b-q5_k_m --arch llama --layers 16 --embd 2048 --heads 32 --kv-heads 8 --ff 8192 --vocab 128256 --type q5_k_m --tokenizer bpe
make_model llama1b-q6_k --arch llama --layers 16 --embd 2048 --heads 32 --kv-heads 8 --ff 8192 --vocab 128256 --type q6_k --tokenizer bpe
make_model qwen05b-q8_0 --arch qwen2 --layers 24 --embd 896 --heads 14 --kv-heads 2 --ff 4864 --vocab 151936 --type q8_0 --tokenizer bpe
# A small mixture of experts: Qwen3-30B-A3B's layer shape (2048 wide, 32 x 128 heads, 4 KV heads,
# experts of 768, 8 chosen) with 8 layers of 32 experts instead of 48 of 128: 2.0 B parameters,
# 0.76 B read per token.
make_model qwen3moe2b-q4_0 --arch qwen3moe --layers 8 --embd 2048 --heads 32 --kv-heads 4 --head-dim 128 --experts 32 --experts-used 8 --ff 6144 --ff-exp 768 --vocab 151936 --type q4_0 --tokenizer bpe

# Llama-3.1-8B's shape (4.6 GiB at Q4_K_M): not a default cell.
make_model llama8b-q4_k_m --arch llama --layers 32 --embd 4096 --heads 32 --kv-heads 8 --ff 14336 --vocab 128256 --type q4_k_m --tokenizer bpe

results=$work/results.jsonl
: > "$results"
for t in $threads; do
    bw=$("$work/membw" "$t")
    echo "{\"kind\":\"membw\",\"threads\":$t,\"gbs\":$bw}" >> "$results"
done
for cell in $cells; do
    model=${cell%@d*}
    depth=0; args="-p 512 -n 128"
    case $cell in *@d*) depth=${cell##*@d}; args="-p 0 -n 128 -d $depth" ;; esac
    m=$work/$model.gguf
    [ -f "$m" ] || { echo "bench: no model $model (cells: $default_cells llama8b-q4_k_m llama1b-q4_k_m@d16384)" >&2; exit 1; }
    for t in $threads; do
        rep=1
        while [ "$rep" -le "$reps" ]; do
            echo "bench: $cell t=$t run $rep/$reps"
            start=$(date +%s)
            # shellcheck disable=SC2086
            /usr/bin/time -f '%M' -o "$work/rss" "$llama_bench" -m "$m" $args -t "$t" -r 1 -o json > "$work/lb.json" 2>/dev/null
            echo "{\"kind\":\"llama.cpp\",\"cell\":\"$cell\",\"model\":\"$model\",\"depth\":$depth,\"threads\":$t,\"rss_kib\":$(cat "$work/rss"),\"out\":$(cat "$work/lb.json")}" | tr -d '\n' >> "$results"
            echo >> "$results"
            # shellcheck disable=SC2086
            env $engine_env /usr/bin/time -f '%M' -o "$work/rss" "$bin/infrac-engine" --model "$m" --bench $args -t "$t" > "$work/ie.json"
            echo "{\"kind\":\"infrac\",\"cell\":\"$cell\",\"model\":\"$model\",\"depth\":$depth,\"threads\":$t,\"rss_kib\":$(cat "$work/rss"),\"out\":$(cat "$work/ie.json")}" >> "$results"
            echo "{\"kind\":\"seconds\",\"cell\":\"$cell\",\"threads\":$t,\"s\":$(($(date +%s) - start))}" >> "$results"
            rep=$((rep + 1))
        done
    done
done
BENCH_ISA=$isa node tests/bench/engine/report.mjs "$results" "$work" > "$out.tmp"
mv "$out.tmp" "$out"
cat "$out"
