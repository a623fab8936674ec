// Compatibility: the official `openai` npm SDK (v6) against Parley — streaming, not streaming, and its error classes.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { mockReplyText } from '../../src/mock-upstream/index.js';
import { KEYS, standardYaml, startStack, type Stack } from '../integration/harness.js';
import { thrown } from '../support/thrown.js';

let stack: Stack;
let client: OpenAI;

beforeAll(async () => {
  stack = await startStack({
    yaml: standardYaml({ retries: 0, firstByte: '400ms' }),
    env: { ...KEYS },
    principals: ['sdk'],
  });
  client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: stack.keys.sdk, maxRetries: 0, timeout: 10_000 });
});
afterAll(async () => stack?.close());
beforeEach(() => stack.mock.resetScenario());

const user = (content: string) => [{ role: 'user' as const, content }];

describe('openai SDK: chat.completions.create', () => {
  it('returns a completion with content and usage', async () => {
    const completion = await client.chat.completions.create({ model: 'chat', messages: user('sdk hello') });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0].message.content).toBe(mockReplyText('sdk hello', 16));
    expect(completion.choices[0].finish_reason).toBe('stop');
    expect(completion.usage?.completion_tokens).toBe(16);
    expect(completion.usage!.total_tokens).toBe(completion.usage!.prompt_tokens + 16);
  });

  it('exposes Parley headers through withResponse()', async () => {
    const { response } = await client.chat.completions
      .create({ model: 'chat', messages: user('headers') })
      .withResponse();
    expect(response.headers.get('x-request-id')).toBeTruthy();
    expect(response.headers.get('x-parley-provider')).toBe('main');
  });

  it('streams chunks with content, a finish reason and usage (include_usage)', async () => {
    const stream = await client.chat.completions.create({
      model: 'chat',
      messages: user('sdk stream'),
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      expect(chunk.object).toBe('chat.completion.chunk');
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(mockReplyText('sdk stream', 16));
    expect(finish).toBe('stop');
    expect(usage?.completion_tokens).toBe(16);
    expect(chunks).toBeGreaterThan(16);
  });

  it('streams through the SDK helper runner (chat.completions.stream)', async () => {
    const runner = client.chat.completions.stream({ model: 'anth', messages: user('runner') });
    const final = await runner.finalChatCompletion();
    expect(final.choices[0].message.content).toBe(mockReplyText('runner', 16));
  });
});

describe('openai SDK: errors raised as its classes', () => {
  it('NotFoundError for an unknown model', async () => {
    const error = await thrown(() => client.chat.completions.create({ model: 'nope', messages: user('x') }));
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    const e = error as InstanceType<typeof OpenAI.NotFoundError>;
    expect(e.status).toBe(404);
    expect(e.code).toBe('model_not_found');
    expect(e.type).toBe('not_found_error');
    expect(e.param).toBe('model');
    expect(e.message).toContain('nope');
    expect(e.requestID ?? e.headers?.get('x-request-id')).toBeTruthy();
  });

  it('BadRequestError for an invalid body', async () => {
    const error = await thrown(() =>
      client.chat.completions.create({ model: 'chat', messages: user('x'), temperature: 9 }),
    );
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).message).toMatch(/temperature/);
  });

  it('NotFoundError when listing a model that does not exist, and models.list works', async () => {
    const page = await client.models.list();
    expect(page.data.map((m) => m.id)).toEqual(['chat', 'solo', 'anth']);
    expect(await thrown(() => client.models.retrieve('missing'))).toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('AuthenticationError for a credential Parley does not know', async () => {
    const stranger = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: 'sk-not-a-parley-key', maxRetries: 0 });
    const error = await thrown(() => stranger.chat.completions.create({ model: 'chat', messages: user('x') }));
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as InstanceType<typeof OpenAI.AuthenticationError>).status).toBe(401);
  });

  it("RateLimitError when the principal's request limit is spent (upstream 429s are absorbed, never passed on)", async () => {
    const limited = await startStack({
      yaml: standardYaml({
        rateLimits: 'rateLimits: { requestsPerMinute: 1, tokensPerMinute: 0, concurrentStreams: 0 }',
      }),
      env: { ...KEYS },
      principals: ['sdk'],
    });
    try {
      const c = new OpenAI({ baseURL: `${limited.url}/v1`, apiKey: limited.keys.sdk, maxRetries: 0 });
      await c.chat.completions.create({ model: 'chat', messages: user('first') });
      const error = await thrown(() => c.chat.completions.create({ model: 'chat', messages: user('second') }));
      expect(error).toBeInstanceOf(OpenAI.RateLimitError);
      const e = error as InstanceType<typeof OpenAI.RateLimitError>;
      expect(e.status).toBe(429);
      expect(Number(e.headers?.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }
  });

  const exhausted: [string, () => void, number][] = [
    ['502 (every target errored)', () => stack.mock.setScenario({ errorRates: { 500: 1 } }), 502],
    ['503 (every target overloaded)', () => stack.mock.setScenario({ errorRates: { 503: 1 } }), 503],
    ['504 (every target timed out)', () => stack.mock.setScenario({ stallBeforeHeaders: true }), 504],
  ];
  for (const [name, arrange, status] of exhausted) {
    it(`InternalServerError with status ${name}`, async () => {
      arrange();
      for (const stream of [false, true]) {
        const error = await thrown(async () => {
          const result = await client.chat.completions.create({ model: 'chat', messages: user('x'), stream });
          if (stream) for await (const _chunk of result as AsyncIterable<unknown>);
        });
        expect(error).toBeInstanceOf(OpenAI.InternalServerError);
        expect((error as InstanceType<typeof OpenAI.InternalServerError>).status).toBe(status);
        expect((error as Error).message).toMatch(/targets for model "chat" failed/);
      }
    });
  }

  it('APIError when the stream fails after content (mid-stream error event)', async () => {
    stack.mock.setScenario({ resetAfterTokens: 5, tokenDelayMs: 5 });
    const stream = await client.chat.completions.create({ model: 'chat', messages: user('cut'), stream: true });
    let text = '';
    const error = await thrown(async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    });
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as Error).message.length).toBeGreaterThan(5);
    expect(text.length).toBeGreaterThan(0);
    expect(mockReplyText('cut', 16).startsWith(text)).toBe(true);
  });
});
