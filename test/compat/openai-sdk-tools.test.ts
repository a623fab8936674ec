// The official `openai` SDK with tools, structured output, images and refusals, against an OpenAI-format and an
// Anthropic-format target.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import { KEYS, modelRequests, standardYaml, startStack, type Stack } from '../integration/harness.js';
import { thrown } from '../support/thrown.js';

let stack: Stack;
let client: OpenAI;

beforeAll(async () => {
  stack = await startStack({
    yaml: standardYaml({ retries: 0, firstByte: '2s' }),
    env: { ...KEYS },
    principals: ['sdk'],
  });
  client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: stack.keys.sdk, maxRetries: 0, timeout: 10_000 });
});
afterAll(async () => stack?.close());
beforeEach(() => {
  stack.mock.resetScenario();
  stack.mock.clearRequests();
});

const EMAIL = 'ann.lee@example.com';
const tools: OpenAI.ChatCompletionTool[] = [
  {
    type: 'function',
    function: {
      name: 'send_mail',
      description: 'Send a mail',
      parameters: { type: 'object', properties: { to: { type: 'string' } }, required: ['to'] },
    },
  },
  {
    type: 'function',
    function: {
      name: 'get_time',
      parameters: { type: 'object', properties: { zone: { type: 'string', enum: ['UTC', 'CET'] } } },
    },
  },
];

describe.each([
  ['solo', 'OpenAI-format'],
  ['anth', 'Anthropic-format'],
])('openai SDK against %s (%s target)', (model) => {
  it('runs a streaming tool loop: parallel calls streamed in fragments, results sent back, final answer; PII restored for the client only', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: `mail ${EMAIL}` }];
    const stream = await client.chat.completions.create({
      model,
      messages,
      tools,
      stream: true,
      stream_options: { include_usage: true },
    });
    const calls: { id: string; name: string; args: string }[] = [];
    let finish: string | null = null;
    let argumentChunks = 0;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (!choice) continue;
      for (const d of choice.delta.tool_calls ?? []) {
        if (d.id) calls[d.index] = { id: d.id, name: d.function?.name ?? '', args: '' };
        if (d.function?.arguments) {
          argumentChunks++;
          calls[d.index].args += d.function.arguments;
        }
      }
      finish = choice.finish_reason ?? finish;
    }
    expect(finish).toBe('tool_calls');
    expect(calls.map((c) => c.name)).toEqual(['send_mail', 'get_time']);
    expect(argumentChunks).toBeGreaterThan(2);
    expect(JSON.parse(calls[0].args)).toEqual({ to: `mail ${EMAIL}` });
    expect(JSON.parse(calls[1].args)).toEqual({ zone: 'UTC' });
    // The provider saw a placeholder, never the address.
    expect(JSON.stringify(modelRequests(stack.mock)[0].body)).not.toContain(EMAIL);

    messages.push({
      role: 'assistant',
      content: null,
      tool_calls: calls.map((c) => ({
        id: c.id,
        type: 'function' as const,
        function: { name: c.name, arguments: c.args },
      })),
    });
    messages.push({ role: 'tool', tool_call_id: calls[0].id, content: `sent to ${EMAIL}` });
    messages.push({ role: 'tool', tool_call_id: calls[1].id, content: '12:00' });
    const runner = client.chat.completions.stream({ model, messages, tools });
    const final = await runner.finalChatCompletion();
    expect(final.choices[0].finish_reason).toBe('stop');
    expect(final.choices[0].message.content).toContain(`tool results: sent to ${EMAIL} 12:00`);
    // Tool-call ids travel unchanged, so the provider can pair calls and results.
    const second = JSON.stringify(modelRequests(stack.mock)[1].body);
    for (const c of calls) expect(second).toContain(c.id);
    expect(second).not.toContain(EMAIL);
  });

  it('protects data pasted as an SQL INSERT, an HL7 message, XML and a vCard; the answer restores it', async () => {
    const pasted = [
      'Check these records:',
      "INSERT INTO customers (first_name, last_name, ssn) VALUES ('Maria', 'Gonzalez', '123456789');",
      '<patient><lastName>Kowalczyk</lastName><zipCode>W1G 9PF</zipCode></patient>',
      'ADR;TYPE=home:;;Dickens Gate;Leeds;;LS1 4AP;UK',
      'MSH|^~\\&|EPIC|HOSP|||20240314||ADT^A01|1|P|2.5\rPID|1||42^^^HOSP^MR||Whitfield^Jonathan||19850314|M',
    ].join('\n');
    const echoed = ['Maria', 'Gonzalez', '123456789', 'Kowalczyk', 'W1G 9PF'];
    const stream = client.chat.completions.stream({ model, messages: [{ role: 'user', content: pasted }] });
    const answer = (await stream.finalChatCompletion()).choices[0].message.content ?? '';
    const upstream = JSON.stringify(modelRequests(stack.mock)[0].body);
    for (const value of [...echoed, 'Dickens Gate', 'LS1 4AP', 'Whitfield', 'Jonathan', '19850314'])
      expect(upstream, value).not.toContain(value);
    // The mock answers with the first words of the prompt it was sent (the INSERT and the XML): restored.
    for (const value of echoed) expect(answer, value).toContain(value);
    expect(answer).not.toMatch(/\[[A-Z_]+_\d+\]/);
  });

  it('parses a structured answer with chat.completions.parse and a zod schema', async () => {
    const Answer = z.object({ city: z.string(), population: z.number(), capital: z.boolean() });
    const completion = await client.chat.completions.parse({
      model,
      messages: [{ role: 'user', content: 'Paris facts' }],
      response_format: zodResponseFormat(Answer, 'facts'),
    });
    expect(completion.choices[0].message.parsed).toEqual({ city: 'Paris facts', population: 42, capital: true });
    expect(completion.choices[0].finish_reason).toBe('stop');
  });

  it('sends an image part (data URL) through to the target', async () => {
    const completion = await client.chat.completions.create({
      model,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is this' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } },
          ],
        },
      ],
    });
    expect(completion.choices[0].message.content).toContain('[images: 1] what is this');
    const body = modelRequests(stack.mock)[0].body as { messages: { content: unknown }[] };
    const image =
      model === 'solo'
        ? { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } }
        : { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } };
    expect(body.messages.at(-1)!.content).toContainEqual(image);
  });

  it('surfaces reasoning as reasoning_content and reports reasoning in usage', async () => {
    const completion = await client.chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'think' }],
      reasoning_effort: 'low',
    });
    const message = completion.choices[0].message as OpenAI.ChatCompletionMessage & { reasoning_content?: string };
    expect(message.reasoning_content).toBe('Mock thinking about: think');
    expect(completion.usage?.completion_tokens).toBeGreaterThan(16);
  });

  it('raises BadRequestError naming a field that cannot be honoured', async () => {
    const error = await thrown(() =>
      client.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }], n: 2 }),
    );
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('n');
    expect(modelRequests(stack.mock)).toHaveLength(0);
  });
});

describe('openai SDK: refusals that depend on the target', () => {
  it('logprobs to an Anthropic-format target is a BadRequestError naming logprobs; to an OpenAI target it passes', async () => {
    const error = await thrown(() =>
      client.chat.completions.create({ model: 'anth', messages: [{ role: 'user', content: 'x' }], logprobs: true }),
    );
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('logprobs');
    await client.chat.completions.create({
      model: 'solo',
      messages: [{ role: 'user', content: 'x' }],
      logprobs: true,
      top_logprobs: 2,
    });
    expect(modelRequests(stack.mock)[0].body).toMatchObject({ logprobs: true, top_logprobs: 2 });
  });

  it('the chat chain (OpenAI, then Anthropic) skips the Anthropic target for logprobs and says so', async () => {
    stack.mock.setScenario({ errorRates: { 503: 1 } });
    const error = await thrown(() =>
      client.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'x' }], logprobs: true }),
    );
    expect(error).toBeInstanceOf(OpenAI.APIError);
    // Only the OpenAI target was tried: the Anthropic one cannot return log probabilities.
    expect(modelRequests(stack.mock).map((r) => r.path)).toEqual(['/v1/chat/completions']);
  });
});
