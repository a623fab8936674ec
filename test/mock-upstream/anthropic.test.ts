// Anthropic wire format of the mock upstream: event sequence, messages, required headers, 529 overloaded.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mockReplyText, startMockUpstream } from '../../src/mock-upstream/index.js';
import type { MockUpstream } from '../../src/mock-upstream/index.js';
import { ANTHROPIC_HEADERS, USER_TEXT, anthropicBody, anthropicContent, get, parseSse, post } from './helpers.js';

let mock: MockUpstream;
beforeAll(async () => {
  mock = await startMockUpstream({ scenario: { tokens: 5 } });
});
afterAll(async () => {
  await mock.close();
});

describe('mock upstream: Anthropic messages', () => {
  it('streams the Messages event sequence with matching event names and types', async () => {
    const res = await post(
      `${mock.url}/v1/messages`,
      anthropicBody({ stream: true, system: 'be brief' }),
      ANTHROPIC_HEADERS,
    );
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(res.headers['request-id']).toMatch(/^req_/);
    const { events } = parseSse(res.text);
    expect(events.map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      ...Array(5).fill('content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    for (const e of events) expect(JSON.parse(e.data).type).toBe(e.event);
    const start = JSON.parse(events[0].data);
    expect(start.message).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-haiku-4-5',
      content: [],
      usage: { input_tokens: Math.ceil(('be brief'.length + USER_TEXT.length) / 4) },
    });
    expect(start.message.id).toMatch(/^msg_/);
    expect(JSON.parse(events[1].data).content_block).toEqual({ type: 'text', text: '' });
    expect(JSON.parse(events[3].data).delta).toEqual({ type: 'text_delta', text: 'Mock' });
    expect(anthropicContent(events).join('')).toBe(mockReplyText(USER_TEXT, 5));
    expect(JSON.parse(events[9].data)).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: 5 },
    });
  });

  it('stops at max_tokens with stop_reason max_tokens', async () => {
    const res = await post(
      `${mock.url}/v1/messages`,
      anthropicBody({ stream: true, max_tokens: 2 }),
      ANTHROPIC_HEADERS,
    );
    const { events } = parseSse(res.text);
    expect(anthropicContent(events)).toEqual(['Mock', ' reply:']);
    const delta = JSON.parse(events.find((e) => e.event === 'message_delta')?.data ?? '{}');
    expect(delta.delta.stop_reason).toBe('max_tokens');
    expect(delta.usage.output_tokens).toBe(2);
  });

  it('answers non-streaming requests with a message object', async () => {
    const res = await post(`${mock.url}/v1/messages`, anthropicBody(), ANTHROPIC_HEADERS);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toMatchObject({
      type: 'message',
      role: 'assistant',
      content: [{ type: 'text', text: mockReplyText(USER_TEXT, 5) }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: Math.ceil(USER_TEXT.length / 4), output_tokens: 5 },
    });
  });

  it('requires x-api-key, anthropic-version and max_tokens', async () => {
    const noKey = await post(`${mock.url}/v1/messages`, anthropicBody(), { 'anthropic-version': '2023-06-01' });
    expect(noKey.status).toBe(401);
    expect(JSON.parse(noKey.text)).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    const noVersion = await post(`${mock.url}/v1/messages`, anthropicBody(), { 'x-api-key': 'k' });
    expect(noVersion.status).toBe(400);
    expect(JSON.parse(noVersion.text).error).toEqual({
      type: 'invalid_request_error',
      message: 'anthropic-version: header is required',
    });
    const noMax = await post(
      `${mock.url}/v1/messages`,
      { model: 'm', messages: [{ role: 'user', content: 'x' }] },
      ANTHROPIC_HEADERS,
    );
    expect(noMax.status).toBe(400);
    expect(JSON.parse(noMax.text).error.message).toBe('max_tokens: Field required');
  });

  it('returns 529 overloaded_error with retry-after', async () => {
    const res = await post(`${mock.url}/v1/messages`, anthropicBody({ stream: true }), {
      ...ANTHROPIC_HEADERS,
      'x-mock-scenario': JSON.stringify({ failFirst: 1, failStatus: 529, retryAfterSeconds: 2 }),
    });
    expect(res.status).toBe(529);
    expect(res.headers['retry-after']).toBe('2');
    expect(res.headers['content-type']).toBe('application/json');
    const body = JSON.parse(res.text);
    expect(body).toMatchObject({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    expect(body.request_id).toBe(res.headers['request-id']);
  });

  it('lists models in the Anthropic shape when anthropic-version is sent', async () => {
    const res = await get(`${mock.url}/v1/models`, ANTHROPIC_HEADERS);
    const list = JSON.parse(res.text);
    expect(list.has_more).toBe(false);
    expect(list.data[0]).toMatchObject({ type: 'model', id: expect.any(String), display_name: expect.any(String) });
  });
});
