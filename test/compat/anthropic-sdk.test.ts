// The official `@anthropic-ai/sdk` against Parley's /v1/messages, with an Anthropic-format and an OpenAI-format target
// behind it.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import Anthropic from '@anthropic-ai/sdk';
import {
  KEYS,
  modelRequests,
  parseSse,
  postJson,
  standardYaml,
  startStack,
  type Stack,
} from '../integration/harness.js';
import { thrown } from '../support/thrown.js';

let stack: Stack;
let client: Anthropic;

beforeAll(async () => {
  stack = await startStack({
    yaml: standardYaml({ retries: 0, firstByte: '2s' }),
    env: { ...KEYS },
    principals: ['sdk'],
  });
  client = new Anthropic({ baseURL: stack.url, apiKey: stack.keys.sdk, maxRetries: 0, timeout: 10_000 });
});
afterAll(async () => stack?.close());
beforeEach(() => {
  stack.mock.resetScenario();
  stack.mock.clearRequests();
});

const EMAIL = 'ann.lee@example.com';
const PHONE = '+44 20 7946 0958';
const tools: Anthropic.Tool[] = [
  {
    name: 'send_mail',
    description: 'Send a mail',
    input_schema: { type: 'object', properties: { to: { type: 'string' } }, required: ['to'] },
  },
  {
    name: 'get_time',
    input_schema: { type: 'object', properties: { zone: { type: 'string', enum: ['UTC', 'CET'] } } },
  },
];

const upstreamBody = (i: number): Record<string, unknown> =>
  modelRequests(stack.mock)[i].body as Record<string, unknown>;

describe.each([
  ['anth', 'Anthropic-format'],
  ['solo', 'OpenAI-format'],
])('@anthropic-ai/sdk against %s (%s target)', (model, kind) => {
  const anthropicTarget = kind === 'Anthropic-format';

  it('answers a message (not streamed): msg_ id, text block, end_turn, usage; the system prompt reaches the target', async () => {
    const message = await client.messages.create({
      model,
      max_tokens: 64,
      system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: 'hello there' }],
      stop_sequences: ['END'],
      metadata: { user_id: 'u-1' },
      cache_control: { type: 'ephemeral' },
      // This SDK version no longer types the sampling parameters; the Messages API and Parley still take them.
      ...({ temperature: 0.5, top_p: 0.9 } as object),
    });
    expect(message.id).toMatch(/^msg_/);
    expect(message.type).toBe('message');
    expect(message.role).toBe('assistant');
    expect(message.model).toBe(model);
    expect(message.content[0]).toMatchObject({ type: 'text' });
    expect((message.content[0] as Anthropic.TextBlock).text).toMatch(/^Mock reply: hello there/);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.stop_sequence).toBeNull();
    expect(message.usage.input_tokens).toBeGreaterThan(0);
    expect(message.usage.output_tokens).toBeGreaterThan(0);
    const body = upstreamBody(0);
    if (anthropicTarget) {
      expect(body).toMatchObject({ max_tokens: 64, temperature: 0.5, top_p: 0.9, stop_sequences: ['END'] });
      // The prompt-cache breakpoint travels with its system block.
      expect(body.system).toEqual([{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }]);
    } else {
      expect(body).toMatchObject({ max_tokens: 64, temperature: 0.5, top_p: 0.9, stop: ['END'] });
      expect((body.messages as unknown[])[0]).toEqual({ role: 'system', content: 'Be brief.' });
    }
    // metadata.user_id is not forwarded (an identifier Parley keeps to itself).
    expect(JSON.stringify(body)).not.toContain('u-1');
  });

  it('streams with Anthropic event types; finalMessage assembles the text; max_tokens stops as max_tokens', async () => {
    const stream = client.messages.stream({
      model,
      max_tokens: 5,
      messages: [{ role: 'user', content: 'count to ten please now' }],
    });
    const types: string[] = [];
    for await (const event of stream)
      types.push(event.type === 'content_block_delta' ? `delta:${event.delta.type}` : event.type);
    const final = await stream.finalMessage();
    expect(types[0]).toBe('message_start');
    expect(types).toContain('content_block_start');
    expect(types).toContain('delta:text_delta');
    expect(types.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
    expect((final.content[0] as Anthropic.TextBlock).text).toBe('Mock reply: count to ten');
    expect(final.stop_reason).toBe('max_tokens');
    expect(final.usage.output_tokens).toBe(5);
  });

  it('runs a streamed tool loop over several turns; the email and phone never reach the target and come back restored', async () => {
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: `mail ${EMAIL}` }];
    const first = await client.messages.stream({ model, max_tokens: 256, tools, messages }).finalMessage();
    expect(first.stop_reason).toBe('tool_use');
    const uses = first.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
    expect(uses.map((u) => u.name)).toEqual(['send_mail', 'get_time']);
    expect(uses[0].input).toEqual({ to: `mail ${EMAIL}` });
    expect(uses[1].input).toEqual({ zone: 'UTC' });
    expect(JSON.stringify(upstreamBody(0))).not.toContain(EMAIL);

    messages.push({ role: 'assistant', content: first.content as Anthropic.ContentBlockParam[] });
    messages.push({
      role: 'user',
      content: [
        {
          type: 'tool_result',
          tool_use_id: uses[0].id,
          content: [{ type: 'text', text: `sent to ${EMAIL}, call ${PHONE}` }],
        },
        { type: 'tool_result', tool_use_id: uses[1].id, content: 'clock unavailable', is_error: true },
      ],
    });
    const second = await client.messages.stream({ model, max_tokens: 256, tools, messages }).finalMessage();
    expect(second.stop_reason).toBe('end_turn');
    const answer = (second.content[0] as Anthropic.TextBlock).text;
    expect(answer).toContain(`sent to ${EMAIL}, call ${PHONE}`);
    const upstream = JSON.stringify(upstreamBody(1));
    expect(upstream).not.toContain(EMAIL);
    expect(upstream).not.toContain(PHONE);
    // Tool ids travel unchanged so the target can pair calls and results; the error flag is carried.
    for (const u of uses) expect(upstream).toContain(u.id);
    if (anthropicTarget) expect(upstream).toContain('"is_error":true');
    else expect(upstream).toContain('Error: clock unavailable');

    messages.push({ role: 'assistant', content: second.content as Anthropic.ContentBlockParam[] });
    messages.push({ role: 'user', content: 'thanks, and now?' });
    const third = await client.messages.create({
      model,
      max_tokens: 256,
      tools,
      tool_choice: { type: 'none' },
      messages,
    });
    expect(third.stop_reason).toBe('end_turn');
    expect((third.content[0] as Anthropic.TextBlock).text).toContain('thanks, and now?');
    expect(modelRequests(stack.mock)).toHaveLength(3);
  });

  it('forces one named tool with tool_choice tool and disable_parallel_tool_use', async () => {
    const message = await client.messages.create({
      model,
      max_tokens: 128,
      tools,
      tool_choice: { type: 'tool', name: 'get_time', disable_parallel_tool_use: true },
      messages: [{ role: 'user', content: 'time?' }],
    });
    expect(message.content.filter((b) => b.type === 'tool_use').map((b) => (b as Anthropic.ToolUseBlock).name)).toEqual(
      ['get_time'],
    );
    const body = upstreamBody(0);
    if (anthropicTarget)
      expect(body.tool_choice).toEqual({ type: 'tool', name: 'get_time', disable_parallel_tool_use: true });
    else
      expect(body).toMatchObject({
        tool_choice: { type: 'function', function: { name: 'get_time' } },
        parallel_tool_calls: false,
      });
  });

  it('thinks: thinking blocks streamed as thinking_delta, sent back with tools on the next turn', async () => {
    const stream = client.messages.stream({
      model,
      max_tokens: 4096,
      thinking: { type: 'enabled', budget_tokens: 2048 },
      tools,
      messages: [{ role: 'user', content: 'think' }],
    });
    const deltas: string[] = [];
    for await (const event of stream) if (event.type === 'content_block_delta') deltas.push(event.delta.type);
    const first = await stream.finalMessage();
    expect(deltas).toContain('thinking_delta');
    expect(deltas).toContain('input_json_delta');
    const thinking = first.content[0] as Anthropic.ThinkingBlock;
    expect(thinking.type).toBe('thinking');
    expect(thinking.thinking).toBe('Mock thinking about: think');
    if (anthropicTarget) {
      expect(deltas).toContain('signature_delta');
      expect(thinking.signature).toBe('mock-signature');
      expect(upstreamBody(0).thinking).toEqual({ type: 'enabled', budget_tokens: 2048 });
    } else {
      expect(upstreamBody(0)).toMatchObject({ reasoning_effort: 'low', max_completion_tokens: 4096 });
    }
    const uses = first.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
    const again = await client.messages.create({
      model,
      max_tokens: 4096,
      thinking: { type: 'enabled', budget_tokens: 2048 },
      tools,
      messages: [
        { role: 'user', content: 'think' },
        { role: 'assistant', content: first.content as Anthropic.ContentBlockParam[] },
        {
          role: 'user',
          content: uses.map((u) => ({ type: 'tool_result' as const, tool_use_id: u.id, content: 'done' })),
        },
      ],
    });
    expect(again.content.map((b) => b.type)).toEqual(['thinking', 'text']);
    const assistant = (upstreamBody(1).messages as { role: string; content: unknown }[])[1];
    if (anthropicTarget)
      expect((assistant.content as { type: string }[])[0]).toEqual({
        type: 'thinking',
        thinking: 'Mock thinking about: think',
        signature: 'mock-signature',
      });
    else expect(JSON.stringify(assistant)).not.toContain('Mock thinking');
  });

  it('restores personal data in streamed thinking, and protects it the same way when the thinking is sent back (so its signature still matches)', async () => {
    const prompt = `think about ${EMAIL}`;
    const stream = client.messages.stream({
      model,
      max_tokens: 4096,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [{ role: 'user', content: prompt }],
    });
    const first = await stream.finalMessage();
    const thinking = first.content[0] as Anthropic.ThinkingBlock;
    expect(thinking.thinking).toBe(`Mock thinking about: ${prompt}`);
    const seen = (upstreamBody(0).messages as { role: string; content: string }[]).at(-1)!.content;
    expect(seen).not.toContain(EMAIL);
    await client.messages.create({
      model,
      max_tokens: 4096,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [
        { role: 'user', content: prompt },
        { role: 'assistant', content: first.content as Anthropic.ContentBlockParam[] },
        { role: 'user', content: 'go on' },
      ],
    });
    const again = JSON.stringify(upstreamBody(1));
    expect(again).not.toContain(EMAIL);
    if (anthropicTarget) {
      expect(thinking.signature).toBe('mock-signature');
      const assistant = (upstreamBody(1).messages as { content: { type: string; thinking?: string }[] }[])[1];
      expect(assistant.content[0]).toEqual({
        type: 'thinking',
        thinking: `Mock thinking about: ${seen}`,
        signature: 'mock-signature',
      });
    }
  });

  it('carries images (base64 and url sources)', async () => {
    const message = await client.messages.create({
      model,
      max_tokens: 64,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } },
            { type: 'text', text: 'what is this' },
          ],
        },
      ],
    });
    expect((message.content[0] as Anthropic.TextBlock).text).toContain('[images: 2]');
    const last = (upstreamBody(0).messages as { content: unknown }[]).at(-1)!.content;
    if (anthropicTarget)
      expect(last).toContainEqual({
        type: 'image',
        source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' },
      });
    else expect(last).toContainEqual({ type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } });
  });

  it('carries an image inside a tool result to an Anthropic target; refuses it by name for an OpenAI-format one', async () => {
    const png = { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } as const;
    const messages: Anthropic.MessageParam[] = [
      { role: 'user', content: 'what is on my screen?' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_time', input: {} }] },
      {
        role: 'user',
        content: [
          {
            type: 'tool_result',
            tool_use_id: 'toolu_1',
            content: [
              { type: 'text', text: `screen of ${EMAIL}` },
              { type: 'image', source: png },
            ],
          },
        ],
      },
    ];
    if (!anthropicTarget) {
      // A Chat Completions tool message holds text only.
      const error = await thrown(() => client.messages.create({ model, max_tokens: 32, tools, messages }));
      expect(error).toBeInstanceOf(Anthropic.BadRequestError);
      expect((error as Error).message).toContain('images in tool results');
      expect(modelRequests(stack.mock)).toHaveLength(0);
      return;
    }
    const message = await client.messages.create({ model, max_tokens: 32, tools, messages });
    expect(message.content[0]).toMatchObject({ type: 'text' });
    expect((upstreamBody(0).messages as { content: unknown }[]).at(-1)!.content).toEqual([
      {
        type: 'tool_result',
        tool_use_id: 'toolu_1',
        content: [
          { type: 'text', text: 'screen of [EMAIL_1]' },
          { type: 'image', source: png },
        ],
      },
    ]);
  });

  it('counts tokens as an estimate', async () => {
    const counted = await client.messages.countTokens({
      model,
      system: 'Be brief.',
      tools,
      messages: [{ role: 'user', content: 'x'.repeat(400) }],
    });
    expect(counted.input_tokens).toBeGreaterThan(100);
    expect(counted.input_tokens).toBeLessThan(400);
    expect(modelRequests(stack.mock)).toHaveLength(0);
  });

  it('refuses in count_tokens what /v1/messages refuses (a tool_choice naming no tool, a malformed thinking)', async () => {
    const messages = [{ role: 'user' as const, content: 'hi' }];
    const badChoice = await thrown(() =>
      client.messages.countTokens({ model, tools, messages, tool_choice: { type: 'tool', name: 'nope' } }),
    );
    expect(badChoice).toBeInstanceOf(Anthropic.BadRequestError);
    const badThinking = await thrown(() =>
      client.messages.countTokens({ model, messages, thinking: { type: 'enabled', budget_tokens: 10 } }),
    );
    expect(badThinking).toBeInstanceOf(Anthropic.BadRequestError);
    expect((badThinking as Error).message).toContain('thinking.budget_tokens');
  });
});

describe('@anthropic-ai/sdk: errors in Anthropic’s envelope and classes', () => {
  it('refuses an unknown field by name (BadRequestError, invalid_request_error), with a request id', async () => {
    const error = (await thrown(() =>
      client.messages.create({
        model: 'anth',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'x' }],
        container: 'c1',
      } as never),
    )) as InstanceType<typeof Anthropic.BadRequestError>;
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect(error.message).toContain('container');
    expect((error.error as { type: string; error: { type: string } }).error.type).toBe('invalid_request_error');
    expect(error.requestID).toMatch(/.+/);
    expect(modelRequests(stack.mock)).toHaveLength(0);
  });

  it('refuses top_k, server tools, document blocks (in tool results too), a missing max_tokens and an inexact integer by name', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ top_k: 5 }, 'top_k'],
      [{ tools: [{ type: 'web_search_20250305', name: 'web_search' }] }, 'web_search_20250305'],
      [
        {
          messages: [
            {
              role: 'user',
              content: [{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'x' } }],
            },
          ],
        },
        'document',
      ],
      [
        {
          messages: [
            {
              role: 'user',
              content: [
                {
                  type: 'tool_result',
                  tool_use_id: 't1',
                  content: [{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'x' } }],
                },
              ],
            },
          ],
        },
        'tool_result',
      ],
      [{ thinking: { type: 'enabled', budget_tokens: 2000 } }, 'budget_tokens'],
      [{ max_tokens: undefined }, 'max_tokens'],
      // An integer beyond 2^53 in a tool_use input cannot be carried exactly once parsed: refused, not rounded.
      [
        {
          messages: [
            { role: 'user', content: 'look up the order' },
            { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'lookup', input: { id: 2 ** 64 } }] },
            { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'found' }] },
          ],
        },
        'messages.1.content.0.input holds the integer 18446744073709552000',
      ],
    ];
    for (const [patch, named] of cases) {
      const body = { model: 'anth', max_tokens: 100, messages: [{ role: 'user', content: 'x' }], ...patch };
      const error = await thrown(() => client.messages.create(body as never));
      expect(error, named).toBeInstanceOf(Anthropic.BadRequestError);
      expect((error as Error).message, named).toContain(named);
    }
    expect(modelRequests(stack.mock)).toHaveLength(0);
  });

  it('refuses an image whose data is not base64 or whose bytes are not its media_type, naming the block', async () => {
    const image = (media_type: string, data: string) => ({
      model: 'anth',
      max_tokens: 100,
      messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type, data } }] }],
    });
    const cases: [ReturnType<typeof image>, RegExp][] = [
      [image('image/png', 'not base64!'), /messages\.0\.content\.0\.source\.data does not hold valid base64/],
      [image('image/gif', 'iVBORw0KGgo='), /source\.data says it is GIF but its bytes are not a GIF image/],
    ];
    for (const [body, message] of cases) {
      const error = await thrown(() => client.messages.create(body as never));
      expect(error).toBeInstanceOf(Anthropic.BadRequestError);
      expect((error as Error).message).toMatch(message);
    }
    expect(modelRequests(stack.mock)).toHaveLength(0);
  });

  it('accepts the betas it can honour, forwards the ones that matter to Anthropic targets, refuses others by name', async () => {
    await client.messages.create(
      { model: 'anth', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] },
      {
        headers: { 'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14,prompt-caching-2024-07-31' },
      },
    );
    expect(modelRequests(stack.mock)[0].headers['anthropic-beta']).toBe('interleaved-thinking-2025-05-14');
    const error = await thrown(() =>
      client.beta.messages.create({
        model: 'anth',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'x' }],
        betas: ['context-1m-2025-08-07'],
      }),
    );
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect((error as Error).message).toContain('context-1m-2025-08-07');
  });

  it('NotFoundError for an unknown model, AuthenticationError for a wrong key (x-api-key) ', async () => {
    expect(
      await thrown(() =>
        client.messages.create({ model: 'nope', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
      ),
    ).toBeInstanceOf(Anthropic.NotFoundError);
    const wrong = new Anthropic({ baseURL: stack.url, apiKey: 'pk_not_a_real_key', maxRetries: 0 });
    const error = await thrown(() =>
      wrong.messages.create({ model: 'anth', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
    );
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(
      ((error as InstanceType<typeof Anthropic.AuthenticationError>).error as { error: { type: string } }).error.type,
    ).toBe('authentication_error');
  });

  it('takes the Parley key as Authorization: Bearer too (authToken)', async () => {
    const bearer = new Anthropic({ baseURL: stack.url, apiKey: null, authToken: stack.keys.sdk, maxRetries: 0 });
    const message = await bearer.messages.create({
      model: 'anth',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(message.stop_reason).toBe('max_tokens');
  });

  it('answers 529 overloaded_error (OverloadedError) when every route is down, and an error event mid-stream', async () => {
    stack.mock.setScenario({ errorRates: { 503: 1 } });
    const error = await thrown(() =>
      client.messages.create({ model: 'chat', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
    );
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as InstanceType<typeof Anthropic.APIError>).status).toBe(529);
    expect(((error as InstanceType<typeof Anthropic.APIError>).error as { error: { type: string } }).error.type).toBe(
      'overloaded_error',
    );
    expect(modelRequests(stack.mock).map((r) => r.path)).toEqual(['/v1/chat/completions', '/v1/messages']);

    stack.mock.resetScenario();
    stack.mock.setScenario({ malformed: 'error-event' });
    const res = await postJson(
      `${stack.url}/v1/messages`,
      { model: 'anth', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'x' }] },
      { 'x-api-key': stack.keys.sdk },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('request-id')).toMatch(/.+/);
    const events = parseSse(await res.text());
    expect(events.map((e) => e.event).slice(0, 2)).toEqual(['message_start', 'ping']);
    expect(events.at(-1)!.event).toBe('error');
    expect(JSON.parse(events.at(-1)!.data)).toMatchObject({
      type: 'error',
      error: { type: expect.any(String), message: expect.any(String) },
    });
    expect(events.some((e) => e.event === 'message_stop')).toBe(false);
  });
});

describe('@anthropic-ai/sdk: tool input with a long number from an OpenAI-format target', () => {
  it('answers a tool_use whose input holds a 20-digit integer as a message the SDK reads (written as the target did)', async () => {
    stack.mock.setScenario({ toolCall: { name: 'lookup', arguments: { order_id: 2 ** 64, note: 'ok' } } });
    const lookup: Anthropic.Tool = {
      name: 'lookup',
      input_schema: { type: 'object', properties: { order_id: { type: 'integer' }, note: { type: 'string' } } },
    };
    const response = await fetch(`${stack.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': stack.keys.sdk, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'solo',
        max_tokens: 64,
        tools: [lookup],
        messages: [{ role: 'user', content: 'find' }],
      }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const text = await response.text();
    // The target's own text (JSON.stringify of 2^64 in the mock), not a string of JSON inside a string.
    expect(text).toContain('"input":{"order_id":18446744073709552000,"note":"ok"}');
    const viaSdk = await client.messages.create({
      model: 'solo',
      max_tokens: 64,
      tools: [lookup],
      messages: [{ role: 'user', content: 'find' }],
    });
    expect(viaSdk.content.find((b) => b.type === 'tool_use')).toMatchObject({ name: 'lookup', input: { note: 'ok' } });
  });
});

describe('@anthropic-ai/sdk: prefill, size limit, cache and rate limits', () => {
  it('continues a prefilled assistant turn on an Anthropic target; refuses it by name for an OpenAI-format target', async () => {
    const messages: Anthropic.MessageParam[] = [
      { role: 'user', content: 'say hi' },
      { role: 'assistant', content: 'Hi' },
    ];
    await client.messages.create({ model: 'anth', max_tokens: 10, messages });
    expect((upstreamBody(0).messages as { role: string }[]).at(-1)).toEqual({ role: 'assistant', content: 'Hi' });
    const error = await thrown(() => client.messages.create({ model: 'solo', max_tokens: 10, messages }));
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect((error as Error).message).toContain('prefill');
    expect(modelRequests(stack.mock)).toHaveLength(1);
  });

  it('answers 413 request_too_large for a body over server.bodyLimit', async () => {
    const error = await thrown(() =>
      client.messages.create({
        model: 'anth',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'x'.repeat(1_100_000) }],
      }),
    );
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as InstanceType<typeof Anthropic.APIError>).status).toBe(413);
    expect(((error as InstanceType<typeof Anthropic.APIError>).error as { error: { type: string } }).error.type).toBe(
      'request_too_large',
    );
  });

  it('applies the operator’s limits (limits.maxTokens, maxMessageChars, maxMessages) as chat completions do, naming each', async () => {
    const cases: [Anthropic.MessageCreateParamsNonStreaming, RegExp][] = [
      [
        { model: 'anth', max_tokens: 40_000, messages: [{ role: 'user', content: 'hi' }] },
        /max_tokens is 40000; at most 32768 .*limits\.maxTokens/,
      ],
      [
        {
          model: 'anth',
          max_tokens: 10,
          messages: [{ role: 'user', content: [{ type: 'text', text: 'y'.repeat(100_001) }] }],
        },
        /100001 characters .*limits\.maxMessageChars/,
      ],
      [
        {
          model: 'anth',
          max_tokens: 10,
          messages: Array.from({ length: 201 }, (_, i) => ({
            role: i % 2 === 0 ? ('user' as const) : ('assistant' as const),
            content: 'x',
          })),
        },
        /201 messages .*limits\.maxMessages/,
      ],
    ];
    for (const [params, message] of cases) {
      const error = await thrown(() => client.messages.create(params));
      expect(error).toBeInstanceOf(Anthropic.BadRequestError);
      expect((error as Error).message).toMatch(message);
    }
    expect(modelRequests(stack.mock)).toHaveLength(0);
  });

  it('refuses cache_control on a setting (thinking, tool_choice), where it would be silently ignored', async () => {
    const params = {
      model: 'anth',
      max_tokens: 10,
      messages: [{ role: 'user' as const, content: 'hi' }],
      thinking: { type: 'disabled', cache_control: { type: 'ephemeral' } },
    };
    const error = await thrown(() =>
      client.messages.create(params as unknown as Anthropic.MessageCreateParamsNonStreaming),
    );
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect((error as Error).message).toContain('thinking.cache_control is not supported');
  });

  it('serves a repeated request from Parley’s cache when asked (x-parley-cache: use)', async () => {
    const params = { model: 'anth', max_tokens: 20, messages: [{ role: 'user' as const, content: 'cache me' }] };
    const first = await client.messages.create(params, { headers: { 'x-parley-cache': 'use' } });
    const { data: second, response } = await client.messages
      .create(params, { headers: { 'x-parley-cache': 'use' } })
      .withResponse();
    expect(response.headers.get('x-parley-cache')).toBe('hit');
    expect(second.content).toEqual(first.content);
    expect(modelRequests(stack.mock)).toHaveLength(1);
  });
});

describe('@anthropic-ai/sdk: rate limits', () => {
  let limited: Stack;
  beforeAll(async () => {
    limited = await startStack({
      yaml: standardYaml({
        rateLimits: 'rateLimits: { requestsPerMinute: 1, tokensPerMinute: 0, concurrentStreams: 0 }',
      }),
      env: { ...KEYS },
      principals: ['sdk'],
    });
  });
  afterAll(async () => limited?.close());

  it('answers 429 rate_limit_error (RateLimitError) with retry-after once the principal is over its limit', async () => {
    const sdk = new Anthropic({ baseURL: limited.url, apiKey: limited.keys.sdk, maxRetries: 0 });
    await sdk.messages.create({ model: 'anth', max_tokens: 10, messages: [{ role: 'user', content: 'one' }] });
    const error = await thrown(() =>
      sdk.messages.create({ model: 'anth', max_tokens: 10, messages: [{ role: 'user', content: 'two' }] }),
    );
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect((error as InstanceType<typeof Anthropic.RateLimitError>).headers.get('retry-after')).toMatch(/^\d+$/);
    expect(
      ((error as InstanceType<typeof Anthropic.RateLimitError>).error as { error: { type: string } }).error.type,
    ).toBe('rate_limit_error');
  });
});
