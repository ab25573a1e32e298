#!/usr/bin/env python3
"""Prints `infrac estimate` (llama.cpp engine, total of GPU 0) beside the measured MiB for every row of
rows.jsonl, with the error in MiB and percent, and the mean absolute error per shape.
usage: INFRAC=build/release/infrac compare.py [rows.jsonl]"""
import json, os, subprocess, sys

here = os.path.dirname(os.path.abspath(__file__))
rows = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "rows.jsonl")
infrac = os.environ.get("INFRAC", "build/release/infrac")
per = {}
for line in open(rows):
    r = json.loads(line)
    if not r["ok"]:
        continue
    cmd = [infrac, "estimate", "--gguf", os.path.join(here, "..", "headers", r["shape"] + ".gguf"),
           "--engine", "llama.cpp", "--context", str(r["c"]), "--cache-k", r["ctk"], "--cache-v", r["ctv"],
           "--batch", str(r["b"]), "--ubatch", str(r["ub"]), "--parallel", str(r["np"]),
           "--flash-attention", r["fa"], "--gpu-layers", "all", "--format", "json"]
    x = r["extra"]
    if "--n-cpu-moe" in x:
        cmd += ["--cpu-moe-layers", x[x.index("--n-cpu-moe") + 1]]
    if "--swa-full" in x:
        cmd.append("--swa-full")
    if "-kvu" in x:
        cmd.append("--kv-unified")
    p = subprocess.run(cmd, capture_output=True, text=True)
    meas = r["per_gpu_mib"][0]
    if p.returncode != 0:
        est, note = None, (p.stderr.strip().splitlines() or ["rc=%d" % p.returncode])[0][:60]
    else:
        est, note = json.loads(p.stdout)["gpus"][0]["total_mib"], ""
    tag = "%s c=%d %s np%d fa%s ub%d %s" % (r["shape"], r["c"], r["ctk"], r["np"], r["fa"], r["ub"], " ".join(x))
    if est is None:
        print("%-62s meas=%6d est=   n/a  %s" % (tag, meas, note))
        continue
    d = est - meas
    per.setdefault(r["shape"], []).append(abs(d) / meas)
    print("%-62s meas=%6d est=%6d diff=%+6d (%+5.1f%%)" % (tag, meas, est, d, 100.0 * d / meas))
for s, v in per.items():
    print("%-20s rows=%3d mean |err| = %.1f%%  max = %.1f%%" % (s, len(v), 100 * sum(v) / len(v), 100 * max(v)))
