// Reference outputs of llama.cpp (node-llama-cpp's prebuilt CPU binding)
// for a list of models, the counterpart of infrac-engine's parity modes:
//   node modelref.mjs JOBS.json PROMPT.txt CORPUS.txt N_GREEDY
// JOBS.json: [{"model": "m.gguf", "kv": "F32" | null, "out": "ref.json"}].
// Each out: {"prompt_tokens", "corpus_tokens": the texts' tokens (BOS as
// llama.cpp adds it, special tokens parsed), "probs": the next-token
// distribution after the prompt (softmax of the logits, every token),
// "greedy": N_GREEDY greedy ids (EOG tokens included, as infrac's
// --greedy-ids does)}. kv "F32" makes the KV cache F32 (default F16).
// One thread: llama.cpp's spinning thread pool crawls on a busy 2-core box.
import fs from "node:fs";
import {getLlama, LlamaLogLevel} from "node-llama-cpp";

const [jobsPath, promptPath, corpusPath, nGreedyArg] = process.argv.slice(2);
const jobs = JSON.parse(fs.readFileSync(jobsPath, "utf8"));
const prompt = fs.readFileSync(promptPath, "utf8");
const corpus = fs.readFileSync(corpusPath, "utf8");
const nGreedy = Number(nGreedyArg);
const llama = await getLlama({gpu: false, build: "never", usePrebuiltBinaries: true, skipDownload: true,
    progressLogs: false, logLevel: LlamaLogLevel.error, maxThreads: 1});

for (const job of jobs) {
    try {
        const model = await llama.loadModel({modelPath: job.model, gpuLayers: 0});
        const bos = model.tokens.bos;
        const withBos = (t) => (bos != null && model.tokens.shouldPrependBosToken) ? [bos, ...t] : t;
        const promptTokens = withBos(model.tokenize(prompt, true));
        const corpusTokens = withBos(model.tokenize(corpus, true));
        const kv = job.kv ? {experimentalKvCacheKeyType: job.kv, experimentalKvCacheValueType: job.kv} : {};
        const context = await model.createContext({contextSize: 256, batchSize: 256, threads: 1,
            flashAttention: false, ...kv});
        const nVocab = model.tokens.vocabularySize ?? model.fileInsights.tokenizer?.ggml?.tokens?.length;

        const sequence = context.getSequence();
        let probs = null;
        for await (const out of sequence.evaluateWithMetadata(promptTokens, {probabilities: true},
            {temperature: 1, topK: 0, topP: 1, minP: 0, yieldEogToken: true})) {
            probs = new Array(nVocab).fill(0);
            for (const [tok, p] of out.probabilities) probs[Number(tok)] = p;
            break;
        }
        sequence.dispose();

        const seq2 = context.getSequence();
        const greedy = [];
        if (nGreedy > 0) {
            for await (const tok of seq2.evaluate(promptTokens, {temperature: 0, yieldEogToken: true})) {
                greedy.push(Number(tok));
                if (greedy.length >= nGreedy) break;
            }
        }
        seq2.dispose();
        fs.writeFileSync(job.out, JSON.stringify({prompt_tokens: promptTokens.map(Number),
            corpus_tokens: corpusTokens.map(Number), probs, greedy}) + "\n");
        await context.dispose();
        await model.dispose();
    } catch (e) {
        fs.writeFileSync(job.out, JSON.stringify({error: String(e?.message ?? e)}) + "\n");
    }
}
await llama.dispose();
