// OpenAI's wire shapes at the edge: tool-call chunks, reasoning, logprobs, usage details and the non-streamed message.

import { describe, expect, it } from 'vitest';
import type { ChatEvent } from '../../src/domain/index.js';
import { ChunkWriter, CompletionCollector, openAIUsage } from '../../src/http/openai-format.js';
import { OpenAIChoiceMapper } from '../../src/providers/openai/openai-events.js';

const delta = (frame: string): unknown => (JSON.parse(frame) as { choices: { delta: unknown }[] }).choices[0].delta;

describe('ChunkWriter', () => {
  it('numbers parallel tool calls in start order; the first frame has id, type and name with empty arguments', () => {
    const w = new ChunkWriter('c1', 'chat', 1, false);
    expect(delta(w.toolStart('call_a', 'f'))).toEqual({
      tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'f', arguments: '' } }],
    });
    expect(delta(w.toolStart('call_b', 'g'))).toEqual({
      tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'g', arguments: '' } }],
    });
    expect(delta(w.toolDelta('call_b', '{"x"'))).toEqual({
      tool_calls: [{ index: 1, function: { arguments: '{"x"' } }],
    });
    expect(delta(w.toolDelta('call_a', ':1}'))).toEqual({ tool_calls: [{ index: 0, function: { arguments: ':1}' } }] });
    expect(delta(w.reasoning('hm'))).toEqual({ reasoning_content: 'hm' });
    expect(JSON.parse(w.finish('tool-calls')).choices[0].finish_reason).toBe('tool_calls');
  });

  it('carries logprobs on content chunks', () => {
    const w = new ChunkWriter('c1', 'chat', 1, false);
    const frame = JSON.parse(
      w.delta('Hi', [{ token: 'Hi', logprob: -0.1, topLogprobs: [{ token: 'Hey', logprob: -2 }] }]),
    ) as { choices: { logprobs: unknown }[] };
    expect(frame.choices[0].logprobs).toEqual({
      content: [
        { token: 'Hi', logprob: -0.1, bytes: null, top_logprobs: [{ token: 'Hey', logprob: -2, bytes: null }] },
      ],
      refusal: null,
    });
  });
});

describe('usage details', () => {
  it('reports cached, cache-write and reasoning tokens only when known', () => {
    expect(openAIUsage({ inputTokens: 10, outputTokens: 5 })).toEqual({
      prompt_tokens: 10,
      completion_tokens: 5,
      total_tokens: 15,
    });
    expect(
      openAIUsage({ inputTokens: 10, outputTokens: 5, cachedInputTokens: 4, cacheWriteTokens: 2, reasoningTokens: 3 }),
    ).toEqual({
      prompt_tokens: 10,
      completion_tokens: 5,
      total_tokens: 15,
      prompt_tokens_details: { cached_tokens: 4, cache_creation_tokens: 2 },
      completion_tokens_details: { reasoning_tokens: 3 },
    });
  });
});

describe('CompletionCollector', () => {
  it('builds message.tool_calls with content null, and reasoning_content', () => {
    const c = new CompletionCollector();
    const events: ChatEvent[] = [
      { type: 'reasoning-delta', text: 'think' },
      { type: 'tool-input-start', id: 'call_1', toolName: 'f' },
      { type: 'tool-input-delta', id: 'call_1', delta: '{"a":' },
      { type: 'tool-input-delta', id: 'call_1', delta: '1}' },
      { type: 'tool-input-end', id: 'call_1' },
    ];
    for (const e of events) c.add(e);
    expect(c.message()).toEqual({
      message: {
        role: 'assistant',
        content: null,
        refusal: null,
        reasoning_content: 'think',
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
      },
      logprobs: null,
    });
  });
});

describe('OpenAIChoiceMapper', () => {
  it('holds arguments that arrive before the name, and gives a call without arguments {}', () => {
    const m = new OpenAIChoiceMapper();
    const out: ChatEvent[] = [];
    m.map({ delta: { tool_calls: [{ index: 0, id: 'call_x', function: { arguments: '{"a"' } }] } }, out);
    expect(out).toEqual([]);
    m.map(
      {
        delta: {
          tool_calls: [
            { index: 0, function: { name: 'f', arguments: ':2}' } },
            { index: 1, id: 'call_y', function: { name: 'g' } },
          ],
        },
      },
      out,
    );
    m.end(out);
    expect(out).toEqual([
      { type: 'tool-input-start', id: 'call_x', toolName: 'f' },
      { type: 'tool-input-delta', id: 'call_x', delta: '{"a"' },
      { type: 'tool-input-delta', id: 'call_x', delta: ':2}' },
      { type: 'tool-input-start', id: 'call_y', toolName: 'g' },
      { type: 'tool-input-end', id: 'call_x' },
      { type: 'tool-input-delta', id: 'call_y', delta: '{}' },
      { type: 'tool-input-end', id: 'call_y' },
    ]);
  });
});
