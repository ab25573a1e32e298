#!/usr/bin/env python3
"""Ground-truth driver (GPU machine side): start llama-server per configuration, wait for /health, serve one
200-token prompt with 8 generated tokens, read the process's GPU memory from nvidia-smi, stop it."""
import json, os, re, signal, subprocess, sys, time, urllib.request

GT = os.environ.get("GT", "/tmp/lab")
SERVER = os.environ.get("LLAMA_SERVER", GT + "/build/bin/llama-server")
MODELS = GT + "/models"
RES = os.environ.get("RES", GT + "/results.jsonl")
LOGS = GT + "/logs"
os.makedirs(LOGS, exist_ok=True)

# Set 2026-B: the shapes setE1 did not cover. In order of priority.
SHAPES = ["glm47-flash", "qwen35-35b-a3b", "gemma4-31b", "gemma4-12b", "qwen3next-80b-a3b", "gpt-oss-120b"]
MAXC = {"gemma4-12b": 262144, "gemma4-31b": 262144, "qwen35-35b-a3b": 262144, "qwen3next-80b-a3b": 262144,
        "gpt-oss-120b": 131072, "glm47-flash": 202752}
NCMOE = {"qwen35-35b-a3b": 20, "qwen3next-80b-a3b": 24, "gpt-oss-120b": 18, "glm47-flash": 23}


def plan_c():
    """Set 2026-C: glm4moe (GLM-4.5-Air's layers) and the MTP context of llama-server's draft-mtp.
    llama-server built without the CUDA flash-attention kernels (GGML_CUDA_FA=OFF, a shorter build):
    every row runs with -fa off."""
    G, Q = "glm45-air-12l", "qwen35-27b-16l-mtp"
    mtp = ["--spec-type", "draft-mtp"]
    P = [(G, 16384, "f16", 1, "off", []), (G, 16384, "f16", 1, "off", mtp),
         (Q, 16384, "f16", 1, "off", []), (Q, 16384, "f16", 1, "off", mtp),
         (G, 65536, "f16", 1, "off", mtp), (G, 16384, "f16", 1, "off", ["--n-cpu-moe", "4"]),
         (G, 16384, "f16", 4, "off", mtp), (Q, 65536, "f16", 1, "off", mtp)]
    return [x + (512, 2048) for x in P]


def plan_d():
    """Set 2026-D: Gemma 4 26B-A4B (the MoE), then the MTP context with 4 slots and a quantized cache.
    llama-server built without the CUDA flash-attention kernels (GGML_CUDA_FA=OFF, a shorter build, as set
    2026-C): every row runs with -fa off."""
    G = "gemma4-26b-a4b"
    P = [(G, 8192, "f16", 1, []), (G, 32768, "f16", 1, []), (G, 131072, "f16", 1, []),
         (G, 262144, "q8_0", 1, []), (G, 32768, "q8_0", 1, []), (G, 32768, "q4_0", 1, []),
         (G, 32768, "f16", 4, []), (G, 131072, "f16", 4, []), (G, 32768, "f16", 1, ["--n-cpu-moe", "15"]),
         (G, 32768, "f16", 1, ["--swa-full"]), (G, 32768, "f16", 4, ["--swa-full"]), (G, 32768, "f16", 4, ["-kvu"]),
         (G, 262144, "f16", 1, [])]
    M, Q = "glm45-air-12l", "qwen35-27b-16l-mtp"
    mtp = ["--spec-type", "draft-mtp"]
    P += [(Q, 16384, "f16", 4, mtp), (Q, 65536, "q8_0", 1, mtp), (M, 16384, "f16", 4, mtp), (M, 16384, "q8_0", 1, mtp)]
    return [(s, c, ct, np_, "off", x, 512, 2048) for (s, c, ct, np_, x) in P] + [(G, 32768, "f16", 1, "off", [], 2048, 2048)]


def plan_e():
    """Set 2026-E: quantized K with an f16 V cache (what runs without flash attention: llama.cpp refuses a
    quantized V cache with -fa off, "quantized V cache requires flash_attn to be enabled", as set D found) on
    Gemma 4 26B-A4B and the MTP contexts; a draft model (-md) beside Qwen3-8B. A cache type "K/V" names the
    two; an argument "MODEL:NAME" is the path of model NAME."""
    G, M, Q, T = "gemma4-26b-a4b", "glm45-air-12l", "qwen35-27b-16l-mtp", "qwen3-8b"
    mtp = ["--spec-type", "draft-mtp"]
    md = ["-md", "MODEL:qwen3-0.6b", "-ngld", "all"]  # a draft model (Qwen3-0.6B for Qwen3-8B)
    P = [(T, 16384, "f16", 1, []), (T, 32768, "f16", 1, md), (T, 32768, "f16", 4, md),
         (T, 40960, "q8_0/f16", 1, md + ["-ctkd", "q8_0"])]
    P += [(G, 32768, "q8_0/f16", 1, []), (G, 262144, "q8_0/f16", 1, []), (G, 32768, "q4_0/f16", 1, []),
         (G, 131072, "q8_0/f16", 4, []), (Q, 65536, "q8_0/f16", 1, mtp), (M, 16384, "q8_0/f16", 1, mtp),
         (Q, 65536, "q4_0/f16", 4, mtp), (G, 65536, "f16", 2, ["--n-cpu-moe", "30"]),
         (Q, 65536, "f16", 1, mtp + ["--spec-draft-type-k", "q8_0"]), (M, 16384, "f16", 1, mtp + ["--spec-draft-type-k", "q4_0"])]
    return [(s, c, ct, np_, "off", x, 512, 2048) for (s, c, ct, np_, x) in P]


def plan_f():
    """Set 2026-F: the draft model as llama-server uses it. Set E found that -md alone loads the draft and
    frees it again ("no implementations specified for speculative decoding": --spec-type defaults to none), so
    these rows add --spec-type draft-simple. Then Gemma 4 with every expert on the host (--n-cpu-moe 30) at
    several contexts and batches: set E's row was 1.42% under the estimate's compute buffer."""
    G, T = "gemma4-26b-a4b", "qwen3-8b"
    md = ["-md", "MODEL:qwen3-0.6b", "-ngld", "all", "--spec-type", "draft-simple"]
    ncm = ["--n-cpu-moe", "30"]
    P = [(T, 32768, "f16", 1, md, 512), (T, 32768, "f16", 4, md, 512), (T, 40960, "q8_0/f16", 1, md + ["-ctkd", "q8_0"], 512),
         (T, 8192, "f16", 1, md, 2048),
         (G, 8192, "f16", 1, ncm, 512), (G, 16384, "f16", 1, ncm, 512), (G, 32768, "f16", 1, ncm, 512),
         (G, 131072, "f16", 1, ncm, 512), (G, 8192, "f16", 1, ncm, 2048), (G, 32768, "f16", 1, ncm, 2048),
         (G, 32768, "f16", 1, ["--n-cpu-moe", "1"], 512), (G, 32768, "f16", 4, ncm, 512)]
    return [(s, c, ct, np_, "off", x, ub, 2048) for (s, c, ct, np_, x, ub) in P]


def plan_g():
    """Set 2026-G: llama-server built with the flash-attention kernels (FA_KERNELS=ON). Embedding models
    served with --embedding (bge-m3 as arch bert, nomic-embed-text-v1.5 as nomic-bert: encoders without a KV
    cache; Qwen3-0.6B as a decoder with last-token pooling), flash attention off and on; then, with flash
    attention on, what sets C-F could not run: a draft model (-md), the MTP contexts, and Gemma 4 26B-A4B with
    a quantized V cache. llama-server sets n_batch = n_ubatch for --embedding (tools/server/server.cpp), so
    those rows pass -b = -ub."""
    B, N, Q, T = "bge-m3", "nomic-embed-v1.5", "qwen3-0.6b", "qwen3-8b"
    G, M, Z = "gemma4-26b-a4b", "glm45-air-12l", "qwen35-27b-16l-mtp"
    emb = ["--embedding"]
    P = []
    for fa in ("off", "on"):
        P += [(B, 8192, "f16", 1, fa, emb, 512, 512), (B, 8192, "f16", 1, fa, emb, 2048, 2048),
              (B, 8192, "f16", 1, fa, emb, 8192, 8192), (B, 8192, "f16", 4, fa, emb, 2048, 2048),
              (B, 512, "f16", 1, fa, emb, 512, 512),
              (N, 2048, "f16", 1, fa, emb, 512, 512), (N, 2048, "f16", 1, fa, emb, 2048, 2048),
              (N, 2048, "f16", 4, fa, emb, 2048, 2048),
              (Q, 8192, "f16", 1, fa, emb + ["--pooling", "last"], 512, 512),
              (Q, 32768, "f16", 1, fa, emb + ["--pooling", "last"], 2048, 2048)]
    md = ["-md", "MODEL:qwen3-0.6b", "-ngld", "all", "--spec-type", "draft-simple"]
    mtp = ["--spec-type", "draft-mtp"]
    R = [(T, 32768, "f16", 1, md), (T, 32768, "f16", 4, md), (T, 40960, "q8_0", 1, md + ["-ctkd", "q8_0", "-ctvd", "q8_0"]),
         (T, 32768, "q4_0", 1, md + ["-ctkd", "q4_0", "-ctvd", "q4_0"]),
         (Z, 16384, "f16", 1, mtp), (Z, 65536, "q8_0", 1, mtp), (Z, 16384, "f16", 4, mtp),
         (M, 16384, "f16", 1, mtp), (M, 16384, "q8_0", 4, mtp),
         (G, 32768, "f16", 1, []), (G, 32768, "q8_0", 1, []), (G, 262144, "q4_0", 1, []), (G, 131072, "q8_0", 4, []),
         (G, 32768, "f16", 1, ["--n-cpu-moe", "30"]), (G, 32768, "f16", 4, ["--swa-full"])]
    P += [(s, c, ct, np_, "on", x, 512, 2048) for (s, c, ct, np_, x) in R]
    return P


def plan_h():
    """Set 2026-H: several slots with a quantized cache and flash attention on, across architectures. Set G
    found that the F16 copy flash attention makes of a quantized cache spans every slot's stream (4 slots of
    Gemma 4 26B-A4B at q8_0: 3 x 128 MiB more than one); these rows check it on dense, sliding-window,
    hybrid, sink and MLA models, with a unified cache (one stream), K alone quantized, and 8 slots."""
    T, G12, G31, Z, O, F = "qwen3-8b", "gemma4-12b", "gemma4-31b", "qwen35-27b", "gpt-oss-20b", "glm47-flash"
    P = [(T, 32768, "q8_0", 4, [], 512), (T, 32768, "q8_0/f16", 2, [], 512), (T, 40960, "q4_0", 4, [], 512),
         (T, 32768, "q8_0", 4, ["-kvu"], 512), (T, 32768, "q8_0", 8, [], 2048), (T, 32768, "q8_0", 1, [], 512),
         (G12, 32768, "q8_0", 4, [], 512), (G12, 131072, "q4_0", 4, [], 512),
         (G31, 65536, "q8_0", 2, [], 512),
         (Z, 65536, "q8_0", 4, [], 512),
         (O, 32768, "q8_0", 4, [], 512),
         (F, 32768, "q8_0", 4, [], 512)]
    return [(s, c, ct, np_, "on", x, ub, 2048) for (s, c, ct, np_, x, ub) in P]


def plan_i():
    """Set 2026-I: glm4moe (GLM-4.5-Air's layer shape, 96 heads) with flash attention on and no MTP: set G's
    MTP rows put its target compute buffer 50 MiB above the estimate at 16K; contexts 8K-131K, f16/q8_0/q4_0,
    1 and 4 slots, ub 512 and 2048, experts on the host."""
    M = "glm45-air-12l"
    P = [(M, 8192, "f16", 1, [], 512), (M, 16384, "f16", 1, [], 512), (M, 32768, "f16", 1, [], 512),
         (M, 131072, "f16", 1, [], 512), (M, 32768, "q8_0", 1, [], 512), (M, 65536, "q4_0", 4, [], 512),
         (M, 32768, "f16", 4, [], 512), (M, 16384, "f16", 1, [], 2048), (M, 32768, "f16", 1, ["--n-cpu-moe", "6"], 512)]
    return [(s, c, ct, np_, "on", x, ub, 2048) for (s, c, ct, np_, x, ub) in P]


def plan():
    if os.environ.get("ROUND") == "I":
        return plan_i()
    if os.environ.get("ROUND") == "H":
        return plan_h()
    if os.environ.get("ROUND") == "G":
        return plan_g()
    if os.environ.get("ROUND") == "F":
        return plan_f()
    if os.environ.get("ROUND") == "E":
        return plan_e()
    if os.environ.get("ROUND") == "C":
        return plan_c()
    if os.environ.get("ROUND") == "D":
        return plan_d()
    by = {}
    for s in SHAPES:
        P = [(s, 8192, "f16", 1, "on", []), (s, 32768, "f16", 1, "on", []), (s, 131072, "f16", 1, "on", []),
             (s, 32768, "q8_0", 1, "on", []), (s, 32768, "q4_0", 1, "on", []), (s, 32768, "f16", 4, "on", []),
             (s, 8192, "f16", 1, "off", []), (s, 32768, "f16", 1, "off", [])]
        if s in NCMOE:
            P.append((s, 32768, "f16", 1, "on", ["--n-cpu-moe", str(NCMOE[s])]))
        if s.startswith("gemma4"):
            P.append((s, 32768, "f16", 1, "on", ["--swa-full"]))
            P.append((s, 32768, "f16", 4, "on", ["--swa-full"]))
        if MAXC[s] > 131072:
            P.append((s, MAXC[s], "q8_0", 1, "on", []))
            P.append((s, MAXC[s], "f16", 1, "on", []))
        P.append((s, 131072, "f16", 4, "on", []))
        P.append((s, 32768, "f16", 4, "off", []))
        P.append((s, 131072, "q4_0", 1, "on", []))
        P.append((s, 32768, "f16", 4, "on", ["-kvu"]))
        P = [x + (512, 2048) for x in P]
        P.append((s, 32768, "f16", 1, "on", [], 2048, 2048))
        P.append((s, 131072, "f16", 1, "off", [], 512, 2048))
        by[s] = P
    # shape-major: the sparse model stays in the page cache between its configurations
    return [x for s in SHAPES for x in by[s]]


KEEP = re.compile(r"KV buffer size|RS buffer size|compute buffer size|model buffer size|llama_kv_cache: size|"
                  r"llama_memory_recurrent: size|padding V cache|n_ctx_seq|n_ctx  |n_seq_max|kv_unified|flash_attn  |"
                  r"n_swa|swa_full|offloaded|splits = |creating|error|failed|invalid|unknown arg|out of memory|memory_breakdown|"
                  r"CUDA_Host|Mapped|warn: ", re.I)


def smi():
    if os.environ.get("NO_SMI"):
        return {}, "n/a"
    out = subprocess.run(["nvidia-smi", "--query-compute-apps=pid,used_memory", "--format=csv,noheader,nounits"],
                         capture_output=True, text=True).stdout
    apps = {}
    for line in out.strip().splitlines():
        parts = [x.strip() for x in line.split(",")]
        if len(parts) == 2 and parts[0].isdigit():
            apps[int(parts[0])] = int(parts[1]) if parts[1].isdigit() else parts[1]
    tot = subprocess.run(["nvidia-smi", "--query-gpu=memory.used,memory.total", "--format=csv,noheader,nounits"],
                         capture_output=True, text=True).stdout.strip()
    return apps, tot


def get(url, data=None, timeout=5):
    req = urllib.request.Request(url, data=json.dumps(data).encode() if data is not None else None,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, r.read()


def run_one(i, s, c, ct, np_, fa, extra, ub=512, b=2048):
    port = 18100 + i
    tag = "%02d-%s-c%d-%s-np%d-fa%s-ub%d%s" % (i, s, c, ct.replace("/", "-"), np_, fa, ub, "".join(x.strip("-") for x in extra))
    logf = "%s/%s.log" % (LOGS, tag)
    cmd = [SERVER, "-m", "%s/%s.gguf" % (MODELS, s), "--host", "127.0.0.1", "--port", str(port), "--fit", "off",
           "-ngl", "all", "-c", str(c), "-np", str(np_), "-ctk", ct.split("/")[0], "-ctv", ct.split("/")[-1], "-fa", fa, "-b", str(b),
           "-ub", str(ub), "-lv", "4"] + [
               "%s/%s.gguf" % (MODELS, x[6:]) if x.startswith("MODEL:") else x for x in extra]
    base_apps, base_tot = smi()
    t0 = time.time()
    with open(logf, "w") as lf:
        proc = subprocess.Popen(cmd, stdout=lf, stderr=subprocess.STDOUT)
    ok, note, mib, tot = False, "", None, ""
    try:
        deadline = time.time() + 240
        while time.time() < deadline:
            if proc.poll() is not None:
                note = "server exited rc=%s before healthy" % proc.returncode
                break
            try:
                st, _ = get("http://127.0.0.1:%d/health" % port, timeout=2)
                if st == 200:
                    break
            except Exception:
                pass
            time.sleep(0.5)
        else:
            note = "health timeout"
        if proc.poll() is None and not note:
            t_h = time.time() - t0
            tokens = [300 + (k * 7) % 5000 for k in range(200)]
            try:
                if "--embedding" in extra:  # an embedding server answers no completions
                    st, body = get("http://127.0.0.1:%d/v1/embeddings" % port, {"input": tokens}, timeout=180)
                    js = json.loads(body)
                    note = "healthy after %.1fs; embedding ok: %d floats, prompt_tokens=%s" % (
                        t_h, len(js["data"][0]["embedding"]), js.get("usage", {}).get("prompt_tokens"))
                else:
                    st, body = get("http://127.0.0.1:%d/completion" % port,
                                   {"prompt": tokens, "n_predict": 8, "temperature": 0}, timeout=180)
                    js = json.loads(body)
                    note = "healthy after %.1fs; completion ok: prompt_n=%s predicted_n=%s" % (
                        t_h, js.get("timings", {}).get("prompt_n"), js.get("timings", {}).get("predicted_n"))
                ok = True
            except Exception as e:
                note = "healthy after %.1fs; completion failed: %r" % (t_h, e)
            time.sleep(1.0)
            apps, tot = smi()
            mib = apps.get(proc.pid)
            if mib is None:
                note += "; pid %d not in nvidia-smi apps %s" % (proc.pid, apps)
                ok = False
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    # wait for the GPU to be free again
    for _ in range(40):
        apps, _t = smi()
        if proc.pid not in apps:
            break
        time.sleep(0.25)
    lines = open(logf, errors="replace").read().splitlines()
    keep = [l.strip() for l in lines if KEEP.search(l)]
    if not ok:
        keep += ["TAIL: " + l for l in lines[-15:]]
    keep = keep[:80]
    keep.append("driver: %s; wall %.1fs; nvidia-smi memory.used,total after = %s; before = %s (apps before %s)" % (
        note, time.time() - t0, tot, base_tot, base_apps))
    row = {"shape": s, "ub": ub, "b": b, "np": np_, "fa": fa, "ctk": ct.split("/")[0], "ctv": ct.split("/")[-1], "c": c, "extra": extra,
           "ok": bool(ok and isinstance(mib, int)), "gpus": 1, "per_gpu_mib": [mib] if isinstance(mib, int) else [],
           "log": keep, "ngl": "all"}
    with open(RES, "a") as f:
        f.write(json.dumps(row) + "\n")
    print(tag, row["ok"], row["per_gpu_mib"], note, flush=True)


def main():
    done = set()
    if os.path.exists(RES):
        for l in open(RES):
            r = json.loads(l)
            done.add((r["shape"], r["c"], r["ctk"] if r["ctk"] == r["ctv"] else r["ctk"] + "/" + r["ctv"], r["np"], r["fa"], tuple(r["extra"]), r["ub"], r["b"]))
    only = sys.argv[1:]  # optional shape filter
    for i, (s, c, ct, np_, fa, extra, ub, b) in enumerate(plan()):
        if os.path.exists(GT + "/STOP"):
            break
        if only and s not in only:
            continue
        if (s, c, ct, np_, fa, tuple(extra), ub, b) in done:
            continue
        run_one(i, s, c, ct, np_, fa, extra, ub, b)
    print("ALL DONE", flush=True)


if __name__ == "__main__":
    main()
