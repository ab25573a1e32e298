// The chat templates of tests/data/chat_templates rendered by
// @huggingface/jinja, the Jinja implementation node-llama-cpp renders a
// GGUF's tokenizer.chat_template with (its JinjaTemplateChatWrapper; the
// llama.cpp binding itself exposes no template rendering), against the
// goldens Python's jinja2 rendered (expected/). Prints TAP lines, one per
// template and conversation. usage: node chat_templates.mjs DATA_DIR
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(new URL('./node_modules/node-llama-cpp/package.json', import.meta.url));
const { Template } = await import(require.resolve('@huggingface/jinja'));
const dir = process.argv[2];
const fixture = JSON.parse(readFileSync(join(dir, 'conversations.json'), 'utf8'));
const tokens = JSON.parse(readFileSync(join(dir, 'tokens.json'), 'utf8'));
const [y, m, d] = fixture.now.split('-').map(Number);
const now = new Date(y, m - 1, d, 12);
// strftime_now is built into @huggingface/jinja and reads the clock:
// the clock reads the fixture's date, as the goldens were rendered.
const RealDate = Date;
globalThis.Date = class extends RealDate {
  constructor(...a) { if (a.length) super(...a); else super(now.getTime()); }
  static now() { return now.getTime(); }
};
let n = 0;
for (const name of Object.keys(tokens).sort()) {
  const src = readFileSync(join(dir, `${name}.jinja`), 'utf8');
  let t;
  try {
    t = new Template(src);
  } catch (e) {
    console.log(`not ok ${++n} - chat template ${name}: @huggingface/jinja cannot parse it (${e.message.slice(0, 80)})`);
    continue;
  }
  for (const [cname, conv] of Object.entries(fixture.cases).sort()) {
    const vars = {
      messages: conv.messages, add_generation_prompt: true,
      bos_token: tokens[name].bos, eos_token: tokens[name].eos,
    };
    if (conv.tools) vars.tools = fixture.tools;
    const golden = join(dir, 'expected', `${name}.${cname}.txt`);
    let got, err;
    try {
      got = t.render(vars);
    } catch (e) {
      err = e.message;
    }
    if (existsSync(golden)) {
      const want = readFileSync(golden, 'utf8');
      if (got === want) console.log(`ok ${++n} - chat template ${name}.${cname}: node-llama-cpp's Jinja renders the golden`);
      else {
        let i = 0;
        while (got !== undefined && i < want.length && got[i] === want[i]) i++;
        console.log(`not ok ${++n} - chat template ${name}.${cname}: node-llama-cpp's Jinja differs from jinja2 ${err ? `(error: ${err.slice(0, 60)})` : `at ${i}: ${JSON.stringify(got.slice(i, i + 30))} vs ${JSON.stringify(want.slice(i, i + 30))}`}`);
      }
    } else {
      const want = readFileSync(join(dir, 'expected', `${name}.${cname}.error`), 'utf8').trim();
      console.log(`${err && err.includes(want) ? 'ok' : 'not ok'} ${++n} - chat template ${name}.${cname}: refused as jinja2 refuses`);
    }
  }
}
