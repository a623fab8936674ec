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
  /** Tool calls the stream must carry, arguments joined from their fragments. */
  toolCalls?: { id: string; name: string; arguments: string }[];
  /** Reasoning text the stream must carry. */
  reasoning?: string;
}

/** Tool calls of a stream: start (id, name), joined argument deltas, and whether each ended. */
export function toolCallsOf(events: ChatEvent[]): { id: string; name: string; arguments: string; ended: boolean }[] {
  const calls: { id: string; name: string; arguments: string; ended: boolean }[] = [];
  for (const e of events) {
    if (e.type === 'tool-input-start') calls.push({ id: e.id, name: e.toolName, arguments: '', ended: false });
    if (e.type === 'tool-input-delta') calls.find((c) => c.id === e.id)!.arguments += e.delta;
    if (e.type === 'tool-input-end') calls.find((c) => c.id === e.id)!.ended = true;
  }
  return calls;
}

/** Reasoning text of a stream. */
export function reasoningOf(events: ChatEvent[]): string {
  return events.map((e) => (e.type === 'reasoning-delta' ? e.text : '')).join('');
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
export const OPTS = {
  credential: { id: 'k#0', secret: 'sk-test-secret' },
  traceHeaders: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
};

export const openai: HttpAdapterCase = {
  name: 'openai',
  create: (origin, dispatcher) =>
    createOpenAIModel({
      id: 'oa',
      baseUrl: `${origin}/v1`,
      headers: { 'openai-organization': 'org-test' },
      connectTimeoutMs: 2_000,
      maxConnections: 4,
      dispatcher,
    }),
  path: '/v1/chat/completions',
  start: { id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT', model: 'gpt-4o-mini-2024-07-18' },
  usage: { inputTokens: 19, outputTokens: 10 },
  maxTokensUsage: { inputTokens: 19, outputTokens: 10 },
  errorBody: (message) =>
    JSON.stringify({ error: { message, type: 'invalid_request_error', param: null, code: null } }),
  errorOnlyCode: 'upstream_stream_error',
  extra: {
    'error-event': {
      text: 'Hello!',
      started: true,
      errorCode: 'upstream_stream_error',
      message: /Upstream model overloaded/,
    },
    'usage-after-finish-no-done': {
      text: TEXT,
      started: true,
      finishReason: 'stop',
      usage: { inputTokens: 19, outputTokens: 10 },
    },
    'tool-calls': {
      text: '',
      started: true,
      finishReason: 'tool-calls',
      usage: { inputTokens: 82, outputTokens: 51, cachedInputTokens: 64, reasoningTokens: 12 },
      reasoning: 'User wants weather in two cities.',
      toolCalls: [
        { id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA', name: 'get_weather', arguments: '{"location": "Paris"}' },
        { id: 'call_ABTUaWdwOIw3p0ZqjHcJpSGJ', name: 'get_weather', arguments: '{"location": "Oslo"}' },
      ],
    },
  },
  checkRequest(req) {
    expect(req.url).toBe('/v1/chat/completions');
    expect(req.headers.authorization).toBe('Bearer sk-test-secret');
    expect(req.headers['openai-organization']).toBe('org-test');
    expect(req.headers.traceparent).toBe(OPTS.traceHeaders.traceparent);
    const body = JSON.parse(req.body) as Record<string, unknown>;
    expect(body).toMatchObject({
      model: 'test-model',
      max_tokens: 50,
      temperature: 0.2,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(body.messages).toEqual(REQUEST.messages);
  },
};

export const anthropic: HttpAdapterCase = {
  name: 'anthropic',
  create: (origin, dispatcher) =>
    createAnthropicModel({
      id: 'an',
      baseUrl: origin,
      anthropicVersion: '2023-06-01',
      connectTimeoutMs: 2_000,
      maxConnections: 4,
      dispatcher,
    }),
  path: '/v1/messages',
  start: { id: 'msg_01XFDUDYJgAACzvnptvVoYEL', model: 'claude-haiku-4-5-20251001' },
  usage: { inputTokens: 25, outputTokens: 12 },
  maxTokensUsage: { inputTokens: 25, outputTokens: 3 },
  errorBody: (message) => JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message } }),
  errorOnlyCode: 'upstream_overloaded',
  extra: {
    'ping-overloaded': { text: '', started: true, errorCode: 'upstream_overloaded', message: /Overloaded/ },
    // The first input_json_delta is empty and the block starts with input {}: the arguments are the deltas alone.
    'tool-use': {
      text: 'Let me check.',
      started: true,
      finishReason: 'tool-calls',
      usage: { inputTokens: 25, outputTokens: 40 },
      toolCalls: [
        { id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', arguments: '{"location": "San Francisco, CA"}' },
      ],
    },
    // Thinking, a tool without arguments ({} from its start), cache tokens, and a message_delta reporting 0 input
    // tokens.
    'thinking-tools': {
      text: '',
      started: true,
      finishReason: 'tool-calls',
      usage: { inputTokens: 132, outputTokens: 89, cachedInputTokens: 100, cacheWriteTokens: 7 },
      reasoning: 'The user wants the time.',
      toolCalls: [
        { id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_time', arguments: '{}' },
        { id: 'toolu_01B8x7Hc2mEr9LwzQ1', name: 'get_weather', arguments: '{"city": "Oslo"}' },
      ],
    },
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
    'error-mid-stream': {
      text: c.name === 'openai' ? 'Hello! How' : 'Hello!',
      started: true,
      errorCode: 'upstream_stream_error',
    },
    'error-only': { text: '', started: false, errorCode: c.errorOnlyCode },
    truncated: {
      text: c.name === 'openai' ? 'Hello! How can I' : 'Hello! How can',
      started: true,
      errorCode: 'upstream_stream_error',
      message: /ended before completion/,
    },
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
