#!/bin/sh
# The <think> reasoning split end to end (engine/server/reasoning.c): a
# template whose generation prompt ends in an opened `<think>\n` (as the
# Qwen3.5/3.6 templates write it) makes all the model writes before
# `</think>` reasoning. The tiny model's random weights never write
# `</think>`, so with reasoning_format deepseek the whole text is
# message.reasoning_content (and streamed delta.reasoning_content) and
# content is empty; with none the same text (same seed) stays in content.
# The official Qwen3 template, whose generation prompt opens nothing,
# leaves the text in content under deepseek too.
. "$SRC/tests/lib/tap.sh"
. "$SRC/tests/lib/engine.sh"

tpl="$SRC/tests/data/chat_templates"
cat > "$SERVER_TMP/open.jinja" <<'EOF'
{%- for m in messages %}<|im_start|>{{ m.role }}
{% if m.role == 'assistant' and m.reasoning_content %}<think>
{{ m.reasoning_content }}
</think>

{% endif %}{{ m.content }}<|im_end|>
{% endfor %}{%- if add_generation_prompt %}<|im_start|>assistant
<think>
{% endif %}
EOF

# chat PORT SEED FORMAT [STREAM]: the body of a chat reply to "hi".
chat() {
    post "$1" /v1/chat/completions '{"messages":[{"role":"user","content":"hi"}],"max_tokens":12,"seed":'"$2"',"reasoning_format":"'"$3"'"'"${4:+,\"stream\":true}"'}'
}

# a seed whose reply under none is not empty (the random model may end at once)
pick_seed() {
    for s in 1 2 3 4 5 6 7 8; do
        r=$(chat "$1" "$s" none)
        if [ -n "$(json_get "${r#* }" "j['choices'][0]['message']['content']")" ]; then
            echo "$s"; return 0
        fi
    done
    return 1
}

# message FIELD from a whole reply "STATUS BODY", as JSON (null when absent)
field() { json_get "${1#* }" "json.dumps(j['choices'][0]['message'].get('$2'))"; }

# the streamed deltas' FIELD, concatenated, as JSON
stream_field() {
    printf '%s' "${1#* }" | "$PY" -c "
import json, sys
out = ''
for line in sys.stdin.read().split('\n'):
    if line.startswith('data: {'):
        for c in json.loads(line[6:])['choices']:
            out += c['delta'].get('$2') or ''
print(json.dumps(out))"
}

make_model "$SERVER_TMP/open.gguf" --arch qwen3 --ctx 1024 --vocab 600 --chat-template "$SERVER_TMP/open.jinja" ||
    { fail "infrac-mkmodel made a model with an opening template"; exit 0; }
port=$(free_port)
start_engine "$SERVER_TMP/open.log" --serve -m "$SERVER_TMP/open.gguf" -a tiny --port "$port" -c 1024
check "open: engine is healthy" wait_health "$port"
if seed=$(pick_seed "$port"); then
    none=$(chat "$port" "$seed" none)
    deep=$(chat "$port" "$seed" deepseek)
    text=$(field "$none" content)
    check "open, none: no reasoning_content, the text in content" test "$(field "$none" reasoning_content)" = null
    check "open, deepseek: the same text is reasoning_content" test "$(field "$deep" reasoning_content)" = "$text"
    check "open, deepseek: content is empty" test "$(field "$deep" content)" = '""'
    s=$(chat "$port" "$seed" deepseek stream)
    check "open, deepseek streamed: the reasoning_content deltas join to the text" \
        test "$(stream_field "$s" reasoning_content)" = "$text"
    check "open, deepseek streamed: no content deltas" test "$(stream_field "$s" content)" = '""'
    s=$(chat "$port" "$seed" none stream)
    check "open, none streamed: the content deltas join to the text" test "$(stream_field "$s" content)" = "$text"
else
    fail "open: a reply under none with some text (seeds 1-8)"
fi
stop_engine

# The official Qwen3 template knows the tags but its generation prompt opens none.
make_model "$SERVER_TMP/qwen3.gguf" --arch qwen3 --ctx 1024 --vocab 600 --chat-template "$tpl/qwen3.jinja" ||
    { fail "infrac-mkmodel made a model with the Qwen3 template"; exit 0; }
port=$(free_port)
start_engine "$SERVER_TMP/qwen3.log" --serve -m "$SERVER_TMP/qwen3.gguf" -a tiny --port "$port" -c 1024
check "qwen3: engine is healthy" wait_health "$port"
if seed=$(pick_seed "$port"); then
    none=$(chat "$port" "$seed" none)
    deep=$(chat "$port" "$seed" deepseek)
    check "qwen3, deepseek: nothing opened, the text stays in content" \
        test "$(field "$deep" content)" = "$(field "$none" content)" -a "$(field "$deep" reasoning_content)" = null
else
    fail "qwen3: a reply under none with some text (seeds 1-8)"
fi
stop_engine
