// Texts for the tokenizer parity test: every line of corpus.txt, the whole
// corpus, edge cases, and N seeded random mixtures of pieces chosen to hit
// the pre-tokenizers' corners (contractions, digit runs, whitespace runs
// before words, CR/LF, non-ASCII spaces, combining marks, emoji
// sequences, special-token texts, NUL bytes as a chat message may hold).
//   node mktexts.mjs OUT.json [N]
import fs from "node:fs";
import path from "node:path";
import {fileURLToPath} from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const corpus = fs.readFileSync(path.join(here, "corpus.txt"), "utf8");
const n = Number(process.argv[3] ?? 1000);
let seed = 0x1f2e3d4c;
const rand = () => { // mulberry32
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pieces = [" ", "  ", "   ", "\t", "\n", "\r\n", "\r", " \n", "\n\n", "'s", "'S", "'ll", "'Re", "'ve", "'d",
    "'m", "'t", "'x", "'", "the", "The", "THE", "hello", "world", "fox", "école", "naïve", "Straße", "日本",
    "中文", "한국어", "😀", "👍🏽", "🇫🇷", "👨‍👩‍👧", "\u200b", "\u00a0", "\u3000", "\u2028", "\u0085", "1", "12", "123",
    "1234", "٣", "½", "²", "Ⅻ", "3.14", ",", ".", "!", "?", "...", "$", "+", "<", ">", "=", "^", "~", "|", "`",
    "@", "#", "%", "&", "*", "(", ")", "[", "]", "{", "}", "_", "-", "/", "\\", ";", ":", "e\u0301", "\u0301",
    "\u0300a", "x86_64", "<s>", "</s>", "<|im_start|>", "<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<tool>",
    "<user>", "<unk>", "▁", "\u0001", "\u001c", "\u007f", "\ufffd", "ä", "Ö", "ß", "ñ", "ç", "α", "Ω", "Ж", "ש",
    "ع", "ह", "ก", "\u{10ffff}", "\u{e000}", "\u0378"];
const texts = [...corpus.split("\n"), corpus, " " + corpus.slice(0, 200), "", " ", "  ", "\n", "\n\n \n",
    " Hello", "Hello  ", "a".repeat(300), "1".repeat(40), "x" + " ".repeat(50) + "y", "<s><s></s>",
    "<|im_start|><|im_end|>", "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nHi!<|im_end|>\n",
    "\u0000", "a\u0000b", " \u0000 x\u0000\u0000\n",
    // Gemma 4's turn markers and newline runs (1 to 5 newlines, mixed with spaces and tabs).
    "<bos><|turn>user\nHi there<turn|>\n<|turn>model\n", "<|tool_response>{}<tool_response|><eos>",
    "a\nb\n\nc\n\n\nd\n\n\n\ne\n\n\n\n\nf", "\n\n\n", "\n\n\n\n", " \n \n\n  \n\n\n   ",
    "\t\tindented\n\t\t\tmore", "    four spaces    ", "emoji 😀👍🏽🇫🇷 and 東京"];
for (let i = 0; i < n; i++) {
    const len = 1 + Math.floor(rand() * 25);
    let t = "";
    for (let k = 0; k < len; k++) t += pieces[Math.floor(rand() * pieces.length)];
    texts.push(t);
}
fs.writeFileSync(process.argv[2], JSON.stringify(texts));
