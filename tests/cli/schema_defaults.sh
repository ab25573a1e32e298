#!/bin/sh
# The schema's defaults are what infrac applies: a service of each engine
# that sets nothing is planned (`infrac plan --format json`), and every
# service option whose schema states a default (the JSON Schema "default",
# for the first engine it applies to, and the description's "Default: X
# (vllm: Y)" for the others) must equal the value the plan resolved. The
# schema's defaults are written from the resolver's table
# (compiler/fleet/fleet_schema_defaults.c), so this catches a default that
# the resolver overrides after the table, or a key mapped to a wrong field.
. "$SRC/tests/lib/tap.sh"
tmp=$(mktemp -d /tmp/schema-defaults-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/fleet.yaml" <<'YAML'
fleet: defaults
hosts:
  gpu-a: {memory: 128 GiB, cpus: 16, gpus: [rtx-a6000]}
  gpu-b: {memory: 128 GiB, cpus: 16, gpus: [rtx-a6000]}
  cpu: {memory: 32 GiB, cpus: 8}
models:
  small:
    path: /models/small.gguf
    shape: {arch: qwen2, layers: 28, embd: 1536, heads: 12, kv_heads: 2, head_dim: 128, ff: 8960,
            vocab: 151936, ctx_train: 32768, weights: 1 GiB}
services:
  llamacpp: {host: gpu-a, model: small, port: 8080, gpus: [0]}
  vllm: {engine: vllm, host: gpu-b, model: small, port: 8000, gpus: [0]}
  infrac: {engine: infrac, host: cpu, model: small, port: 8080}
YAML
"$INFRAC" schema > "$tmp/schema.json" || fail "infrac schema"
if ! "$INFRAC" plan "$tmp/fleet.yaml" --format json > "$tmp/plan.json" 2> "$tmp/plan.err"; then
    fail "a service of each engine that sets nothing plans: $(head -3 "$tmp/plan.err")"
    exit 0
fi
python3 - "$tmp/schema.json" "$tmp/plan.json" > "$tmp/out" <<'PY'
import json, re, sys
schema = json.load(open(sys.argv[1]))
plan = json.load(open(sys.argv[2]))
services = {s["name"]: s for s in plan["services"]}
engines = ["llama.cpp", "vllm", "infrac"]
units = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}
def size(text):
    m = re.fullmatch(r"([0-9]+) ?([A-Za-z]*)", text)
    return int(m.group(1)) * units[m.group(2) or "B"]
# where the plan shows each option: (field, how the schema's text reads);
# every key with a default must be listed here or in described.
shown = {
    "engine": ("engine", str), "bind": ("bind", str), "parallel": ("parallel", int),
    "cache": ("cache_k", str), "flash_attention": ("flash_attention", lambda t: t == "true"),
    "batch": ("batch", int), "max_num_batched_tokens": ("batch", int), "ubatch": ("ubatch", int),
    "autostart": ("autostart", lambda t: t == "true"),
    "gpu_layers": ("gpu_layers", lambda t: t if t == "all" else int(t)),
    "cpu_moe_layers": ("cpu_moe_layers", int), "swa_full": ("swa_full", lambda t: t == "true"),
    "kv_unified": ("kv_unified", lambda t: t == "true"),
    "gpu_memory_utilization": ("gpu_memory_utilization", float), "metrics": ("metrics", lambda t: t == "true"),
    "restart": ("restart", str), "restart_sec": ("restart_sec", int), "cache_ram": ("cache_ram_bytes", size),
}
# defaults that are a description or that no plan field shows
described = {"context", "max_num_seqs", "threads", "load_mode", "chat_template", "mlock", "numa", "embeddings"}  # embeddings: on for an encoder (the model decides); mlock: the plan shows it as load_mode; numa: none means no --numa flag
bad, checked = [], 0
for key, prop in schema["definitions"]["defaults"]["properties"].items():
    m = re.search(r"Default: (.*)\.$", prop.get("description", ""))
    if not m:
        continue
    if key in described:
        if "default" in prop:
            bad.append("%s: a described default has a JSON default" % key)
        continue
    if key not in shown:
        bad.append("%s: has a default the test does not compare" % key)
        continue
    eng = re.search(r"\((llama\.cpp(?:, vllm)?(?:, infrac)?|vllm(?:, infrac)?|infrac)\) Default", prop["description"])
    applies = eng.group(1).split(", ") if eng else engines
    if key == "engine":  # only the llama.cpp service leaves its engine unset
        applies = ["llama.cpp"]
    text = m.group(1)
    per = dict(re.findall(r"(llama\.cpp|vllm|infrac): ([^,)]+)", text[text.find(" (") :])) if " (" in text else {}
    first = text.split(" (")[0]
    field, parse = shown[key]
    if "default" not in prop:
        bad.append("%s: no JSON default" % key)
    elif prop["default"] != parse(first) and not (key == "cache_ram" and prop["default"] == first):
        bad.append("%s: JSON default %r, description %r" % (key, prop["default"], first))
    for e in applies:
        want = parse(per.get(e, first))
        got = services["vllm" if e == "vllm" else e.replace(".", "")][field]
        checked += 1
        if got != want:
            bad.append("%s (%s): schema says %r, plan resolved %r" % (key, e, want, got))
print("\n".join(bad) if bad else "ok %d" % checked)
PY
if grep -q "^ok [1-9]" "$tmp/out"; then ok "schema defaults equal what the plan resolves ($(cat "$tmp/out"))"
else fail "schema defaults equal what the plan resolves: $(cat "$tmp/out")"; fi
