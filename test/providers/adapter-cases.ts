// The adapter cases of the provider conformance suite: how to build each adapter and what each fixture must produce.

import { expect } from 'vitest';
import type { Pool } from 'undici';
import type { ChatEvent, ChatRequest, ErrorCode, FinishReason, Usage } from '../../src/domain/index.js';
import { createAnthropicModel } from '../../src/providers/anthropic/anthropic-model.js';
import { createOpenAIModel } from '../../src/providers/openai/openai-model.js';
import type { ProviderModel } from '../../src/providers/provider-model.js';
import type { RecordedRequest } from './replay-server.js';

export interface Outcome {
  text: string;
  started: boolean;
  finishReason?: FinishReason;
  usage?: Usage;
  errorCode?: ErrorCode;
  message?: RegExp;
}

export interface HttpAdapterCase {
  name: 'openai' | 'anthropic';
  create(origin: string, dispatcher?: Pool): ProviderModel;
  path: string;
  start: { id: string; model: string };
  usage: Usage;
  maxTokensUsage: Usage;
  errorBody(message: string): string;
  errorOnlyCode: ErrorCode;
  extra: Record<string, Outcome>;
  checkRequest(req: RecordedRequest): void;
}

export const TEXT = 'Hello! How can I help you today?';
export const REQUEST: ChatRequest = {
  model: 'test-model',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Hi there' },
  ],
  params: { maxTokens: 50, temperature: 0.2 },
};
export const OPTS = { credential: { id: 'k#0', secret: 'sk-test-secret' }, traceHeaders: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } };

export const openai: HttpAdapterCase = {
  name: 'openai',
  create: (origin, dispatcher) =>
    createOpenAIModel({ id: 'oa', baseUrl: `${origin}/v1`, headers: { 'openai-organization': 'org-test' }, connectTimeoutMs: 2_000, maxConnections: 4, dispatcher }),
  path: '/v1/chat/completions',
  start: { id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT', model: 'gpt-4o-mini-2024-07-18' },
  usage: { inputTokens: 19, outputTokens: 10 },
  maxTokensUsage: { inputTokens: 19, outputTokens: 10 },
  errorBody: (message) => JSON.stringify({ error: { message, type: 'invalid_request_error', param: null, code: null } }),
  errorOnlyCode: 'upstream_stream_error',
  extra: {
    'error-event': { text: 'Hello!', started: true, errorCode: 'upstream_stream_error', message: /Upstream model overloaded/ },
    'usage-after-finish-no-done': { text: TEXT, started: true, finishReason: 'stop', usage: { inputTokens: 19, outputTokens: 10 } },
  },
  checkRequest(req) {
    expect(req.url).toBe('/v1/chat/completions');
    expect(req.headers.authorization).toBe('Bearer sk-test-secret');
    expect(req.headers['openai-organization']).toBe('org-test');
    expect(req.headers.traceparent).toBe(OPTS.traceHeaders.traceparent);
    const body = JSON.parse(req.body) as Record<string, unknown>;
    expect(body).toMatchObject({ model: 'test-model', max_tokens: 50, temperature: 0.2, stream: true, stream_options: { include_usage: true } });
    expect(body.messages).toEqual(REQUEST.messages);
  },
};

export const anthropic: HttpAdapterCase = {
  name: 'anthropic',
  create: (origin, dispatcher) =>
    createAnthropicModel({ id: 'an', baseUrl: origin, anthropicVersion: '2023-06-01', connectTimeoutMs: 2_000, maxConnections: 4, dispatcher }),
  path: '/v1/messages',
  start: { id: 'msg_01XFDUDYJgAACzvnptvVoYEL', model: 'claude-haiku-4-5-20251001' },
  usage: { inputTokens: 25, outputTokens: 12 },
  maxTokensUsage: { inputTokens: 25, outputTokens: 3 },
  errorBody: (message) => JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message } }),
  errorOnlyCode: 'upstream_overloaded',
  extra: {
    'ping-overloaded': { text: '', started: true, errorCode: 'upstream_overloaded', message: /Overloaded/ },
    'tool-use': { text: 'Let me check.', started: true, finishReason: 'tool-calls', usage: { inputTokens: 25, outputTokens: 40 } },
  },
  checkRequest(req) {
    expect(req.url).toBe('/v1/messages');
    expect(req.headers['x-api-key']).toBe('sk-test-secret');
    expect(req.headers['anthropic-version']).toBe('2023-06-01');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers.traceparent).toBe(OPTS.traceHeaders.traceparent);
    expect(JSON.parse(req.body)).toEqual({
      model: 'test-model',
      max_tokens: 50,
      temperature: 0.2,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'Hi there' }],
      stream: true,
    });
  },
};

/** Every fixture scenario of an adapter with its expected outcome. */
export function scenarios(c: HttpAdapterCase): [string, Outcome][] {
  const ok: Outcome = { text: TEXT, started: true, finishReason: 'stop', usage: c.usage };
  return Object.entries({
    'stream-usage': ok,
    'keep-alive': ok,
    'multi-line-data': ok,
    crlf: ok,
    'split-lines': { ...ok, text: 'Hello! How can I help you today 👋?' },
    'max-tokens': { text: 'Hello! How', started: true, finishReason: 'length', usage: c.maxTokensUsage },
    'error-mid-stream': { text: c.name === 'openai' ? 'Hello! How' : 'Hello!', started: true, errorCode: 'upstream_stream_error' },
    'error-only': { text: '', started: false, errorCode: c.errorOnlyCode },
    truncated: { text: c.name === 'openai' ? 'Hello! How can I' : 'Hello! How can', started: true, errorCode: 'upstream_stream_error', message: /ended before completion/ },
    'invalid-json': { text: c.name === 'openai' ? 'Hello' : '', started: true, errorCode: 'upstream_protocol' },
    ...c.extra,
  });
}

/** The contract every stream must keep: one leading start, no empty deltas, at most one finish, last. */
export function expectWellFormed(events: ChatEvent[], finished: boolean): void {
  const starts = events.filter((e) => e.type === 'start');
  const finishes = events.filter((e) => e.type === 'finish');
  if (events.length > 0) {
    expect(events[0].type).toBe('start');
    expect(starts).toHaveLength(1);
  }
  for (const e of events) if (e.type === 'text-delta') expect(e.text.length).toBeGreaterThan(0);
  expect(finishes).toHaveLength(finished ? 1 : 0);
  if (finished) expect(events[events.length - 1].type).toBe('finish');
}
