// OpenAI wire format of the mock upstream: stream framing, usage chunk, [DONE], completions, models, SDK compatibility.

import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimatePromptTokens, mockReplyText, startMockUpstream } from '../../src/mock-upstream/index.js';
import type { MockUpstream } from '../../src/mock-upstream/index.js';
import { USER_TEXT, get, openaiBody, openaiContent, parseSse, post } from './helpers.js';

interface Chunk {
  id: string;
  object: string;
  model: string;
  choices: Array<{ index: number; delta: { role?: string; content?: string }; finish_reason: string | null }>;
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
}

let mock: MockUpstream;
beforeAll(async () => {
  mock = await startMockUpstream({ scenario: { tokens: 8 } });
});
afterAll(async () => {
  await mock.close();
});

describe('mock upstream: OpenAI chat completions', () => {
  it('streams role chunk, content deltas, finish chunk, usage chunk and [DONE]', async () => {
    const body = openaiBody({ stream: true, stream_options: { include_usage: true } });
    const res = await post(`${mock.url}/v1/chat/completions`, body);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(res.headers['x-request-id']).toMatch(/^req_/);
    expect(res.text.endsWith('data: [DONE]\n\n')).toBe(true);
    const { events } = parseSse(res.text);
    expect(events.at(-1)?.data).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data) as Chunk);
    expect(chunks).toHaveLength(1 + 8 + 1 + 1);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.model === 'gpt-4o-mini')).toBe(true);
    expect(chunks[0].choices[0].delta).toMatchObject({ role: 'assistant', content: '' });
    const finish = chunks[9];
    expect(finish.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    expect(chunks.slice(0, 10).every((c) => c.usage === null)).toBe(true);
    const usage = chunks[10];
    expect(usage.choices).toEqual([]);
    const prompt = Math.ceil(('be nice'.length + USER_TEXT.length) / 4);
    expect(usage.usage).toMatchObject({ prompt_tokens: prompt, completion_tokens: 8, total_tokens: prompt + 8 });
    expect(openaiContent(events).join('')).toBe(mockReplyText(USER_TEXT, 8));
    expect(mockReplyText(USER_TEXT, 8)).toBe('Mock reply: hello brave new world lorem ipsum');
  });

  it('omits the usage chunk and usage fields without stream_options.include_usage', async () => {
    const res = await post(`${mock.url}/v1/chat/completions`, openaiBody({ stream: true }));
    const { events } = parseSse(res.text);
    expect(events).toHaveLength(1 + 8 + 1 + 1);
    for (const e of events.slice(0, -1)) expect(JSON.parse(e.data)).not.toHaveProperty('usage');
  });

  it('answers non-streaming requests with a chat.completion object', async () => {
    const res = await post(`${mock.url}/v1/chat/completions`, openaiBody());
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(res.text));
    const completion = JSON.parse(res.text) as Record<string, unknown>;
    expect(completion).toMatchObject({
      object: 'chat.completion',
      model: 'gpt-4o-mini',
      choices: [
        { index: 0, message: { role: 'assistant', content: mockReplyText(USER_TEXT, 8) }, finish_reason: 'stop' },
      ],
      usage: { completion_tokens: 8, prompt_tokens: estimatePromptTokens(openaiBody().messages) },
    });
    expect(completion.id).toMatch(/^chatcmpl-/);
  });

  it('stops at max_tokens / max_completion_tokens with finish_reason length', async () => {
    const res = await post(`${mock.url}/v1/chat/completions`, openaiBody({ stream: true, max_tokens: 3 }));
    const { events } = parseSse(res.text);
    expect(openaiContent(events)).toEqual(['Mock', ' reply:', ' hello']);
    expect(JSON.parse(events.at(-2)?.data ?? '{}').choices[0].finish_reason).toBe('length');
    const plain = JSON.parse(
      (await post(`${mock.url}/v1/chat/completions`, openaiBody({ max_completion_tokens: 2 }))).text,
    );
    expect(plain.choices[0]).toMatchObject({ message: { content: 'Mock reply:' }, finish_reason: 'length' });
  });

  it('lists models and accepts paths without the /v1 prefix', async () => {
    const res = await get(`${mock.url}/v1/models`);
    const list = JSON.parse(res.text) as { object: string; data: Array<{ id: string; object: string }> };
    expect(list.object).toBe('list');
    expect(list.data.map((m) => m.id)).toContain('gpt-4o-mini');
    expect(list.data.every((m) => m.object === 'model')).toBe(true);
    expect((await post(`${mock.url}/chat/completions`, openaiBody())).status).toBe(200);
  });

  it('rejects bad requests with the OpenAI error envelope', async () => {
    const bad = await post(`${mock.url}/v1/chat/completions`, '{"model":');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).error).toMatchObject({ type: 'invalid_request_error', param: null, code: null });
    const missing = await post(`${mock.url}/v1/chat/completions`, { model: 'gpt-4o-mini' });
    expect(JSON.parse(missing.text)).toEqual({
      error: {
        message: "Missing required parameter: 'messages'.",
        type: 'invalid_request_error',
        param: 'messages',
        code: 'missing_required_parameter',
      },
    });
    const unknown = await post(`${mock.url}/v1/nope`, {});
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.text).error.message).toBe('Invalid URL (POST /v1/nope)');
    expect((await get(`${mock.url}/v1/chat/completions`)).status).toBe(405);
  });

  it('works with the official openai SDK, streaming and errors included', async () => {
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: `${mock.url}/v1`, maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: USER_TEXT }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let completionTokens = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) completionTokens = chunk.usage.completion_tokens;
    }
    expect(text).toBe(mockReplyText(USER_TEXT, 8));
    expect(completionTokens).toBe(8);

    const failing = new OpenAI({
      apiKey: 'sk-test',
      baseURL: `${mock.url}/v1`,
      maxRetries: 0,
      defaultHeaders: { 'x-mock-scenario': JSON.stringify({ failFirst: 1, failStatus: 429, retryAfterSeconds: 7 }) },
    });
    const error = await failing.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const rateLimit = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rateLimit.status).toBe(429);
    expect(rateLimit.code).toBe('rate_limit_exceeded');
    expect(rateLimit.headers.get('retry-after')).toBe('7');
  });
});
