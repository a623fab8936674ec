// Anthropic Messages request at the edge: system, content blocks, tools, thinking and betas to domain messages and
// parameters, refusing what cannot be honoured.

import { ParleyError } from '../domain/index.js';
import type {
  CacheControl,
  ChatMessage,
  ChatParams,
  ContentPart,
  ReasoningBlock,
  ToolCall,
  ToolChoice,
  ToolDefinition,
} from '../domain/index.js';
import type { CountTokensBody, MessagesBody } from './anthropic-schemas.js';
import { IMAGE_TYPES } from '../domain/image-limits.js';
import { imageDataMessage, imageDataProblem } from '../domain/image-data.js';

const invalid = (param: string, message: string): ParleyError => new ParleyError('invalid_request', message, { param });

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The cache breakpoint a block or tool carries, if any. */
function cacheOf(block: Obj): CacheControl | undefined {
  const c = block.cache_control;
  if (!isObj(c)) return undefined;
  return typeof c.ttl === 'string' ? { ttl: c.ttl } : {};
}

/**
 * Refuses any key of `block` outside `allowed`, naming it. `cache_control` is allowed on content blocks and tools
 * (see docs/api.md), never on settings such as `thinking` or `tool_choice` (`cacheable` false), where it means nothing.
 */
function onlyFields(block: Obj, allowed: readonly string[], where: string, cacheable = true): void {
  for (const key of Object.keys(block)) {
    if ((cacheable && key === 'cache_control') || allowed.includes(key)) continue;
    throw invalid(
      `${where}.${key}`,
      `${where}.${key} is not supported on a ${String(block.type ?? 'block')} block; remove it.`,
    );
  }
  const cache = block.cache_control;
  if (cache != null && !(isObj(cache) && cache.type === 'ephemeral'))
    throw invalid(
      `${where}.cache_control`,
      `${where}.cache_control must be { "type": "ephemeral" } (with an optional ttl).`,
    );
}

function text(block: Obj, where: string): string {
  onlyFields(block, ['type', 'text', 'citations'], where);
  if (typeof block.text !== 'string') throw invalid(`${where}.text`, `${where}.text must be a string.`);
  if (block.citations != null && !(Array.isArray(block.citations) && block.citations.length === 0))
    throw invalid(
      `${where}.citations`,
      `${where}.citations is not supported: Parley does not carry citations; remove them.`,
    );
  return block.text;
}

const MEDIA_TYPES = Object.keys(IMAGE_TYPES);

function image(block: Obj, where: string): ContentPart {
  onlyFields(block, ['type', 'source'], where);
  const source = block.source;
  if (!isObj(source))
    throw invalid(
      `${where}.source`,
      `${where}.source must be an object ({ type: "base64", media_type, data } or { type: "url", url }).`,
    );
  if (source.type === 'base64') {
    if (typeof source.media_type !== 'string' || !MEDIA_TYPES.includes(source.media_type))
      throw invalid(
        `${where}.source.media_type`,
        `${where}.source.media_type must be one of ${MEDIA_TYPES.join(', ')}.`,
      );
    if (typeof source.data !== 'string' || source.data === '')
      throw invalid(`${where}.source.data`, `${where}.source.data must be the image as base64 text.`);
    const problem = imageDataProblem(source.media_type, source.data);
    if (problem)
      throw invalid(`${where}.source.data`, imageDataMessage(problem, `${where}.source.data`, source.media_type));
    return { type: 'image', url: `data:${source.media_type};base64,${source.data}` };
  }
  if (source.type === 'url') {
    if (typeof source.url !== 'string' || !/^https:\/\//i.test(source.url))
      throw invalid(`${where}.source.url`, `${where}.source.url must be an https URL.`);
    return { type: 'image', url: source.url };
  }
  throw invalid(
    `${where}.source.type`,
    `${where}.source.type "${String(source.type)}" is not supported; use base64 or url (file ` +
      `ids of the Files API are not supported).`,
  );
}

/**
 * A tool_result's content: a string, or text and image blocks (documents and search results in tool results are
 * refused by name). Images go to targets that can carry them in a tool result; others refuse the request by name.
 */
function toolResult(content: unknown, where: string): { content: string; parts?: ContentPart[] } {
  if (content === undefined || content === null) return { content: '' };
  if (typeof content === 'string') return { content };
  if (!Array.isArray(content))
    throw invalid(`${where}.content`, `${where}.content must be a string or an array of text and image blocks.`);
  const parts = content.map((b, k): ContentPart => {
    const at = `${where}.content.${k}`;
    if (!isObj(b)) throw invalid(at, `${at} must be a content block.`);
    if (b.type === 'text') return { type: 'text', text: text(b, at) };
    if (b.type === 'image') return image(b, at);
    throw invalid(
      `${at}.type`,
      `${at} has type "${String(b.type)}": only text and image blocks are supported inside tool_result.`,
    );
  });
  return withParts(parts);
}

/** A message's text (its text blocks, a line each) and, when it holds an image, its parts. */
function withParts(parts: ContentPart[]): { content: string; parts?: ContentPart[] } {
  const content = parts
    .filter((p) => p.type === 'text')
    .map((p) => p.text)
    .join('\n');
  return parts.some((p) => p.type === 'image') ? { content, parts } : { content };
}

/** Parses a tool_use block into a call (its input becomes JSON text). */
function toolUse(block: Obj, where: string): ToolCall {
  onlyFields(block, ['type', 'id', 'name', 'input'], where);
  if (typeof block.id !== 'string' || !/^[a-zA-Z0-9_-]+$/.test(block.id))
    throw invalid(`${where}.id`, `${where}.id must be a string of letters, digits, _ and -.`);
  if (typeof block.name !== 'string' || block.name === '')
    throw invalid(`${where}.name`, `${where}.name must be a non-empty string.`);
  if (!isObj(block.input)) throw invalid(`${where}.input`, `${where}.input must be a JSON object.`);
  const unsafe = unsafeIntegerIn(block.input);
  if (unsafe !== undefined)
    throw invalid(
      `${where}.input`,
      `${where}.input holds the integer ${unsafe}, beyond the 2^53 − 1 (9007199254740991) that Parley carries ` +
        `exactly once parsed: send it as a string.`,
    );
  return { id: block.id, name: block.name, arguments: JSON.stringify(block.input) };
}

/** The first integer beyond Number.MAX_SAFE_INTEGER in a parsed JSON value (written as parsed), or undefined. */
function unsafeIntegerIn(value: unknown): string | undefined {
  if (typeof value === 'number')
    return Number.isInteger(value) && !Number.isSafeInteger(value) ? String(value) : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  for (const item of Array.isArray(value) ? value : Object.values(value)) {
    const found = unsafeIntegerIn(item);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * One user turn: tool results become `tool` messages (first, as the Messages API orders them), the rest one user
 * message.
 */
function userTurn(content: unknown[], i: number, out: ChatMessage[]): void {
  const parts: ContentPart[] = [];
  content.forEach((b, j) => {
    const where = `messages.${i}.content.${j}`;
    if (!isObj(b)) throw invalid(where, `${where} must be a content block object.`);
    switch (b.type) {
      case 'text':
        parts.push({ type: 'text', text: text(b, where) });
        break;
      case 'image':
        parts.push(image(b, where));
        break;
      case 'tool_result': {
        onlyFields(b, ['type', 'tool_use_id', 'content', 'is_error'], where);
        if (typeof b.tool_use_id !== 'string' || b.tool_use_id === '')
          throw invalid(`${where}.tool_use_id`, `${where}.tool_use_id must name the tool_use it answers.`);
        if (b.is_error != null && typeof b.is_error !== 'boolean')
          throw invalid(`${where}.is_error`, `${where}.is_error must be a boolean.`);
        const message: ChatMessage = { role: 'tool', toolCallId: b.tool_use_id, ...toolResult(b.content, where) };
        if (b.is_error === true) message.isError = true;
        out.push(message);
        break;
      }
      default:
        throw invalid(
          `${where}.type`,
          `${where} has type "${String(b.type)}", which is not supported in user turns; use text, ` +
            `image or tool_result blocks.`,
        );
    }
  });
  if (parts.length === 0) return;
  out.push({ role: 'user', ...withParts(parts) });
}

/** One assistant turn: text, tool_use and earlier thinking (kept with its signature). */
function assistantTurn(content: unknown[], i: number): ChatMessage {
  const texts: string[] = [];
  const calls: ToolCall[] = [];
  const reasoning: ReasoningBlock[] = [];
  content.forEach((b, j) => {
    const where = `messages.${i}.content.${j}`;
    if (!isObj(b)) throw invalid(where, `${where} must be a content block object.`);
    switch (b.type) {
      case 'text':
        texts.push(text(b, where));
        break;
      case 'tool_use':
        calls.push(toolUse(b, where));
        break;
      case 'thinking':
        onlyFields(b, ['type', 'thinking', 'signature'], where);
        if (typeof b.thinking !== 'string') throw invalid(`${where}.thinking`, `${where}.thinking must be a string.`);
        reasoning.push(
          typeof b.signature === 'string' && b.signature !== ''
            ? { type: 'thinking', text: b.thinking, signature: b.signature }
            : { type: 'thinking', text: b.thinking },
        );
        break;
      case 'redacted_thinking':
        onlyFields(b, ['type', 'data'], where);
        if (typeof b.data !== 'string') throw invalid(`${where}.data`, `${where}.data must be a string.`);
        reasoning.push({ type: 'redacted', data: b.data });
        break;
      default:
        throw invalid(
          `${where}.type`,
          `${where} has type "${String(b.type)}", which is not supported in assistant turns; use ` +
            `text, tool_use, thinking or redacted_thinking blocks.`,
        );
    }
  });
  const message: ChatMessage = { role: 'assistant', content: texts.join('\n') };
  if (calls.length > 0) message.toolCalls = calls;
  if (reasoning.length > 0) message.reasoning = reasoning;
  return message;
}

/** The system prompt: a string or text blocks, one system message each. */
function systemMessages(system: MessagesBody['system']): ChatMessage[] {
  if (system === undefined) return [];
  if (typeof system === 'string') return system === '' ? [] : [{ role: 'system', content: system }];
  return system.map((b, k) => {
    const where = `system.${k}`;
    if (b.type !== 'text')
      throw invalid(`${where}.type`, `${where} has type "${String(b.type)}"; system blocks must be text blocks.`);
    const message: ChatMessage = { role: 'system', content: text(b, where) };
    const cache = cacheOf(b);
    if (cache !== undefined) message.cacheControl = cache;
    return message;
  });
}

export const MID_CONVERSATION_BETA = 'mid-conversation-tool-changes-2026-07-01';

/**
 * A mid-conversation system turn (with the beta): text only; tool_addition and tool_removal blocks are refused by
 * name.
 */
function systemTurn(content: unknown, i: number): ChatMessage {
  if (typeof content === 'string') return { role: 'system', content };
  if (!Array.isArray(content))
    throw invalid(`messages.${i}.content`, `messages.${i}.content must be a string or an array of text blocks.`);
  const texts = content.map((b, j) => {
    const where = `messages.${i}.content.${j}`;
    if (!isObj(b)) throw invalid(where, `${where} must be a content block object.`);
    if (b.type !== 'text')
      throw invalid(
        `${where}.type`,
        `${where} has type "${String(b.type)}": system turns may hold only text blocks in Parley ` +
          `(tool_addition and tool_removal cannot be carried to every target type; send the changed ` +
          `tools in tools).`,
      );
    return text(b, where);
  });
  return { role: 'system', content: texts.join('\n') };
}

/**
 * Request turns (and the system prompt) as domain messages; system turns inside `messages` need the mid-conversation
 * beta.
 */
export function anthropicMessages(
  body: Pick<MessagesBody, 'messages' | 'system'>,
  betas: readonly string[] = [],
): ChatMessage[] {
  const out = systemMessages(body.system);
  body.messages.forEach((m, i) => {
    const role = m.role;
    if (role === 'system' && betas.includes(MID_CONVERSATION_BETA)) {
      for (const key of Object.keys(m))
        if (key !== 'role' && key !== 'content')
          throw invalid(
            `messages.${i}.${key}`,
            `messages.${i}.${key} is not a field of a message; send only role and content.`,
          );
      const message = systemTurn(m.content, i);
      const cache = Array.isArray(m.content)
        ? m.content.map((b) => (isObj(b) ? cacheOf(b) : undefined)).findLast((c) => c !== undefined)
        : undefined;
      if (cache !== undefined) message.cacheControl = cache;
      out.push(message);
      return;
    }
    if (role !== 'user' && role !== 'assistant')
      throw invalid(
        `messages.${i}.role`,
        `messages.${i}.role must be "user" or "assistant" (the system prompt goes in the top-level ` +
          `system field; system turns inside messages need the anthropic-beta ${MID_CONVERSATION_BETA}).`,
      );
    for (const key of Object.keys(m))
      if (key !== 'role' && key !== 'content')
        throw invalid(
          `messages.${i}.${key}`,
          `messages.${i}.${key} is not a field of a message; send only role and content.`,
        );
    const content = m.content;
    if (typeof content === 'string') {
      out.push({ role, content });
      return;
    }
    if (!Array.isArray(content))
      throw invalid(`messages.${i}.content`, `messages.${i}.content must be a string or an array of content blocks.`);
    const before = out.length;
    if (role === 'user') userTurn(content, i, out);
    else out.push(assistantTurn(content, i));
    // A breakpoint anywhere in the turn is kept at the turn's end (the prefix cached may grow; the answer is the same).
    const cache = content.map((b) => (isObj(b) ? cacheOf(b) : undefined)).findLast((c) => c !== undefined);
    if (cache !== undefined && out.length > before) out[out.length - 1].cacheControl = cache;
  });
  return out;
}

const SERVER_TOOL = /^(web_search|web_fetch|bash|text_editor|computer|code_execution|memory|tool_search)/;

function tools(list: readonly Obj[]): ToolDefinition[] {
  return list.map((t, k) => {
    const where = `tools.${k}`;
    if (t.type !== undefined && t.type !== 'custom') {
      const kind =
        typeof t.type === 'string' && SERVER_TOOL.test(t.type)
          ? 'an Anthropic-defined or server tool'
          : 'not a client tool';
      throw invalid(
        `${where}.type`,
        `${where} has type "${String(t.type)}", ${kind}, which Parley cannot carry to every target ` +
          `type; define it as a client tool (name, description, input_schema).`,
      );
    }
    onlyFields(t, ['type', 'name', 'description', 'input_schema', 'strict', 'defer_loading'], where);
    if (t.defer_loading != null && typeof t.defer_loading !== 'boolean')
      throw invalid(`${where}.defer_loading`, `${where}.defer_loading must be a boolean.`);
    if (typeof t.name !== 'string' || !/^[a-zA-Z0-9_-]{1,128}$/.test(t.name))
      throw invalid(`${where}.name`, `${where}.name must be 1 to 128 letters, digits, _ or -.`);
    if (!isObj(t.input_schema) || (t.input_schema.type !== undefined && t.input_schema.type !== 'object'))
      throw invalid(`${where}.input_schema`, `${where}.input_schema must be a JSON Schema of type object.`);
    if (t.description !== undefined && typeof t.description !== 'string')
      throw invalid(`${where}.description`, `${where}.description must be a string.`);
    const tool: ToolDefinition = { name: t.name, parameters: t.input_schema };
    if (typeof t.description === 'string') tool.description = t.description;
    if (t.strict === true) tool.strict = true;
    if (t.defer_loading === true) tool.deferLoading = true;
    const cache = cacheOf(t);
    if (cache !== undefined) tool.cacheControl = cache;
    return tool;
  });
}

function toolChoice(choice: Obj, defined: ToolDefinition[] | undefined, params: ChatParams): void {
  onlyFields(choice, ['type', 'name', 'disable_parallel_tool_use'], 'tool_choice', false);
  let picked: ToolChoice;
  switch (choice.type) {
    case 'auto':
      picked = 'auto';
      break;
    case 'any':
      picked = 'required';
      break;
    case 'none':
      picked = 'none';
      break;
    case 'tool': {
      const name = choice.name;
      if (typeof name !== 'string' || !defined?.some((t) => t.name === name))
        throw invalid('tool_choice.name', `tool_choice names the tool "${String(name)}", which is not in tools.`);
      picked = { name };
      break;
    }
    default:
      throw invalid('tool_choice.type', 'tool_choice.type must be auto, any, tool or none.');
  }
  if (picked !== 'none' && picked !== 'auto' && defined === undefined)
    throw invalid('tool_choice', 'tool_choice needs tools; send tools or leave tool_choice out.');
  if (choice.disable_parallel_tool_use === true) {
    if (picked === 'none')
      throw invalid(
        'tool_choice.disable_parallel_tool_use',
        'disable_parallel_tool_use has no meaning with tool_choice none; remove it.',
      );
    params.parallelToolCalls = false;
  }
  params.toolChoice = picked;
}

function thinking(value: Obj, maxTokens: number | undefined, params: ChatParams): void {
  if (value.type === 'disabled') {
    onlyFields(value, ['type'], 'thinking', false);
    return;
  }
  if (value.type !== 'enabled' && value.type !== 'adaptive')
    throw invalid('thinking.type', 'thinking.type must be "enabled", "adaptive" or "disabled".');
  onlyFields(
    value,
    value.type === 'adaptive' ? ['type', 'display'] : ['type', 'budget_tokens', 'display'],
    'thinking',
    false,
  );
  if (value.display != null && value.display !== 'summarized' && value.display !== 'omitted')
    throw invalid('thinking.display', 'thinking.display must be "summarized" or "omitted".');
  if (value.display === 'omitted') params.thinkingDisplay = 'omitted';
  if (value.type === 'adaptive') {
    // The model decides how much to think, at output_config.effort (Anthropic's default: high).
    params.adaptiveThinking = true;
    params.reasoningEffort ??= 'high';
    return;
  }
  const budget = value.budget_tokens;
  if (typeof budget !== 'number' || !Number.isInteger(budget) || budget < 1024)
    throw invalid('thinking.budget_tokens', 'thinking.budget_tokens must be an integer of at least 1024.');
  // With interleaved thinking the budget covers all thinking of the turn and may exceed max_tokens (as in the Messages
  // API).
  if (
    maxTokens !== undefined &&
    budget >= maxTokens &&
    !params.anthropicBetas?.includes('interleaved-thinking-2025-05-14')
  )
    throw invalid(
      'thinking.budget_tokens',
      `thinking.budget_tokens (${budget}) must be less than max_tokens (${maxTokens}).`,
    );
  params.thinkingBudget = budget;
}

/**
 * Betas whose effect Parley gives on every target: forwarded to Anthropic-format targets, needing no switch elsewhere.
 */
export const FORWARDED_BETAS: readonly string[] = [
  'interleaved-thinking-2025-05-14',
  'fine-grained-tool-streaming-2025-05-14',
  'token-efficient-tools-2025-02-19',
  'advanced-tool-use-2025-11-20',
  'effort-2025-11-24',
  'mid-conversation-tool-changes-2026-07-01',
];
/**
 * Betas accepted without being forwarded: they do not change the answer (claude-code, prompt-caching,
 * thinking-token-count:
 * streamed thinking-token estimates, which Parley's stream does not carry) or Parley gives their effect itself
 * (context-management: `context_management` edits are applied by Parley before any target sees the turns).
 */
export const IGNORED_BETAS: readonly string[] = [
  'claude-code-20250219',
  'prompt-caching-2024-07-31',
  'context-management-2025-06-27',
  'thinking-token-count-2026-05-13',
];

/** The `anthropic-beta` values to forward; a value Parley cannot honour is refused by name. */
export function acceptedBetas(header: string | string[] | undefined): string[] {
  if (header === undefined) return [];
  const values = (Array.isArray(header) ? header.join(',') : header)
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
  const forward: string[] = [];
  for (const v of values) {
    if (FORWARDED_BETAS.includes(v)) {
      if (!forward.includes(v)) forward.push(v);
    } else if (!IGNORED_BETAS.includes(v)) {
      throw invalid(
        'anthropic-beta',
        `The anthropic-beta "${v}" is not supported by Parley (supported: ` +
          `${[...FORWARDED_BETAS, ...IGNORED_BETAS].join(', ')}); remove it from the anthropic-beta header.`,
      );
    }
  }
  return forward.sort();
}

const EFFORTS = ['low', 'medium', 'high'];

/**
 * output_config: only `effort`, with adaptive thinking (it is the depth of that thinking, OpenAI's reasoning_effort).
 */
function outputConfig(value: unknown, thinkingValue: Obj | undefined, params: ChatParams): void {
  if (value === null) return;
  if (!isObj(value)) throw invalid('output_config', 'output_config must be an object.');
  for (const key of Object.keys(value))
    if (key !== 'effort')
      throw invalid(`output_config.${key}`, `output_config.${key} is not supported by Parley; remove it.`);
  if (value.effort === undefined || value.effort === null) return;
  if (typeof value.effort !== 'string' || !EFFORTS.includes(value.effort))
    throw invalid(
      'output_config.effort',
      `output_config.effort must be one of ${EFFORTS.join(', ')} ("${String(value.effort)}" has ` +
        `no equivalent on every target type).`,
    );
  if (thinkingValue?.type !== 'adaptive')
    throw invalid(
      'output_config.effort',
      'output_config.effort is supported with thinking { "type": "adaptive" } only (without it, ' +
        'effort would mean different things on different target types).',
    );
  params.reasoningEffort = value.effort as 'low' | 'medium' | 'high';
}

const CLEAR_THINKING = 'clear_thinking_20251015';

/**
 * Applies `context_management` to the turns, as the Messages API does server-side before the model sees them:
 * `clear_thinking_20251015` drops thinking from all but the last `keep` assistant turns that carry it (default 1; "all"
 * keeps
 * every one). Done here, the effect is the same on every target type. `clear_tool_uses_20250919` (and any other edit)
 * is refused.
 */
export function applyContextManagement(value: unknown, messages: ChatMessage[]): void {
  if (value === undefined || value === null) return;
  if (!isObj(value)) throw invalid('context_management', 'context_management must be an object with an edits array.');
  onlyFields(value, ['edits'], 'context_management', false);
  const edits = value.edits ?? [];
  if (!Array.isArray(edits))
    throw invalid('context_management.edits', 'context_management.edits must be an array of edits.');
  edits.forEach((edit, k) => {
    const where = `context_management.edits.${k}`;
    if (!isObj(edit)) throw invalid(where, `${where} must be an edit object.`);
    if (edit.type !== CLEAR_THINKING) {
      throw invalid(
        `${where}.type`,
        `${where} has type "${String(edit.type)}": Parley supports only ${CLEAR_THINKING} ` +
          `(clear_tool_uses_20250919 would replace tool results once a token threshold of the target ` +
          `is crossed, which Parley cannot count faithfully on every target type); remove the edit.`,
      );
    }
    onlyFields(edit, ['type', 'keep'], where, false);
    const keep = edit.keep ?? { type: 'thinking_turns', value: 1 };
    if (keep === 'all') return;
    if (
      !isObj(keep) ||
      keep.type !== 'thinking_turns' ||
      typeof keep.value !== 'number' ||
      !Number.isInteger(keep.value) ||
      keep.value < 1
    )
      throw invalid(
        `${where}.keep`,
        `${where}.keep must be "all" or { "type": "thinking_turns", "value": N } with N ≥ 1.`,
      );
    let kept = 0;
    for (let i = messages.length - 1; i >= 0; i--) {
      const m = messages[i];
      if (m.role !== 'assistant' || m.reasoning === undefined) continue;
      if (kept < keep.value) kept++;
      else delete m.reasoning;
    }
  });
}

/** Parameters of the answer from the request body. */
export function anthropicParams(body: MessagesBody, betas: string[]): ChatParams {
  const params: ChatParams = { maxTokens: body.max_tokens };
  if (body.top_k !== undefined)
    throw invalid('top_k', 'top_k is not supported: Parley cannot honour it on every target type; remove it.');
  if (body.service_tier !== undefined && body.service_tier !== 'auto')
    throw invalid('service_tier', `service_tier "${body.service_tier}" is not supported; only "auto" is.`);
  if (body.temperature !== undefined) params.temperature = body.temperature;
  if (body.top_p !== undefined) params.topP = body.top_p;
  if (body.stop_sequences !== undefined && body.stop_sequences.length > 0) params.stop = body.stop_sequences;
  const defined = toolDefinitions(body.tools);
  if (defined !== undefined) params.tools = defined;
  if (body.tool_choice !== undefined) toolChoice(body.tool_choice, params.tools, params);
  if (betas.length > 0) params.anthropicBetas = betas;
  const last = body.messages[body.messages.length - 1];
  if (last?.role === 'assistant') params.continueLast = true;
  if (body.output_config !== undefined) outputConfig(body.output_config, body.thinking, params);
  if (body.thinking !== undefined) thinking(body.thinking, body.max_tokens, params);
  return params;
}

/**
 * A rough prompt size: about 4 characters per token, 4 per message, about 1,600 per image (Anthropic's size for a
 * large image).
 */
export function estimateInputTokens(
  messages: readonly ChatMessage[],
  toolDefinitions: readonly ToolDefinition[] | undefined,
): number {
  let chars = 0;
  let tokens = 0;
  for (const m of messages) {
    tokens += 4;
    chars += m.content.length;
    for (const p of m.parts ?? []) if (p.type === 'image') tokens += 1600;
    for (const c of m.toolCalls ?? []) chars += c.name.length + c.arguments.length;
    for (const r of m.reasoning ?? []) chars += r.type === 'thinking' ? r.text.length : 0;
  }
  if (toolDefinitions !== undefined && toolDefinitions.length > 0) chars += JSON.stringify(toolDefinitions).length;
  return tokens + Math.ceil(chars / 4);
}

/** The tool definitions of a request's `tools` (undefined when there are none). */
export function toolDefinitions(list: readonly Obj[] | undefined): ToolDefinition[] | undefined {
  return list !== undefined && list.length > 0 ? tools(list) : undefined;
}

/**
 * The tool definitions of a count_tokens request, with its `tool_choice` and `thinking` checked as `/v1/messages`
 * checks them (so a value refused there is refused here too, not counted).
 */
export function countTokensTools(body: CountTokensBody): ToolDefinition[] | undefined {
  const defined = toolDefinitions(body.tools);
  if (body.tool_choice !== undefined) toolChoice(body.tool_choice, defined, {});
  if (body.thinking !== undefined) thinking(body.thinking, undefined, {});
  return defined;
}

/** The operator's prompt limits (`limits:`), which the schema cannot know: Anthropic's blocks are checked in code. */
export function checkPromptLimits(
  messages: readonly ChatMessage[],
  maxTokens: number | undefined,
  limits: PromptLimits,
): void {
  if (messages.length > limits.maxMessages)
    throw invalid(
      'messages',
      `The request has ${messages.length} messages (the system prompt counted); at most ` +
        `${limits.maxMessages} are allowed (limits.maxMessages).`,
    );
  const long = messages.findIndex((m) => m.content.length > limits.maxMessageChars);
  if (long >= 0)
    throw invalid(
      'messages',
      `Message ${long} has ${messages[long].content.length} characters of text; at most ` +
        `${limits.maxMessageChars} are allowed (limits.maxMessageChars). Shorten it.`,
    );
  if (maxTokens !== undefined && maxTokens > limits.maxTokens)
    throw invalid(
      'max_tokens',
      `max_tokens is ${maxTokens}; at most ${limits.maxTokens} is allowed (limits.maxTokens).`,
    );
}

export interface PromptLimits {
  maxMessages: number;
  maxMessageChars: number;
  maxTokens: number;
}
