#!/bin/sh
# infrac status end to end, on loopback only: real infrac-engine processes
# started from a build output (up; another model; a refused key), fake
# servers (loading, garbage, hang, another engine, exclusive peers), nothing
# at all, an unreachable host, and a staged install with a retired service.
. "$SRC/tests/lib/tap.sh"
. "$SRC/tests/lib/engine.sh"

T=$SERVER_TMP
FAKE="$SRC/tests/cli/status_fake.py"
make_model "$T/tiny.gguf" --ctx 512 || { fail "infrac-mkmodel made a model"; exit 0; }
printf 'sekrit-key\n' > "$T/key"
printf 'other-key\n' > "$T/otherkey"
for v in chat wrong badkey gone junk stuck warm llama impostor exa exb exc exd manual; do
    eval "p_$v=\$(free_port)"
done

# svc NAME PORT [ENGINE] [EXTRA YAML LINES]: one service block on host here.
svc() {
    printf '  %s:\n    host: here\n    engine: %s\n    model: tiny\n    port: %s\n    context: 512\n' \
        "$1" "${3:-infrac}" "$2"
    [ -n "${4:-}" ] && printf '%b\n' "$4"
    return 0
}
{
    cat <<YAML
fleet: st
hosts:
  here:
    address: 127.0.0.1
    memory: 64 GiB
    cpus: 2
  far:
    address: 192.0.2.10
    memory: 32 GiB
    cpus: 2
models:
  tiny:
    path: $T/tiny.gguf
    gguf: $T/tiny.gguf
services:
YAML
    svc chat "$p_chat" infrac "    api_key_file: $T/key"
    svc wrong "$p_wrong"
    svc badkey "$p_badkey" infrac "    api_key_file: $T/key"
    svc gone "$p_gone"
    svc junk "$p_junk"
    svc stuck "$p_stuck"
    svc warm "$p_warm"
    svc llama "$p_llama" llama.cpp
    svc impostor "$p_impostor" llama.cpp
    svc exa "$p_exa" infrac "    exclusive: big"
    svc exb "$p_exb" infrac "    exclusive: big"
    svc exc "$p_exc" infrac "    exclusive: pair"
    svc exd "$p_exd" infrac "    exclusive: pair"
    svc manual "$p_manual" infrac "    autostart: false"
    printf '  far-chat:\n    host: far\n    engine: infrac\n    model: tiny\n    port: 8080\n    context: 512\n    bind: 0.0.0.0\n    api_key_file: /etc/infrac/far.key\n'
    printf '  far-local:\n    host: far\n    engine: infrac\n    model: tiny\n    port: 8081\n    context: 512\n'
} > "$T/fleet.yaml"
"$INFRAC" build "$T/fleet.yaml" -o "$T/out" >"$T/build.log" 2>&1
check "infrac build" [ -f "$T/out/here/etc/chat.json" ]
[ -f "$T/out/here/etc/chat.json" ] || sed 's/^/# /' "$T/build.log"

# Real engines from the build output; two with a config changed behind the plan's back.
start_engine "$T/chat.log" --config "$T/out/here/etc/chat.json"
sed 's/"alias": "tiny"/"alias": "other-model"/' "$T/out/here/etc/wrong.json" > "$T/wrong.json"
start_engine "$T/wrong.log" --config "$T/wrong.json"
sed "s|\"api_key_file\": \"$T/key\"|\"api_key_file\": \"$T/otherkey\"|" "$T/out/here/etc/badkey.json" > "$T/badkey.json"
start_engine "$T/badkey.log" --config "$T/badkey.json"
fake() { "$PY" "$FAKE" "$@" > /dev/null 2>&1 & SERVER_PIDS="$SERVER_PIDS $!"; }
fake "$p_junk" garbage
fake "$p_stuck" hang
fake "$p_warm" loading
fake "$p_llama" engine tiny llamacpp
fake "$p_impostor" engine tiny infrac
fake "$p_exa" engine tiny
fake "$p_exb" engine tiny
fake "$p_exc" engine tiny
for p in $p_chat $p_wrong $p_badkey $p_llama $p_exa $p_exb $p_exc; do
    wait_health "$p" 30 || fail "port $p came up"
done

start=$(date +%s)
"$INFRAC" status "$T/out" --timeout 1 > "$T/st.txt" 2> "$T/st.err"; rc=$?
"$INFRAC" status "$T/out" --timeout 1 --format json > "$T/st.json" 2> "$T/st.jerr"; jrc=$?
elapsed=$(( $(date +%s) - start ))
check "drift and down exit 1 (text $rc, json $jrc)" [ "$rc" = 1 -a "$jrc" = 1 ]
check "two runs with hung and unreachable peers take bounded time (${elapsed}s)" [ "$elapsed" -le 12 ]

state() { # SERVICE -> its state in the JSON
    "$PY" -c "import json,sys; j=json.load(open(sys.argv[1])); print([s['state'] for s in j['services'] if s['service']==sys.argv[2]][0])" "$T/st.json" "$1" 2>/dev/null
}
detail() {
    "$PY" -c "import json,sys; j=json.load(open(sys.argv[1])); print([s['detail'] for s in j['services'] if s['service']==sys.argv[2]][0])" "$T/st.json" "$1" 2>/dev/null
}
expect() { # SERVICE STATE DETAIL-SUBSTRING WHY
    _s=$(state "$1"); _d=$(detail "$1")
    case "$_d" in *"$3"*) _m=1 ;; *) _m=0 ;; esac
    check "$1 is $2: $4 (got $_s: $_d)" [ "$_s" = "$2" -a "$_m" = 1 ]
}
expect chat up "serves tiny" "a real engine with the plan's model and key"
expect wrong drifted "serves other-model, planned tiny" "a real engine serving another model"
expect badkey drifted "API key is refused" "a real engine with another key"
expect gone down "nothing listens" "nothing on the port"
expect junk drifted "not an HTTP answer" "a server answering garbage"
expect stuck down "no answer within 1000 ms" "a server that accepts and never answers"
expect warm starting "loading" "/health 503"
expect llama up "serves tiny" "llama.cpp's owner on a llama.cpp service"
expect impostor drifted "another engine" "infrac answering for a llama.cpp service"
expect exa drifted "exclusive group big" "both of an exclusive group run"
expect exb drifted "exclusive group big" "both of an exclusive group run"
expect exc up "serves tiny" "the one running member of a group"
expect exd down "as planned: its exclusive peer runs: exc" "its peer runs"
expect manual down "as planned: not started by the target" "autostart: false"
expect far-chat down "192.0.2.10:8080" "an unreachable host"
expect far-local down "not reachable from here" "a loopback bind on another host"
check "the key is never printed" sh -c "! grep -q sekrit '$T/st.txt' '$T/st.json' '$T/st.err'"
check "text lists every service with its state" sh -c \
    "grep -q '^here  *chat  *up  *127.0.0.1:$p_chat ' '$T/st.txt' && grep -q '^far  *far-chat  *down ' '$T/st.txt'"
if [ -d /run/systemd/system ]; then
    check "systemd present: unit states read" grep -q '"present"' "$T/st.json"
else
    check "systemd absent: said so, not failed" grep -q 'systemd is not running on this machine' "$T/st.txt"
fi

# --host, a fleet file as the plan, exit 0 when all is as planned.
cat > "$T/ok.yaml" <<YAML
fleet: ok
hosts:
  here:
    address: 127.0.0.1
    memory: 32 GiB
    cpus: 2
models:
  tiny:
    path: $T/tiny.gguf
    gguf: $T/tiny.gguf
services:
  chat:
    host: here
    engine: infrac
    model: tiny
    port: $p_chat
    context: 512
    api_key_file: $T/key
  retired:
    host: here
    engine: infrac
    model: tiny
    port: $p_exa
    context: 512
YAML
quiet() { "$@" > "$T/quiet.out" 2>&1; }
check_exit 0 "a fleet file whose services run as planned exits 0" quiet "$INFRAC" status "$T/ok.yaml" --timeout 1
"$INFRAC" build "$T/ok.yaml" -o "$T/okout" >/dev/null 2>&1
INFRAC_INSTALL_ROOT="$T/root" sh "$T/okout/here/install.sh" >/dev/null 2>&1
sed '/^  retired:/,$d' "$T/ok.yaml" > "$T/ok2.yaml"
"$INFRAC" status "$T/ok2.yaml" --root "$T/root" --timeout 1 --format json > "$T/un.json" 2>&1; rc=$?
got=$("$PY" -c "import json,sys; j=json.load(open(sys.argv[1])); print(' '.join(s['service']+'='+s['state'] for s in j['services']))" "$T/un.json" 2>/dev/null)
check "a service installed here but gone from the fleet is unexpected, exit 1 ($got, exit $rc)" \
    [ "$got" = "chat=up retired=unexpected" -a "$rc" = 1 ]
check "and it says it still answers" grep -q 'still answers on its port' "$T/un.json"
check_exit 0 "--host here of the ok fleet exits 0" quiet "$INFRAC" status "$T/ok2.yaml" --host here --timeout 1

check_exit 2 "no argument exits 2" "$INFRAC" status 2>/dev/null
check_exit 2 "an unknown --host exits 2" "$INFRAC" status "$T/out" --host nowhere 2>/dev/null
check_exit 2 "a bad --format exits 2" "$INFRAC" status "$T/out" --format yaml 2>/dev/null
check_exit 2 "a bad --timeout exits 2" "$INFRAC" status "$T/out" --timeout 0 2>/dev/null
check_exit 2 "a directory without a plan exits 2" "$INFRAC" status "$T" 2>/dev/null
check_exit 0 "--help exits 0" quiet "$INFRAC" status --help
check "--help prints the usage on stdout" grep -q '^usage: infrac status' "$T/quiet.out"
echo "1..$TAP_N"
