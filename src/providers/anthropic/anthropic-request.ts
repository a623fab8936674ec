// Anthropic Messages request body from a ChatRequest: system, alternation, blocks, tools, JSON tool and thinking.

import { ParleyError, RawJson, parsedOrRaw, stringifyWithRaw } from '../../domain/index.js';
import type { ChatMessage, ChatParams, ChatRequest, ContentPart } from '../../domain/index.js';

/** Used when `params.maxTokens` is not set (Anthropic requires `max_tokens`). */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;
/** Inserted when a conversation does not start with a user turn (Anthropic requires it). */
export const CONVERSATION_CONTINUES = '(conversation continues)';
/** The forced tool that carries a JSON answer (response_format json_object / json_schema). */
export const JSON_TOOL = 'parley_json_answer';
/** Extended-thinking budget per reasoning effort (`none`: thinking off). */
export const THINKING_BUDGET: Readonly<Record<string, number>> = {
  minimal: 1024,
  low: 2048,
  medium: 8192,
  high: 24_576,
};

type Block = Record<string, unknown> & { type: string };
type AnthropicTurn = { role: 'user' | 'assistant' | 'system'; content: string | Block[] };

const invalid = (param: string, message: string): ParleyError => new ParleyError('invalid_request', message, { param });

/** Tool ids as Anthropic accepts them (`[a-zA-Z0-9_-]`); valid ids pass unchanged, so ids match across turns. */
export function anthropicToolId(id: string): string {
  return /^[a-zA-Z0-9_-]+$/.test(id) ? id : id.replace(/[^a-zA-Z0-9_-]/g, '_');
}

function imageBlock(url: string): Block {
  const data = /^data:(image\/[a-z0-9.+-]+);base64,(.*)$/is.exec(url);
  if (data) return { type: 'image', source: { type: 'base64', media_type: data[1].toLowerCase(), data: data[2] } };
  return { type: 'image', source: { type: 'url', url } };
}

function partBlocks(parts: ContentPart[]): Block[] {
  return parts
    .filter((p) => p.type !== 'text' || p.text !== '')
    .map((p) => (p.type === 'text' ? { type: 'text', text: p.text } : imageBlock(p.url)));
}

function toolUse(call: { id: string; name: string; arguments: string }, where: string): Block {
  let input: unknown;
  try {
    input = call.arguments.trim() === '' ? {} : JSON.parse(call.arguments);
  } catch {
    throw invalid(
      where,
      `${where}.function.arguments is not valid JSON; Anthropic targets need the arguments as a JSON object.`,
    );
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw invalid(where, `${where}.function.arguments must be a JSON object.`);
  // Written as the client wrote them: JSON.parse rounds integers beyond 2^53 (a 64-bit id).
  return { type: 'tool_use', id: anthropicToolId(call.id), name: call.name, input: parsedOrRaw(call.arguments, input) };
}

/** Anthropic's `cache_control` for a breakpoint. */
function cacheControlOf(c: { ttl?: string }): Record<string, unknown> {
  return c.ttl === undefined ? { type: 'ephemeral' } : { type: 'ephemeral', ttl: c.ttl };
}

/** One non-system message as an Anthropic turn, its last block marked when the message carries a cache breakpoint. */
function toTurn(m: ChatMessage, index: number): AnthropicTurn {
  const turn = toPlainTurn(m, index);
  if (m.cacheControl === undefined) return turn;
  const blocks = blocksOf(turn.content).map((b) => ({ ...b }));
  if (blocks.length === 0) return turn;
  blocks[blocks.length - 1].cache_control = cacheControlOf(m.cacheControl);
  return { role: turn.role, content: blocks };
}

function toPlainTurn(m: ChatMessage, index: number): AnthropicTurn {
  if (m.role === 'tool') {
    const content = m.parts === undefined ? m.content : partBlocks(m.parts);
    const result: Block = { type: 'tool_result', tool_use_id: anthropicToolId(m.toolCallId ?? ''), content };
    if (m.isError === true) result.is_error = true;
    return { role: 'user', content: [result] };
  }
  const role = m.role === 'assistant' ? 'assistant' : 'user';
  const thinking = role === 'assistant' ? reasoningBlocks(m) : [];
  if (m.toolCalls !== undefined && m.toolCalls.length > 0) {
    const blocks: Block[] = m.content === '' ? [...thinking] : [...thinking, { type: 'text', text: m.content }];
    m.toolCalls.forEach((c, j) => blocks.push(toolUse(c, `messages.${index}.tool_calls.${j}`)));
    return { role, content: blocks };
  }
  if (thinking.length > 0)
    return { role, content: [...thinking, ...(m.parts === undefined ? blocksOf(m.content) : partBlocks(m.parts))] };
  return { role, content: m.parts === undefined ? m.content : partBlocks(m.parts) };
}

/**
 * Earlier reasoning as thinking blocks, first in the assistant turn. Only signed blocks (Anthropic's own)
 * and redacted ones travel: the Messages API verifies the signature, so reasoning of another provider is left out.
 */
function reasoningBlocks(m: ChatMessage): Block[] {
  const out: Block[] = [];
  for (const r of m.reasoning ?? []) {
    if (r.type === 'redacted') out.push({ type: 'redacted_thinking', data: r.data });
    else if (r.signature !== undefined && r.signature !== '')
      out.push({ type: 'thinking', thinking: r.text, signature: r.signature });
  }
  return out;
}

const blocksOf = (content: string | Block[]): Block[] =>
  typeof content === 'string' ? (content === '' ? [] : [{ type: 'text', text: content }]) : content;

/** Tool results first in a user turn, as the Messages API demands; otherwise the order is kept. */
function resultsFirst(blocks: Block[]): Block[] {
  return [...blocks.filter((b) => b.type === 'tool_result'), ...blocks.filter((b) => b.type !== 'tool_result')];
}

/**
 * Converts Parley messages to Anthropic's: system messages go to the top-level `system` field (joined
 * by a blank line); tool results become `tool_result` blocks of a user turn; consecutive same-role
 * turns are merged (text by a blank line, blocks concatenated) to respect the alternation rule; if the
 * first turn is not `user`, a user turn "(conversation continues)" is inserted.
 */
export function toAnthropicMessages(
  messages: ChatMessage[],
  systemInPlace = false,
): { system?: string | Block[]; messages: AnthropicTurn[] } {
  let system: string | undefined;
  const systemBlocks: Block[] = [];
  const out: AnthropicTurn[] = [];
  messages.forEach((m, i) => {
    if (m.role === 'system' && systemInPlace && out.length > 0) {
      // A mid-conversation system turn (the mid-conversation-tool-changes beta) stays where the client put it.
      out.push({
        role: 'system',
        content: [
          m.cacheControl === undefined
            ? { type: 'text', text: m.content }
            : { type: 'text', text: m.content, cache_control: cacheControlOf(m.cacheControl) },
        ],
      });
      return;
    }
    if (m.role === 'system') {
      system = system === undefined ? m.content : `${system}\n\n${m.content}`;
      systemBlocks.push(
        m.cacheControl === undefined
          ? { type: 'text', text: m.content }
          : { type: 'text', text: m.content, cache_control: cacheControlOf(m.cacheControl) },
      );
      return;
    }
    const turn = toTurn(m, i);
    const last = out[out.length - 1];
    if (last === undefined || last.role !== turn.role) out.push(turn);
    else if (typeof last.content === 'string' && typeof turn.content === 'string')
      last.content = `${last.content}\n\n${turn.content}`;
    else last.content = resultsFirst([...blocksOf(last.content), ...blocksOf(turn.content)]);
  });
  if (out.length === 0 || out[0].role !== 'user') out.unshift({ role: 'user', content: CONVERSATION_CONTINUES });
  if (system === undefined) return { messages: out };
  // With cache breakpoints the system prompt keeps its blocks, so each breakpoint stays where the client put it.
  return systemBlocks.some((b) => b.cache_control !== undefined)
    ? { system: systemBlocks.filter((b) => b.text !== ''), messages: out }
    : { system, messages: out };
}

/** Names of tools used in the history, for requests that carry tool turns but no tools. */
function historyTools(messages: ChatMessage[]): string[] {
  const names = new Set<string>();
  for (const m of messages) for (const c of m.toolCalls ?? []) names.add(c.name);
  return [...names];
}

/** tools, tool_choice and the forced JSON tool. */
function toolFields(request: ChatRequest, body: Record<string, unknown>): void {
  const p = request.params;
  const tools: Record<string, unknown>[] = (p.tools ?? []).map((t) => ({
    name: t.name,
    ...(t.description === undefined ? {} : { description: t.description }),
    input_schema: t.parameters,
    // Strict tool use: the Messages API guarantees the arguments match input_schema, as OpenAI's strict does.
    ...(t.strict === true ? { strict: true } : {}),
    ...(t.cacheControl === undefined ? {} : { cache_control: cacheControlOf(t.cacheControl) }),
    ...(t.deferLoading === true ? { defer_loading: true } : {}),
  }));
  let choice: Record<string, unknown> | undefined;
  const c = p.toolChoice;
  if (c !== undefined && p.tools !== undefined)
    choice =
      c === 'auto'
        ? { type: 'auto' }
        : c === 'none'
          ? { type: 'none' }
          : c === 'required'
            ? { type: 'any' }
            : { type: 'tool', name: c.name };
  const f = p.responseFormat;
  if (f !== undefined && f.type !== 'text') {
    const schema = f.type === 'json-schema' ? f.schema : { type: 'object', additionalProperties: true };
    const strict = f.type === 'json-schema' && f.strict === true ? { strict: true } : {};
    tools.push({
      name: JSON_TOOL,
      description:
        f.type === 'json-schema' ? (f.description ?? `Answer with a ${f.name} object.`) : 'Answer with a JSON object.',
      input_schema: schema,
      ...strict,
    });
    // With other tools the model may still call them; otherwise (or with tool_choice none) the JSON tool is forced.
    if (p.tools === undefined || c === 'none') choice = { type: 'tool', name: JSON_TOOL };
    else if (c === undefined || c === 'auto' || c === 'required') choice = { type: 'any' };
  }
  if (tools.length === 0) {
    const used = historyTools(request.messages);
    // The Messages API refuses tool turns without tool definitions; these only let the history through.
    if (used.length > 0) {
      body.tools = used.map((name) => ({ name, input_schema: { type: 'object', additionalProperties: true } }));
      body.tool_choice = { type: 'none' };
    }
    return;
  }
  if (p.parallelToolCalls === false) choice = { ...(choice ?? { type: 'auto' }), disable_parallel_tool_use: true };
  body.tools = tools;
  if (choice !== undefined) body.tool_choice = choice;
}

/** What the Messages API refuses with thinking (a Messages API inbound request that asked for thinking itself). */
function refuseThinkingConflicts(p: ChatParams, body: Record<string, unknown>): void {
  const forced = body.tool_choice as { type?: string } | undefined;
  if (p.temperature !== undefined && p.temperature !== 1)
    throw invalid('temperature', 'thinking accepts only temperature 1 on Anthropic targets; leave temperature out.');
  if (forced?.type === 'any' || forced?.type === 'tool')
    throw invalid(
      'thinking',
      'thinking cannot be combined with a forced tool (tool_choice any or tool) on Anthropic targets.',
    );
}

/** max_tokens and extended thinking from the reasoning effort. */
function thinkingFields(p: ChatParams, body: Record<string, unknown>): void {
  const effort = p.reasoningEffort;
  if (p.adaptiveThinking === true) {
    // Adaptive thinking (the Messages API inbound) travels as it is, its effort in output_config.
    refuseThinkingConflicts(p, body);
    body.max_tokens = p.maxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS;
    body.thinking =
      p.thinkingDisplay === undefined ? { type: 'adaptive' } : { type: 'adaptive', display: p.thinkingDisplay };
    if (effort !== undefined && effort !== 'none')
      body.output_config = { effort: effort === 'minimal' ? 'low' : effort };
    return;
  }
  if (p.thinkingBudget !== undefined) {
    // An explicit budget (the Messages API inbound) travels as it is; the inbound checked it against max_tokens.
    refuseThinkingConflicts(p, body);
    body.max_tokens = p.maxTokens ?? p.thinkingBudget + ANTHROPIC_DEFAULT_MAX_TOKENS;
    body.thinking =
      p.thinkingDisplay === undefined
        ? { type: 'enabled', budget_tokens: p.thinkingBudget }
        : { type: 'enabled', budget_tokens: p.thinkingBudget, display: p.thinkingDisplay };
    return;
  }
  if (effort === undefined || effort === 'none') {
    body.max_tokens = p.maxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS;
    return;
  }
  if (p.temperature !== undefined && p.temperature !== 1)
    throw invalid(
      'temperature',
      'Anthropic targets with reasoning_effort accept only temperature 1 (extended thinking); leave temperature out.',
    );
  const forced = body.tool_choice as { type?: string } | undefined;
  if (forced?.type === 'any' || forced?.type === 'tool') {
    throw invalid(
      'reasoning_effort',
      'Anthropic targets cannot combine reasoning_effort with a forced tool (tool_choice ' +
        'required or named, or response_format json): extended thinking does not allow it.',
    );
  }
  let budget = THINKING_BUDGET[effort];
  let maxTokens = p.maxTokens ?? budget + ANTHROPIC_DEFAULT_MAX_TOKENS;
  if (maxTokens <= budget) budget = maxTokens - 1;
  if (budget < 1024)
    throw invalid(
      'max_completion_tokens',
      'Anthropic targets need max_completion_tokens above 1024 with reasoning_effort (the ' +
        'smallest thinking budget is 1024 tokens).',
    );
  maxTokens = Math.max(maxTokens, budget + 1);
  body.max_tokens = maxTokens;
  body.thinking = { type: 'enabled', budget_tokens: budget };
}

/**
 * Serialises a ChatRequest as an Anthropic Messages body. `seed`, `presencePenalty` and
 * `frequencyPenalty` have no Anthropic equivalent and are dropped (see docs/api.md).
 */
export function buildAnthropicBody(request: ChatRequest): string {
  const p = request.params;
  const { system, messages } = toAnthropicMessages(
    request.messages,
    request.params.anthropicBetas?.includes('mid-conversation-tool-changes-2026-07-01') === true,
  );
  const body: Record<string, unknown> = { model: request.model, max_tokens: 0, messages };
  if (system !== undefined) body.system = system;
  toolFields(request, body);
  thinkingFields(p, body);
  if (p.temperature !== undefined && body.thinking === undefined) body.temperature = p.temperature;
  if (p.topP !== undefined) body.top_p = p.topP;
  if (p.stop !== undefined && p.stop.length > 0) body.stop_sequences = p.stop;
  if (request.stream !== false) body.stream = true;
  const raw = messages.some((m) => Array.isArray(m.content) && m.content.some((b) => b.input instanceof RawJson));
  return stringifyWithRaw(body, raw);
}

/**
 * The 400 this request would get from the translation (thinking limits, tool arguments), or undefined; lets a fallback
 * chain skip the target.
 */
export function anthropicRequestProblem(request: ChatRequest): ParleyError | undefined {
  const p = request.params;
  const mayFail =
    (p.reasoningEffort !== undefined && p.reasoningEffort !== 'none') ||
    p.thinkingBudget !== undefined ||
    request.messages.some((m) => m.toolCalls !== undefined);
  if (!mayFail) return undefined;
  try {
    buildAnthropicBody(request);
    return undefined;
  } catch (error) {
    if (error instanceof ParleyError) return error;
    throw error;
  }
}
