// POST /v1/embeddings through the official `openai` client (which asks for
// base64 by default and decodes it) against infrac-engine serving a model
// with a pooling type; and, given a second URL, one without (a 400).
// Prints TAP lines. usage: node embeddings.mjs BASE_URL MODEL N_EMBD POOLING [NO_POOLING_URL]
// POOLING: mean, cls or last (the model's pooling_type).
import OpenAI from 'openai';

const [baseURL, model, nEmbdArg, pooling, plainURL] = process.argv.slice(2);
const nEmbd = Number(nEmbdArg);
let n = 0;
const ok = (cond, what) => console.log(`${cond ? 'ok' : 'not ok'} ${++n} - embeddings ${pooling}: ${what}`);
const client = new OpenAI({ baseURL, apiKey: 'unused', maxRetries: 0, timeout: 60000 });
const norm = (v) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const cos = (a, b) => a.reduce((s, x, i) => s + x * b[i], 0) / (norm(a) * norm(b));

async function step(what, fn) {
  try {
    await fn();
  } catch (e) {
    ok(false, `${what}: ${e.status ?? ''} ${e.message}`);
  }
}

await step('create', async () => {
  const texts = ['The cat sat on the mat.', 'A completely different sentence about rivers.', 'The cat sat on the mat.'];
  const r = await client.embeddings.create({ model, input: texts });
  const v = r.data.map((d) => d.embedding);
  ok(r.object === 'list' && r.data.length === 3 && r.data.every((d, i) => d.index === i && d.object === 'embedding'),
     'one embedding per input, in order');
  ok(v.every((e) => e.length === nEmbd), `each has the model's ${nEmbd} dimensions`);
  ok(v.every((e) => Math.abs(norm(e) - 1) < 1e-4), 'each is L2-normalized (as llama-server)');
  ok(cos(v[0], v[2]) > 0.99999, 'the same text gives the same vector');
  if (pooling === 'cls') // a causal model's state at position 0 is its BOS's, whatever follows
    ok(cos(v[0], v[1]) > 0.99999, 'cls: every text gives the first token\'s (BOS) state');
  else
    ok(cos(v[0], v[1]) < 0.999, `different texts differ (cosine ${cos(v[0], v[1]).toFixed(4)})`);
  ok(r.usage.prompt_tokens > 0 && r.usage.total_tokens === r.usage.prompt_tokens, `usage counts ${r.usage.prompt_tokens} tokens`);
  const f = await client.embeddings.create({ model, input: texts[0], encoding_format: 'float' });
  ok(cos(f.data[0].embedding, v[0]) > 0.99999, 'encoding_format float equals the base64 default');
  const ids = await client.embeddings.create({ model, input: [[1, 2, 3, 4]] });
  ok(ids.data[0].embedding.length === nEmbd, 'token id input accepted');
});

await step('refusals', async () => {
  const refused = async (what, body, param) => {
    try {
      await client.embeddings.create({ model, ...body });
      ok(false, `${what} refused`);
    } catch (e) {
      ok(e.status === 400 && e.param === param, `${what} refused (${e.status} ${e.param})`);
    }
  };
  await refused('dimensions', { input: 'x', dimensions: 3 }, 'dimensions');
  await refused('empty input', { input: [] }, 'input');
  await refused('unknown field', { input: 'x', pooling: 'mean' }, 'pooling');
  if (plainURL) {
    const plain = new OpenAI({ baseURL: plainURL, apiKey: 'unused', maxRetries: 0 });
    try {
      await plain.embeddings.create({ model, input: 'x' });
      ok(false, 'a model without pooling refused');
    } catch (e) {
      ok(e.status === 400 && /pooling_type/.test(e.message), `a model without pooling refused: ${e.message}`);
    }
  }
});
