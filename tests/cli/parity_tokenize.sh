#!/bin/sh
# Tokenizer parity with real llama.cpp (node-llama-cpp's prebuilt CPU
# binding): a SentencePiece vocabulary and byte-level BPE vocabularies for
# the llama3, qwen2, gpt-2, default and smollm pre-tokenizers and a gemma4
# BPE vocabulary (raw UTF-8, U+2581 spaces, <0xXX> bytes), trained on the fly
# (tests/parity/mkvocab.mjs), tokenize and detokenize the corpus, edge
# cases and 1000 seeded random texts identically.
. "$SRC/tests/lib/tap.sh"
. "$SRC/tests/parity/lib.sh"
P="$SRC/tests/parity"
parity_setup "tokenizer parity with llama.cpp" || exit 0

tmp=$(mktemp -d /tmp/parity-tok.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM

# The tokenizer alone, from this variant's library (sanitizers included).
san=
case "$BUILD_DIR" in *asan*) san="-fsanitize=address,undefined -fno-omit-frame-pointer" ;; esac
if ! ${CC:-cc} -std=c11 -O1 -g $san -D_GNU_SOURCE -I"$SRC/common" -I"$SRC/engine" -o "$tmp/tokdump" \
        "$P/tokdump.c" "$BUILD_DIR/libengine.a" "$BUILD_DIR/libcommon.a" \
        $(pkg-config --libs jansson libpcre2-8) -lm -pthread 2>"$tmp/cc.log"; then
    fail "build tokdump: $(head -3 "$tmp/cc.log" | tr '\n' ' ')"
    exit 0
fi
check "make vocabularies" node "$P/mkvocab.mjs" "$tmp"
check "make texts" node "$P/mktexts.mjs" "$tmp/texts.json" 1000

for v in spm bpe-llama3 bpe-qwen2 bpe-gpt2 bpe-default bpe-smollm gemma4; do
    if ! "$tmp/tokdump" "$tmp/$v.gguf" "$tmp/texts.json" > "$tmp/$v.ours.json" 2>"$tmp/err"; then
        fail "$v: infrac tokenizer failed: $(head -3 "$tmp/err")"
        continue
    fi
    if ! node "$P/tokref.mjs" "$tmp/$v.gguf" "$tmp/texts.json" > "$tmp/$v.ref.json" 2>"$tmp/err"; then
        fail "$v: llama.cpp reference failed: $(tail -3 "$tmp/err" | tr '\n' ' ')"
        continue
    fi
    summary=$(node "$P/compare.mjs" tokens "$tmp/$v.ours.json" "$tmp/$v.ref.json" "$tmp/texts.json")
    rc=$?
    echo "$summary" | grep '^#'
    line=$(echo "$summary" | grep -v '^#' | tail -1)
    if [ $rc -eq 0 ]; then ok "$v tokenization = llama.cpp ($line)"; else fail "$v tokenization differs from llama.cpp ($line)"; fi
done
