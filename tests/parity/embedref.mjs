// llama.cpp's embedding of texts (node-llama-cpp's prebuilt CPU binding,
// LlamaEmbeddingContext.getEmbeddingFor, pooled by the GGUF's pooling_type),
// the reference for infrac-engine's /v1/embeddings:
//   node embedref.mjs MODEL.gguf TEXT... > [{"tokens", "vector"}, ...]
import {getLlama, LlamaLogLevel} from "node-llama-cpp";

const [modelPath, ...texts] = process.argv.slice(2);
const llama = await getLlama({gpu: false, build: "never", usePrebuiltBinaries: true, skipDownload: true,
    progressLogs: false, logLevel: LlamaLogLevel.error, maxThreads: 1});
const model = await llama.loadModel({modelPath, gpuLayers: 0});
const context = await model.createEmbeddingContext({contextSize: 256, batchSize: 256, threads: 1});
const out = [];
for (const text of texts) {
    const e = await context.getEmbeddingFor(text);
    out.push({tokens: model.tokenize(text).map(Number), vector: Array.from(e.vector)});
}
console.log(JSON.stringify(out));
await context.dispose();
await model.dispose();
