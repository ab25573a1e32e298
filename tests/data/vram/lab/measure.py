#!/usr/bin/env python3
"""Runs llama-server once per configuration and records the GPU memory of the
process per GPU (nvidia-smi --query-compute-apps) after /health and one short
completion, plus its host RSS. Appends one JSON object per line to argv[2]."""
import json, os, subprocess, sys, time, urllib.request

BIN, OUT, MODELS = sys.argv[1], sys.argv[2], sys.argv[3]
LOGS = os.path.join(os.path.dirname(OUT), "logs")
os.makedirs(LOGS, exist_ok=True)
PORT = 8181
PROMPT = " the a of and to" * 40  # 200 tokens of the test vocabulary

def smi(q):
    r = subprocess.run(["nvidia-smi", "--query-" + q, "--format=csv,noheader,nounits"],
                       capture_output=True, text=True)
    return [[c.strip() for c in l.split(",")] for l in r.stdout.strip().splitlines() if l.strip()]

UUID = {u: int(i) for i, u in smi("gpu=index,uuid")}

def http(path, body=None, timeout=5):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (PORT, path),
                                 data=json.dumps(body).encode() if body else None,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, r.read()

def measure(row):
    model = os.path.join(MODELS, row["model"] + ".gguf")
    args = [BIN, "-m", model, "--host", "127.0.0.1", "--port", str(PORT), "--fit", "off"] + row["args"]
    if os.environ.get("LV"):
        args += ["-lv", os.environ["LV"]]
    env = dict(os.environ, CUDA_VISIBLE_DEVICES=row["devices"])
    log = open(os.path.join(LOGS, row["id"] + ".log"), "w")
    t0 = time.time()
    p = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env)
    res = dict(row, command="CUDA_VISIBLE_DEVICES=%s llama-server -m %s.gguf --fit off %s" %
               (row["devices"], row["model"], " ".join(row["args"])))
    ok = False
    while time.time() - t0 < 240 and p.poll() is None:
        try:
            if http("/health")[0] == 200:
                ok = True
                break
        except Exception:
            pass
        time.sleep(0.3)
    if ok:
        try:
            st, body = http("/completion", {"prompt": PROMPT, "n_predict": 8}, timeout=120)
            res["completion"] = json.loads(body).get("timings", {})
        except Exception as e:
            res["error"] = "completion: %s" % e
        time.sleep(1.0)
        per_gpu = {}
        for pid, uuid, mem in smi("compute-apps=pid,gpu_uuid,used_memory"):
            if int(pid) == p.pid:
                per_gpu[UUID.get(uuid, uuid)] = int(mem)
        res["measured_gpu_mib"] = [per_gpu.get(i) for i in sorted(per_gpu)] if per_gpu else None
        res["measured_gpu_by_index"] = {str(k): v for k, v in per_gpu.items()}
        res["all_apps"] = smi("compute-apps=pid,gpu_uuid,used_memory")
        try:
            with open("/proc/%d/status" % p.pid) as f:
                for l in f:
                    if l.startswith("VmRSS:"):
                        res["host_rss_mib"] = int(l.split()[1]) // 1024
        except Exception:
            pass
    else:
        res["error"] = "no /health (exit %s)" % p.poll()
    p.terminate()
    try:
        p.wait(30)
    except subprocess.TimeoutExpired:
        p.kill(); p.wait()
    log.close()
    res["seconds"] = round(time.time() - t0, 1)
    with open(OUT, "a") as f:
        f.write(json.dumps(res) + "\n")
    print(res["id"], res.get("measured_gpu_mib"), res.get("host_rss_mib"), res.get("error", ""), flush=True)
    time.sleep(1.0)

def base(ctx=4096, ub=512, b=2048, np_=1, fa="on", k="f16", v="f16", ngl="all"):
    return ["-ngl", str(ngl), "-c", str(ctx), "-ctk", k, "-ctv", v, "-ub", str(ub), "-b", str(b),
            "-np", str(np_), "-fa", fa]

ROWS = []
def add(id_, model, devices, args):
    ROWS.append(dict(id=id_, model=model, devices=devices, args=args))

D, M, G = "llama3-8b", "qwen3moe-30b-a3b-24l", "gemma3-4b"
two = os.environ.get("TWO_GPUS", "1") == "1"
# dense: sanity row (as the reference), partial offload
add("dense-ngl-all", D, "0", base())
for n in (0, 8, 16, 32):
    add("dense-ngl-%d" % n, D, "0", base(ngl=n))
add("dense-ngl-16-ctx32k", D, "0", base(ctx=32768, ngl=16))
# MoE
add("moe-ncmoe-0", M, "0", base())
add("moe-ncmoe-8", M, "0", base() + ["--n-cpu-moe", "8"])
add("moe-ncmoe-all", M, "0", base() + ["--n-cpu-moe", "24"])
add("moe-ctx32k", M, "0", base(ctx=32768))
add("moe-ctx32k-ncmoe-all", M, "0", base(ctx=32768) + ["--n-cpu-moe", "24"])
add("moe-ub2048", M, "0", base(ub=2048))
add("moe-ngl-12", M, "0", base(ngl=12))
# gemma3 sliding window
add("gemma3-ctx4k", G, "0", base())
add("gemma3-ctx4k-swafull", G, "0", base() + ["--swa-full"])
add("gemma3-ctx32k", G, "0", base(ctx=32768))
add("gemma3-ctx32k-swafull", G, "0", base(ctx=32768) + ["--swa-full"])
add("gemma3-ctx32k-np4", G, "0", base(ctx=32768, np_=4))
add("gemma3-ctx32k-np4-swafull", G, "0", base(ctx=32768, np_=4) + ["--swa-full"])
add("gemma3-ctx32k-fa-off", G, "0", base(ctx=32768, fa="off"))
add("gemma3-ctx32k-q8", G, "0", base(ctx=32768, k="q8_0", v="q8_0"))
add("gemma3-ngl-20", G, "0", base(ngl=20))
# two GPUs
if two:
    add("dense-ts-1-1", D, "0,1", base() + ["-ts", "1,1"])
    add("dense-ts-3-1", D, "0,1", base() + ["-ts", "3,1"])
    add("dense-ts-1-1-ctx32k", D, "0,1", base(ctx=32768) + ["-ts", "1,1"])
    add("moe-ts-1-1", M, "0,1", base() + ["-ts", "1,1"])
    add("moe-ts-3-1", M, "0,1", base() + ["-ts", "3,1"])
    add("gemma3-ts-1-1", G, "0,1", base(ctx=32768) + ["-ts", "1,1"])

if os.environ.get("EXTRA") == "1":
    add("dense-ngl-0-ctx32k", D, "0", base(ctx=32768, ngl=0))
    add("dense-ngl-16-fa-off", D, "0", base(ngl=16, fa="off"))
    add("dense-ngl-16-ub2048", D, "0", base(ngl=16, ub=2048))
    add("moe-ncmoe-all-ub2048", M, "0", base(ub=2048) + ["--n-cpu-moe", "24"])
    add("moe-ncmoe-8-fa-off", M, "0", base(fa="off") + ["--n-cpu-moe", "8"])
    add("gemma3-ctx32k-np4-kvu", G, "0", base(ctx=32768, np_=4) + ["-kvu"])
    add("gemma3-ctx128k", G, "0", base(ctx=131072))
    add("gemma3-ctx4k-ub2048", G, "0", base(ub=2048))
    add("dense-ts-1-1-ngl-16", D, "0,1", base(ngl=16) + ["-ts", "1,1"])
    add("dense-ts-1-3", D, "0,1", base() + ["-ts", "1,3"])
    add("moe-ts-1-1-ncmoe-8", M, "0,1", base() + ["--n-cpu-moe", "8", "-ts", "1,1"])
    add("dense-ts-1-1-fa-off", D, "0,1", base(fa="off") + ["-ts", "1,1"])
if os.environ.get("SET") == "2":
    ROWS.clear()
    M2, F = "qwen3moe-235b-a22b-6l", "llama3-8b-f16"
    add("moe2-ncmoe-0", M2, "0", base())
    add("moe2-ncmoe-all", M2, "0", base() + ["--n-cpu-moe", "6"])
    add("moe2-ub2048", M2, "0", base(ub=2048))
    add("moe2-ncmoe-all-ub2048", M2, "0", base(ub=2048) + ["--n-cpu-moe", "6"])
    add("moe2-ncmoe-3-fa-off", M2, "0", base(fa="off") + ["--n-cpu-moe", "3"])
    add("moe2-ts-1-1", M2, "0,1", base() + ["-ts", "1,1"])
    add("f16-ngl-8", F, "0", base(ngl=8))
    add("f16-ngl-8-ub2048", F, "0", base(ngl=8, ub=2048))
    add("f16-ngl-0", F, "0", base(ngl=0))
    add("f16-ngl-all", F, "0", base())

done = set()
if os.path.exists(OUT):
    done = {json.loads(l)["id"] for l in open(OUT) if l.strip()}
for r in ROWS:
    if r["id"] not in done:
        measure(r)
