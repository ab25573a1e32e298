#!/usr/bin/env python3
"""Writes the GGUF models measured by measure.sh: real shapes, zero weights
(memory does not depend on values; a Q4_0 block of zeros is valid). The tensor
data is left as a hole in a sparse file, so writing takes no time. A copy cut at
the start of the data section (the header) is written beside each model."""
import os, sys
sys.path.insert(0, os.path.join(os.environ.get("LLAMA_SRC", "llama"), "gguf-py"))
import numpy as np
import gguf
from gguf import GGMLQuantizationType as Q

def b36(i):
    s = ""
    a = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    while True:
        s = a[i % 62] + s
        i //= 62
        if i == 0:
            return s

def vocab(w, n):
    toks = ["<unk>", "<s>", "</s>"] + ["<0x%02X>" % b for b in range(256)]
    types = [2, 3, 3] + [6] * 256
    words = "the a of and to in is for on with that this it as be at by from or an are was".split()
    for word in words:
        toks.append("\u2581" + word); types.append(1)
    i = 0
    while len(toks) < n:
        toks.append(b36(i)); types.append(1); i += 1
    w.add_tokenizer_model("llama")
    w.add_token_list(toks[:n])
    w.add_token_types(types[:n])
    w.add_unk_token_id(0); w.add_bos_token_id(1); w.add_eos_token_id(2)

def nbytes(shape, t):
    n = 1
    for d in shape:
        n *= d
    if t == Q.F32:
        return n * 4
    if t == Q.F16:
        return n * 2
    bs, ts = gguf.GGML_QUANT_SIZES[t]
    return n // bs * ts

def write(path, arch, hp, tensors, n_vocab):
    w = gguf.GGUFWriter(path, arch)
    w.add_name(os.path.basename(path))
    w.add_context_length(hp["ctx"])
    w.add_embedding_length(hp["embd"])
    w.add_block_count(hp["layers"])
    w.add_feed_forward_length(hp["ff"])
    w.add_head_count(hp["heads"])
    w.add_head_count_kv(hp["kv"])
    w.add_key_length(hp["hd"])
    w.add_value_length(hp["hd"])
    w.add_layer_norm_rms_eps(1e-6)
    w.add_rope_freq_base(hp.get("rope", 10000.0))
    w.add_file_type(2)  # MOSTLY_Q4_0
    if "experts" in hp:
        w.add_expert_count(hp["experts"]); w.add_expert_used_count(hp["used"])
        w.add_expert_feed_forward_length(hp["ff_exp"])
    if "swa" in hp:
        w.add_sliding_window(hp["swa"])
    vocab(w, n_vocab)
    total = 0
    for name, shape, t in tensors:  # shape in ggml order (ne0 first)
        nb = nbytes(shape, t)
        w.add_tensor_info(name, list(reversed(shape)), np.float32, nb, raw_dtype=t)
        total += w.ggml_pad(nb, w.data_alignment)
    w.write_header_to_file(); w.write_kv_data_to_file(); w.write_ti_data_to_file()
    f = w.fout[0]
    pos = f.tell()
    pad = w.ggml_pad(pos, w.data_alignment) - pos
    f.write(b"\0" * pad)
    data_start = f.tell()
    f.flush(); f.close(); w.fout = None
    with open(path, "rb") as src, open(path[:-5] + ".header.gguf", "wb") as dst:
        dst.write(src.read(data_start))
    os.truncate(path, data_start + total)
    print(path, "header", data_start, "data", total, flush=True)

def dense_layer(i, e, hd, h, kv, ff, gemma=False, qk_norm=False):
    p = "blk.%d." % i
    t = [(p + "attn_norm.weight", [e], Q.F32),
         (p + "attn_q.weight", [e, hd * h], Q.Q4_0),
         (p + "attn_k.weight", [e, hd * kv], Q.Q4_0),
         (p + "attn_v.weight", [e, hd * kv], Q.Q4_0),
         (p + "attn_output.weight", [hd * h, e], Q.Q4_0),
         (p + "ffn_norm.weight", [e], Q.F32)]
    if qk_norm:
        t += [(p + "attn_q_norm.weight", [hd], Q.F32), (p + "attn_k_norm.weight", [hd], Q.F32)]
    if gemma:
        t += [(p + "post_attention_norm.weight", [e], Q.F32), (p + "post_ffw_norm.weight", [e], Q.F32)]
    if ff:
        t += [(p + "ffn_gate.weight", [e, ff], Q.Q4_0), (p + "ffn_up.weight", [e, ff], Q.Q4_0),
              (p + "ffn_down.weight", [ff, e], Q.Q4_0)]
    return t

def main2(out):
    """Second set: a wider MoE (Qwen3-235B-A22B's layer dims, 6 layers) and
    the llama3-8b shape with F16 weights (for host-weight copies)."""
    os.makedirs(out, exist_ok=True)
    L = 6
    hp = dict(ctx=40960, embd=4096, layers=L, ff=12288, heads=64, kv=4, hd=128, rope=1000000.0,
              experts=128, used=8, ff_exp=1536)
    V = 151936
    ts = [("token_embd.weight", [4096, V], Q.Q4_0)]
    for i in range(L):
        p = "blk.%d." % i
        ts += dense_layer(i, 4096, 128, 64, 4, 0, qk_norm=True)
        ts += [(p + "ffn_gate_inp.weight", [4096, 128], Q.F32),
               (p + "ffn_gate_exps.weight", [4096, 1536, 128], Q.Q4_0),
               (p + "ffn_up_exps.weight", [4096, 1536, 128], Q.Q4_0),
               (p + "ffn_down_exps.weight", [1536, 4096, 128], Q.Q4_0)]
    ts += [("output_norm.weight", [4096], Q.F32), ("output.weight", [4096, V], Q.Q4_0)]
    write(out + "/qwen3moe-235b-a22b-6l.gguf", "qwen3moe", hp, ts, V)
    hp = dict(ctx=131072, embd=4096, layers=32, ff=14336, heads=32, kv=8, hd=128, rope=500000.0)
    V = 128256
    ts = [("token_embd.weight", [4096, V], Q.F16)]
    for i in range(32):
        ts += [(n, sh, Q.F16 if t == Q.Q4_0 else t) for n, sh, t in dense_layer(i, 4096, 128, 32, 8, 14336)]
    ts += [("output_norm.weight", [4096], Q.F32), ("output.weight", [4096, V], Q.F16)]
    write(out + "/llama3-8b-f16.gguf", "llama", hp, ts, V)

def main(out):
    os.makedirs(out, exist_ok=True)
    # llama3-8b shape (as the reference's llama3-8b)
    hp = dict(ctx=131072, embd=4096, layers=32, ff=14336, heads=32, kv=8, hd=128, rope=500000.0)
    V = 128256
    ts = [("token_embd.weight", [4096, V], Q.Q4_0)]
    for i in range(32):
        ts += dense_layer(i, 4096, 128, 32, 8, 14336)
    ts += [("output_norm.weight", [4096], Q.F32), ("output.weight", [4096, V], Q.Q4_0)]
    write(out + "/llama3-8b.gguf", "llama", hp, ts, V)
    # qwen3moe: Qwen3-30B-A3B dims, 24 of its 48 layers
    L = 24
    hp = dict(ctx=40960, embd=2048, layers=L, ff=6144, heads=32, kv=4, hd=128, rope=1000000.0,
              experts=128, used=8, ff_exp=768)
    V = 151936
    ts = [("token_embd.weight", [2048, V], Q.Q4_0)]
    for i in range(L):
        p = "blk.%d." % i
        ts += dense_layer(i, 2048, 128, 32, 4, 0, qk_norm=True)
        ts += [(p + "ffn_gate_inp.weight", [2048, 128], Q.F32),
               (p + "ffn_gate_exps.weight", [2048, 768, 128], Q.Q4_0),
               (p + "ffn_up_exps.weight", [2048, 768, 128], Q.Q4_0),
               (p + "ffn_down_exps.weight", [768, 2048, 128], Q.Q4_0)]
    ts += [("output_norm.weight", [2048], Q.F32), ("output.weight", [2048, V], Q.Q4_0)]
    write(out + "/qwen3moe-30b-a3b-24l.gguf", "qwen3moe", hp, ts, V)
    # gemma3: Gemma-3-4B text dims, tied output, window 1024, every 6th layer global
    hp = dict(ctx=131072, embd=2560, layers=34, ff=10240, heads=8, kv=4, hd=256, rope=1000000.0, swa=1024)
    V = 262144
    ts = [("token_embd.weight", [2560, V], Q.Q4_0)]
    for i in range(34):
        ts += dense_layer(i, 2560, 256, 8, 4, 10240, gemma=True, qk_norm=True)
    ts += [("output_norm.weight", [2560], Q.F32)]
    write(out + "/gemma3-4b.gguf", "gemma3", hp, ts, V)

if __name__ == "__main__":
    (main2 if os.environ.get("SET") == "2" else main)(sys.argv[1])
