// Turns the benchmark's results.jsonl into docs/benchmarks.md: medians per
// cell, infrac / llama.cpp ratios against the targets, peak RSS, and the
// share of the bandwidth limit each engine reaches in generation. A cell is
// (model, depth, threads): depth is the KV depth each side reports itself,
// n_depth in llama-bench's -o json tests (tools/llama-bench/llama-bench.cpp,
// -d) and depth in infrac-engine --bench's object (engine/cli/bench.c).
import { closeSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { execSync } from "node:child_process";
import os from "node:os";

const [resultsPath, workDir] = process.argv.slice(2);
const rows = readFileSync(resultsPath, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const bw = Object.fromEntries(rows.filter((r) => r.kind === "membw").map((r) => [r.threads, r.gbs]));

const cells = new Map();
const cell = (model, depth, threads) => {
  const key = `${model}|${depth}|${threads}`;
  if (!cells.has(key)) cells.set(key, { model, depth, threads, nGen: 0, lc: { pp: [], tg: [], rss: [] }, ie: { pp: [], tg: [], rss: [] } });
  return cells.get(key);
};
for (const r of rows) {
  if (r.kind === "llama.cpp") {
    // One record per llama-bench run; its tests may differ in depth (-d a,b).
    const seen = new Set();
    for (const t of r.out) {
      const c = cell(r.model, t.n_depth ?? r.depth ?? 0, r.threads);
      if (t.n_prompt > 0 && t.n_gen === 0) c.lc.pp.push(t.avg_ts);
      if (t.n_gen > 0 && t.n_prompt === 0) { c.lc.tg.push(t.avg_ts); c.nGen = t.n_gen; }
      if (!seen.has(c)) { c.lc.rss.push(r.rss_kib); seen.add(c); }
    }
  } else if (r.kind === "infrac") {
    const c = cell(r.model, r.out.depth ?? r.depth ?? 0, r.threads);
    if (r.out.pp_tokens > 0) c.ie.pp.push(r.out.pp_tps);
    c.ie.tg.push(r.out.tg_tps);
    c.ie.rss.push(r.rss_kib);
    if (r.out.tg_tokens > 0) c.nGen = r.out.tg_tokens;
  }
}

// Bytes of the file a generated token does not read: token_embd.weight
// when the file also has output.weight (a token reads one row of it), and
// in a mixture of experts the experts it does not choose (all but
// expert_used_count / expert_count of the *_exps tensors). Reads the GGUF
// header only (v2/v3 layout, little-endian).
// Also returns the KV cache bytes one position adds to a token's reads:
// block_count x 2 (K and V) x head_count_kv x key_length (default
// embedding_length / head_count) x 2 (f16, both engines' default cache type).
function ggufBytes(path) {
  const fd = openSync(path, "r");
  const buf = Buffer.alloc(Math.min(statSync(path).size, 64 << 20));
  readSync(fd, buf, 0, buf.length, 0);
  closeSync(fd);
  let o = 0;
  const u32 = () => { const v = buf.readUInt32LE(o); o += 4; return v; };
  const u64 = () => { const v = Number(buf.readBigUInt64LE(o)); o += 8; return v; };
  const str = () => { const n = u64(); const v = buf.toString("utf8", o, o + n); o += n; return v; };
  const size = [1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8];
  const skip = (t) => {
    if (t === 8) str();
    else if (t === 9) { const et = u32(), n = u64(); for (let i = 0; i < n; i++) skip(et); }
    else o += size[t];
  };
  if (buf.toString("latin1", 0, 4) !== "GGUF") return { unread: 0, kvPerPos: 0 };
  o = 4; u32();
  const nTensors = u64(), nKv = u64();
  let nExpert = 0, nUsed = 0, nLayer = 0, nEmbd = 0, nHead = 0, nHeadKv = 0, headDim = 0;
  for (let i = 0; i < nKv; i++) {
    const key = str(), t = u32();
    if (t === 4 && key.endsWith(".expert_count")) nExpert = u32();
    else if (t === 4 && key.endsWith(".expert_used_count")) nUsed = u32();
    else if (t === 4 && key.endsWith(".block_count")) nLayer = u32();
    else if (t === 4 && key.endsWith(".embedding_length")) nEmbd = u32();
    else if (t === 4 && key.endsWith(".attention.head_count")) nHead = u32();
    else if (t === 4 && key.endsWith(".attention.head_count_kv")) nHeadKv = u32();
    else if (t === 4 && key.endsWith(".attention.key_length")) headDim = u32();
    else skip(t);
  }
  if (!headDim && nHead) headDim = nEmbd / nHead;
  const kvPerPos = nLayer * 2 * (nHeadKv || nHead) * headDim * 2;
  // [elements, bytes] per block: f32, f16, q4_0, q8_0, q4_k, q5_k, q6_k, bf16
  const blocks = { 0: [1, 4], 1: [1, 2], 2: [32, 18], 8: [32, 34], 12: [256, 144], 13: [256, 176], 14: [256, 210], 30: [1, 2] };
  let embd = 0, experts = 0, hasOutput = false;
  for (let i = 0; i < nTensors; i++) {
    const name = str(), nd = u32();
    let n = 1;
    for (let d = 0; d < nd; d++) n *= u64();
    const type = u32(); u64();
    const bytes = blocks[type] ? (n / blocks[type][0]) * blocks[type][1] : 0;
    if (name === "output.weight") hasOutput = true;
    if (name === "token_embd.weight") embd = bytes;
    if (name.endsWith("_exps.weight")) experts += bytes;
  }
  const unchosen = nExpert > 0 ? experts * (1 - nUsed / nExpert) : 0;
  return { unread: (hasOutput ? embd : 0) + unchosen, kvPerPos };
}

const fmt = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : "n/a");
const lines = [];
const cpu = (() => {
  try { return execSync("lscpu | sed -n 's/^Model name: *//p'").toString().trim(); } catch { return os.cpus()[0].model; }
})();
// BENCH_ISA (run.sh): both sides held to an AVX2-level kernel set.
const isa = process.env.BENCH_ISA || "";
lines.push(isa ? `# Benchmarks: infrac-engine against llama.cpp, ${isa} kernels only` : "# Benchmarks: infrac-engine against llama.cpp");
lines.push("");
lines.push(`Machine: ${cpu}, ${os.cpus().length} CPUs, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB. Date: ${new Date().toISOString().slice(0, 10)}.`);
lines.push("");
lines.push((isa ? `Command: \`BENCH_ISA=${isa} make bench-engine\`` : "Command: `make bench-engine`") + " (tests/bench/engine/run.sh). Models are made by `infrac-mkmodel` at real shapes with random weights;");
lines.push("llama.cpp is `llama-bench -m MODEL -p 512 -n 128 -t T -r 1 -o json` (a cell MODEL@dN: `-p 0 -n 128 -d N`, tg128 after N positions already in the KV cache), built from the llama.cpp source in node-llama-cpp@3.22.1");
lines.push(isa
  ? `(CPU, \`BENCH_ISA=${isa}\`: GGML_NATIVE=OFF, AVX2 + FMA + F16C + BMI2${isa === "avxvnni" ? " + AVX-VNNI" : ""}, AVX-512 and AMX off); infrac is \`INFRAC_ENGINE_ISA=${isa} infrac-engine --model MODEL --bench -p 512 -n 128 -t T\` (\`-p 0 -n 128 -d N\`). Runs alternate; each cell is the median of`
  : "(CPU, GGML_NATIVE=ON, AMX off: ggml's AMX kernels crash on VMs that do not enable AMX for the process); infrac is `infrac-engine --model MODEL --bench -p 512 -n 128 -t T` (`-p 0 -n 128 -d N`). Runs alternate; each cell is the median of");
lines.push(`${Math.max(...[...cells.values()].map((c) => c.ie.tg.length))} runs. Peak RSS from \`/usr/bin/time -f %M\`.`);
lines.push("");
lines.push("Targets: tg128 ratio >= 1.0, pp512 ratio >= 0.8, peak RSS <= 1.1x llama.cpp. A row is one (model, depth, threads): depth is the KV depth");
lines.push("both sides report (llama-bench's n_depth, infrac's depth), 0 for a plain cell; a depth row measures generation only (pp512 n/a).");
lines.push("");
lines.push("| model | depth | threads | pp512 llama.cpp | pp512 infrac | ratio | tg128 llama.cpp | tg128 infrac | ratio | RSS llama.cpp MiB | RSS infrac MiB | ratio | tg limit (bandwidth) | llama.cpp % | infrac % |");
lines.push("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
for (const c of cells.values()) {
  const lpp = median(c.lc.pp), ipp = median(c.ie.pp), ltg = median(c.lc.tg), itg = median(c.ie.tg);
  const lr = median(c.lc.rss) / 1024, ir = median(c.ie.rss) / 1024;
  let bytes = 0;
  try {
    const f = `${workDir}/${c.model}.gguf`;
    const g = ggufBytes(f);
    // A generated token at position p reads p positions of K and V: on
    // average depth + nGen / 2 over the nGen tokens.
    bytes = statSync(f).size - g.unread + g.kvPerPos * (c.depth + c.nGen / 2);
  } catch {}
  const limit = bw[c.threads] ? (bw[c.threads] * 1e9) / bytes : NaN;
  lines.push(`| ${c.model} | ${c.depth} | ${c.threads} | ${fmt(lpp)} | ${fmt(ipp)} | ${fmt(ipp / lpp, 2)} | ${fmt(ltg)} | ${fmt(itg)} | ${fmt(itg / ltg, 2)} | ${fmt(lr, 0)} | ${fmt(ir, 0)} | ${fmt(ir / lr, 2)} | ${fmt(limit)} | ${fmt((100 * ltg) / limit, 0)} | ${fmt((100 * itg) / limit, 0)} |`);
}
lines.push("");
lines.push("Bandwidth: " + Object.entries(bw).map(([t, g]) => `${g} GB/s with ${t} thread(s)`).join(", ") + " (tests/bench/engine/membw.c, a parallel read of 2 GiB).");
lines.push("The generation limit is bandwidth / bytes read per token: the model file less token_embd.weight when the model has a separate");
lines.push("output.weight (a token reads one embedding row) and, in a mixture of experts, the experts a token does not choose");
lines.push("(expert_used_count / expert_count of the expert tensors are read); every other weight is read once per token; and the f16 KV cache,");
lines.push("K and V of every layer for the positions before the token (on average depth + 64 over the 128 generated).");
console.log(lines.join("\n"));
