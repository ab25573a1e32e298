// The official OpenAI client against a running infrac-engine. Prints TAP
// lines. usage: node openai_client.mjs BASE_URL MODEL [API_KEY]
import OpenAI from 'openai';

const [baseURL, model, apiKey] = process.argv.slice(2);
let n = 0;
const ok = (cond, what) => console.log(`${cond ? 'ok' : 'not ok'} ${++n} - openai: ${what}`);
const client = new OpenAI({ baseURL, apiKey: apiKey || 'unused', maxRetries: 0, timeout: 30000 });
const messages = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'Say hello.' },
];

async function step(what, fn) {
  try {
    await fn();
  } catch (e) {
    ok(false, `${what}: ${e.status ?? ''} ${e.message}`);
  }
}

await step('models.list', async () => {
  const list = await client.models.list();
  ok(list.data.some((m) => m.id === model), `models.list holds ${model}`);
  const one = await client.models.retrieve(model);
  ok(one.id === model && one.object === 'model', `models.retrieve(${model})`);
  try {
    await client.models.retrieve('no-such-model');
    ok(false, 'models.retrieve of an unknown model refused');
  } catch (e) {
    ok(e.status === 404 && e.code === 'model_not_found', `models.retrieve of an unknown model refused (${e.status})`);
  }
});

await step('chat', async () => {
  const r = await client.chat.completions.create({ model, messages, max_tokens: 8, seed: 7 });
  const c = r.choices[0];
  ok(r.object === 'chat.completion' && r.id.startsWith('chatcmpl-'), 'chat: object and id');
  ok(typeof c.message.content === 'string' && c.message.role === 'assistant', 'chat: message');
  ok(['stop', 'length'].includes(c.finish_reason), `chat: finish_reason ${c.finish_reason}`);
  ok(r.usage.completion_tokens >= 1 && r.usage.completion_tokens <= 8 &&
     r.usage.total_tokens === r.usage.prompt_tokens + r.usage.completion_tokens, 'chat: usage');
  // Same seed, same answer.
  const again = await client.chat.completions.create({ model, messages, max_tokens: 8, seed: 7 });
  ok(again.choices[0].message.content === c.message.content, 'chat: seeded output repeats');
});

await step('chat stream', async () => {
  const stream = await client.chat.completions.create({
    model, messages, max_tokens: 8, temperature: 0, stream: true,
    stream_options: { include_usage: true },
  });
  let text = '', finish = null, usage = null, chunks = 0, role = null;
  for await (const chunk of stream) {
    chunks++;
    if (chunk.usage) usage = chunk.usage;
    for (const ch of chunk.choices) {
      if (ch.delta.role) role = ch.delta.role;
      text += ch.delta.content ?? '';
      if (ch.finish_reason) finish = ch.finish_reason;
    }
  }
  ok(chunks >= 3 && role === 'assistant', `chat stream: ${chunks} chunks, role first`);
  ok(finish === 'stop' || finish === 'length', `chat stream: finish_reason ${finish}`);
  ok(usage && usage.completion_tokens >= 1 && usage.completion_tokens <= 8, 'chat stream: usage chunk');
  const whole = await client.chat.completions.create({ model, messages, max_tokens: 8, temperature: 0 });
  ok(whole.choices[0].message.content === text, 'chat stream: same text as unstreamed (greedy)');
});

await step('completions', async () => {
  const r = await client.completions.create({ model, prompt: 'Once upon a time', max_tokens: 6, temperature: 0 });
  ok(r.object === 'text_completion' && typeof r.choices[0].text === 'string', 'completions: text');
  ok(r.usage.completion_tokens <= 6, 'completions: usage');
  const s = await client.completions.create({ model, prompt: 'Once upon a time', max_tokens: 6, temperature: 0, stream: true });
  let text = '';
  for await (const chunk of s) text += chunk.choices[0]?.text ?? '';
  ok(text === r.choices[0].text, 'completions stream: same text');
  const e = await client.completions.create({ model, prompt: 'Once upon a time', max_tokens: 6, temperature: 0, echo: true });
  ok(e.choices[0].text === 'Once upon a time' + r.choices[0].text, 'completions echo: prompt + text');
  const es = await client.completions.create({ model, prompt: 'Once upon a time', max_tokens: 6, temperature: 0, echo: true, stream: true });
  let etext = '';
  for await (const chunk of es) etext += chunk.choices[0]?.text ?? '';
  ok(etext === e.choices[0].text, 'completions echo stream: same text');
});

// response_format json_object: constrained sampling, so even a random-weight
// model's output is one JSON object, closed within max_tokens.
await step('json_object', async () => {
  const isObject = (t) => {
    try {
      const v = JSON.parse(t);
      return v !== null && typeof v === 'object' && !Array.isArray(v);
    } catch {
      return false;
    }
  };
  for (const [seed, max_tokens, temperature] of [[1, 40, 1], [2, 12, 1.5], [3, 3, 1], [4, 64, 0]]) {
    const r = await client.chat.completions.create({
      model, messages, max_tokens, seed, temperature, response_format: { type: 'json_object' },
    });
    const t = r.choices[0].message.content;
    ok(isObject(t) && r.usage.completion_tokens <= max_tokens && r.choices[0].finish_reason === 'stop',
       `json_object (seed ${seed}, max_tokens ${max_tokens}): one object ${JSON.stringify(t).slice(0, 60)}`);
  }
  const stream = await client.chat.completions.create({
    model, messages, max_tokens: 30, seed: 5, stream: true, response_format: { type: 'json_object' },
  });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
  ok(isObject(text), `json_object stream: one object ${JSON.stringify(text).slice(0, 60)}`);
});

await step('errors', async () => {
  try {
    await client.chat.completions.create({ model: 'no-such-model', messages });
    ok(false, 'unknown model refused');
  } catch (e) {
    ok(e.status === 404 && e.code === 'model_not_found', `unknown model refused (${e.status})`);
  }
  // logprobs: one entry per generated token (the end-of-generation token
  // has no text and no entry), each with its alternatives, streamed too.
  const lp = await client.chat.completions.create({ model, messages, max_tokens: 5, temperature: 0, logprobs: true, top_logprobs: 3 });
  const content = lp.choices[0].logprobs?.content ?? [];
  const eog = lp.choices[0].finish_reason === 'stop' ? 1 : 0;
  ok(content.length === lp.usage.completion_tokens - eog &&
     content.every((t) => t.logprob <= 0 && t.top_logprobs.length === 3 && Array.isArray(t.bytes)) &&
     content.map((t) => t.token).join('') === lp.choices[0].message.content,
     `chat logprobs: ${content.length} tokens with 3 alternatives each`);
  const lps = await client.chat.completions.create({ model, messages, max_tokens: 5, temperature: 0, logprobs: true, top_logprobs: 3, stream: true });
  const streamed = [];
  for await (const chunk of lps) streamed.push(...(chunk.choices[0]?.logprobs?.content ?? []));
  ok(JSON.stringify(streamed) === JSON.stringify(content), 'chat logprobs stream: the same entries');
  // Unimplemented fields are a 400 naming the field, never silently ignored.
  for (const [field, extra] of [
    ['tools', { tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }] }],
    ['response_format', { response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object', properties: { a: { type: 'string', format: 'email' } } } } } }],
    ['logit_bias', { logit_bias: { 1: 5 } }],
  ]) {
    try {
      await client.chat.completions.create({ model, messages, max_tokens: 2, ...extra });
      ok(false, `${field} refused`);
    } catch (e) {
      ok(e.status === 400 && e instanceof OpenAI.BadRequestError && e.param === field &&
         e.code === 'unsupported_parameter', `${field} refused by name (${e.status} ${e.param})`);
    }
  }
  if (apiKey) {
    const wrong = new OpenAI({ baseURL, apiKey: apiKey + 'x', maxRetries: 0 });
    try {
      await wrong.models.list();
      ok(false, 'wrong key refused');
    } catch (e) {
      ok(e.status === 401 && e instanceof OpenAI.AuthenticationError, `wrong key refused (${e.status})`);
    }
  }
});
