// Request translation of tools, tool turns, images, JSON formats and reasoning into the OpenAI and Anthropic wire
// formats.

import { describe, expect, it } from 'vitest';
import type { ChatEvent, ChatMessage, ChatRequest } from '../../src/domain/index.js';
import { AnthropicBlockMapper } from '../../src/providers/anthropic/anthropic-events.js';
import { buildAnthropicBody, JSON_TOOL } from '../../src/providers/anthropic/anthropic-request.js';
import { buildOpenAIBody } from '../../src/providers/openai/openai-request.js';

const weather = {
  name: 'get_weather',
  description: 'Weather',
  parameters: { type: 'object', properties: { city: { type: 'string' } } },
  strict: true,
};
const turns: ChatMessage[] = [
  { role: 'system', content: 'Be brief.' },
  {
    role: 'user',
    content: 'Weather?',
    parts: [
      { type: 'text', text: 'Weather?' },
      { type: 'image', url: 'data:image/jpeg;base64,/9j/4AAQ', detail: 'high' },
      { type: 'image', url: 'https://example.com/a.png' },
    ],
  },
  {
    role: 'assistant',
    content: 'Checking.',
    toolCalls: [
      { id: 'call_A1', name: 'get_weather', arguments: '{"city":"Oslo"}' },
      { id: 'call_B2', name: 'get_weather', arguments: '{"city":"Rome"}' },
    ],
  },
  { role: 'tool', toolCallId: 'call_A1', content: 'rain' },
  { role: 'tool', toolCallId: 'call_B2', content: 'sun' },
];
const request = (params: ChatRequest['params'] = {}, messages = turns): ChatRequest => ({
  model: 'm',
  messages,
  params,
  stream: true,
});

describe('Anthropic request translation', () => {
  it('maps images, tool calls and results (ids unchanged, results merged into one user turn), tools and tool_choice', () => {
    const body = JSON.parse(
      buildAnthropicBody(request({ tools: [weather], toolChoice: 'required', parallelToolCalls: false })),
    ) as Record<string, unknown>;
    expect(body.system).toBe('Be brief.');
    expect(body.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Weather?' },
          { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQ' } },
          { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'call_A1', name: 'get_weather', input: { city: 'Oslo' } },
          { type: 'tool_use', id: 'call_B2', name: 'get_weather', input: { city: 'Rome' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_A1', content: 'rain' },
          { type: 'tool_result', tool_use_id: 'call_B2', content: 'sun' },
        ],
      },
    ]);
    expect(body.tools).toEqual([
      { name: 'get_weather', description: 'Weather', input_schema: weather.parameters, strict: true },
    ]);
    expect(body.tool_choice).toEqual({ type: 'any', disable_parallel_tool_use: true });
  });

  it.each([
    ['auto', { type: 'auto' }],
    ['none', { type: 'none' }],
    [{ name: 'get_weather' }, { type: 'tool', name: 'get_weather' }],
  ] as const)('maps tool_choice %j', (choice, expected) => {
    const body = JSON.parse(buildAnthropicBody(request({ tools: [weather], toolChoice: choice }))) as Record<
      string,
      unknown
    >;
    expect(body.tool_choice).toEqual(expected);
  });

  it('declares the tools of a history sent without tools, so the Messages API accepts the tool turns', () => {
    const body = JSON.parse(buildAnthropicBody(request())) as Record<string, unknown>;
    expect(body.tools).toEqual([{ name: 'get_weather', input_schema: { type: 'object', additionalProperties: true } }]);
    expect(body.tool_choice).toEqual({ type: 'none' });
  });

  it('carries strict as strict tool use, and only when asked', () => {
    const body = JSON.parse(buildAnthropicBody(request({ tools: [weather], toolChoice: 'auto' }))) as {
      tools: Record<string, unknown>[];
    };
    expect(body.tools).toEqual([
      { name: 'get_weather', description: 'Weather', input_schema: weather.parameters, strict: true },
    ]);
    const loose = JSON.parse(
      buildAnthropicBody(
        request({ responseFormat: { type: 'json-schema', name: 'thing', schema: { type: 'object' } } }, [
          { role: 'user', content: 'hi' },
        ]),
      ),
    ) as { tools: Record<string, unknown>[] };
    expect(loose.tools[0].strict).toBeUndefined();
  });

  it('enforces a json_schema through a forced tool', () => {
    const schema = { type: 'object', properties: { a: { type: 'number' } }, required: ['a'] };
    const body = JSON.parse(
      buildAnthropicBody(
        request({ responseFormat: { type: 'json-schema', name: 'thing', schema, strict: true } }, [
          { role: 'user', content: 'hi' },
        ]),
      ),
    ) as Record<string, unknown>;
    expect(body.tools).toEqual([
      { name: JSON_TOOL, description: 'Answer with a thing object.', input_schema: schema, strict: true },
    ]);
    expect(body.tool_choice).toEqual({ type: 'tool', name: JSON_TOOL });
  });

  it('turns reasoning_effort into a thinking budget within max_tokens, and refuses what thinking forbids', () => {
    const body = JSON.parse(
      buildAnthropicBody(request({ reasoningEffort: 'low', maxTokens: 10_000 }, [{ role: 'user', content: 'hi' }])),
    ) as Record<string, unknown>;
    expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: 2048 });
    expect(body.max_tokens).toBe(10_000);
    expect(() =>
      buildAnthropicBody(request({ reasoningEffort: 'high', maxTokens: 500 }, [{ role: 'user', content: 'hi' }])),
    ).toThrow(/max_completion_tokens/);
    expect(() =>
      buildAnthropicBody(request({ reasoningEffort: 'low', temperature: 0.2 }, [{ role: 'user', content: 'hi' }])),
    ).toThrow(/temperature/);
    expect(() =>
      buildAnthropicBody(
        request({ reasoningEffort: 'low', responseFormat: { type: 'json' } }, [{ role: 'user', content: 'hi' }]),
      ),
    ).toThrow(/reasoning_effort/);
  });

  it('refuses tool-call arguments that are not a JSON object, naming the message', () => {
    const bad: ChatMessage[] = [
      { role: 'user', content: 'x' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'c', name: 'f', arguments: '{oops' }] },
    ];
    expect(() => buildAnthropicBody(request({}, bad))).toThrow(/messages\.1\.tool_calls\.0/);
  });
});

describe('Anthropic answer translation', () => {
  it('turns the JSON tool into text and a tool_use stop into a plain stop', () => {
    const blocks = new AnthropicBlockMapper();
    const out: ChatEvent[] = [];
    blocks.whole([{ type: 'tool_use', id: 't', name: JSON_TOOL, input: { a: 1 } }], out);
    expect(out).toEqual([{ type: 'text-delta', text: '{"a":1}' }]);
    expect(blocks.finishReason('tool_use')).toBe('stop');
  });
});

describe('OpenAI request translation', () => {
  it('passes tools, tool turns, images, formats, reasoning and logprobs through in OpenAI shape', () => {
    const body = JSON.parse(
      buildOpenAIBody(
        request({
          tools: [weather],
          toolChoice: { name: 'get_weather' },
          parallelToolCalls: false,
          responseFormat: { type: 'json-schema', name: 'x', schema: { type: 'object' }, strict: true },
          reasoningEffort: 'low',
          maxTokens: 99,
          logprobs: { top: 3 },
        }),
      ),
    ) as Record<string, unknown>;
    expect(body.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Weather?' },
          { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ', detail: 'high' } },
          { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
        ],
      },
      {
        role: 'assistant',
        content: 'Checking.',
        tool_calls: [
          { id: 'call_A1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
          { id: 'call_B2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_A1', content: 'rain' },
      { role: 'tool', tool_call_id: 'call_B2', content: 'sun' },
    ]);
    expect(body).toMatchObject({
      tools: [{ type: 'function', function: weather }],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      parallel_tool_calls: false,
      response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' }, strict: true } },
      reasoning_effort: 'low',
      max_completion_tokens: 99,
      logprobs: true,
      top_logprobs: 3,
    });
    expect(body.max_tokens).toBeUndefined();
  });
});
