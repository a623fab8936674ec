// The Messages API rendering: stream frames per domain event, the collected Message, usage and error kinds.

import { describe, expect, it } from 'vitest';
import { ParleyError, RawJson, stringifyWithRaw, type ChatEvent } from '../../src/domain/index.js';
import {
  MessageCollector,
  MessageStreamWriter,
  anthropicErrorKind,
  anthropicUsage,
} from '../../src/http/anthropic-format.js';

const EVENTS: ChatEvent[] = [
  { type: 'start' },
  { type: 'reasoning-delta', text: 'hmm ' },
  { type: 'reasoning-delta', text: 'ok' },
  { type: 'reasoning-signature', signature: 'sig' },
  { type: 'reasoning-redacted', data: 'opaque' },
  { type: 'text-delta', text: 'Calling' },
  { type: 'tool-input-start', id: 'a', toolName: 'one' },
  { type: 'tool-input-start', id: 'b', toolName: 'two' },
  { type: 'tool-input-delta', id: 'a', delta: '{"x":' },
  { type: 'tool-input-delta', id: 'b', delta: '{}' },
  { type: 'tool-input-delta', id: 'a', delta: '1}' },
  { type: 'tool-input-end', id: 'b' },
  { type: 'tool-input-end', id: 'a' },
  {
    type: 'finish',
    finishReason: 'tool-calls',
    usage: { inputTokens: 100, outputTokens: 7, cachedInputTokens: 60, cacheWriteTokens: 10 },
  },
];

describe('MessageStreamWriter', () => {
  it('numbers blocks in start order, keeps interleaved tool calls on their own index and closes every block once', () => {
    const writer = new MessageStreamWriter('msg_1', 'm', 12);
    const frames = [...writer.start(), ...EVENTS.flatMap((e) => writer.frames(e))].map(([data, name]) => ({
      name,
      data: JSON.parse(data) as Record<string, unknown>,
    }));
    expect(frames.map((f) => f.name).slice(0, 2)).toEqual(['message_start', 'ping']);
    expect(frames[0].data).toMatchObject({ message: { id: 'msg_1', usage: { input_tokens: 12 } } });
    const starts = frames
      .filter((f) => f.name === 'content_block_start')
      .map((f) => [f.data.index, (f.data.content_block as { type: string }).type]);
    expect(starts).toEqual([
      [0, 'thinking'],
      [1, 'redacted_thinking'],
      [2, 'text'],
      [3, 'tool_use'],
      [4, 'tool_use'],
    ]);
    const stops = frames.filter((f) => f.name === 'content_block_stop').map((f) => f.data.index);
    expect([...stops].sort()).toEqual([0, 1, 2, 3, 4]);
    const json = frames
      .filter((f) => (f.data.delta as { type?: string } | undefined)?.type === 'input_json_delta')
      .map((f) => [f.data.index, (f.data.delta as { partial_json: string }).partial_json]);
    expect(json).toEqual([
      [3, '{"x":'],
      [4, '{}'],
      [3, '1}'],
    ]);
    expect(
      frames.find((f) => (f.data.delta as { type?: string } | undefined)?.type === 'signature_delta')?.data,
    ).toMatchObject({ index: 0, delta: { signature: 'sig' } });
    const end = frames.slice(-2);
    expect(end.map((f) => f.name)).toEqual(['message_delta', 'message_stop']);
    expect(end[0].data).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: { input_tokens: 30, output_tokens: 7, cache_read_input_tokens: 60, cache_creation_input_tokens: 10 },
    });
  });
});

describe('MessageCollector', () => {
  it('gathers the same events into content blocks with parsed tool input', () => {
    const collector = new MessageCollector();
    for (const e of EVENTS) collector.add(e);
    expect(collector.blocks()).toEqual([
      { type: 'thinking', thinking: 'hmm ok', signature: 'sig' },
      { type: 'redacted_thinking', data: 'opaque' },
      { type: 'text', text: 'Calling' },
      { type: 'tool_use', id: 'a', name: 'one', input: { x: 1 } },
      { type: 'tool_use', id: 'b', name: 'two', input: {} },
    ]);
  });

  it('keeps a target’s tool arguments with integers beyond 2^53 as written (JSON.parse would round them)', () => {
    const args = '{"order_id": 12345678901234567890, "note": "ok"}';
    const collector = new MessageCollector();
    collector.add({ type: 'tool-input-start', id: 'a', toolName: 'one' });
    collector.add({ type: 'tool-input-delta', id: 'a', delta: args });
    const blocks = collector.blocks();
    expect(blocks[0].input).toBeInstanceOf(RawJson);
    const json = stringifyWithRaw({ content: blocks }, true);
    expect(json).toBe(`{"content":[{"type":"tool_use","id":"a","name":"one","input":${args}}]}`);
    expect(JSON.stringify({ n: JSON.parse(args) as unknown })).toContain('12345678901234567000'); // what it would be
  });

  it('reports a target’s tool arguments that are not a JSON object', () => {
    const collector = new MessageCollector();
    collector.add({ type: 'tool-input-start', id: 'a', toolName: 'one' });
    collector.add({ type: 'tool-input-delta', id: 'a', delta: '[1' });
    expect(() => collector.blocks()).toThrow(/not valid JSON/);
  });
});

describe('Anthropic usage and error kinds', () => {
  it('reports input tokens without cache reads and writes, the cache fields only when known', () => {
    expect(anthropicUsage({ inputTokens: 10, outputTokens: 2 })).toEqual({ input_tokens: 10, output_tokens: 2 });
    expect(anthropicUsage(undefined)).toEqual({ input_tokens: 0, output_tokens: 0 });
  });

  it('maps the catalogue onto Anthropic statuses: 529 for routes down or open, 504 for timeouts, 500 otherwise', () => {
    const kind = (code: ConstructorParameters<typeof ParleyError>[0], status?: number) =>
      anthropicErrorKind(new ParleyError(code, 'x', status === undefined ? {} : { status }));
    expect(kind('invalid_request')).toEqual({ status: 400, type: 'invalid_request_error' });
    expect(kind('unauthorized')).toEqual({ status: 401, type: 'authentication_error' });
    expect(kind('forbidden')).toEqual({ status: 403, type: 'permission_error' });
    expect(kind('model_not_found')).toEqual({ status: 404, type: 'not_found_error' });
    expect(kind('payload_too_large')).toEqual({ status: 413, type: 'request_too_large' });
    expect(kind('rate_limited')).toEqual({ status: 429, type: 'rate_limit_error' });
    expect(kind('circuit_open')).toEqual({ status: 529, type: 'overloaded_error' });
    expect(kind('upstream_network')).toEqual({ status: 529, type: 'overloaded_error' });
    expect(kind('upstream_overloaded')).toEqual({ status: 529, type: 'overloaded_error' });
    expect(kind('no_healthy_key')).toEqual({ status: 529, type: 'overloaded_error' });
    expect(kind('upstream_timeout')).toEqual({ status: 504, type: 'timeout_error' });
    expect(kind('upstream_auth')).toEqual({ status: 500, type: 'api_error' });
    expect(kind('internal')).toEqual({ status: 500, type: 'api_error' });
  });
});
