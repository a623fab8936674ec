// Request bodies and finish-reason mapping of the OpenAI and Anthropic adapters.

import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../src/domain/index.js';
import {
  ANTHROPIC_DEFAULT_MAX_TOKENS,
  buildAnthropicBody,
  mapAnthropicStopReason,
  toAnthropicMessages,
} from '../../src/providers/anthropic/anthropic-model.js';
import { buildOpenAIBody, mapOpenAIFinishReason } from '../../src/providers/openai/openai-model.js';

const full: ChatRequest = {
  model: 'm',
  messages: [{ role: 'user', content: 'hi' }],
  params: {
    maxTokens: 10,
    temperature: 0.5,
    topP: 0.9,
    stop: ['END'],
    seed: 7,
    presencePenalty: 0.1,
    frequencyPenalty: 0.2,
  },
};

describe('OpenAI request body', () => {
  it('maps every parameter and asks for usage when streaming', () => {
    expect(JSON.parse(buildOpenAIBody(full))).toEqual({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 10,
      temperature: 0.5,
      top_p: 0.9,
      stop: ['END'],
      seed: 7,
      presence_penalty: 0.1,
      frequency_penalty: 0.2,
      stream: true,
      stream_options: { include_usage: true },
    });
  });
  it('omits unset parameters and streaming fields for stream: false, and drops extra message fields', () => {
    const messages = [{ role: 'user' as const, content: 'hi', id: 'secret-internal' }];
    expect(JSON.parse(buildOpenAIBody({ model: 'm', messages, params: {}, stream: false }))).toEqual({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
    });
  });
  it.each([
    ['stop', 'stop'],
    ['length', 'length'],
    ['content_filter', 'content-filter'],
    ['tool_calls', 'tool-calls'],
    ['function_call', 'tool-calls'],
    ['weird', 'other'],
  ])('maps finish_reason %s to %s', (from, to) => {
    expect(mapOpenAIFinishReason(from)).toBe(to);
  });
});

describe('Anthropic request body', () => {
  it('moves system messages to `system` and merges consecutive same-role turns', () => {
    expect(
      toAnthropicMessages([
        { role: 'system', content: 'A' },
        { role: 'user', content: 'u1' },
        { role: 'user', content: 'u2' },
        { role: 'system', content: 'B' },
        { role: 'assistant', content: 'a1' },
        { role: 'assistant', content: 'a2' },
        { role: 'user', content: 'u3' },
      ]),
    ).toEqual({
      system: 'A\n\nB',
      messages: [
        { role: 'user', content: 'u1\n\nu2' },
        { role: 'assistant', content: 'a1\n\na2' },
        { role: 'user', content: 'u3' },
      ],
    });
  });
  it('inserts a user turn when the conversation starts with the assistant (or is empty)', () => {
    expect(
      toAnthropicMessages([
        { role: 'assistant', content: 'hello' },
        { role: 'user', content: 'hi' },
      ]).messages,
    ).toEqual([
      { role: 'user', content: '(conversation continues)' },
      { role: 'assistant', content: 'hello' },
      { role: 'user', content: 'hi' },
    ]);
    expect(toAnthropicMessages([{ role: 'system', content: 's' }]).messages).toEqual([
      { role: 'user', content: '(conversation continues)' },
    ]);
  });
  it('maps parameters, drops the ones Anthropic lacks and defaults max_tokens', () => {
    expect(JSON.parse(buildAnthropicBody(full))).toEqual({
      model: 'm',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
      temperature: 0.5,
      top_p: 0.9,
      stop_sequences: ['END'],
      stream: true,
    });
    const body = JSON.parse(buildAnthropicBody({ ...full, params: {}, stream: false })) as Record<string, unknown>;
    expect(body.max_tokens).toBe(ANTHROPIC_DEFAULT_MAX_TOKENS);
    expect(body.stream).toBeUndefined();
  });
  it('writes tool arguments with integers beyond 2^53 as the client wrote them (JSON.parse would round them)', () => {
    const args = '{"user_id": 12345678901234567890, "ids": [9007199254740993], "note": "\\"quoted\\""}';
    const request: ChatRequest = {
      model: 'm',
      messages: [
        { role: 'user', content: 'look them up' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'lookup', arguments: args }] },
        { role: 'tool', toolCallId: 'call_1', content: 'found' },
      ],
      params: {},
    };
    const body = buildAnthropicBody(request);
    expect(body).toContain(`"input":${args}`);
    expect(body).not.toContain('12345678901234567000');
    const parsed = JSON.parse(body) as { messages: { content: { input?: { note: string } }[] }[] };
    expect(parsed.messages[1].content[0].input?.note).toBe('"quoted"');
    // Shorter numbers take the usual path.
    const plain = buildAnthropicBody({
      ...request,
      messages: [
        request.messages[0],
        { ...request.messages[1], toolCalls: [{ id: 'c', name: 'l', arguments: '{ "n": 1 }' }] },
      ],
    });
    expect(plain).toContain('"input":{"n":1}');
  });
  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['tool_use', 'tool-calls'],
    ['refusal', 'content-filter'],
    ['pause_turn', 'other'],
  ])('maps stop_reason %s to %s', (from, to) => {
    expect(mapAnthropicStopReason(from)).toBe(to);
  });
});
