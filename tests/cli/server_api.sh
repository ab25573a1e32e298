#!/bin/sh
# infrac-engine's HTTP API with curl: every bad request gets its 4xx and an
# OpenAI-style error object; stop sequences; API key; timeouts; signals.
. "$SRC/tests/lib/tap.sh"
. "$SRC/tests/lib/engine.sh"

make_model "$SERVER_TMP/tiny.gguf" --ctx 512 || { fail "infrac-mkmodel made a model"; exit 0; }
port=$(free_port)
start_engine "$SERVER_TMP/engine.log" --serve -m "$SERVER_TMP/tiny.gguf" -a tiny --port "$port" \
    -np 2 -c 256 --max-body 4096 --timeout 2
check "engine is healthy" wait_health "$port"

# expect WHAT STATUS TYPE PARAM_OR_NULL MESSAGE_SUBSTRING -- "STATUS BODY"
expect() {
    _what=$1 _status=$2 _type=$3 _param=$4 _msg=$5 _got=$6
    _code=${_got%% *} _body=${_got#* }
    # type, param, whether code is present, and the message: one line each
    _fields=$(json_get "$_body" "'\\n'.join([str(j['error']['type']), str(j['error']['param']), str('code' in j['error']), j['error']['message']])")
    _t=$(printf '%s\n' "$_fields" | sed -n 1p)
    _p=$(printf '%s\n' "$_fields" | sed -n 2p)
    _c=$(printf '%s\n' "$_fields" | sed -n 3p)
    _m=$(printf '%s\n' "$_fields" | sed -n 4p)
    if [ "$_code" = "$_status" ] && [ "$_t" = "$_type" ] && [ "$_p" = "$_param" ] && [ "$_c" = True ] &&
        case "$_m" in *"$_msg"*) true ;; *) false ;; esac; then
        ok "$_what: $_status"
    else
        fail "$_what: got $_got"
    fi
}
chat='/v1/chat/completions'
user='"messages":[{"role":"user","content":"hi"}]'

expect "invalid JSON" 400 invalid_request_error None "invalid JSON" "$(post "$port" $chat '{"messages":')"
expect "invalid UTF-8" 400 invalid_request_error None "UTF-8" \
    "$(post "$port" $chat "$(printf '{"messages":"\377"}')")"
expect "empty body" 400 invalid_request_error None "empty" "$(post "$port" $chat '')"
expect "wrong type" 400 invalid_request_error temperature "number" \
    "$(post "$port" $chat "{$user,\"temperature\":\"hot\"}")"
expect "out of range" 400 invalid_request_error top_p "between" \
    "$(post "$port" $chat "{$user,\"top_p\":1.5}")"
expect "missing messages" 400 invalid_request_error messages "required" "$(post "$port" $chat '{}')"
expect "bad role" 400 invalid_request_error messages "not supported" \
    "$(post "$port" $chat '{"messages":[{"role":"robot","content":"x"}]}')"
expect "bad stop" 400 invalid_request_error stop "string" "$(post "$port" $chat "{$user,\"stop\":7}")"
# Fields the engine does not implement are refused by name, never ignored.
expect "tools refused (the test model's template has no call syntax)" 400 invalid_request_error tools "tool-call syntax infrac-engine does not parse" \
    "$(post "$port" $chat "{$user,\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]}")"
expect "json_schema refused" 400 invalid_request_error response_format "json_schema" \
    "$(post "$port" $chat "{$user,\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\"}}}")"
expect "logit_bias refused" 400 invalid_request_error logit_bias "logit bias" \
    "$(post "$port" $chat "{$user,\"logit_bias\":{\"1\":5}}")"
expect "unknown field refused" 400 invalid_request_error future_field "unknown field 'future_field'" \
    "$(post "$port" $chat "{$user,\"future_field\":1}")"
got=$(post "$port" /v1/completions '{"prompt":"Once upon","echo":true,"max_tokens":3,"temperature":0}')
plain=$(post "$port" /v1/completions '{"prompt":"Once upon","max_tokens":3,"temperature":0}')
check "echo puts the prompt before the completion" \
    [ "$(json_get "${got#* }" "j['choices'][0]['text']")" = "Once upon$(json_get "${plain#* }" "j['choices'][0]['text']")" ]
# ids whose text holds a NUL byte (byte-level BPE: ids 0-255 are the bytes): the echo keeps it,
# whole and streamed (texts go out by length, the NUL as \u0000)
got=$(post "$port" /v1/completions '{"prompt":[97,0,98],"echo":true,"max_tokens":1,"temperature":0}')
check "echo of ids with a NUL byte: the text starts a NUL b" \
    [ "$(json_get "${got#* }" "j['choices'][0]['text'][:3] == 'a\x00b'")" = True ]
got=$(post "$port" /v1/completions '{"prompt":[97,0,98],"echo":true,"max_tokens":1,"temperature":0,"stream":true}')
check "streamed echo of ids with a NUL byte: the joined texts start a NUL b" \
    [ "$(printf '%s' "${got#* }" | "$PY" -c "
import json, sys
t = ''.join(c['text'] for l in sys.stdin.read().split('\n') if l.startswith('data: {') for c in json.loads(l[6:])['choices'])
print(t[:3] == 'a\x00b')")" = True ]
# U+0000 in a message reaches the tokenizer as a byte, the rest of the prompt after it
# (no C-string cut): as many prompt tokens as with U+0001; /tokenize reads it as that byte;
# anywhere else it is a 400 naming the field
got=$(post "$port" /tokenize '{"content":"a\u0000b"}')
check "/tokenize: U+0000 is the NUL byte's token" [ "$(json_get "${got#* }" "j['tokens']")" = "[97, 0, 98]" ]
got=$(post "$port" $chat '{"messages":[{"role":"user","content":"a\u0000b"}],"max_tokens":1}')
one=$(post "$port" $chat '{"messages":[{"role":"user","content":"a\u0001b"}],"max_tokens":1}')
check "a message with U+0000 is tokenized whole" \
    [ "${got%% *}" = 200 -a "$(json_get "${got#* }" "j['usage']['prompt_tokens']")" = "$(json_get "${one#* }" "j['usage']['prompt_tokens']")" ]
got=$(post "$port" /v1/completions '{"prompt":"a\u0000b","max_tokens":1,"echo":true}')
one=$(post "$port" /v1/completions '{"prompt":"a\u0001b","max_tokens":1,"echo":true}')
check "a completion prompt with U+0000 is tokenized whole and echoed with it" \
    [ "${got%% *}" = 200 -a "$(json_get "${got#* }" "j['usage']['prompt_tokens']")" = "$(json_get "${one#* }" "j['usage']['prompt_tokens']")" \
      -a "$(json_get "${got#* }" "j['choices'][0]['text'][:3] == 'a\x00b'")" = True ]
got=$(post "$port" /v1/embeddings '{"input":["a\u0000b"]}')
check "an embedding input with U+0000 is not refused for it" [ "$(json_get "${got#* }" "'U+0000' not in str(j)")" = True ]
expect "U+0000 in stop refused by path" 400 invalid_request_error stop "'stop[0]' holds U+0000" \
    "$(post "$port" $chat "{$user,\"stop\":[\"\\u0000\"]}")"
got=$(post "$port" /v1/completions '{"prompt":"Once","logprobs":2,"max_tokens":4,"temperature":0,"echo":true}')
check "completion logprobs: tokens, logprobs, 2 alternatives, offsets after the echo" \
    [ "$(json_get "${got#* }" "(lambda l, t: str(len(l['tokens']) == len(l['token_logprobs']) == len(l['text_offset']) > 0 and all(x <= 0 for x in l['token_logprobs']) and all(1 <= len(m) <= 2 for m in l['top_logprobs']) and l['text_offset'][0] == 4 and t.startswith('Once')))(j['choices'][0]['logprobs'], j['choices'][0]['text'])")" = True ]
got=$(post "$port" $chat "{$user,\"max_tokens\":2,\"tools\":[],\"tool_choice\":\"none\",\"logprobs\":false,\"response_format\":{\"type\":\"text\"},\"presence_penalty\":1,\"frequency_penalty\":1,\"user\":\"u\"}")
check "values that ask for nothing are accepted" [ "${got%% *}" = 200 ]
got=$(curl -s -w ' %{http_code}' "http://127.0.0.1:$port/v1/models/tiny")
check "GET /v1/models/tiny" [ "$(json_get "${got% *}" "j['id'] + ' ' + j['object']")" = "tiny model" ] && [ "${got##* }" = 200 ]
code=$(curl -s -o "$SERVER_TMP/r" -w '%{http_code}' "http://127.0.0.1:$port/v1/models/gpt-9")
expect "GET /v1/models of another model" 404 invalid_request_error None "does not exist" "$code $(cat "$SERVER_TMP/r")"
expect "unknown model" 404 invalid_request_error model "does not exist" \
    "$(post "$port" $chat "{$user,\"model\":\"gpt-9\"}")"
long=$("$PY" -c 'print("word " * 600)')
expect "prompt past the slot's context" 400 invalid_request_error messages "a slot's context holds 128 tokens" \
    "$(post "$port" $chat "{\"messages\":[{\"role\":\"user\",\"content\":\"$long\"}]}")"
expect "max_tokens past the context" 400 invalid_request_error max_tokens "exceeds a slot's context of 128" \
    "$(post "$port" $chat "{$user,\"max_tokens\":500}")"
expect "completion token out of vocabulary" 400 invalid_request_error prompt "not in the vocabulary" \
    "$(post "$port" /v1/completions '{"prompt":[1,999999]}')"
big=$("$PY" -c 'print("{\"prompt\":\"" + "a" * 5000 + "\"}")')
expect "body too large" 413 invalid_request_error None "4096 bytes" "$(post "$port" /v1/completions "$big")"
expect "unknown endpoint" 404 not_found_error None "no endpoint" "$(post "$port" /v2/nothing '{}')"
code=$(curl -s -o "$SERVER_TMP/r" -w '%{http_code}' "http://127.0.0.1:$port$chat")
expect "wrong method" 405 invalid_request_error None "takes POST" "$code $(cat "$SERVER_TMP/r")"
expect "tokenize without content" 400 invalid_request_error content "string" "$(post "$port" /tokenize '{}')"
expect "detokenize a bad id" 400 invalid_request_error tokens "not a token id" \
    "$(post "$port" /detokenize '{"tokens":[-1]}')"

# Tokenize and detokenize round trip.
got=$(post "$port" /tokenize '{"content":"hello world"}')
toks=$(json_get "${got#* }" "json.dumps(j['tokens'])")
got=$(post "$port" /detokenize "{\"tokens\":$toks}")
check "tokenize/detokenize round trip" [ "$(json_get "${got#* }" "j['content']")" = "hello world" ]

# Stop sequences: greedy output, then stop at an ASCII piece of it (text
# the model made of whole characters, so the bytes match).
got=$(post "$port" /v1/completions '{"prompt":"The cat","max_tokens":24,"temperature":0}')
full=$(json_get "${got#* }" "j['choices'][0]['text']")
stop=$(FULL="$full" "$PY" -c 'import os,re; m=[x for x in re.finditer(r"[A-Za-z]{2,}", os.environ["FULL"]) if x.start() > 0]; print(m[0].group(0)[:3] if m else "")')
if [ -n "$stop" ]; then
    want=$(FULL="$full" STOP="$stop" "$PY" -c 'import os; f=os.environ["FULL"]; print(f[:f.index(os.environ["STOP"])])')
    got=$(post "$port" /v1/completions "{\"prompt\":\"The cat\",\"max_tokens\":24,\"temperature\":0,\"stop\":[\"$stop\"]}")
    check "stop sequence '$stop' cuts the text before it" [ "$(json_get "${got#* }" "j['choices'][0]['text']")" = "$want" ]
    check "stop sequence finishes with stop" [ "$(json_get "${got#* }" "j['choices'][0]['finish_reason']")" = stop ]
else
    skip "stop sequence" "the greedy text has no ASCII word: $full"
    skip "stop sequence finish_reason" "as above"
fi

# Prompt prefix reuse: the same conversation again evaluates (almost) no
# prompt tokens the second time, on either slot.
conv='{"messages":[{"role":"system","content":"You answer in one word."},{"role":"user","content":"Name a colour of the sky at noon."}],"max_tokens":2,"temperature":0}'
prompt_total() { curl -s "http://127.0.0.1:$port/metrics" | awk '/^infrac_prompt_tokens_total/ {print $2}'; }
p0=$(prompt_total); post "$port" $chat "$conv" >/dev/null
p1=$(prompt_total); post "$port" $chat "$conv" >/dev/null
p2=$(prompt_total)
check "prefix reuse: first $((p1 - p0)) prompt tokens evaluated, again only $((p2 - p1))" \
    [ $((p2 - p1)) -le 1 -a $((p1 - p0)) -gt 10 ]

# A client that sends half a request is dropped after the idle timeout.
start=$(date +%s)
"$PY" - "$port" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
s.settimeout(10)
try:
    s.recv(100)
except Exception:
    pass
PY
took=$(( $(date +%s) - start ))
check "a stuck client is dropped by the timeout (${took}s)" [ "$took" -le 6 ]

# Metrics count what happened.
curl -s "http://127.0.0.1:$port/metrics" > "$SERVER_TMP/metrics"
check "metrics count the 400s" \
    grep -Eq 'infrac_requests_total\{model="tiny",endpoint="/v1/chat/completions",status="400"\} [1-9][0-9]' "$SERVER_TMP/metrics"
check "metrics: a time-to-first-token histogram with observations" \
    grep -Eq '^infrac_time_to_first_token_seconds_count\{model="tiny"\} [1-9]' "$SERVER_TMP/metrics"
check "metrics: a request-duration histogram with observations" \
    grep -Eq '^infrac_request_duration_seconds_bucket\{model="tiny",le="\+Inf"\} [1-9]' "$SERVER_TMP/metrics"
check "metrics report generated tokens" grep -Eq '^infrac_generated_tokens_total\{model="tiny"\} [1-9]' "$SERVER_TMP/metrics"

# SIGHUP is not a crash; SIGTERM exits 0.
kill -HUP "$ENGINE_PID"; sleep 0.3
check "SIGHUP leaves the engine serving" wait_health "$port" 2
stop_engine; rc=$?
check "SIGTERM exits 0" [ "$rc" -eq 0 ]

# API key: every endpoint but /health needs it.
printf 'sekrit-key\n' > "$SERVER_TMP/key"
port=$(free_port)
start_engine "$SERVER_TMP/engine-key.log" --serve -m "$SERVER_TMP/tiny.gguf" --port "$port" \
    --api-key-file "$SERVER_TMP/key"
check "keyed engine is healthy without a key" wait_health "$port"
code=$(curl -s -o "$SERVER_TMP/r" -w '%{http_code}' "http://127.0.0.1:$port/v1/models")
expect "no key" 401 authentication_error None "API key" "$code $(cat "$SERVER_TMP/r")"
code=$(curl -s -o "$SERVER_TMP/r" -w '%{http_code}' -H 'Authorization: Bearer wrong' "http://127.0.0.1:$port/metrics")
expect "wrong key" 401 authentication_error None "API key" "$code $(cat "$SERVER_TMP/r")"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer sekrit-key' "http://127.0.0.1:$port/v1/models")
check "right key is 200" [ "$code" = 200 ]
# systemd LoadCredential: the file is read from $CREDENTIALS_DIRECTORY by its name.
mkdir "$SERVER_TMP/creds" && printf 'other-key' > "$SERVER_TMP/creds/key"
port2=$(free_port)
CREDENTIALS_DIRECTORY="$SERVER_TMP/creds" start_engine "$SERVER_TMP/engine-cred.log" --serve \
    -m "$SERVER_TMP/tiny.gguf" --port "$port2" --api-key-file /etc/infrac/key
wait_health "$port2"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer other-key' "http://127.0.0.1:$port2/v1/models")
check "key read from CREDENTIALS_DIRECTORY" [ "$code" = 200 ]

# A model that cannot be loaded: the process exits 1 with a message.
port=$(free_port)
printf 'not a gguf' > "$SERVER_TMP/bad.gguf"
"$INFRAC_ENGINE" --serve -m "$SERVER_TMP/bad.gguf" --port "$port" >"$SERVER_TMP/bad.log" 2>&1
rc=$?
check "unloadable model exits 1" [ "$rc" -eq 1 ]
check "and says why" grep -q "cannot load model" "$SERVER_TMP/bad.log"
