// The Messages API fields coding agents (Claude Code 2.1.332) send: context_management, adaptive thinking with effort,
// thinking display, deferred tools, mid-conversation system turns; and how each reaches both target formats.

import { describe, expect, it } from 'vitest';
import { ParleyError, type ChatMessage, type ChatRequest } from '../../src/domain/index.js';
import {
  acceptedBetas,
  anthropicMessages,
  anthropicParams,
  applyContextManagement,
} from '../../src/http/anthropic-request.js';
import type { MessagesBody } from '../../src/http/anthropic-schemas.js';
import { buildAnthropicBody } from '../../src/providers/anthropic/anthropic-request.js';
import { buildOpenAIBody } from '../../src/providers/openai/openai-request.js';

const CLAUDE_CODE_BETAS = [
  'claude-code-20250219',
  'interleaved-thinking-2025-05-14',
  'context-management-2025-06-27',
  'mid-conversation-tool-changes-2026-07-01',
  'thinking-token-count-2026-05-13',
  'advanced-tool-use-2025-11-20',
  'effort-2025-11-24',
].join(',');

function refusal(fn: () => unknown): { param?: string; message: string } {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ParleyError);
    return { param: (error as ParleyError).param, message: (error as ParleyError).message };
  }
  throw new Error('expected a refusal');
}

const thought = (text: string): ChatMessage => ({
  role: 'assistant',
  content: 'ok',
  reasoning: [{ type: 'thinking', text, signature: `sig-${text}` }],
});
const history = (): ChatMessage[] => [
  { role: 'user', content: 'a' },
  thought('one'),
  { role: 'user', content: 'b' },
  thought('two'),
  { role: 'user', content: 'c' },
  thought('three'),
  { role: 'user', content: 'd' },
];
const kept = (messages: ChatMessage[]): string[] =>
  messages.flatMap((m) => (m.reasoning ?? []).map((r) => (r.type === 'thinking' ? r.text : '')));

describe('context_management', () => {
  it('clear_thinking keeps the thinking of the last N assistant turns (default 1), "all" keeps every one', () => {
    const all = history();
    applyContextManagement({ edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] }, all);
    expect(kept(all)).toEqual(['one', 'two', 'three']);
    const two = history();
    applyContextManagement(
      { edits: [{ type: 'clear_thinking_20251015', keep: { type: 'thinking_turns', value: 2 } }] },
      two,
    );
    expect(kept(two)).toEqual(['two', 'three']);
    const byDefault = history();
    applyContextManagement({ edits: [{ type: 'clear_thinking_20251015' }] }, byDefault);
    expect(kept(byDefault)).toEqual(['three']);
  });

  it('refuses clear_tool_uses and malformed edits by name', () => {
    expect(
      refusal(() => applyContextManagement({ edits: [{ type: 'clear_tool_uses_20250919' }] }, history())),
    ).toMatchObject({
      param: 'context_management.edits.0.type',
      message: expect.stringContaining('clear_tool_uses_20250919'),
    });
    expect(
      refusal(() =>
        applyContextManagement(
          { edits: [{ type: 'clear_thinking_20251015', keep: { type: 'thinking_turns', value: 0 } }] },
          history(),
        ),
      ).param,
    ).toBe('context_management.edits.0.keep');
    expect(refusal(() => applyContextManagement({ edits: [], trigger: 1 }, history())).param).toBe(
      'context_management.trigger',
    );
  });
});

const body = (extra: Partial<MessagesBody>): MessagesBody =>
  ({ model: 'm', max_tokens: 32000, messages: [{ role: 'user', content: 'hi' }], ...extra }) as MessagesBody;
const betas = acceptedBetas(CLAUDE_CODE_BETAS);

describe('Claude Code betas', () => {
  it('accepts all seven; forwards only those an Anthropic target needs', () => {
    expect(betas).toEqual([
      'advanced-tool-use-2025-11-20',
      'effort-2025-11-24',
      'interleaved-thinking-2025-05-14',
      'mid-conversation-tool-changes-2026-07-01',
    ]);
  });
});

describe('adaptive thinking, effort and display', () => {
  it('adaptive thinking with effort travels as it is to Anthropic targets and as reasoning_effort to OpenAI targets', () => {
    const params = anthropicParams(
      body({ thinking: { type: 'adaptive', display: 'omitted' }, output_config: { effort: 'medium' } }),
      betas,
    );
    expect(params).toMatchObject({ adaptiveThinking: true, reasoningEffort: 'medium', thinkingDisplay: 'omitted' });
    const request: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'hi' }], params, stream: true };
    const anthropic = JSON.parse(buildAnthropicBody(request)) as Record<string, unknown>;
    expect(anthropic).toMatchObject({
      thinking: { type: 'adaptive', display: 'omitted' },
      output_config: { effort: 'medium' },
      max_tokens: 32000,
    });
    const openai = JSON.parse(buildOpenAIBody(request)) as Record<string, unknown>;
    expect(openai).toMatchObject({ reasoning_effort: 'medium', max_completion_tokens: 32000 });
    expect(openai.thinking).toBeUndefined();
  });

  it('adaptive thinking without effort means effort high, as in the Messages API', () => {
    expect(anthropicParams(body({ thinking: { type: 'adaptive' } }), betas).reasoningEffort).toBe('high');
  });

  it('refuses effort max, effort without adaptive thinking and other output_config keys by name', () => {
    expect(
      refusal(() => anthropicParams(body({ thinking: { type: 'adaptive' }, output_config: { effort: 'max' } }), betas)),
    ).toMatchObject({ param: 'output_config.effort', message: expect.stringContaining('"max"') });
    expect(refusal(() => anthropicParams(body({ output_config: { effort: 'low' } }), betas)).param).toBe(
      'output_config.effort',
    );
    expect(
      refusal(() => anthropicParams(body({ thinking: { type: 'adaptive' }, output_config: { format: {} } }), betas))
        .param,
    ).toBe('output_config.format');
    expect(
      refusal(() => anthropicParams(body({ thinking: { type: 'adaptive', budget_tokens: 2000 } }), betas)).param,
    ).toBe('thinking.budget_tokens');
    expect(
      refusal(() =>
        anthropicParams(body({ thinking: { type: 'enabled', budget_tokens: 2000, display: 'verbose' } }), betas),
      ).param,
    ).toBe('thinking.display');
  });

  it('budgeted thinking keeps display omitted for Anthropic targets', () => {
    const params = anthropicParams(
      body({ thinking: { type: 'enabled', budget_tokens: 31999, display: 'omitted' } }),
      betas,
    );
    const anthropic = JSON.parse(
      buildAnthropicBody({ model: 'm', messages: [{ role: 'user', content: 'hi' }], params, stream: true }),
    ) as Record<string, unknown>;
    expect(anthropic.thinking).toEqual({ type: 'enabled', budget_tokens: 31999, display: 'omitted' });
  });
});

describe('deferred tools', () => {
  const tools = [
    { name: 'Read', input_schema: { type: 'object', properties: {} } },
    {
      name: 'DeferredToolPlaceholder',
      description: 'never call',
      input_schema: { type: 'object', properties: {} },
      defer_loading: true,
    },
  ];

  it('are forwarded with defer_loading to Anthropic targets and hidden from OpenAI targets', () => {
    const params = anthropicParams(body({ tools }), betas);
    const request: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'hi' }], params, stream: true };
    const anthropic = JSON.parse(buildAnthropicBody(request)) as { tools: Record<string, unknown>[] };
    expect(anthropic.tools.map((t) => t.defer_loading ?? false)).toEqual([false, true]);
    const openai = JSON.parse(buildOpenAIBody(request)) as { tools: { function: { name: string } }[] };
    expect(openai.tools.map((t) => t.function.name)).toEqual(['Read']);
  });

  it('refuses a defer_loading that is not a boolean', () => {
    expect(refusal(() => anthropicParams(body({ tools: [{ ...tools[1], defer_loading: 'yes' }] }), betas)).param).toBe(
      'tools.0.defer_loading',
    );
  });
});

describe('system turns inside messages', () => {
  const turns = [
    { role: 'user', content: [{ type: 'text', text: 'Read hello.txt' }] },
    { role: 'system', content: [{ type: 'text', text: '# Environment', cache_control: { type: 'ephemeral' } }] },
  ];

  it('stay in place on both target formats with the mid-conversation beta', () => {
    const messages = anthropicMessages(
      { messages: turns, system: [{ type: 'text', text: 'You are Claude Code.' }] },
      betas,
    );
    expect(messages.map((m) => m.role)).toEqual(['system', 'user', 'system']);
    const request: ChatRequest = { model: 'm', messages, params: { anthropicBetas: betas }, stream: true };
    const anthropic = JSON.parse(buildAnthropicBody(request)) as { system: unknown; messages: unknown[] };
    expect(anthropic.system).toBe('You are Claude Code.');
    expect(anthropic.messages).toEqual([
      { role: 'user', content: 'Read hello.txt' },
      { role: 'system', content: [{ type: 'text', text: '# Environment', cache_control: { type: 'ephemeral' } }] },
    ]);
    const openai = JSON.parse(buildOpenAIBody(request)) as { messages: { role: string }[] };
    expect(openai.messages.map((m) => m.role)).toEqual(['system', 'user', 'system']);
  });

  it('are refused without the beta, and tool_addition blocks always', () => {
    expect(refusal(() => anthropicMessages({ messages: turns }, [])).param).toBe('messages.1.role');
    expect(
      refusal(() =>
        anthropicMessages(
          { messages: [turns[0], { role: 'system', content: [{ type: 'tool_addition', name: 'Read' }] }] },
          betas,
        ),
      ),
    ).toMatchObject({ param: 'messages.1.content.0.type', message: expect.stringContaining('tool_addition') });
  });
});
