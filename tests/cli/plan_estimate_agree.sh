#!/bin/sh
# `infrac plan` and `infrac estimate` take their defaults from one table
# (compiler/estimate/engine_defaults.c): for every service of every example,
# the plan's resolved request equals what `infrac estimate` uses when given
# only the keys the fleet sets, on the same model (a reference GGUF header
# stands in for the example's models, which are not on this machine).
. "$SRC/tests/lib/tap.sh"
tmp=$(mktemp -d /tmp/plan-est-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
gguf="$SRC/tests/data/reference/llama3-1b.gguf"
for ex in "$SRC"/examples/*.yaml; do
    name=$(basename "$ex" .yaml)
    "$INFRAC" plan "$ex" --format json >"$tmp/$name.plan.json" 2>"$tmp/$name.err"
    check "$name: infrac plan succeeds" [ $? -eq 0 ]
    out=$(python3 - "$ex" "$tmp/$name.plan.json" "$INFRAC" "$gguf" <<'PY'
import json, subprocess, sys, yaml
fleet = yaml.safe_load(open(sys.argv[1]))
plan = json.load(open(sys.argv[2]))
infrac, gguf = sys.argv[3], sys.argv[4]
shared = fleet.get("defaults") or {}
svcs = fleet.get("services") or {}
bad = []
for p in plan["services"]:
    s = dict(shared); s.update(svcs.get(p["name"]) or {})
    args = [infrac, "estimate", "--gguf", gguf, "--format", "json", "--engine", p["engine"],
            "--context", str(p["context"]), "--gpus", str(len(p["gpus"]))]
    if p["engine"] == "vllm":
        if "max_num_seqs" in s: args += ["--parallel", str(s["max_num_seqs"])]
        elif "parallel" in s: args += ["--parallel", str(s["parallel"])]
        if "max_num_batched_tokens" in s:
            args += ["--batch", str(s["max_num_batched_tokens"]), "--ubatch", str(s["max_num_batched_tokens"])]
        if "gpu_memory_utilization" in s: args += ["--gpu-memory-utilization", str(s["gpu_memory_utilization"])]
    else:
        for k in ("parallel", "batch", "ubatch"):
            if k in s: args += ["--" + k, str(s[k])]
    if "flash_attention" in s: args += ["--flash-attention", "on" if s["flash_attention"] else "off"]
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        bad.append("%s: infrac estimate failed: %s" % (p["name"], r.stderr.strip())); continue
    req = json.loads(r.stdout)["request"]
    for k in ("parallel", "batch", "ubatch", "flash_attention"):
        if req[k] != p[k]:
            bad.append("%s (%s): %s plan %s, estimate %s" % (p["name"], p["engine"], k, p[k], req[k]))
    print("%s %s parallel=%s batch=%s ubatch=%s" % (p["name"], p["engine"], p["parallel"], p["batch"], p["ubatch"]))
for b in bad: print("MISMATCH " + b)
sys.exit(1 if bad else 0)
PY
)
    rc=$?
    printf '%s\n' "$out" | sed "s/^/# $name: /"
    check "$name: plan and estimate use the same parallel/batch/ubatch/flash_attention" [ $rc -eq 0 ]
done
