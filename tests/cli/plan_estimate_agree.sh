#!/bin/sh
# `infrac plan` and `infrac estimate` agree. First the defaults, from one
# function (service_config_defaults, over compiler/estimate/engine_defaults.c):
# for every service of every example,
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
    # the stand-in header is no encoder: say what the plan resolved from the model
    if p.get("embeddings"): args += ["--embedding"]
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        bad.append("%s: infrac estimate failed: %s" % (p["name"], r.stderr.strip())); continue
    req = json.loads(r.stdout)["request"]
    for k in ("parallel", "batch", "ubatch", "flash_attention", "embeddings"):
        if req[k] != p[k]:
            bad.append("%s (%s): %s plan %s, estimate %s" % (p["name"], p["engine"], k, p[k], req[k]))
    print("%s %s parallel=%s batch=%s ubatch=%s" % (p["name"], p["engine"], p["parallel"], p["batch"], p["ubatch"]))
for b in bad: print("MISMATCH " + b)
sys.exit(1 if bad else 0)
PY
)
    rc=$?
    printf '%s\n' "$out" | sed "s/^/# $name: /"
    check "$name: plan and estimate use the same parallel/batch/ubatch/flash_attention/embeddings" [ $rc -eq 0 ]
done

# The same bytes: every example again, its models swapped for the reference
# header (so `infrac estimate --gguf` reads the model the plan estimated;
# cpu_moe_layers dropped, the header being dense), and for each service the
# memory `infrac plan` reports per GPU and in host RAM equals what `infrac
# estimate` gives for the plan's resolved values, a draft model (--draft, the
# reference header too) and MTP (--mtp) included. Not comparable, and said
# so: services on GPUs of different kinds (one --gpu), vLLM on a custom GPU
# (no --gpu for its claim), or with a cache type their build declares
# (estimate takes the built-in ones; test_front_engines checks those bytes).
TAP_START=$TAP_N python3 - "$SRC" "$INFRAC" "$gguf" "$tmp" <<'PY'
import glob, json, math, os, subprocess, sys, yaml
src, infrac, gguf, tmp = sys.argv[1:5]
MIB = 1 << 20
n = int(os.environ["TAP_START"])  # the shell part's checks come first
def tap(ok, what):
    global n
    n += 1
    print(("ok" if ok else "not ok") + " %d - %s" % (n, what))
engines = set()
BUILTIN_CACHES = {"f32", "f16", "bf16", "q8_0", "q4_0", "q4_1", "iq4_nl", "q5_0", "q5_1", "auto", "fp8", "fp8_e4m3", "fp8_e5m2"}
for ex in sorted(glob.glob(os.path.join(src, "examples", "*.yaml"))):
    name = os.path.basename(ex)[:-5]
    fleet = yaml.safe_load(open(ex))
    for m in (fleet.get("models") or {}).values():
        keep = {"path": m.get("path", "/models/model.gguf")}
        m.clear(); m.update(keep); m["gguf"] = gguf
    for s in (fleet.get("services") or {}).values():
        s.pop("cpu_moe_layers", None)
    (fleet.get("defaults") or {}).pop("cpu_moe_layers", None)
    path = os.path.join(tmp, name + ".swapped.yaml")
    yaml.safe_dump(fleet, open(path, "w"))
    r = subprocess.run([infrac, "plan", path, "--format", "json"], capture_output=True, text=True)
    tap(r.returncode == 0, "%s (reference model): infrac plan succeeds" % name)
    if r.returncode != 0:
        print("# " + r.stderr.replace("\n", "\n# "))
        continue
    plan = json.loads(r.stdout)
    hosts = {h["name"]: h for h in plan["hosts"]}
    for p in plan["services"]:
        host = hosts[p["host"]]
        cards = {host["gpus"][g]["model"] for g in p["gpus"]}
        why = None
        if len(cards) > 1: why = "GPUs of different kinds"
        elif p.get("build") and not {p["cache_k"], p["cache_v"]} <= BUILTIN_CACHES: why = "a cache type its build declares"
        args = [infrac, "estimate", "--gguf", gguf, "--format", "json", "--engine", p["engine"],
                "--context", str(p["context"]), "--parallel", str(p["parallel"]),
                "--batch", str(p["batch"]), "--cache-k", p["cache_k"], "--cache-v", p["cache_v"],
                "--flash-attention", "on" if p["flash_attention"] else "off", "--gpus", str(len(p["gpus"]))]
        if p["engine"] != "vllm": args += ["--ubatch", str(p["ubatch"])]
        if p["gpu_layers"] != "all": args += ["--gpu-layers", str(p["gpu_layers"])]
        if p["swa_full"]: args.append("--swa-full")
        if p["kv_unified"]: args.append("--kv-unified")
        if p["tensor_split"] and any(p["tensor_split"]):
            args += ["--tensor-split", ",".join("%g" % x for x in p["tensor_split"])]
        if p["engine"] == "vllm" and p["gpu_memory_utilization"]:
            args += ["--gpu-memory-utilization", repr(p["gpu_memory_utilization"])]
        if p["engine"] == "llama.cpp":
            if p["cache_ram_bytes"] % MIB: why = why or "a cache_ram that is not whole MiB"
            args += ["--cache-ram", str(p["cache_ram_bytes"] // MIB)]
        d = p.get("draft") or {}
        types = (d.get("spec_type") or "").split(",")
        if d.get("model"):
            args += ["--draft", gguf]
            if p["engine"] == "llama.cpp":
                args += ["--draft-cache", d.get("cache") or "f16", "--draft-gpu-layers", str(d["gpu_layers"])]
                if d.get("gpu") is not None: args += ["--draft-gpu", str(p["gpus"].index(d["gpu"]))]
        if "draft-mtp" in types or (p["engine"] == "vllm" and "mtp" in types): args.append("--mtp")
        if p["engine"] == "infrac":
            threads = p["threads"] or host.get("cpus")
            if threads: args += ["--threads", str(threads)]
        if cards:
            card = cards.pop()
            known = subprocess.run([infrac, "estimate", "--gguf", gguf, "--gpu", card],
                                   capture_output=True).returncode == 0
            if known: args += ["--gpu", card]
            elif p["engine"] == "vllm": why = why or "vLLM on a custom GPU"
        if why:
            print("# %s/%s (%s): not compared: %s" % (name, p["name"], p["engine"], why))
            continue
        r = subprocess.run(args, capture_output=True, text=True)
        if r.returncode != 0:
            tap(False, "%s/%s: infrac estimate failed: %s" % (name, p["name"], r.stderr.strip()))
            continue
        est = json.loads(r.stdout)
        pm = p["memory"]
        bad = []
        pairs = [("host", pm["host"], est["host"])]
        if len(pm["gpus"]) != len(est["gpus"]):
            bad.append("%d GPUs in the plan, %d in the estimate" % (len(pm["gpus"]), len(est["gpus"])))
        pairs += [("GPU %d" % i, a, b) for i, (a, b) in enumerate(zip(pm["gpus"], est["gpus"]))]
        for where, a, b in pairs:
            if a["total"] != b["total_bytes"]:
                bad.append("%s total: plan %d, estimate %d bytes" % (where, a["total"], b["total_bytes"]))
            for k in ("weights", "kv_cache", "compute", "overhead", "other"):
                if math.ceil(a[k] / MIB) != b[k + "_mib"]:
                    bad.append("%s %s: plan %d bytes, estimate %d MiB" % (where, k, a[k], b[k + "_mib"]))
        engines.add(p["engine"])
        tap(not bad, "%s/%s (%s): plan and estimate give the same bytes (%d GPUs, host %d)"
            % (name, p["name"], p["engine"], len(pm["gpus"]), pm["host"]["total"]))
        for b in bad: print("#   " + b)
tap(engines >= {"llama.cpp", "vllm", "infrac"}, "memory compared for llama.cpp, vLLM and infrac services (%s)"
    % ", ".join(sorted(engines)))
PY
