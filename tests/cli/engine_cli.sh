#!/bin/sh
# infrac-engine and infrac-mkmodel from the command line: models of every
# architecture and type load and generate, test modes print valid JSON,
# runs are reproducible, bad input is refused with a clear message.
. "$SRC/tests/lib/tap.sh"
tmp=$(mktemp -d /tmp/engine-cli-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
E=$INFRAC_ENGINE
MK=$INFRAC_MKMODEL

for spec in "llama q4_0" "llama q8_0" "qwen2 q4_k_m" "qwen3 f16" "llama bf16" "llama q6_k"; do
    set -- $spec
    f="$tmp/$1-$2.gguf"
    if "$MK" -o "$f" --arch "$1" --type "$2" --embd 256 --ff 512 --heads 4 --kv-heads 2 --vocab 600 2>"$tmp/err"; then
        out=$("$E" --model "$f" --tokens 1,2,3,4 -n 8 --greedy-ids -t 2 2>"$tmp/err")
        if echo "$out" | python3 -c 'import json,sys; a=json.load(sys.stdin); assert len(a)==8 and all(0<=x<600 for x in a)'; then
            ok "$1 $2 generates 8 greedy ids"
        else
            fail "$1 $2 generates 8 greedy ids: $out $(cat "$tmp/err")"
        fi
    else
        fail "mkmodel $1 $2: $(cat "$tmp/err")"
    fi
done

m="$tmp/llama-q8_0.gguf"
a=$("$E" --model "$m" --tokens 5,6,7 -n 12 --temp 0.9 --seed 7 -t 1)
b=$("$E" --model "$m" --tokens 5,6,7 -n 12 --temp 0.9 --seed 7 -t 2)
check "same seed, same output (1 and 2 threads)" test "$a" = "$b"
c=$("$E" --model "$m" --tokens 5,6,7 -n 12 --greedy-ids --cache-k q8_0 --cache-v q4_0)
check "quantized KV cache runs" test -n "$c"

"$E" --model "$m" --tokens 5,6,7 -n 1 --dump-probs "$tmp/probs.json" >/dev/null
check "--dump-probs writes a distribution summing to 1" python3 -c "
import json; d=json.load(open('$tmp/probs.json'))
assert d['n_vocab']==600 and len(d['probs'])==600 and abs(sum(d['probs'])-1)<1e-4"

"$E" --model "$m" --tokens 5,6,7 -n 4 --timings >/dev/null 2>"$tmp/timings"
check "--timings reports speeds and peak RSS" grep -q "peak RSS" "$tmp/timings"

check "--tokenize with --tokens echoes the ids" test "$("$E" --model "$m" --tokens 9,8,7 --tokenize)" = "[9,8,7]"

check_exit 2 "missing --model is a usage error" "$E" --tokens 1 2>/dev/null
check_exit 2 "bad --cache-k is refused" "$E" --model "$m" --tokens 1 --cache-k q4_k 2>/dev/null
"$E" --model "$m" --tokens 1,99999 -n 2 >/dev/null 2>"$tmp/err"
check "out-of-range token ids are refused" grep -q "out of range" "$tmp/err"
head -c 5000 "$m" > "$tmp/trunc.gguf"
"$E" --model "$tmp/trunc.gguf" --tokens 1 >/dev/null 2>"$tmp/err"
check "a truncated file is refused with a message" grep -q "infrac-engine: .*trunc" "$tmp/err"
"$MK" -o "$tmp/h.gguf" --header-only --arch llama --type q4_0
"$E" --model "$tmp/h.gguf" --tokens 1 >/dev/null 2>"$tmp/err"
check "a header-only file is refused" grep -q "not in the file" "$tmp/err"

"$MK" -o "$tmp/d1.gguf" --seed 3 --type q4_k_m --embd 256 --ff 512
"$MK" -o "$tmp/d2.gguf" --seed 3 --type q4_k_m --embd 256 --ff 512 --threads 1
check "mkmodel is deterministic (any thread count)" cmp -s "$tmp/d1.gguf" "$tmp/d2.gguf"
"$MK" -o "$tmp/bpe.gguf" --arch llama --tokenizer bpe --vocab 2000
check "BPE vocabulary models load" sh -c "'$E' --model '$tmp/bpe.gguf' --tokens 1,2 -n 2 --greedy-ids >/dev/null"
check_exit 1 "too small a vocabulary is refused" "$MK" -o "$tmp/x.gguf" --vocab 100 2>/dev/null
echo "1..$TAP_N"
