// LangChain's ChatOpenAI (@langchain/openai) against a running infrac-engine:
// bindTools with a required and a named tool, the call's args parsed by
// LangChain, a ToolMessage round trip, and the streamed call reassembled
// from its chunks. Prints TAP lines.
// usage: node langchain_tools.mjs BASE_URL MODEL LABEL
import { ChatOpenAI } from '@langchain/openai';
import { AIMessageChunk, HumanMessage, ToolMessage } from '@langchain/core/messages';

const [baseURL, model, label] = process.argv.slice(2);
let n = 0;
const ok = (cond, what) => console.log(`${cond ? 'ok' : 'not ok'} ${++n} - langchain ${label}: ${what}`);
const options = { model, apiKey: 'unused', configuration: { baseURL }, maxRetries: 0, temperature: 0.7,
  timeout: 60000 };
const llm = new ChatOpenAI({ ...options, maxTokens: 160 });
const brief = new ChatOpenAI({ ...options, maxTokens: 8 });
const tools = [
  { type: 'function', function: { name: 'get_weather', description: 'Current weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
  { type: 'function', function: { name: 'get_time', description: 'Local time in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
];
const question = [new HumanMessage('What is the weather in Oslo?')];

async function step(what, fn) {
  try {
    await fn();
  } catch (e) {
    ok(false, `${what}: ${e.status ?? ''} ${e.message}`);
  }
}

const isCall = (c, names) => c && names.includes(c.name) && typeof c.id === 'string' &&
  c.args !== null && typeof c.args === 'object' && !Array.isArray(c.args);

let ai = null;
await step('bindTools required', async () => {
  ai = await llm.bindTools(tools, { tool_choice: 'any' }).invoke(question);
  ok(ai.tool_calls?.length === 1 && isCall(ai.tool_calls[0], ['get_weather', 'get_time']) &&
     (ai.invalid_tool_calls ?? []).length === 0,
     `bindTools(tool_choice "any" = required): one parsed call (${ai.tool_calls?.[0]?.name})`);
});

await step('bindTools named', async () => {
  const r = await llm.bindTools(tools, { tool_choice: 'get_time' }).invoke(question);
  ok(r.tool_calls?.length === 1 && isCall(r.tool_calls[0], ['get_time']), 'bindTools(tool_choice named): a get_time call');
});

await step('tool message round trip', async () => {
  if (!ai) throw new Error('no call to answer');
  const history = [...question, ai, new ToolMessage({ tool_call_id: ai.tool_calls[0].id, content: '{"temp": 3}' })];
  const r = await brief.bindTools(tools).invoke(history);
  ok(typeof r.content === 'string' || (r.tool_calls ?? []).length > 0, 'ToolMessage goes back through the template');
});

await step('stream', async () => {
  let acc = null;
  for await (const chunk of await llm.bindTools(tools, { tool_choice: 'any' }).stream(question))
    acc = acc ? acc.concat(chunk) : chunk;
  ok(acc instanceof AIMessageChunk && acc.tool_calls?.length === 1 && isCall(acc.tool_calls[0], ['get_weather', 'get_time']),
     `streamed call reassembled from tool_call_chunks (${acc?.tool_calls?.[0]?.name})`);
});
