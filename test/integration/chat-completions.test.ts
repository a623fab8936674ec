// Integration: POST /v1/chat/completions (JSON and SSE), its headers, validation and error envelopes.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mockReplyText } from '../../src/mock-upstream/index.js';
import {
  KEYS,
  chatBody,
  chunkText,
  modelRequests,
  postJson,
  readSse,
  standardYaml,
  startStack,
  type Stack,
} from './harness.js';
import { expectEnvelope } from './helpers.js';

let stack: Stack;
let completions: string;
/** PNG's eight signature bytes and a few more, as base64. */
const PNG = 'iVBORw0KGgpQQVJMRVlJTUdCWVRFUw==';

beforeAll(async () => {
  stack = await startStack({ yaml: standardYaml({ server: 'bodyLimit: 16kb, drainTimeout: 1s' }), env: { ...KEYS } });
  completions = `${stack.url}/v1/chat/completions`;
});
afterAll(async () => stack?.close());
beforeEach(() => {
  stack.mock.resetScenario();
  stack.mock.clearRequests();
});

describe('non-streaming completions', () => {
  it('answers in OpenAI format with the upstream content, finish reason and usage', async () => {
    const res = await postJson(completions, chatBody('chat', 'hello there'));
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      object: string;
      model: string;
      id: string;
      choices: { index: number; message: { role: string; content: string }; finish_reason: string }[];
      usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
    };
    expect(body.object).toBe('chat.completion');
    expect(body.model).toBe('chat');
    expect(body.id).toMatch(/^chatcmpl-/);
    expect(body.choices).toHaveLength(1);
    expect(body.choices[0].message).toMatchObject({ role: 'assistant', content: mockReplyText('hello there', 16) });
    expect(body.choices[0].finish_reason).toBe('stop');
    expect(body.usage.completion_tokens).toBe(16);
    expect(body.usage.prompt_tokens).toBeGreaterThan(0);
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + 16);
    // The upstream saw the target's own model id, not the alias.
    const upstream = modelRequests(stack.mock);
    expect(upstream).toHaveLength(1);
    expect((upstream[0].body as { model: string }).model).toBe('gpt-4o-mini');
  });

  it('maps max_tokens onto the upstream call and reports finish_reason length', async () => {
    const res = await postJson(completions, chatBody('chat', 'hello there', { max_tokens: 3 }));
    const body = (await res.json()) as { choices: { message: { content: string }; finish_reason: string }[] };
    expect(body.choices[0].message.content).toBe(mockReplyText('hello there', 3));
    expect(body.choices[0].finish_reason).toBe('length');
  });
});

describe('streaming completions', () => {
  it('frames SSE: role chunk, deltas, finish chunk, [DONE]; no usage chunk unless asked', async () => {
    const res = await postJson(completions, chatBody('chat', 'stream me', { stream: true }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('cache-control')).toMatch(/no-cache/);
    expect(res.headers.get('x-accel-buffering')).toBe('no');
    const { text, events } = await readSse(res);
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(events.at(-1)!.data).toBe('[DONE]');
    const chunks = events.slice(0, -1).map(
      (e) =>
        JSON.parse(e.data) as Record<string, unknown> & {
          choices: { delta: Record<string, unknown>; finish_reason: string | null }[];
        },
    );
    for (const c of chunks) {
      expect(c.object).toBe('chat.completion.chunk');
      expect(c).not.toHaveProperty('usage');
      expect(c.id).toBe(chunks[0].id);
    }
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    const last = chunks.at(-1)!;
    expect(last.choices[0].finish_reason).toBe('stop');
    expect(last.choices[0].delta).toEqual({});
    expect(chunks.slice(0, -1).every((c) => c.choices[0].finish_reason === null)).toBe(true);
    expect(chunkText(events)).toBe(mockReplyText('stream me', 16));
    // Each token is its own delta (passed through, not buffered into one chunk).
    expect(chunks.length).toBe(16 + 2);
  });

  it('sends one usage chunk (empty choices) before [DONE] with stream_options.include_usage', async () => {
    const res = await postJson(
      completions,
      chatBody('chat', 'count me', { stream: true, stream_options: { include_usage: true } }),
    );
    const { events } = await readSse(res);
    expect(events.at(-1)!.data).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data) as { choices: unknown[]; usage: unknown });
    const usageChunk = chunks.at(-1)!;
    expect(usageChunk.choices).toEqual([]);
    expect(usageChunk.usage).toMatchObject({ completion_tokens: 16 });
    const { prompt_tokens, completion_tokens, total_tokens } = usageChunk.usage as Record<string, number>;
    expect(prompt_tokens).toBeGreaterThan(0);
    expect(total_tokens).toBe(prompt_tokens + completion_tokens);
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    expect(chunks.filter((c) => c.choices.length === 0)).toHaveLength(1);
  });

  it('streams from an Anthropic target in the same OpenAI framing', async () => {
    const res = await postJson(completions, chatBody('anth', 'via anthropic', { stream: true }));
    const { events } = await readSse(res);
    expect(events.at(-1)!.data).toBe('[DONE]');
    expect(chunkText(events)).toBe(mockReplyText('via anthropic', 16));
    expect(modelRequests(stack.mock).map((r) => r.path)).toEqual(['/v1/messages']);
  });
});

describe('response headers', () => {
  it('echoes x-request-id when sent and generates one otherwise', async () => {
    const echoed = await postJson(completions, chatBody(), { 'x-request-id': 'req-abc.123' });
    expect(echoed.headers.get('x-request-id')).toBe('req-abc.123');
    const generated = await postJson(completions, chatBody());
    const id = generated.headers.get('x-request-id');
    expect(id).toMatch(/^[A-Za-z0-9._:-]{8,}$/);
    const other = await postJson(completions, chatBody());
    expect(other.headers.get('x-request-id')).not.toBe(id);
  });

  it('carries x-request-id and a numeric x-parley-overhead-ms on JSON, stream, error and probe responses', async () => {
    const responses = [
      await postJson(completions, chatBody()),
      await postJson(completions, chatBody('chat', 'hi', { stream: true }), { 'x-request-id': 'stream-1' }),
      await postJson(completions, chatBody('no-such-model')),
      await fetch(`${stack.url}/v1/models`),
      await fetch(`${stack.url}/healthz`),
    ];
    for (const res of responses) {
      await res.arrayBuffer();
      expect(res.headers.get('x-request-id')).toBeTruthy();
      const overhead = res.headers.get('x-parley-overhead-ms');
      expect(overhead).toMatch(/^\d+(\.\d+)?$/);
      expect(Number(overhead)).toBeGreaterThanOrEqual(0);
    }
    expect(responses[1].headers.get('x-request-id')).toBe('stream-1');
  });

  it('excludes upstream waiting from x-parley-overhead-ms', async () => {
    stack.mock.setScenario({ latencyMs: 300 });
    const res = await postJson(completions, chatBody());
    await res.json();
    expect(Number(res.headers.get('x-parley-overhead-ms'))).toBeLessThan(200);
  });
});

describe('request validation and errors', () => {
  it('answers an unknown model with 404 in OpenAI format, without calling upstream', async () => {
    const error = await expectEnvelope(await postJson(completions, chatBody('gpt-nonexistent')), 404);
    expect(error.type).toBe('not_found_error');
    expect(error.code).toBe('model_not_found');
    expect(error.param).toBe('model');
    expect(error.message).toContain('gpt-nonexistent');
    expect(error.message).toContain('chat');
    expect(modelRequests(stack.mock)).toHaveLength(0);
  });

  const invalid: [string, unknown, RegExp][] = [
    ['missing messages', { model: 'chat' }, /messages/],
    ['empty messages', { model: 'chat', messages: [] }, /messages/],
    [
      'bad role',
      { model: 'chat', messages: [{ role: 'wizard', content: 'hi' }] },
      /role|system, developer, user, assistant/,
    ],
    ['temperature out of range', chatBody('chat', 'hi', { temperature: 5 }), /temperature/],
    ['temperature of the wrong type', chatBody('chat', 'hi', { temperature: 'hot' }), /temperature/],
    ['messages of the wrong type', { model: 'chat', messages: 'hello' }, /messages/],
    ['stream of the wrong type', chatBody('chat', 'hi', { stream: 'yes' }), /stream/],
    ['content of the wrong type', { model: 'chat', messages: [{ role: 'user', content: 42 }] }, /content/],
    ['missing model', { messages: [{ role: 'user', content: 'hi' }] }, /model/],
    ['n other than 1', chatBody('chat', 'hi', { n: 3 }), /\bn\b/],
    ['stop with too many entries', chatBody('chat', 'hi', { stop: ['a', 'b', 'c', 'd', 'e'] }), /stop.*more than 4/],
    [
      'an image that is neither https nor a data URL',
      { model: 'chat', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] },
      /image_url\.url must be an https URL/,
    ],
    [
      'an image data URL whose data is not base64',
      {
        model: 'chat',
        messages: [
          { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,!!no' } }] },
        ],
      },
      /^messages\.0\.content\.0\.image_url\.url does not hold valid base64/,
    ],
    [
      'an image whose bytes are not the type its data URL names',
      {
        model: 'chat',
        messages: [
          { role: 'user', content: [{ type: 'image_url', image_url: { url: `data:image/jpeg;base64,${PNG}` } }] },
        ],
      },
      /image_url\.url says it is JPEG but its bytes are not a JPEG image/,
    ],
    [
      'an audio part',
      {
        model: 'chat',
        messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'x', format: 'wav' } }] }],
      },
      /input_audio.*not supported/,
    ],
    ['n: 2', { ...chatBody('chat', 'hi'), n: 2 }, /^n is not supported/],
    [
      'audio output',
      { ...chatBody('chat', 'hi'), audio: { voice: 'alloy', format: 'wav' }, modalities: ['text', 'audio'] },
      /^audio is not supported/,
    ],
    [
      'tool_choice naming a missing tool',
      {
        ...chatBody('chat', 'hi'),
        tools: [{ type: 'function', function: { name: 'a' } }],
        tool_choice: { type: 'function', function: { name: 'b' } },
      },
      /tool_choice.*"b"/,
    ],
    ['max_tokens over the limit', chatBody('chat', 'hi', { max_tokens: 10_000_000 }), /max_tokens.*32768/],
    ['a JSON array instead of an object', [], /JSON object/],
  ];
  for (const [name, body, mentions] of invalid) {
    it(`rejects ${name} with a 400 envelope that names the field`, async () => {
      const error = await expectEnvelope(await postJson(completions, body), 400);
      expect(error.type).toBe('invalid_request_error');
      expect(error.message).toMatch(mentions);
      expect(modelRequests(stack.mock)).toHaveLength(0);
    });
  }

  it('forwards a well-formed image data URL, also of a type whose bytes it cannot check', async () => {
    for (const url of [`data:image/png;base64,${PNG}`, 'data:image/heic;base64,AAAAGGZ0eXBoZWlj']) {
      const body = {
        model: 'chat',
        messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url } }] }],
      };
      expect((await postJson(completions, body)).status).toBe(200);
    }
    expect(modelRequests(stack.mock)).toHaveLength(2);
  });

  it('rejects a body over the size limit with 413', async () => {
    const big = chatBody('chat', 'x'.repeat(20_000));
    const error = await expectEnvelope(await postJson(completions, big), 413);
    expect(error.message).toMatch(/too large \(this endpoint accepts 16 KiB, server\.bodyLimit\)/);
  });

  it('rejects malformed JSON with 400', async () => {
    const error = await expectEnvelope(await postJson(completions, '{"model": "chat", "messages": ['), 400);
    expect(error.message).toMatch(/JSON/);
  });

  it('rejects a body of another media type with 415', async () => {
    const res = await fetch(completions, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: '<chat/>',
    });
    const error = await expectEnvelope(res, 415);
    expect(error.message).toMatch(/application\/json/);
  });

  it('rejects a text/plain body with a 4xx that says to send JSON', async () => {
    const res = await fetch(completions, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    expect([400, 415]).toContain(res.status);
    const error = await expectEnvelope(res, res.status);
    expect(error.message).toMatch(/application\/json/);
  });

  it('answers an unknown route with a 404 envelope', async () => {
    const error = await expectEnvelope(await fetch(`${stack.url}/v1/nothing-here`), 404);
    expect(error.message).toMatch(/openapi/);
  });
});
