// Reference outputs of llama.cpp (node-llama-cpp's prebuilt CPU binding)
// for one model, the counterpart of infrac-engine's parity modes:
//   node modelref.mjs MODEL.gguf PROMPT.txt N_GREEDY OUT.json
// OUT.json: {"prompt_tokens": [...] (BOS as llama.cpp adds it, special
// tokens parsed), "probs": next-token distribution after the prompt,
// "greedy": N_GREEDY greedy continuation ids}.
import fs from "node:fs";
import {getLlama, LlamaLogLevel} from "node-llama-cpp";

const [modelPath, promptPath, nGreedyArg, outPath] = process.argv.slice(2);
const prompt = fs.readFileSync(promptPath, "utf8");
const nGreedy = Number(nGreedyArg);
const llama = await getLlama({gpu: false, build: "never", usePrebuiltBinaries: true, skipDownload: true,
    progressLogs: false, logLevel: LlamaLogLevel.error, maxThreads: 2});
const model = await llama.loadModel({modelPath, gpuLayers: 0});
const tokens = model.tokenize(prompt, true);
const bos = model.tokens.bos;
const promptTokens = (bos != null && model.tokens.shouldPrependBosToken) ? [bos, ...tokens] : tokens;
const context = await model.createContext({contextSize: 256, batchSize: 256, threads: 2,
    flashAttention: false});

// Next-token probabilities: every token's, from the softmax of the logits.
const sequence = context.getSequence();
const nVocab = model.fileInsights.tokenizer?.ggml?.tokens?.length ?? model.tokens.vocabularySize;
let probs = null;
for await (const out of sequence.evaluateWithMetadata(promptTokens, {probabilities: true}, {temperature: 1, topK: 0, topP: 1, minP: 0})) {
    probs = new Array(nVocab).fill(0);
    for (const [tok, p] of out.probabilities) probs[Number(tok)] = p;
    break;
}
sequence.dispose();

// Greedy continuation.
const seq2 = context.getSequence();
const greedy = [];
if (nGreedy > 0) {
    for await (const tok of seq2.evaluate(promptTokens, {temperature: 0})) {
        greedy.push(Number(tok));
        if (greedy.length >= nGreedy) break;
    }
}
fs.writeFileSync(outPath, JSON.stringify({prompt_tokens: promptTokens.map(Number), probs, greedy}) + "\n");
await context.dispose();
await model.dispose();
await llama.dispose();
