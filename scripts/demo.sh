#!/bin/sh
# make demo: builds infrac, makes a tiny test model, compiles
# examples/demo.yaml, runs its engine: infrac service with `infrac run`,
# asks it one chat question with curl, prints the memory plan and stops
# everything. Cleans up on any failure.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bin="$root/build/release"
work=$(mktemp -d /tmp/infrac-demo-XXXXXX)
run_pid=""

cleanup() {
    status=$?
    if [ -n "$run_pid" ] && kill -0 "$run_pid" 2>/dev/null; then
        kill -TERM "$run_pid" 2>/dev/null || true
        i=0
        while kill -0 "$run_pid" 2>/dev/null && [ $i -lt 250 ]; do sleep 0.1; i=$((i + 1)); done
        kill -KILL "$run_pid" 2>/dev/null || true
    fi
    if [ "$status" -ne 0 ] && [ -f "$work/run.log" ]; then
        echo "--- infrac run log:" >&2
        cat "$work/run.log" >&2
    fi
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { printf '\n== %s\n' "$*"; }

step "build"
make -j2 >/dev/null

step "make a tiny model (random weights) into build/demo/model.gguf"
mkdir -p build/demo
"$bin/infrac-mkmodel" -o build/demo/model.gguf

step "infrac build examples/demo.yaml"
"$bin/infrac" build examples/demo.yaml -o "$work/out"
config=$(find "$work/out" -path "*/etc/*.json" | sort | head -n 1)
url=$(sed -n 's/^ *"url": "\(.*\)",*$/\1/p' "$config")
model=$(sed -n 's/^ *"alias": "\(.*\)",*$/\1/p' "$config")
if curl -s -o /dev/null "$url/health"; then
    echo "demo: something already listens at $url: stop it first" >&2
    exit 1
fi

step "infrac run (in the background)"
INFRAC_ENGINE="$bin/infrac-engine" "$bin/infrac" run "$work/out" >"$work/run.log" 2>&1 &
run_pid=$!
i=0
until [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/health")" = 200 ]; do
    kill -0 "$run_pid" 2>/dev/null || { echo "demo: infrac run exited" >&2; exit 1; }
    [ $i -lt 300 ] || { echo "demo: $url/health did not answer in 30 s" >&2; exit 1; }
    sleep 0.1; i=$((i + 1))
done
cat "$work/run.log"

step "POST $url/v1/chat/completions"
answer=$(curl -s --fail-with-body -H 'Content-Type: application/json' \
    -d "{\"model\":\"$model\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello! Who are you?\"}],\"max_tokens\":24,\"seed\":1}" \
    "$url/v1/chat/completions")
echo "$answer"
printf '\nassistant (a random tiny model, so expect noise): %s\n' \
    "$(printf '%s' "$answer" | sed -n 's/.*"content":"\(\([^"\\]\|\\.\)*\)".*/\1/p')"

step "infrac plan examples/demo.yaml"
"$bin/infrac" plan examples/demo.yaml

step "stop"
kill -TERM "$run_pid"
wait "$run_pid"
run_pid=""
tail -n 3 "$work/run.log"
echo "demo: done"
