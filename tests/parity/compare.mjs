// Compares infrac-engine's outputs with llama.cpp's and prints the numbers.
//   node compare.mjs tokens OURS.json REF.json TEXTS.json
//       (tokdump vs tokref: every text's tokens and detokenized text)
//   node compare.mjs probs OURS_PROBS.json REF.json MAXDIFF
//       (next-token distribution: max |p_ours - p_ref| must be < MAXDIFF)
//   node compare.mjs ids OURS_IDS_JSON_ARRAY REF.json KEY
//       (REF[KEY], e.g. greedy or prompt_tokens, equals the array)
//   node compare.mjs model REF.json PROMPT_IDS CORPUS_IDS PROBS.json LIMIT [GREEDY_IDS]
//       (all checks of one model; one line per check: "ok<TAB>what" or
//       "not ok<TAB>what", the numbers in what)
// Exit status 0 when they match; one summary line on stdout either way.
import fs from "node:fs";

const [mode, a, b, c] = process.argv.slice(2);
const load = (f) => JSON.parse(fs.readFileSync(f, "utf8"));
const show = (s) => JSON.stringify(s.length > 60 ? s.slice(0, 60) + "..." : s);

if (mode === "tokens") {
    const ours = load(a), ref = load(b), texts = load(c);
    if (ours.tokens.length !== texts.length || ref.tokens.length !== texts.length) {
        console.log(`count mismatch: ${ours.tokens.length} / ${ref.tokens.length} results for ${texts.length} texts`);
        process.exit(1);
    }
    let bad = 0, badText = 0, total = 0;
    for (let i = 0; i < texts.length; i++) {
        total += ref.tokens[i].length;
        if (JSON.stringify(ours.tokens[i]) !== JSON.stringify(ref.tokens[i])) {
            if (bad++ < 3)
                console.log(`# text ${i} ${show(texts[i])}\n#   ours ${JSON.stringify(ours.tokens[i].slice(0, 30))}\n#   ref  ${JSON.stringify(ref.tokens[i].slice(0, 30))}`);
        }
        if (ours.text[i] !== ref.text[i] && badText++ < 3)
            console.log(`# detokenized ${i}: ours ${show(ours.text[i])} ref ${show(ref.text[i])}`);
    }
    console.log(`${texts.length} texts, ${total} tokens: ${bad} tokenizations and ${badText} detokenizations differ`);
    process.exit(bad || badText ? 1 : 0);
} else if (mode === "probs") {
    const ours = load(a).probs, ref = load(b).probs, limit = Number(c);
    if (!ref || ours.length !== ref.length) {
        console.log(`vocabulary mismatch: ${ours.length} vs ${ref?.length}`);
        process.exit(1);
    }
    let max = 0, at = 0;
    for (let i = 0; i < ours.length; i++) {
        const d = Math.abs(ours[i] - ref[i]);
        if (d > max) { max = d; at = i; }
    }
    console.log(`max|dp| ${max.toExponential(2)} (token ${at}) limit ${limit}`);
    process.exit(max < limit ? 0 : 1);
} else if (mode === "ids") {
    const ours = JSON.parse(a), ref = load(b)[c];
    const same = JSON.stringify(ours) === JSON.stringify(ref);
    let first = 0;
    while (first < ours.length && ours[first] === ref[first]) first++;
    console.log(same ? `${ref.length} ids identical` : `differ at ${first}: ours ${JSON.stringify(ours.slice(first, first + 5))} ref ${JSON.stringify(ref.slice(first, first + 5))}`);
    process.exit(same ? 0 : 1);
}
else if (mode === "model") {
    const [refPath, promptIds, corpusIds, probsPath, limitArg, greedyIds] = process.argv.slice(3);
    const ref = load(refPath);
    const line = (good, what) => console.log(`${good ? "ok" : "not ok"}\t${what}`);
    const sameIds = (what, oursJson, refIds) => {
        let ours;
        try { ours = JSON.parse(oursJson); } catch { return line(false, `${what}: infrac printed ${show(oursJson)}`); }
        let first = 0;
        while (first < ours.length && ours[first] === refIds[first]) first++;
        const same = first === ours.length && ours.length === refIds.length;
        line(same, same ? `${what}: ${refIds.length} ids identical`
            : `${what}: differ at ${first}: infrac ${JSON.stringify(ours.slice(first, first + 5))} llama.cpp ${JSON.stringify(refIds.slice(first, first + 5))}`);
    };
    sameIds("prompt tokens", promptIds, ref.prompt_tokens);
    sameIds("corpus tokens", corpusIds, ref.corpus_tokens);
    let probs = null;
    try { probs = load(probsPath).probs; } catch { /* reported below */ }
    if (!probs || probs.length !== ref.probs.length) {
        line(false, `next-token probabilities: ${probs ? probs.length : "no"} values for a vocabulary of ${ref.probs.length}`);
    } else {
        let max = 0, at = 0;
        for (let i = 0; i < probs.length; i++) {
            const d = Math.abs(probs[i] - ref.probs[i]);
            if (d > max) { max = d; at = i; }
        }
        line(max < Number(limitArg), `next-token probabilities: max|dp| ${max.toExponential(2)} at token ${at} (limit ${limitArg})`);
    }
    if (greedyIds !== undefined) sameIds("greedy 32", greedyIds, ref.greedy);
    process.exit(0);
}
console.log(`unknown mode ${mode}`);
process.exit(2);
