// Reference tokenization by llama.cpp (node-llama-cpp's prebuilt CPU
// binding), the counterpart of tokdump.c:
//   node tokref.mjs MODEL.gguf TEXTS.json  -> {"tokens":[[...]],"text":[...]}
import fs from "node:fs";
import {getLlama, LlamaLogLevel} from "node-llama-cpp";

const [modelPath, textsPath] = process.argv.slice(2);
const texts = JSON.parse(fs.readFileSync(textsPath, "utf8"));
const llama = await getLlama({gpu: false, build: "never", usePrebuiltBinaries: true,
    skipDownload: true, progressLogs: false, logLevel: LlamaLogLevel.error});
const model = await llama.loadModel({modelPath, vocabOnly: true});
const tokens = texts.map((t) => model.tokenize(t, true).map(Number));
const text = tokens.map((ids) => model.detokenize(ids, true));
process.stdout.write(JSON.stringify({tokens, text}) + "\n");
await model.dispose();
await llama.dispose();
