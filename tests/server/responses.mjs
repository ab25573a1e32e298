// The Responses API (POST /v1/responses) against a running infrac-engine,
// through the official `openai` client: client.responses.create (whole and
// streamed), client.responses.stream, text.format json_schema / json_object
// (validated by ajv) and the fields it refuses. Prints TAP lines.
// usage: node responses.mjs BASE_URL MODEL
import OpenAI from 'openai';
import Ajv from 'ajv';

const [baseURL, model] = process.argv.slice(2);
let n = 0;
const ok = (cond, what) => console.log(`${cond ? 'ok' : 'not ok'} ${++n} - responses: ${what}`);
const client = new OpenAI({ baseURL, apiKey: 'unused', maxRetries: 0, timeout: 60000 });
const ajv = new Ajv({ strict: true });

async function step(what, fn) {
  try {
    await fn();
  } catch (e) {
    ok(false, `${what}: ${e.status ?? ''} ${e.message}`);
  }
}

const textOf = (r) => r.output.filter((o) => o.type === 'message')
  .flatMap((o) => o.content).filter((c) => c.type === 'output_text').map((c) => c.text).join('');

await step('create', async () => {
  const r = await client.responses.create({
    model, input: 'Say hello.', instructions: 'You are terse.', max_output_tokens: 12, temperature: 0.7,
  });
  ok(r.object === 'response' && /^resp_/.test(r.id) && typeof r.created_at === 'number',
     `a response object (${r.id})`);
  ok(['completed', 'incomplete'].includes(r.status) && r.output.length === 1 &&
     r.output[0].type === 'message' && r.output[0].role === 'assistant' &&
     r.output[0].content[0].type === 'output_text', `one assistant message of output_text (${r.status})`);
  ok(r.output_text === textOf(r) && r.output_text.length > 0, `output_text is the message's text ${JSON.stringify(r.output_text).slice(0, 40)}`);
  ok(r.usage.input_tokens > 0 && r.usage.output_tokens > 0 && r.usage.output_tokens <= 12 &&
     r.usage.total_tokens === r.usage.input_tokens + r.usage.output_tokens,
     `usage ${JSON.stringify(r.usage)}`);
  ok(r.instructions === 'You are terse.' && r.max_output_tokens === 12 && r.temperature === 0.7 &&
     r.store === false && r.error === null, 'the request fields are echoed');
  ok(r.status !== 'incomplete' || r.incomplete_details?.reason === 'max_output_tokens',
     'incomplete says max_output_tokens');
});

await step('same as chat', async () => {
  // The same conversation at temperature 0 gives chat's text: one generation path.
  const input = [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: [{ type: 'input_text', text: 'Name a colour.' }] },
  ];
  const r = await client.responses.create({ model, input, max_output_tokens: 16, temperature: 0 });
  const c = await client.chat.completions.create({
    model, max_tokens: 16, temperature: 0,
    messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Name a colour.' }],
  });
  ok(r.output_text === c.choices[0].message.content, `greedy text equals chat's ${JSON.stringify(r.output_text).slice(0, 40)}`);
  ok(r.usage.input_tokens === c.usage.prompt_tokens, `input_tokens ${r.usage.input_tokens} = chat's prompt_tokens`);
  // A follow-up turn with the previous output given back as input items.
  const r2 = await client.responses.create({
    model, max_output_tokens: 8, temperature: 0,
    input: [...input, ...r.output, { role: 'user', content: 'Another.' }],
  });
  ok(r2.status !== 'failed' && r2.usage.input_tokens > r.usage.input_tokens &&
     r2.usage.input_tokens_details.cached_tokens > 0,
     `earlier output items are accepted as input (${r2.usage.input_tokens} tokens, ${r2.usage.input_tokens_details.cached_tokens} cached)`);
});

await step('stream', async () => {
  const stream = await client.responses.create({ model, input: 'Tell a story.', max_output_tokens: 20, stream: true });
  const events = [];
  for await (const ev of stream) events.push(ev);
  const types = events.map((e) => e.type);
  const head = ['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added'];
  const tail = ['response.output_text.done', 'response.content_part.done', 'response.output_item.done'];
  const last = types[types.length - 1];
  ok(head.every((t, i) => types[i] === t) && tail.every((t, i) => types[types.length - 4 + i] === t) &&
     ['response.completed', 'response.incomplete'].includes(last) &&
     types.slice(4, -4).every((t) => t === 'response.output_text.delta') && types.length > 8,
     `the event sequence (${types.length} events, ends ${last})`);
  ok(events.every((e, i) => e.sequence_number === i), 'sequence numbers count from 0');
  const deltas = events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('');
  const done = events.find((e) => e.type === 'response.output_text.done');
  const final = events[events.length - 1].response;
  ok(deltas === done.text && textOf(final) === deltas && deltas.length > 0,
     `deltas add up to the done text and the final response's ${JSON.stringify(deltas).slice(0, 30)}`);
  const itemId = events[2].item.id;
  ok(events.filter((e) => e.item_id !== undefined).every((e) => e.item_id === itemId && e.output_index === 0 && e.content_index === 0),
     'every text event names the message item');
  ok(events[0].response.status === 'in_progress' && final.id === events[0].response.id &&
     final.usage.output_tokens <= 20 && final.usage.output_tokens > 0, `the final response has usage ${final.usage.output_tokens}`);
});

await step('responses.stream helper', async () => {
  const s = client.responses.stream({ model, input: 'Count.', max_output_tokens: 10, temperature: 0 });
  let deltas = '';
  s.on('response.output_text.delta', (e) => { deltas += e.delta; });
  const final = await s.finalResponse();
  const whole = await client.responses.create({ model, input: 'Count.', max_output_tokens: 10, temperature: 0 });
  ok(textOf(final) === deltas && deltas === whole.output_text,
     `finalResponse() accumulates the stream and equals the whole response ${JSON.stringify(deltas).slice(0, 30)}`);
  // A reply that completes: the helper takes response.completed's object.
  const schema = { type: 'object', properties: { k: { const: 'v' }, n: { type: 'integer', minimum: 5, maximum: 5 } },
    required: ['k', 'n'], additionalProperties: false };
  const c = client.responses.stream({ model, input: 'JSON.', max_output_tokens: 20,
    text: { format: { type: 'json_schema', name: 'kv', schema, strict: true } } });
  const done = await c.finalResponse();
  const text = textOf(done);
  ok(done.status === 'completed' && text === '{"k":"v","n":5}' && done.usage.output_tokens > 0,
     `a completed stream ends in response.completed ${text}`);
});

const person = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    age: { type: 'integer', minimum: 0, maximum: 120 },
    tags: { type: 'array', items: { type: 'string', maxLength: 8 }, minItems: 1, maxItems: 3 },
    kind: { const: 'person' },
  },
  required: ['name', 'age', 'tags', 'kind'],
  additionalProperties: false,
};
const validates = (schema, text) => {
  try {
    const v = JSON.parse(text);
    const valid = ajv.validate(schema, v);
    return { valid, why: valid ? '' : ajv.errorsText() };
  } catch (e) {
    return { valid: false, why: e.message };
  }
};

await step('text.format', async () => {
  for (const [seed, temperature] of [[1, 1], [2, 1.5], [3, 0]]) {
    const r = await client.responses.create({
      model, input: 'Describe a person.', max_output_tokens: 300, temperature,
      text: { format: { type: 'json_schema', name: 'person', schema: person, strict: true } },
    });
    const { valid, why } = validates(person, r.output_text);
    ok(valid && r.status === 'completed' && r.text.format.type === 'json_schema',
       `json_schema output validates (temperature ${temperature}) ${why} ${r.output_text.slice(0, 60)}`);
  }
  const stream = await client.responses.create({
    model, input: 'Describe a person.', max_output_tokens: 300, temperature: 1, stream: true,
    text: { format: { type: 'json_schema', name: 'person', schema: person } },
  });
  let text = '';
  for await (const ev of stream) if (ev.type === 'response.output_text.delta') text += ev.delta;
  const { valid, why } = validates(person, text);
  ok(valid, `streamed json_schema output validates ${why}`);
  const j = await client.responses.create({
    model, input: 'Some JSON.', max_output_tokens: 200, temperature: 1, text: { format: { type: 'json_object' } },
  });
  let parsed = null;
  try { parsed = JSON.parse(j.output_text); } catch { /* not JSON */ }
  ok(parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed), `json_object output is an object ${j.output_text.slice(0, 40)}`);
});

await step('refusals', async () => {
  const refused = async (what, extra, param, code = 'unsupported_parameter') => {
    try {
      await client.responses.create({ model, input: 'hi', max_output_tokens: 8, ...extra });
      ok(false, `${what} refused`);
    } catch (e) {
      ok(e.status === 400 && e.param === param && e.code === code, `${what} refused: ${e.status} ${e.param} ${e.code} ${e.message}`);
    }
  };
  await refused('store: true', { store: true }, 'store');
  await refused('previous_response_id', { previous_response_id: 'resp_123' }, 'previous_response_id');
  await refused('function tools', { tools: [{ type: 'function', name: 'f', parameters: { type: 'object', properties: {} } }] }, 'tools');
  await refused('reasoning effort', { reasoning: { effort: 'low' } }, 'reasoning');
  await refused('an image part', { input: [{ role: 'user', content: [{ type: 'input_image', image_url: 'http://x/y.png' }] }] }, 'input');
  await refused('a function_call_output item', { input: [{ type: 'function_call_output', call_id: 'c', output: 'x' }] }, 'input');
  await refused('a schema keyword', { text: { format: { type: 'json_schema', name: 'x', schema: { type: 'object', properties: { a: { type: 'string', pattern: '^a' } } } } } }, 'text');
  await refused('an unknown field', { seed: 3 }, 'seed', 'unknown_parameter');
});
