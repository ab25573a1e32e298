// response_format json_schema against a running infrac-engine, through the
// official `openai` client (create, parse, stream) and LangChain's
// withStructuredOutput: constrained sampling, so even a random-weight model's
// output parses and ajv validates it against the schema; an unsupported
// keyword is a 400 naming it. Prints TAP lines.
// usage: node structured_output.mjs BASE_URL MODEL
import OpenAI from 'openai';
import Ajv from 'ajv';
import { ChatOpenAI } from '@langchain/openai';

const [baseURL, model] = process.argv.slice(2);
let n = 0;
const ok = (cond, what) => console.log(`${cond ? 'ok' : 'not ok'} ${++n} - structured output: ${what}`);
const client = new OpenAI({ baseURL, apiKey: 'unused', maxRetries: 0, timeout: 60000 });
const messages = [{ role: 'user', content: 'Describe a person.' }];
const ajv = new Ajv({ strict: true });

async function step(what, fn) {
  try {
    await fn();
  } catch (e) {
    ok(false, `${what}: ${e.status ?? ''} ${e.message}`);
  }
}

// OpenAI's strict form: every property required, no others.
const person = {
  type: 'object',
  properties: {
    name: { type: 'string', description: 'full name' },
    age: { type: 'integer' },
    mood: { type: 'string', enum: ['happy', 'sad', 'calm'] },
    tags: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 3 },
    address: {
      type: 'object',
      properties: { city: { type: 'string' }, zip: { type: ['string', 'null'] } },
      required: ['city', 'zip'],
      additionalProperties: false,
    },
    verified: { type: 'boolean' },
    score: { type: 'number' },
    nickname: { anyOf: [{ type: 'string' }, { type: 'null' }] },
    kind: { const: 'person' },
  },
  required: ['name', 'age', 'mood', 'tags', 'address', 'verified', 'score', 'nickname', 'kind'],
  additionalProperties: false,
};
// Optional properties, as a non-strict schema may have them.
const loose = {
  type: 'object',
  properties: { id: { type: 'integer' }, note: { type: 'string' }, flags: { type: 'array', items: { type: 'boolean' }, maxItems: 2 } },
  required: ['id'],
};
const format = (schema, strict) => ({ type: 'json_schema', json_schema: { name: 'person', schema, strict } });

const validates = (schema, text) => {
  try {
    const v = JSON.parse(text);
    const valid = ajv.validate(schema, v);
    return { valid, why: valid ? '' : ajv.errorsText() };
  } catch (e) {
    return { valid: false, why: e.message };
  }
};

await step('create', async () => {
  for (const [schema, strict, seed, temperature] of [[person, true, 1, 1], [person, true, 2, 1.5], [person, false, 3, 0], [loose, false, 4, 1], [loose, null, 5, 1.5]]) {
    const r = await client.chat.completions.create({
      model, messages, max_tokens: 300, seed, temperature, response_format: format(schema, strict),
    });
    const t = r.choices[0].message.content;
    const { valid, why } = validates(schema, t);
    ok(valid && r.choices[0].finish_reason === 'stop',
       `seed ${seed}: validates ${why} ${JSON.stringify(t).slice(0, 70)}`);
  }
});

await step('parse', async () => {
  const r = await client.chat.completions.parse({
    model, messages, max_tokens: 300, seed: 6, response_format: format(person, true),
  });
  const p = r.choices[0].message.parsed;
  ok(p !== null && ajv.validate(person, p), `chat.completions.parse gives a valid object (${p?.name?.slice(0, 20)})`);
});

await step('stream', async () => {
  const stream = await client.chat.completions.create({
    model, messages, max_tokens: 300, seed: 7, temperature: 1, stream: true, response_format: format(person, true),
  });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
  const { valid, why } = validates(person, text);
  ok(valid, `streamed text validates ${why}`);
});

await step('langchain', async () => {
  const llm = new ChatOpenAI({ model, apiKey: 'unused', configuration: { baseURL }, maxRetries: 0,
    maxTokens: 300, temperature: 1, timeout: 60000 });
  const structured = llm.withStructuredOutput(person, { name: 'person', method: 'jsonSchema', strict: true });
  const v = await structured.invoke('Describe a person.');
  ok(ajv.validate(person, v), `LangChain withStructuredOutput(jsonSchema, strict) gives a valid object ${ajv.errorsText()}`);
});

// What pydantic's model_json_schema() writes (2020-12: $defs, titles,
// Optional as anyOf with null, conint/constr bounds) and what
// zod-to-json-schema writes with a name (draft-07: a root $ref into
// definitions, exclusive bounds, literals of mixed types).
const pydantic = {
  $defs: {
    Address: {
      properties: { city: { title: 'City', type: 'string', minLength: 2, maxLength: 12 },
        zip: { anyOf: [{ type: 'string', maxLength: 5 }, { type: 'null' }], default: null, title: 'Zip' } },
      required: ['city', 'zip'], title: 'Address', type: 'object',
    },
    Level: { enum: ['low', 'high', 3, null], title: 'Level' },
  },
  properties: {
    name: { title: 'Name', type: 'string', maxLength: 6 },
    age: { title: 'Age', type: 'integer', minimum: 18, maximum: 99 },
    home: { $ref: '#/$defs/Address' },
    work: { anyOf: [{ $ref: '#/$defs/Address' }, { type: 'null' }] },
    level: { $ref: '#/$defs/Level' },
    years: { items: { type: 'integer', exclusiveMinimum: 1900, exclusiveMaximum: 2100 }, maxItems: 3, minItems: 1, title: 'Years', type: 'array' },
  },
  required: ['name', 'age', 'home', 'work', 'level', 'years'],
  title: 'Person', type: 'object',
};
const zod = {
  $ref: '#/definitions/Order',
  definitions: {
    Order: {
      type: 'object',
      properties: {
        id: { type: 'integer', exclusiveMinimum: 0, maximum: 9007199254740991 },
        qty: { type: 'integer', minimum: -5, maximum: -2 },
        code: { type: 'string', minLength: 3, maxLength: 3 },
        kind: { type: 'string', const: 'order' },
        flag: { anyOf: [{ type: 'boolean' }, { type: 'null' }] },
      },
      required: ['id', 'qty', 'code', 'kind', 'flag'],
      additionalProperties: false,
    },
  },
  $schema: 'http://json-schema.org/draft-07/schema#',
};

await step('pydantic and zod schemas', async () => {
  for (const [label, schema] of [['pydantic', pydantic], ['zod', zod]]) {
    for (const [seed, temperature] of [[11, 1], [12, 1.5], [13, 0]]) {
      const r = await client.chat.completions.create({
        model, messages, max_tokens: 300, seed, temperature, response_format: format(schema, true),
      });
      const t = r.choices[0].message.content;
      const { valid, why } = validates(schema, t);
      ok(valid && r.choices[0].finish_reason === 'stop',
         `${label} schema, seed ${seed}: validates ${why} ${JSON.stringify(t).slice(0, 70)}`);
    }
  }
});

await step('refusals', async () => {
  const refused = async (what, extra, check) => {
    try {
      await client.chat.completions.create({ model, messages, max_tokens: 300, ...extra });
      ok(false, `${what} refused`);
    } catch (e) {
      ok(e.status === 400 && check(e), `${what} refused: ${e.status} ${e.param} ${e.message}`);
    }
  };
  const withPattern = { ...loose, properties: { ...loose.properties, note: { type: 'string', pattern: '^a' } } };
  await refused('pattern', { response_format: format(withPattern, true) },
    (e) => e.param === 'response_format' && e.code === 'unsupported_parameter' &&
      e.message.includes("properties.note: keyword 'pattern'"));
  await refused('too few max_tokens', { max_tokens: 5, response_format: format(person, true) },
    (e) => e.param === 'max_tokens');
  const recursive = { type: 'object', properties: { root: { $ref: '#/$defs/Node' } },
    $defs: { Node: { type: 'object', properties: { next: { anyOf: [{ $ref: '#/$defs/Node' }, { type: 'null' }] } } } } };
  await refused('a recursive $ref', { response_format: format(recursive, true) },
    (e) => e.param === 'response_format' && e.message.includes("recursive '$ref' #/$defs/Node"));
  const dated = { type: 'object', properties: { d: { type: 'string', format: 'date' } } };
  await refused('format', { response_format: format(dated, true) },
    (e) => e.param === 'response_format' && e.message.includes("properties.d: keyword 'format'"));
  await refused('no schema', { response_format: { type: 'json_schema', json_schema: { name: 'x' } } },
    (e) => e.param === 'response_format');
});
