#!/bin/sh
# Chat templates and tool calling end to end: infrac-engine serving tiny
# models that carry real chat templates (tests/data/chat_templates), driven
# by the official `openai` npm client (tests/server/openai_tools.mjs) and
# LangChain's ChatOpenAI (tests/server/langchain_tools.mjs); a GGUF without a
# template falls back to ChatML; one the Jinja subset cannot run
# fails the start, naming the construct and its line.
. "$SRC/tests/lib/tap.sh"
. "$SRC/tests/lib/engine.sh"

dir="$SRC/tests/server"
tpl="$SRC/tests/data/chat_templates"
if [ ! -d "$dir/node_modules/openai" ] || [ ! -d "$dir/node_modules/@langchain/openai" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund >/dev/null 2>&1)
fi
have_client=1
if ! command -v node >/dev/null || [ ! -d "$dir/node_modules/openai" ] ||
    [ ! -d "$dir/node_modules/@langchain/openai" ]; then
    have_client=0
    skip "openai and LangChain client tool calls" "node or the npm packages are not available (cd tests/server && npm ci)"
fi

# serve LABEL LOG MODEL: starts an engine on a free port (its log: $SERVER_TMP/LABEL.log); sets PORT.
serve() {
    PORT=$(free_port)
    start_engine "$SERVER_TMP/$1.log" --serve -m "$3" -a tiny --port "$PORT" -c 2048
    check "$1: engine is healthy" wait_health "$PORT"
}

for case in "qwen3 --arch qwen3 hermes" "llama3.1 --arch llama llama3" "mistral-small-3.2 --arch llama mistral" \
            "glm-4.6 --arch qwen3 glm"; do
    # shellcheck disable=SC2086 # the words of a case are its fields
    set -- $case
    name=$1 arch=$3 syntax=$4
    make_model "$SERVER_TMP/$name.gguf" --arch "$arch" --ctx 2048 --vocab 600 --chat-template "$tpl/$name.jinja" ||
        { fail "$name: infrac-mkmodel made a model"; continue; }
    serve "$name" "$SERVER_TMP/$name.log" "$SERVER_TMP/$name.gguf"
    check "$name: the GGUF's template is used, calls read as $syntax" \
        grep -q "chat prompt from the GGUF's tokenizer.chat_template (tool calls: $syntax)" "$SERVER_TMP/$name.log"
    [ "$have_client" = 1 ] && timeout 120 node "$dir/openai_tools.mjs" "http://127.0.0.1:$PORT/v1" tiny "$name"
    [ "$have_client" = 1 ] && timeout 120 node "$dir/langchain_tools.mjs" "http://127.0.0.1:$PORT/v1" tiny "$name"
    kill -TERM "$ENGINE_PID"; wait "$ENGINE_PID"
done

# Qwen's XML calls (Qwen3-Coder, Qwen3.5/3.6), in a template written here in
# their format (the official Qwen3.6 template is not in tests/data yet).
cat > "$SERVER_TMP/xml.jinja" <<'EOF'
{%- if tools %}<|im_start|>system
# Tools
<tools>{% for t in tools %}
{{ t | tojson }}{% endfor %}
</tools>
<tool_call>
<function=example_function_name>
<parameter=example_parameter_1>
value_1
</parameter>
</function>
</tool_call><|im_end|>
{% endif %}
{%- for m in messages %}<|im_start|>{{ m.role }}
{{ m.content }}{% for tc in m.tool_calls or [] %}<tool_call>
<function={{ tc.function.name }}>
{% for k, v in tc.function.arguments | items %}<parameter={{ k }}>
{{ v if v is string else v | tojson }}
</parameter>
{% endfor %}</function>
</tool_call>{% endfor %}<|im_end|>
{% endfor %}<|im_start|>assistant
EOF
make_model "$SERVER_TMP/xml.gguf" --arch qwen3 --ctx 2048 --vocab 600 --chat-template "$SERVER_TMP/xml.jinja" ||
    fail "qwen-xml: infrac-mkmodel made a model"
serve qwen-xml "$SERVER_TMP/xml.log" "$SERVER_TMP/xml.gguf"
check "qwen-xml: calls read as qwen_xml" grep -q "(tool calls: qwen_xml)" "$SERVER_TMP/qwen-xml.log"
[ "$have_client" = 1 ] && timeout 120 node "$dir/openai_tools.mjs" "http://127.0.0.1:$PORT/v1" tiny qwen-xml
kill -TERM "$ENGINE_PID"; wait "$ENGINE_PID"

# gpt-oss harmony: its control tokens in the vocabulary (--special-token), the channels split
# into reasoning_content / content and calls; a forced call is harmony text that parses.
make_model "$SERVER_TMP/oss.gguf" --arch qwen3 --ctx 2048 --vocab 700 --chat-template "$tpl/gpt-oss.jinja" \
    --special-token '<|start|>' --special-token '<|channel|>' --special-token '<|message|>' \
    --special-token '<|end|>' --special-token '<|return|>' --special-token '<|call|>' \
    --special-token '<|constrain|>' || fail "gpt-oss: infrac-mkmodel made a model"
serve gpt-oss "$SERVER_TMP/oss.log" "$SERVER_TMP/oss.gguf"
check "gpt-oss: calls read as harmony" grep -q "(tool calls: harmony)" "$SERVER_TMP/gpt-oss.log"
oss_tools='"tools":[{"type":"function","function":{"name":"get_weather","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]'
r=$(post "$PORT" /v1/chat/completions '{"messages":[{"role":"user","content":"Oslo?"}],"max_tokens":80,'"$oss_tools"',"tool_choice":"required","seed":3}')
check "gpt-oss: a required call comes back as tool_calls" \
    test "$(json_get "${r#* }" "j['choices'][0]['message']['tool_calls'][0]['function']['name'] + j['choices'][0]['finish_reason']")" = get_weathertool_calls
r=$(post "$PORT" /v1/chat/completions '{"messages":[{"role":"user","content":"Oslo?"},{"role":"assistant","content":"Sunny.","reasoning_content":"Look it up."},{"role":"user","content":"And?"}],"max_tokens":16,"seed":3}')
check "gpt-oss: a plain reply with reasoning_content in the history is 200" test "${r%% *}" = 200
kill -TERM "$ENGINE_PID"; wait "$ENGINE_PID"

# Gemma 4: its call markers and string quote are tokens of the vocabulary, as in
# the real one; a forced call (required, named, strict, streamed or not) is
# constrained to its notation (call:NAME{key:<|"|>text<|"|>,...}) and parses.
make_model "$SERVER_TMP/gemma4.gguf" --arch llama --ctx 2048 --vocab 700 --chat-template "$tpl/gemma4.jinja" \
    --special-token '<|tool_call>' --special-token '<tool_call|>' --special-token '<|"|>' \
    --special-token '<|turn>' --special-token '<turn|>' || fail "gemma4: infrac-mkmodel made a model"
serve gemma4 "$SERVER_TMP/gemma4.log" "$SERVER_TMP/gemma4.gguf"
check "gemma4: calls read as gemma4" grep -q "(tool calls: gemma4)" "$SERVER_TMP/gemma4.log"
[ "$have_client" = 1 ] && timeout 120 node "$dir/openai_tools.mjs" "http://127.0.0.1:$PORT/v1" tiny gemma4
[ "$have_client" = 1 ] && timeout 120 node "$dir/langchain_tools.mjs" "http://127.0.0.1:$PORT/v1" tiny gemma4
g4_tools='"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]'
r=$(post "$PORT" /v1/chat/completions '{"messages":[{"role":"user","content":"Oslo?"}],"max_tokens":60,'"$g4_tools"',"tool_choice":"required","seed":5}')
check "gemma4: a required call comes back as tool_calls whose arguments are a JSON object" \
    test "$(json_get "${r#* }" "j['choices'][0]['message']['tool_calls'][0]['function']['name'] + j['choices'][0]['finish_reason'] + str(type(json.loads(j['choices'][0]['message']['tool_calls'][0]['function']['arguments'])).__name__)")" = get_weathertool_callsdict
r=$(post "$PORT" /v1/chat/completions '{"messages":[{"role":"user","content":"Oslo?"}],"max_tokens":60,"tools":[{"type":"function","function":{"name":"f","strict":true,"parameters":{"type":"object","properties":{"a b":{"type":"string"}}}}}],"tool_choice":"required"}')
check "gemma4: a strict property name a bare key cannot write is a 400 naming it" \
    test "${r%% *}" = 400 -a -n "$(printf '%s' "$r" | grep "property 'a b'")"
kill -TERM "$ENGINE_PID"; wait "$ENGINE_PID"

# No template in the GGUF: ChatML, with Hermes tool calls.
make_model "$SERVER_TMP/plain.gguf" --ctx 2048 --chat-template none || fail "infrac-mkmodel made a model without a template"
serve plain "$SERVER_TMP/plain.log" "$SERVER_TMP/plain.gguf"
check "no template: ChatML fallback said at start" \
    grep -q "chat prompt from the built-in chatml format (the GGUF has no tokenizer.chat_template) (tool calls: hermes)" \
    "$SERVER_TMP/plain.log"
r=$(post "$PORT" /v1/chat/completions '{"messages":[{"role":"user","content":"hi"}],"max_tokens":120,"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"required"}')
check "no template: a required call under ChatML" \
    test "$(json_get "${r#* }" "j['choices'][0]['message']['tool_calls'][0]['function']['name']")" = f
# Gemma 3's template refuses a tool message (roles must alternate): a 400 with its words.
kill -TERM "$ENGINE_PID"; wait "$ENGINE_PID"

make_model "$SERVER_TMP/gemma.gguf" --ctx 2048 --chat-template "$tpl/gemma3.jinja" || fail "gemma model"
serve gemma3 "$SERVER_TMP/gemma.log" "$SERVER_TMP/gemma.gguf"
r=$(post "$PORT" /v1/chat/completions '{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"a"},{"role":"assistant","content":"b"}],"max_tokens":2}')
check "gemma3: the template's raise_exception is a 400 with its message" \
    test "${r%% *}" = 400 -a -n "$(printf '%s' "$r" | grep 'Conversation roles must alternate')"
r=$(post "$PORT" /v1/chat/completions '{"messages":[{"role":"user","content":"hi"}],"max_tokens":2,"tools":[{"type":"function","function":{"name":"f"}}]}')
check "gemma3: tools refused by name (its template has no call syntax infrac reads)" \
    test "$(json_get "${r#* }" "j['error']['param']")" = tools
kill -TERM "$ENGINE_PID"; wait "$ENGINE_PID"

# A template the subset cannot run: the start fails, naming it.
printf '{%% for m in messages %%}\n{%% filter upper %%}{{ m.content }}{%% endfilter %%}{%% endfor %%}' > "$SERVER_TMP/bad.jinja"
make_model "$SERVER_TMP/bad.gguf" --ctx 2048 --chat-template "$SERVER_TMP/bad.jinja" || fail "bad model"
port=$(free_port)
check_exit 1 "an unsupported template fails the start" \
    timeout 30 "$INFRAC_ENGINE" --serve -m "$SERVER_TMP/bad.gguf" --port "$port" 2>"$SERVER_TMP/bad.log"
check "the error names the construct and its line" \
    grep -q "the GGUF's tokenizer.chat_template cannot be used: line 2: unsupported statement '{% filter %}'" \
    "$SERVER_TMP/bad.log"
