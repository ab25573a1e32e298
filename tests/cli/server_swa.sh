#!/bin/sh
# Prompt prefix reuse with gemma3's sliding-window ring (window + batch
# cells): a prompt that shares a prefix with the slot's cache ending behind
# the ring is evaluated again from its start (as llama.cpp's server does),
# and answers what a fresh server answers; one whose shared prefix the ring
# still covers reuses it.
. "$SRC/tests/lib/tap.sh"
. "$SRC/tests/lib/engine.sh"

make_model "$SERVER_TMP/g.gguf" --arch gemma3 --swa 4 --swa-pattern 2 --ctx 512 ||
    { fail "infrac-mkmodel made a gemma3 model"; exit 0; }
long='The quick brown fox jumps over the lazy dog while the cat sleeps on the warm mat by the door'
other='The quick brown fox jumps over a different story entirely, with new words at the end of it'
body() { printf '{"prompt":"%s","max_tokens":4,"temperature":0}' "$1"; }
serve() { # LOG PORT
    start_engine "$1" --serve -m "$SERVER_TMP/g.gguf" -a g --port "$2" -np 1 -c 256 -b 3
    wait_health "$2"
}
prompt_total() { curl -s "http://127.0.0.1:$1/metrics" | awk '/^infrac_prompt_tokens_total/ {print $2}'; }
text_of() { json_get "${1#* }" "j['choices'][0]['text']"; }

port=$(free_port)
check "engine is healthy" serve "$SERVER_TMP/a.log" "$port"
a=$(post "$port" /v1/completions "$(body "$long")")
check "first prompt: 200" [ "${a%% *}" = 200 ]
p0=$(prompt_total "$port")
b=$(post "$port" /v1/completions "$(body "$other")")
p1=$(prompt_total "$port")
check "a prefix behind the window: 200 (evaluated again, not a decode error)" [ "${b%% *}" = 200 ]
n_other=$("$INFRAC_ENGINE" -m "$SERVER_TMP/g.gguf" --prompt "$other" --tokenize | tr -cd , | wc -c)
check "all $((n_other + 1)) prompt tokens evaluated again ($((p1 - p0)))" [ $((p1 - p0)) -ge "$n_other" ]
c=$(post "$port" /v1/completions "$(body "$other")")
p2=$(prompt_total "$port")
check "the same prompt again reuses the ring ($((p2 - p1)) evaluated)" [ $((p2 - p1)) -le 1 ]
check "and answers the same" [ "$(text_of "$b")" = "$(text_of "$c")" ]

port2=$(free_port)
check "fresh engine is healthy" serve "$SERVER_TMP/b.log" "$port2"
d=$(post "$port2" /v1/completions "$(body "$other")")
check "the recomputed answer is a fresh server's ('$(text_of "$b")')" [ "$(text_of "$b")" = "$(text_of "$d")" ]
echo "1..$TAP_N"
