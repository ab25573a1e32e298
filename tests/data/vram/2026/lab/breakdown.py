#!/usr/bin/env python3
"""Prints each measured row of rows.jsonl beside the CUDA0 buffer sizes llama.cpp logged (model, KV, RS,
compute) and the rest (measured minus logged: CUDA context, cuBLAS workspace, pools).
usage: breakdown.py [rows.jsonl]"""
import json, re, sys

path = sys.argv[1] if len(sys.argv) > 1 else __file__.rsplit("/", 2)[0] + "/rows.jsonl"
for line in open(path):
    r = json.loads(line)
    def total(pat):
        return sum(float(m.group(1)) for l in r["log"] for m in [re.search(pat, l)] if m)
    model = total(r"CUDA0 model buffer size =\s*([\d.]+)")
    kv = total(r"CUDA0 KV buffer size =\s*([\d.]+)")
    rs = total(r"CUDA0 RS buffer size =\s*([\d.]+)")
    comp = total(r"CUDA0 compute buffer size =\s*([\d.]+)")
    mib = r["per_gpu_mib"][0] if r["per_gpu_mib"] else 0
    print("%-18s c=%-6d %-4s np%d fa%-3s ub%-4d %-16s meas=%6d model=%8.1f kv=%8.1f rs=%6.1f comp=%7.1f rest=%6.1f" % (
        r["shape"], r["c"], r["ctk"], r["np"], r["fa"], r["ub"], " ".join(r["extra"]), mib, model, kv, rs, comp,
        mib - model - kv - rs - comp))
