#!/bin/sh
# OUT/prometheus/ of infrac build (issue 13, item 4): the scrape
# configuration passes `promtool check config`; a real Prometheus started on
# it scrapes a real infrac-engine through the API key's credentials_file and
# sees job=<fleet> with the host/service/model/engine labels; the engine's
# live /metrics passes `promtool check metrics`; every PromQL expression of
# the Grafana dashboard parses (`promtool check rules`) and names only
# metrics the engines export (infrac-engine's live output, llama-server's and
# vLLM's lists in tests/data/metrics). Loopback only.
. "$SRC/tests/lib/tap.sh"
. "$SRC/tests/lib/engine.sh"
. "$SRC/tests/lib/prometheus_tools.sh"

T=$SERVER_TMP
make_model "$T/tiny.gguf" --ctx 512 || fail "infrac-mkmodel made a model"
printf 'scrape-key\n' > "$T/chat.key"
printf 'llama-key\n' > "$T/llama.key"
p_chat=$(free_port) p_open=$(free_port) p_prom=$(free_port)
cat > "$T/fleet.yaml" <<YAML
fleet: obs
hosts:
  here:
    address: 127.0.0.1
    memory: 64 GiB
    cpus: 2
  gpu:
    address: 192.0.2.20
    memory: 64 GiB
    cpus: 8
    gpus: [rtx-4090]
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
    api_key_file: $T/chat.key
  open:
    host: here
    engine: infrac
    model: tiny
    port: $p_open
    context: 512
  llama:
    host: gpu
    model: tiny
    port: 8080
    bind: 0.0.0.0
    context: 512
    api_key_file: $T/llama.key
  quiet:
    host: gpu
    model: tiny
    port: 8081
    context: 512
    metrics: false
YAML
"$INFRAC" build "$T/fleet.yaml" -o "$T/out" > "$T/build.log" 2>&1
check "infrac build writes OUT/prometheus/" \
    [ -f "$T/out/prometheus/prometheus.yml" -a -f "$T/out/prometheus/grafana-dashboard.json" ]
[ -f "$T/out/prometheus/prometheus.yml" ] || { sed 's/^/# /' "$T/build.log"; echo "1..$TAP_N"; exit 0; }
cfg=$T/out/prometheus/prometheus.yml dash=$T/out/prometheus/grafana-dashboard.json

# The configuration as data (python3-yaml).
jobs() { "$PY" -c 'import sys, yaml
for j in yaml.safe_load(open(sys.argv[1]))["scrape_configs"]:
    t = j["static_configs"][0]
    print(j["job_name"], t["targets"][0], t["labels"]["host"], t["labels"]["service"], t["labels"]["model"],
          t["labels"]["engine"], (j.get("authorization") or {}).get("credentials_file", "-"),
          j["relabel_configs"][0]["replacement"])' "$cfg"; }
jobs > "$T/jobs" 2>&1
check "one job per service that serves /metrics" [ "$(cut -d' ' -f1 "$T/jobs" | tr '\n' ' ')" = "obs/llama obs/chat obs/open " ]
check "a wildcard bind is scraped at the host's address, with its key file" \
    grep -qx "obs/llama 192.0.2.20:8080 gpu llama tiny llama.cpp $T/llama.key obs" "$T/jobs"
check "a keyed infrac service is scraped with its key file" \
    grep -qx "obs/chat 127.0.0.1:$p_chat here chat tiny infrac $T/chat.key obs" "$T/jobs"
check "a keyless one without authorization" grep -qx "obs/open 127.0.0.1:$p_open here open tiny infrac - obs" "$T/jobs"
check "metrics: false is left out, saying so" grep -q '# gpu/quiet: no /metrics (metrics: false)' "$cfg"
check "llama-server gets --metrics" grep -q -- '--metrics' "$T/out/gpu/bin/llama.sh"
check "the key never appears in the configuration" sh -c "! grep -q -e scrape-key -e llama-key '$cfg' '$dash'"

if ! prometheus_tools; then
    echo "# SKIPPED: no promtool: $PROM_WHY" >&2
    skip "promtool check config, metrics and rules; a real Prometheus scrape" "$PROM_WHY"
    echo "1..$TAP_N"; exit 0
fi
"$PROMTOOL" check config "$cfg" > "$T/check.log" 2>&1
check "promtool check config" [ $? = 0 ]
sed 's/^/# /' "$T/check.log" | grep -iv '^# *SUCCESS' | head -n 5

# A real engine from the build output, and its /metrics as Prometheus reads it.
start_engine "$T/chat.log" --config "$T/out/here/etc/chat.json"
start_engine "$T/open.log" --config "$T/out/here/etc/open.json"
wait_health "$p_chat" 30 || fail "chat came up"
wait_health "$p_open" 30 || fail "open came up"
post "$p_open" /v1/completions '{"prompt": "Hello", "max_tokens": 4}' > /dev/null
curl -s -m 5 -H 'Authorization: Bearer scrape-key' "http://127.0.0.1:$p_chat/metrics" > "$T/chat.metrics"
curl -s -m 5 "http://127.0.0.1:$p_open/metrics" > "$T/open.metrics"
check "/metrics refuses a scrape without the key" \
    [ "$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$p_chat/metrics")" = 401 ]
"$PROMTOOL" check metrics < "$T/open.metrics" > "$T/lint.log" 2>&1
check "promtool check metrics on infrac-engine's live /metrics" [ $? = 0 ]
sed 's/^/# /' "$T/lint.log" | head -n 10

# Every PromQL expression of the dashboard as a recording rule for promtool
# (Grafana's variables given values), and every metric name it uses.
"$PY" - "$dash" "$T/rules.yml" "$T/names" <<'PY'
import json, re, sys, yaml
d = json.load(open(sys.argv[1]))
exprs = [t["expr"] for p in d["panels"] for t in p["targets"]]
rules = [{"record": "infrac:panel_%d" % i,
          "expr": e.replace("$__rate_interval", "5m").replace("$host", ".*").replace("$service", ".*")}
         for i, e in enumerate(exprs)]
yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}, open(sys.argv[2], "w"))
names = set()
for e in exprs:
    for m in re.findall(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\{", e):
        if m not in ("by",):
            names.add(re.sub(r"_bucket$", "", m))
open(sys.argv[3], "w").write("\n".join(sorted(names)) + "\n")
PY
"$PROMTOOL" check rules "$T/rules.yml" > "$T/rules.log" 2>&1
check "promtool parses every expression of the dashboard ($(grep -c 'expr' "$T/rules.yml") of them)" [ $? = 0 ]
[ -s "$T/rules.log" ] && grep -qv SUCCESS "$T/rules.log" && sed 's/^/# /' "$T/rules.log" | head -n 10
exported() { # NAME: the engine that owns it exports it
    case $1 in
        up) return 0 ;;
        infrac_*) grep -q "^$1\(_bucket\)\?[{ ]" "$T/open.metrics" ;;
        llamacpp:*) grep -qx "$1" "$SRC/tests/data/metrics/llamacpp.txt" ;;
        vllm:*) grep -qx "$1" "$SRC/tests/data/metrics/vllm.txt" ;;
        *) return 1 ;;
    esac
}
unknown=""
while read -r name; do exported "$name" || unknown="$unknown $name"; done < "$T/names"
check "the dashboard names only metrics the engines export (unknown:${unknown:- none})" [ -z "$unknown" ]
for engine in infrac_ llamacpp: vllm:; do
    check "the dashboard shows $engine metrics" grep -q "^$engine" "$T/names"
done
check "the dashboard selects the fleet's job" sh -c "grep -q 'job=\\\\\"obs\\\\\"' '$dash'"

# A real Prometheus on the generated configuration (its scrape interval
# shortened to keep the test brief) scrapes both engines, the keyed one
# through credentials_file, with the fleet's job and the service labels.
sed 's/scrape_interval: 15s/scrape_interval: 1s/; s/scrape_timeout: 10s/scrape_timeout: 1s/' "$cfg" > "$T/prom.yml"
"$PROMETHEUS" --config.file="$T/prom.yml" --storage.tsdb.path="$T/tsdb" \
    --web.listen-address="127.0.0.1:$p_prom" > "$T/prometheus.log" 2>&1 &
SERVER_PIDS="$SERVER_PIDS $!"
query() { curl -s -m 3 "http://127.0.0.1:$p_prom/api/v1/query" --data-urlencode "query=$1"; }
up_of() { # SERVICE -> the value of up{job="obs", service=...}
    query "up{job=\"obs\",service=\"$1\",host=\"here\",model=\"tiny\",engine=\"infrac\"}" |
        "$PY" -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")' 2>/dev/null
}
both_up() { [ "$(up_of chat)" = 1 ] && [ "$(up_of open)" = 1 ]; }
i=0
while [ "$i" -lt 100 ] && ! both_up; do sleep 0.2; i=$((i + 1)); done
check "Prometheus scrapes the keyed engine through credentials_file (up=$(up_of chat))" [ "$(up_of chat)" = 1 ]
check "and the keyless one (up=$(up_of open))" [ "$(up_of open)" = 1 ]
both_up || sed 's/^/# /' "$T/prometheus.log" | tail -n 10
tokens=$(query 'infrac_generated_tokens_total{job="obs",service="open"}' |
    "$PY" -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")' 2>/dev/null)
counted() { [ -n "$tokens" ] && [ "${tokens%%.*}" -ge 1 ] 2>/dev/null; }
check "the engine's own series arrive with the fleet's labels (generated tokens: ${tokens:-none})" counted
echo "1..$TAP_N"
