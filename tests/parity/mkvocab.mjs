// Writes small vocabulary-only GGUF files (no tensors) for the tokenizer
// parity test: a SentencePiece vocabulary and byte-level BPE vocabularies
// for each supported pre-tokenizer, trained here by plain BPE on
// corpus.txt plus a built-in paragraph, so merges and scores are
// realistic without committing any large file.
// A gemma4 vocabulary (BPE over raw UTF-8, spaces as U+2581, <0xXX> byte
// fallback) is trained the same way.
//   node mkvocab.mjs OUTDIR      -> OUTDIR/{spm,bpe-llama3,bpe-qwen2,bpe-gpt2,bpe-default,bpe-smollm,gemma4}.gguf
import fs from "node:fs";
import path from "node:path";
import {fileURLToPath} from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const outDir = process.argv[2];
const corpus = fs.readFileSync(path.join(here, "corpus.txt"), "utf8");
const training = corpus + `
Tokenizers split text into pieces that a language model can read. The
quick brown fox jumps over the lazy dog, and then the dog runs after the
fox into the forest where the trees are tall and the river is cold. Numbers
like 2024, 3.14 and 1,000,000 appear in documents; code such as
for (int i = 0; i < n; i++) { sum += a[i]; } appears in repositories.
Les élèves étudient à l'école; die Straße ist nass; 東京は日本の首都です。
`.repeat(3);

// ---- GGUF writer (version 3, metadata only) ----
class Gguf {
    constructor() { this.kv = []; this.tensors = []; }
    // An F32 tensor of zeros (llama.cpp loads a vocabulary only with its model).
    tensor(name, ne) { this.tensors.push([name, ne]); }
    str(k, v) { this.kv.push([k, 8, v]); }
    u32(k, v) { this.kv.push([k, 4, v]); }
    f32(k, v) { this.kv.push([k, 6, v]); }
    bool(k, v) { this.kv.push([k, 7, v]); }
    arr(k, et, v) { this.kv.push([k, 9, [et, v]]); }
    write(file) {
        const parts = [];
        const u32 = (x) => { const b = Buffer.alloc(4); b.writeUInt32LE(x); parts.push(b); };
        const i32 = (x) => { const b = Buffer.alloc(4); b.writeInt32LE(x); parts.push(b); };
        const u64 = (x) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(x)); parts.push(b); };
        const f32 = (x) => { const b = Buffer.alloc(4); b.writeFloatLE(x); parts.push(b); };
        const str = (s) => { const b = Buffer.isBuffer(s) ? s : Buffer.from(s, "utf8"); u64(b.length); parts.push(b); };
        const val = (t, v) => {
            if (t === 8) str(v);
            else if (t === 4) u32(v);
            else if (t === 5) i32(v);
            else if (t === 6) f32(v);
            else if (t === 7) parts.push(Buffer.from([v ? 1 : 0]));
            else if (t === 9) { u32(v[0]); u64(v[1].length); for (const x of v[1]) val(v[0], x); }
        };
        parts.push(Buffer.from("GGUF")); u32(3); u64(this.tensors.length); u64(this.kv.length);
        for (const [k, t, v] of this.kv) { str(k); u32(t); val(t, v); }
        const align = (n) => Math.ceil(n / 32) * 32;
        let offset = 0;
        for (const [name, ne] of this.tensors) {
            str(name); u32(ne.length); for (const d of ne) u64(d); u32(0); u64(offset);
            offset = align(offset + ne.reduce((a, b) => a * b, 1) * 4);
        }
        const head = Buffer.concat(parts);
        const data = Buffer.alloc(align(head.length) - head.length + offset);
        fs.writeFileSync(file, Buffer.concat([head, data]));
    }
}

function hparams(g, arch, nVocab) {
    g.tensor("token_embd.weight", [64, nVocab]);
    g.tensor("output_norm.weight", [64]);
    for (const [n, ne] of [["attn_norm", [64]], ["attn_q", [64, 64]], ["attn_k", [64, 32]], ["attn_v", [64, 32]],
        ["attn_output", [64, 64]], ["ffn_norm", [64]], ["ffn_gate", [64, 128]], ["ffn_up", [64, 128]],
        ["ffn_down", [128, 64]]])
        g.tensor(`blk.0.${n}.weight`, ne);
    g.str("general.architecture", arch);
    g.str("general.name", "parity-vocab");
    g.u32(`${arch}.context_length`, 256);
    g.u32(`${arch}.embedding_length`, 64);
    g.u32(`${arch}.block_count`, 1);
    g.u32(`${arch}.feed_forward_length`, 128);
    g.u32(`${arch}.attention.head_count`, 4);
    g.u32(`${arch}.attention.head_count_kv`, 2);
    g.f32(`${arch}.attention.layer_norm_rms_epsilon`, 1e-6);
    g.f32(`${arch}.rope.freq_base`, 10000);
}

// Plain BPE training over words (arrays of symbols) with counts.
function trainMerges(wordCounts, nMerges) {
    const words = [...wordCounts].map(([w, c]) => ({syms: [...w], c}));
    const merges = [];
    for (let m = 0; m < nMerges; m++) {
        const counts = new Map();
        for (const w of words)
            for (let i = 0; i + 1 < w.syms.length; i++) {
                const k = w.syms[i] + "\u0000" + w.syms[i + 1];
                counts.set(k, (counts.get(k) || 0) + w.c);
            }
        let best = null, bestC = 1;
        for (const [k, c] of counts) if (c > bestC || (c === bestC && best !== null && k < best)) { best = k; bestC = c; }
        if (best === null) break;
        const [a, b] = best.split("\u0000");
        merges.push([a, b]);
        for (const w of words) {
            const out = [];
            for (let i = 0; i < w.syms.length; i++) {
                if (i + 1 < w.syms.length && w.syms[i] === a && w.syms[i + 1] === b) { out.push(a + b); i++; }
                else out.push(w.syms[i]);
            }
            w.syms = out;
        }
    }
    return merges;
}

function spmVocab() {
    const counts = new Map();
    for (const w of training.split(/(?= )/u)) {
        const piece = w.replaceAll(" ", "\u2581");
        const key = piece.startsWith("\u2581") ? piece : "\u2581" + piece;
        counts.set(key, (counts.get(key) || 0) + 1);
    }
    const merges = trainMerges(counts, 1500);
    const tokens = ["<unk>", "<s>", "</s>"], scores = [0, 0, 0], types = [2, 3, 3];
    for (let b = 0; b < 256; b++) { tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`); scores.push(0); types.push(6); }
    const seen = new Set(tokens);
    const add = (t, s, ty) => { if (!seen.has(t)) { seen.add(t); tokens.push(t); scores.push(s); types.push(ty); } };
    // Single characters seen in training (not all: the rest falls back to bytes).
    const chars = [...new Set([...training.replaceAll(" ", "\u2581")])].filter((c) => c.codePointAt(0) < 0x3000 && c !== "\n");
    chars.forEach((c, i) => add(c, -1e4 - i, 1));
    merges.forEach(([a, b], i) => add(a + b, -i, 1));
    add("<|im_start|>", 0, 3); add("<|im_end|>", 0, 3); add("<user>", 0, 4);
    const g = new Gguf();
    hparams(g, "llama", tokens.length);
    g.str("tokenizer.ggml.model", "llama");
    g.arr("tokenizer.ggml.tokens", 8, tokens);
    g.arr("tokenizer.ggml.scores", 6, scores);
    g.arr("tokenizer.ggml.token_type", 5, types);
    g.u32("tokenizer.ggml.bos_token_id", 1);
    g.u32("tokenizer.ggml.eos_token_id", 2);
    g.u32("tokenizer.ggml.unknown_token_id", 0);
    return g;
}

// GPT-2's byte -> printable code point map.
const byteChar = (() => {
    const m = [];
    let n = 0;
    for (let b = 0; b < 256; b++) {
        const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
        m.push(String.fromCodePoint(printable ? b : 0x100 + n++));
    }
    return m;
})();
const byteLevel = (s) => [...Buffer.from(s, "utf8")].map((b) => byteChar[b]).join("");

function bpeVocab(pre) {
    const counts = new Map();
    const splitter = /'(?:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+/gu;
    for (const w of training.match(splitter)) {
        const bl = byteLevel(w);
        counts.set(bl, (counts.get(bl) || 0) + 1);
    }
    const merges = trainMerges(counts, 2000);
    const tokens = [...byteChar], types = new Array(256).fill(1);
    const seen = new Set(tokens);
    for (const [a, b] of merges) if (!seen.has(a + b)) { seen.add(a + b); tokens.push(a + b); types.push(1); }
    for (const t of ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|begin_of_text|>", "<|eot_id|>"]) { tokens.push(t); types.push(3); }
    tokens.push("<tool>"); types.push(4);
    const g = new Gguf();
    hparams(g, "llama", tokens.length);
    g.str("tokenizer.ggml.model", "gpt2");
    g.str("tokenizer.ggml.pre", pre);
    g.arr("tokenizer.ggml.tokens", 8, tokens);
    g.arr("tokenizer.ggml.token_type", 5, types);
    g.arr("tokenizer.ggml.merges", 8, merges.map(([a, b]) => `${a} ${b}`));
    const id = (t) => tokens.indexOf(t);
    g.u32("tokenizer.ggml.bos_token_id", id(pre === "llama-bpe" ? "<|begin_of_text|>" : "<|endoftext|>"));
    g.u32("tokenizer.ggml.eos_token_id", id(pre === "llama-bpe" ? "<|eot_id|>" : "<|im_end|>"));
    return g;
}

// Gemma 4's layout: control tokens first, then <0xXX> byte tokens, then
// the trained pieces. Merges never touch newlines; "\n" to "\n\n\n" are
// tokens of their own, so a newline run is whole only by llama.cpp's
// newline-run rule. Characters outside the training text (most CJK and
// emoji) fall back to <0xXX>; add_bos_token is false (llama.cpp forces it
// on). All 256 byte tokens exist, as in Gemma 4 (a missing one drops bytes,
// whose invalid UTF-8 the JSON comparison could not carry: a unit test).
function gemma4Vocab() {
    const counts = new Map();
    for (const w of training.replaceAll(" ", "\u2581").match(/\u2581+[^\u2581\n]*|[^\u2581\n]+/gu))
        counts.set(w, (counts.get(w) || 0) + 1);
    const merges = trainMerges(counts, 1500);
    const tokens = ["<pad>", "<eos>", "<bos>", "<unk>", "<mask>", "<|turn>", "<turn|>", "<|tool_response>",
        "<tool_response|>", "</s>"];
    const types = tokens.map((t, i) => (i === 3 ? 2 : 3));
    for (let b = 0; b < 256; b++) {
        tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`); types.push(6);
    }
    const seen = new Set(tokens);
    const add = (t, ty) => { if (!seen.has(t)) { seen.add(t); tokens.push(t); types.push(ty); } };
    for (const t of ["\n", "\n\n", "\n\n\n", "\t", "\u2581"]) add(t, 1);
    for (const c of new Set([...training.replaceAll(" ", "\u2581")]))
        if (c.codePointAt(0) < 0x3000 && c !== "\n") add(c, 1);
    for (const [a, b] of merges) add(a + b, 1);
    add("<tool>", 4);
    const g = new Gguf();
    hparams(g, "llama", tokens.length);
    g.str("tokenizer.ggml.model", "gemma4");
    g.arr("tokenizer.ggml.tokens", 8, tokens);
    g.arr("tokenizer.ggml.token_type", 5, types);
    g.arr("tokenizer.ggml.merges", 8, merges.map(([a, b]) => `${a} ${b}`));
    g.u32("tokenizer.ggml.bos_token_id", 2);
    g.u32("tokenizer.ggml.eos_token_id", 1);
    g.u32("tokenizer.ggml.unknown_token_id", 3);
    g.u32("tokenizer.ggml.padding_token_id", 0);
    g.bool("tokenizer.ggml.add_bos_token", false);
    return g;
}

fs.mkdirSync(outDir, {recursive: true});
spmVocab().write(path.join(outDir, "spm.gguf"));
bpeVocab("llama-bpe").write(path.join(outDir, "bpe-llama3.gguf"));
bpeVocab("qwen2").write(path.join(outDir, "bpe-qwen2.gguf"));
bpeVocab("gpt-2").write(path.join(outDir, "bpe-gpt2.gguf"));
bpeVocab("default").write(path.join(outDir, "bpe-default.gguf"));
bpeVocab("smollm").write(path.join(outDir, "bpe-smollm.gguf"));
gemma4Vocab().write(path.join(outDir, "gemma4.gguf"));
