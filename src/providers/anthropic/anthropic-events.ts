// Anthropic content blocks to domain events: text, thinking, tool_use (input_json_delta) and the JSON answer tool.

import type { ChatEvent, FinishReason, Usage } from '../../domain/index.js';
import { JSON_TOOL } from './anthropic-request.js';

/** Anthropic's usage, with prompt-cache reads and writes. */
export interface AnthropicUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

/** A content block as it starts (streamed) or as it is (not streamed). */
export interface AnthropicBlock {
  type?: string;
  text?: string;
  thinking?: string;
  signature?: string;
  data?: string;
  id?: string;
  name?: string;
  input?: unknown;
}

/** A `content_block_delta`'s delta. */
export interface AnthropicBlockDelta {
  type?: string;
  text?: string;
  thinking?: string;
  partial_json?: string;
  signature?: string;
}

/** Maps Anthropic's `stop_reason` onto Parley's. */
export function mapAnthropicStopReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'max_tokens':
      return 'length';
    case 'tool_use':
      return 'tool-calls';
    case 'refusal':
      return 'content-filter';
    default:
      return 'other';
  }
}

/**
 * Usage from Anthropic's counts, folded into `into`: input tokens include cache reads and writes (Anthropic
 * reports them apart). A count of 0 never replaces a known one: some streams repeat `input_tokens: 0`
 * in `message_delta` after `message_start` reported the real figure.
 */
export function foldUsage(into: Usage, u: AnthropicUsage): void {
  const read = u.cache_read_input_tokens ?? 0;
  const write = u.cache_creation_input_tokens ?? 0;
  const input = (u.input_tokens ?? 0) + read + write;
  if (input > 0) into.inputTokens = input;
  if (read > 0) into.cachedInputTokens = Math.max(into.cachedInputTokens ?? 0, read);
  if (write > 0) into.cacheWriteTokens = Math.max(into.cacheWriteTokens ?? 0, write);
  if (typeof u.output_tokens === 'number' && u.output_tokens > 0) into.outputTokens = u.output_tokens;
}

interface OpenBlock {
  kind: 'text' | 'thinking' | 'tool' | 'json' | 'other';
  id: string;
  /** Input given at the block's start: used only when no input_json_delta follows. */
  startInput: unknown;
  hasDelta: boolean;
}

/**
 * Tracks content blocks by index. `tool_use` → tool-input-start / -delta / -end with Anthropic's id
 * unchanged; the input given at the block's start (always `{}` when streamed) is used only when no
 * `input_json_delta` follows, so arguments are never `{}` plus the real ones. The JSON answer tool's
 * input becomes text; thinking becomes reasoning.
 */
export class AnthropicBlockMapper {
  private readonly blocks = new Map<number, OpenBlock>();
  /** True once a real tool (not the JSON answer tool) was called. */
  calledTool = false;
  /** True once the JSON answer tool was used. */
  jsonAnswer = false;

  start(index: number, block: AnthropicBlock, out: ChatEvent[]): void {
    if (block.type === 'tool_use') {
      const json = block.name === JSON_TOOL;
      const id = typeof block.id === 'string' ? block.id : `toolu_${index}`;
      this.blocks.set(index, { kind: json ? 'json' : 'tool', id, startInput: block.input, hasDelta: false });
      if (json) this.jsonAnswer = true;
      else {
        this.calledTool = true;
        out.push({ type: 'tool-input-start', id, toolName: block.name ?? '' });
      }
      return;
    }
    const kind = block.type === 'text' ? 'text' : block.type === 'thinking' ? 'thinking' : 'other';
    this.blocks.set(index, { kind, id: '', startInput: undefined, hasDelta: false });
    if (kind === 'text' && typeof block.text === 'string' && block.text !== '')
      out.push({ type: 'text-delta', text: block.text });
    if (kind === 'thinking' && typeof block.thinking === 'string' && block.thinking !== '')
      out.push({ type: 'reasoning-delta', text: block.thinking });
    // A signature given at the start (a whole message, not streamed) ends the block's reasoning.
    if (kind === 'thinking' && typeof block.signature === 'string' && block.signature !== '')
      out.push({ type: 'reasoning-signature', signature: block.signature });
    if (block.type === 'redacted_thinking' && typeof block.data === 'string')
      out.push({ type: 'reasoning-redacted', data: block.data });
  }

  delta(index: number, d: AnthropicBlockDelta, out: ChatEvent[]): void {
    if (d.type === 'text_delta' && typeof d.text === 'string' && d.text.length > 0)
      out.push({ type: 'text-delta', text: d.text });
    else if (d.type === 'thinking_delta' && typeof d.thinking === 'string' && d.thinking.length > 0)
      out.push({ type: 'reasoning-delta', text: d.thinking });
    else if (d.type === 'signature_delta' && typeof d.signature === 'string' && d.signature.length > 0)
      out.push({ type: 'reasoning-signature', signature: d.signature });
    else if (d.type === 'input_json_delta' && typeof d.partial_json === 'string' && d.partial_json.length > 0) {
      const block = this.blocks.get(index);
      if (block === undefined) return;
      block.hasDelta = true;
      if (block.kind === 'tool') out.push({ type: 'tool-input-delta', id: block.id, delta: d.partial_json });
      else if (block.kind === 'json') out.push({ type: 'text-delta', text: d.partial_json });
    }
  }

  stop(index: number, out: ChatEvent[]): void {
    const block = this.blocks.get(index);
    if (block === undefined) return;
    this.blocks.delete(index);
    if (block.kind !== 'tool' && block.kind !== 'json') return;
    if (!block.hasDelta) {
      const whole = JSON.stringify(block.startInput ?? {});
      out.push(
        block.kind === 'tool'
          ? { type: 'tool-input-delta', id: block.id, delta: whole }
          : { type: 'text-delta', text: whole },
      );
    }
    if (block.kind === 'tool') out.push({ type: 'tool-input-end', id: block.id });
  }

  /** Blocks of a non-streamed message, in order. */
  whole(content: AnthropicBlock[], out: ChatEvent[]): void {
    content.forEach((block, i) => {
      this.start(i, block.type === 'tool_use' ? block : { ...block }, out);
      this.stop(i, out);
    });
  }

  /** The finish reason: a `tool_use` stop that only used the JSON answer tool is a plain stop. */
  finishReason(stopReason: string | null | undefined): FinishReason {
    const reason = mapAnthropicStopReason(stopReason);
    return reason === 'tool-calls' && !this.calledTool ? 'stop' : reason;
  }
}
