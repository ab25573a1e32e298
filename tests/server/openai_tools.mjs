// Tool calling through the official OpenAI client against a running
// infrac-engine whose model has a chat template with a tool-call syntax.
// Random weights cannot choose well, so calls are checked for structure:
// tool_choice "required" and a named function must yield one valid call
// (constrained decoding), "none" none, and results go back through the
// template. Prints TAP lines. usage: node openai_tools.mjs BASE_URL MODEL LABEL
import OpenAI from 'openai';
import Ajv from 'ajv';

const [baseURL, model, label] = process.argv.slice(2);
let n = 0;
const ok = (cond, what) => console.log(`${cond ? 'ok' : 'not ok'} ${++n} - tools ${label}: ${what}`);
const client = new OpenAI({ baseURL, apiKey: 'unused', maxRetries: 0, timeout: 60000 });
const tools = [
  { type: 'function', function: { name: 'get_weather', description: 'Current weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
  { type: 'function', function: { name: 'get_time', description: 'Local time in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
];
const names = tools.map((t) => t.function.name);
const messages = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'What is the weather in Oslo?' },
];
const base = { model, messages, tools, max_tokens: 160, seed: 11 };

async function step(what, fn) {
  try {
    await fn();
  } catch (e) {
    ok(false, `${what}: ${e.status ?? ''} ${e.message}`);
  }
}

function validCall(c, name) {
  let args;
  try {
    args = JSON.parse(c.function.arguments);
  } catch {
    return false;
  }
  return typeof c.id === 'string' && c.id.length > 0 && c.type === 'function' &&
    (name ? c.function.name === name : names.includes(c.function.name)) &&
    args !== null && typeof args === 'object' && !Array.isArray(args);
}

let called = null;

await step('required', async () => {
  const r = await client.chat.completions.create({ ...base, tool_choice: 'required' });
  const m = r.choices[0].message;
  ok(r.choices[0].finish_reason === 'tool_calls', `required: finish_reason ${r.choices[0].finish_reason}`);
  ok(Array.isArray(m.tool_calls) && m.tool_calls.length === 1 && validCall(m.tool_calls[0]),
     `required: one valid call (${m.tool_calls?.[0]?.function?.name})`);
  ok(m.content === null, 'required: content null beside the call');
});

await step('named', async () => {
  const r = await client.chat.completions.create({
    ...base, tool_choice: { type: 'function', function: { name: 'get_time' } }, parallel_tool_calls: false,
  });
  const m = r.choices[0].message;
  ok(m.tool_calls?.length === 1 && validCall(m.tool_calls[0], 'get_time'), 'named: a call of get_time');
  called = m;
});

await step('round trip', async () => {
  if (!called) throw new Error('no call to answer');
  const call = called.tool_calls[0];
  const history = [...messages, called, { role: 'tool', tool_call_id: call.id, content: '{"time": "14:05"}' }];
  const r = await client.chat.completions.create({ model, messages: history, tools, max_tokens: 8, seed: 1 });
  const m = r.choices[0].message;
  ok(['stop', 'length', 'tool_calls'].includes(r.choices[0].finish_reason) &&
     (typeof m.content === 'string' || Array.isArray(m.tool_calls)),
     `round trip: the tool result goes back through the template (${r.choices[0].finish_reason})`);
  ok(r.usage.prompt_tokens > 40, `round trip: prompt holds tools, call and result (${r.usage.prompt_tokens} tokens)`);
});

await step('none', async () => {
  const r = await client.chat.completions.create({ ...base, tool_choice: 'none', max_tokens: 8 });
  const c = r.choices[0];
  ok(!c.message.tool_calls && typeof c.message.content === 'string' && ['stop', 'length'].includes(c.finish_reason),
     'none: text, no tool_calls');
});

await step('auto', async () => {
  const r = await client.chat.completions.create({ ...base, max_tokens: 24 });
  const c = r.choices[0];
  const calls = c.message.tool_calls ?? [];
  ok(calls.every((t) => validCall(t)) && (calls.length ? c.finish_reason === 'tool_calls' : typeof c.message.content === 'string'),
     `auto: ${calls.length} calls, finish_reason ${c.finish_reason}`);
});

await step('stream', async () => {
  // OpenAI's delta shape: index, id, type and name first, then arguments
  // chunks; the SDK's stream helper assembles the final message from them.
  const s = await client.chat.completions.create({ ...base, tool_choice: 'required', stream: true });
  const acc = [];
  let finish = null, firstHasName = true;
  for await (const chunk of s) {
    for (const ch of chunk.choices) {
      for (const d of ch.delta.tool_calls ?? []) {
        if (!acc[d.index]) {
          acc[d.index] = { id: d.id, type: d.type, function: { name: d.function?.name, arguments: '' } };
          firstHasName = firstHasName && !!d.id && !!d.function?.name;
        }
        acc[d.index].function.arguments += d.function?.arguments ?? '';
      }
      if (ch.finish_reason) finish = ch.finish_reason;
    }
  }
  ok(acc.length === 1 && firstHasName && validCall(acc[0]) && finish === 'tool_calls',
     `stream: deltas assemble one valid call (${acc[0]?.function?.name}), finish ${finish}`);
  const helper = client.chat.completions.stream({ ...base, tool_choice: { type: 'function', function: { name: 'get_weather' } } });
  const final = await helper.finalChatCompletion();
  const tc = final.choices[0].message.tool_calls ?? [];
  ok(tc.length === 1 && validCall(tc[0], 'get_weather'), 'stream: the SDK stream helper rebuilds the call');
});

// strict: true with a forced call: the arguments follow the parameters
// schema (schema_matcher.c); ajv validates them. XML-argument templates
// cannot apply a JSON schema: a 400.
const strictParams = {
  type: 'object',
  properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] }, days: { type: 'integer' },
    hourly: { type: 'boolean' } },
  required: ['city', 'unit', 'days', 'hourly'], additionalProperties: false,
};
await step('strict', async () => {
  const strictTools = [{ type: 'function', function: { name: 'forecast', strict: true, parameters: strictParams } }, tools[1]];
  const xml = label === 'qwen-xml' || label.startsWith('glm');
  for (const [choice, seed] of [['required', 21], [{ type: 'function', function: { name: 'forecast' } }, 22]]) {
    try {
      const r = await client.chat.completions.create({ ...base, tools: strictTools, tool_choice: choice, seed, temperature: 1.2 });
      const tc = r.choices[0].message.tool_calls ?? [];
      const ajv = new Ajv();
      const valid = tc.length === 1 && (tc[0].function.name !== 'forecast' ||
        ajv.validate(strictParams, JSON.parse(tc[0].function.arguments)));
      ok(!xml && valid, `strict ${JSON.stringify(choice).slice(0, 30)}: ${tc[0]?.function?.name} ${tc[0]?.function?.arguments?.slice(0, 60)} ${ajv.errorsText()}`);
    } catch (e) {
      ok(xml && e.status === 400 && e.param === 'tools', `strict on ${label}: ${e.status} ${e.message}`);
    }
  }
});

await step('errors', async () => {
  for (const [what, extra, param] of [
    ['a named function not in tools', { tool_choice: { type: 'function', function: { name: 'nope' } } }, 'tool_choice'],
    ['strict with tool_choice auto', { tools: [{ type: 'function', function: { name: 'f', strict: true, parameters: { type: 'object' } } }] }, 'tools'],
    ['strict with an unsupported keyword', { tool_choice: 'required', tools: [{ type: 'function', function: { name: 'f', strict: true, parameters: { type: 'object', properties: { a: { type: 'string', pattern: 'x' } } } } }] }, 'tools'],
    ['too few max_tokens for a call', { tool_choice: 'required', max_tokens: 5 }, 'max_tokens'],
  ]) {
    try {
      await client.chat.completions.create({ ...base, ...extra });
      ok(false, `${what} refused`);
    } catch (e) {
      ok(e.status === 400 && e instanceof OpenAI.BadRequestError && e.param === param, `${what} refused (${e.status} ${e.param})`);
    }
  }
});
