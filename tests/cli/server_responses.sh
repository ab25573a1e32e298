#!/bin/sh
# POST /v1/responses (the Responses API's text path): bad requests at the
# HTTP level with curl, each a 400 (or 404/405) naming its field, then the
# official `openai` npm client (tests/server/responses.mjs: create, streamed
# events, responses.stream, text.format checked by ajv, refusals).
. "$SRC/tests/lib/tap.sh"
. "$SRC/tests/lib/engine.sh"

make_model "$SERVER_TMP/tiny.gguf" --ctx 1024 || { fail "infrac-mkmodel made a model"; exit 0; }
port=$(free_port)
start_engine "$SERVER_TMP/resp.log" --serve -m "$SERVER_TMP/tiny.gguf" -a tiny --port "$port" -np 2 -c 1024
check "engine is healthy" wait_health "$port"

# refused WHAT BODY STATUS PARAM [CODE]: the answer's status, param and code.
refused() {
    _r=$(post "$port" /v1/responses "$2")
    _got=$(json_get "${_r#* }" "(j['error']['param'], j['error']['code'])")
    _want=$(printf "('%s', %s)" "$4" "$([ -n "${5:-}" ] && printf "'%s'" "$5" || echo None)")
    if [ "${_r%% *}" = "$3" ] && [ "$_got" = "$_want" ]; then ok "$1: $3 $_got"
    else fail "$1: got ${_r%% *} $_got, want $3 $_want (${_r#* })"; fi
}

refused "no input" '{"model":"tiny"}' 400 input
refused "input a number" '{"input":3}' 400 input
refused "empty input list" '{"input":[]}' 400 input
refused "a bad role" '{"input":[{"role":"robot","content":"x"}]}' 400 input
refused "an input_image part" '{"input":[{"role":"user","content":[{"type":"input_image","image_url":"x"}]}]}' 400 input unsupported_parameter
refused "an input_file part" '{"input":[{"role":"user","content":[{"type":"input_file","file_id":"f"}]}]}' 400 input unsupported_parameter
refused "a function_call item" '{"input":[{"type":"function_call","call_id":"c","name":"f","arguments":"{}"}]}' 400 input unsupported_parameter
refused "a reasoning item" '{"input":[{"type":"reasoning","id":"r","summary":[]}]}' 400 input unsupported_parameter
refused "annotations on a part" '{"input":[{"role":"assistant","content":[{"type":"output_text","text":"a","annotations":[{"type":"url_citation"}]}]}]}' 400 input unsupported_parameter
refused "instructions not a string" '{"input":"x","instructions":[1]}' 400 instructions
refused "max_output_tokens 0" '{"input":"x","max_output_tokens":0}' 400 max_output_tokens
refused "max_output_tokens over the context" '{"input":"x","max_output_tokens":100000}' 400 max_output_tokens context_length_exceeded
refused "temperature 3" '{"input":"x","temperature":3}' 400 temperature
refused "top_p a string" '{"input":"x","top_p":"a"}' 400 top_p
refused "stream a string" '{"input":"x","stream":"yes"}' 400 stream
refused "stream_options without stream" '{"input":"x","stream_options":{"include_obfuscation":false}}' 400 stream_options
refused "include_obfuscation true" '{"input":"x","stream":true,"stream_options":{"include_obfuscation":true}}' 400 stream_options unsupported_parameter
refused "text.format type xml" '{"input":"x","text":{"format":{"type":"xml"}}}' 400 text
refused "text.format json_schema without schema" '{"input":"x","text":{"format":{"type":"json_schema","name":"a"}}}' 400 text
refused "text.format unknown member" '{"input":"x","text":{"format":{"type":"json_object","schema":{}}}}' 400 text unknown_parameter
refused "text.verbosity high" '{"input":"x","text":{"verbosity":"high"}}' 400 text unsupported_parameter
refused "an unsupported schema keyword" '{"input":"x","text":{"format":{"type":"json_schema","name":"a","schema":{"type":"object","properties":{"a":{"type":"string","format":"hostname"}}}}}}' 400 text unsupported_parameter
refused "metadata of numbers" '{"input":"x","metadata":{"a":1}}' 400 metadata
refused "tools" '{"input":"x","tools":[{"type":"web_search"}]}' 400 tools unsupported_parameter
refused "tool_choice required" '{"input":"x","tool_choice":"required"}' 400 tool_choice unsupported_parameter
refused "previous_response_id" '{"input":"x","previous_response_id":"resp_1"}' 400 previous_response_id unsupported_parameter
refused "store true" '{"input":"x","store":true}' 400 store unsupported_parameter
refused "conversation" '{"input":"x","conversation":"conv_1"}' 400 conversation unsupported_parameter
refused "background" '{"input":"x","background":true}' 400 background unsupported_parameter
refused "reasoning effort" '{"input":"x","reasoning":{"effort":"high"}}' 400 reasoning unsupported_parameter
refused "include" '{"input":"x","include":["message.output_text.logprobs"]}' 400 include unsupported_parameter
refused "top_logprobs" '{"input":"x","top_logprobs":2}' 400 top_logprobs unsupported_parameter
refused "truncation auto" '{"input":"x","truncation":"auto"}' 400 truncation unsupported_parameter
refused "a stored prompt" '{"input":"x","prompt":{"id":"p"}}' 400 prompt unsupported_parameter
refused "max_tool_calls" '{"input":"x","max_tool_calls":2}' 400 max_tool_calls unsupported_parameter
refused "service_tier" '{"input":"x","service_tier":"flex"}' 400 service_tier unsupported_parameter
refused "a chat field" '{"input":"x","messages":[]}' 400 messages unknown_parameter
refused "another model" '{"input":"x","model":"gpt-5"}' 404 model model_not_found

# Values that ask for nothing are accepted.
r=$(post "$port" /v1/responses '{"input":"x","max_output_tokens":3,"store":false,"tools":[],"tool_choice":"auto","reasoning":{"effort":null},"include":[],"truncation":"disabled","background":false,"top_logprobs":0,"previous_response_id":null,"text":{"format":{"type":"text"},"verbosity":"medium"},"metadata":{"k":"v"},"user":"u","safety_identifier":"s","prompt_cache_key":"c","parallel_tool_calls":false}')
check "fields that ask for nothing are accepted (${r%% *})" [ "${r%% *}" = 200 ]
check "metadata is echoed" [ "$(json_get "${r#* }" "j['metadata']['k'], j['parallel_tool_calls'], j['usage']['output_tokens']")" = "v False 3" ]
r=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v1/responses")
check "GET /v1/responses is 405 ($r)" [ "$r" = 405 ]
check "/metrics counts /v1/responses" sh -c "curl -s http://127.0.0.1:$port/metrics | grep -q 'endpoint=\"/v1/responses\",status=\"400\"'"

dir="$SRC/tests/server"
if command -v node >/dev/null && npm_ready "$dir" "responses through the openai client" openai ajv; then
    timeout 300 node "$dir/responses.mjs" "http://127.0.0.1:$port/v1" tiny
elif ! command -v node >/dev/null; then
    skip "responses through the openai client" "node is not installed"
fi
stop_engine
