// Anthropic wire format at the edge: domain events to Messages API stream events and to one Message, and errors to its
// envelope.

import { ParleyError, parsedOrRaw } from '../domain/index.js';
import type { ChatEvent, ErrorCode, FinishReason, Usage } from '../domain/index.js';

/** Anthropic's `stop_reason` for ours (`stop` with a matched stop sequence is `stop_sequence`). */
export function anthropicStopReason(reason: FinishReason | undefined, stopSequence: string | undefined): string {
  switch (reason) {
    case 'length':
      return 'max_tokens';
    case 'tool-calls':
      return 'tool_use';
    case 'content-filter':
      return 'refusal';
    default:
      return stopSequence !== undefined ? 'stop_sequence' : 'end_turn';
  }
}

/** Anthropic's usage: `input_tokens` excludes cache reads and writes, which are reported apart when known. */
export function anthropicUsage(usage: Usage | undefined): Record<string, number> {
  const read = usage?.cachedInputTokens ?? 0;
  const write = usage?.cacheWriteTokens ?? 0;
  const out: Record<string, number> = {
    input_tokens: Math.max(0, (usage?.inputTokens ?? 0) - read - write),
    output_tokens: usage?.outputTokens ?? 0,
  };
  if (usage?.cachedInputTokens !== undefined || usage?.cacheWriteTokens !== undefined) {
    out.cache_creation_input_tokens = write;
    out.cache_read_input_tokens = read;
  }
  return out;
}

/**
 * Tool arguments as the `input` object of a tool_use block; arguments that are not a JSON object are the target's
 * fault.
 */
function toolInput(args: string): unknown {
  let input: unknown;
  try {
    input = args.trim() === '' ? {} : JSON.parse(args);
  } catch {
    throw new ParleyError(
      'upstream_protocol',
      'The target answered with tool arguments that are not valid JSON, which the Messages API cannot carry.',
    );
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new ParleyError('upstream_protocol', 'The target answered with tool arguments that are not a JSON object.');
  // Written as the target wrote them: JSON.parse rounds integers beyond 2^53 (a 64-bit id).
  return parsedOrRaw(args, input);
}

type Block = Record<string, unknown> & { type: string };

/** The content blocks of a non-streamed Message, gathered from the events in order. */
export class MessageCollector {
  readonly content: Block[] = [];
  private current: Block | undefined;
  private readonly tools = new Map<string, Block & { args: string }>();
  stopSequence: string | undefined;

  add(event: ChatEvent): void {
    switch (event.type) {
      case 'text-delta':
        if (this.current?.type !== 'text') this.open({ type: 'text', text: '' });
        (this.current as unknown as { text: string }).text += event.text;
        break;
      case 'reasoning-delta':
        if (this.current?.type !== 'thinking' || this.current.signature !== '')
          this.open({ type: 'thinking', thinking: '', signature: '' });
        (this.current as unknown as { thinking: string }).thinking += event.text;
        break;
      case 'reasoning-signature':
        if (this.current?.type === 'thinking') this.current.signature = event.signature;
        else this.open({ type: 'thinking', thinking: '', signature: event.signature });
        this.current = undefined;
        break;
      case 'reasoning-redacted':
        this.open({ type: 'redacted_thinking', data: event.data });
        this.current = undefined;
        break;
      case 'tool-input-start': {
        const block = { type: 'tool_use', id: event.id, name: event.toolName, input: {}, args: '' };
        this.open(block);
        this.tools.set(event.id, block);
        this.current = undefined;
        break;
      }
      case 'tool-input-delta': {
        const block = this.tools.get(event.id);
        if (block) block.args += event.delta;
        break;
      }
      case 'finish':
        this.stopSequence = event.stopSequence;
        break;
      default:
        break;
    }
  }

  private open(block: Block): void {
    this.content.push(block);
    this.current = block;
  }

  /** The blocks as the Messages API shows them (tool arguments parsed into `input`). */
  blocks(): Block[] {
    return this.content.map((b) => {
      if (b.type !== 'tool_use') return b;
      const { args, ...rest } = b as Block & { args: string };
      return { ...rest, input: toolInput(args) };
    });
  }
}

const event = (type: string, data: string): [string, string] => [data, type];

/**
 * Serialises the Messages API stream: `message_start` and a `ping`, then per content block
 * `content_block_start`, deltas (`text_delta`, `thinking_delta`, `signature_delta`, `input_json_delta`)
 * and `content_block_stop`, then `message_delta` (stop reason, usage) and `message_stop`. Blocks are
 * numbered in the order they start; a tool call stays open until its end so interleaved calls keep their index.
 */
export class MessageStreamWriter {
  private index = -1;
  /** The open text or thinking block (its index and kind). */
  private current: { index: number; kind: 'text' | 'thinking' } | undefined;
  private readonly tools = new Map<string, number>();
  private readonly head: string;

  constructor(
    private readonly id: string,
    private readonly model: string,
    private readonly inputTokensEstimate: number,
  ) {
    this.head = `{"type":"content_block_delta","index":`;
  }

  /** `message_start` and one `ping`. */
  start(): [string, string][] {
    const message = {
      id: this.id,
      type: 'message',
      role: 'assistant',
      model: this.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: this.inputTokensEstimate, output_tokens: 1 },
    };
    return [
      event('message_start', JSON.stringify({ type: 'message_start', message })),
      event('ping', '{"type":"ping"}'),
    ];
  }

  private closeCurrent(out: [string, string][]): void {
    if (this.current === undefined) return;
    out.push(event('content_block_stop', `{"type":"content_block_stop","index":${this.current.index}}`));
    this.current = undefined;
  }

  private openBlock(block: Record<string, unknown>, out: [string, string][]): number {
    this.closeCurrent(out);
    const index = ++this.index;
    out.push(
      event('content_block_start', JSON.stringify({ type: 'content_block_start', index, content_block: block })),
    );
    return index;
  }

  private delta(index: number, delta: string): [string, string] {
    return event('content_block_delta', `${this.head}${index},"delta":${delta}}`);
  }

  /** The frames (data, event name) for one event; empty when it adds nothing on the wire. */
  frames(e: ChatEvent): [string, string][] {
    const out: [string, string][] = [];
    switch (e.type) {
      case 'text-delta':
        if (this.current?.kind !== 'text')
          this.current = { index: this.openBlock({ type: 'text', text: '' }, out), kind: 'text' };
        out.push(this.delta(this.current.index, `{"type":"text_delta","text":${JSON.stringify(e.text)}}`));
        break;
      case 'reasoning-delta':
        if (this.current?.kind !== 'thinking')
          this.current = {
            index: this.openBlock({ type: 'thinking', thinking: '', signature: '' }, out),
            kind: 'thinking',
          };
        out.push(this.delta(this.current.index, `{"type":"thinking_delta","thinking":${JSON.stringify(e.text)}}`));
        break;
      case 'reasoning-signature':
        if (this.current?.kind !== 'thinking')
          this.current = {
            index: this.openBlock({ type: 'thinking', thinking: '', signature: '' }, out),
            kind: 'thinking',
          };
        out.push(
          this.delta(this.current.index, `{"type":"signature_delta","signature":${JSON.stringify(e.signature)}}`),
        );
        this.closeCurrent(out);
        break;
      case 'reasoning-redacted': {
        const index = this.openBlock({ type: 'redacted_thinking', data: e.data }, out);
        out.push(event('content_block_stop', `{"type":"content_block_stop","index":${index}}`));
        break;
      }
      case 'tool-input-start':
        this.tools.set(e.id, this.openBlock({ type: 'tool_use', id: e.id, name: e.toolName, input: {} }, out));
        break;
      case 'tool-input-delta': {
        const index = this.tools.get(e.id);
        if (index !== undefined)
          out.push(this.delta(index, `{"type":"input_json_delta","partial_json":${JSON.stringify(e.delta)}}`));
        break;
      }
      case 'tool-input-end': {
        const index = this.tools.get(e.id);
        this.tools.delete(e.id);
        if (index !== undefined)
          out.push(event('content_block_stop', `{"type":"content_block_stop","index":${index}}`));
        break;
      }
      case 'finish': {
        this.closeCurrent(out);
        for (const index of this.tools.values())
          out.push(event('content_block_stop', `{"type":"content_block_stop","index":${index}}`));
        this.tools.clear();
        const delta = {
          stop_reason: anthropicStopReason(e.finishReason, e.stopSequence),
          stop_sequence: e.stopSequence ?? null,
        };
        out.push(
          event('message_delta', JSON.stringify({ type: 'message_delta', delta, usage: anthropicUsage(e.usage) })),
        );
        out.push(event('message_stop', '{"type":"message_stop"}'));
        break;
      }
      default:
        break;
    }
    return out;
  }
}

/** Anthropic's error type and HTTP status for a catalogue error. */
export function anthropicErrorKind(error: ParleyError): { status: number; type: string } {
  const code: ErrorCode = error.code;
  switch (code) {
    case 'unauthorized':
      return { status: 401, type: 'authentication_error' };
    case 'forbidden':
      return { status: 403, type: 'permission_error' };
    case 'not_found':
    case 'model_not_found':
      return { status: 404, type: 'not_found_error' };
    case 'payload_too_large':
      return { status: 413, type: 'request_too_large' };
    case 'rate_limited':
      return { status: 429, type: 'rate_limit_error' };
    case 'upstream_timeout':
      return { status: 504, type: 'timeout_error' };
    case 'internal':
      return { status: 500, type: 'api_error' };
    default:
      break;
  }
  if (error.status < 500) return { status: error.status, type: 'invalid_request_error' };
  // Every route down, rate limited, overloaded or its breaker open (503) or failing (502 from a retryable failure):
  // overloaded.
  if (error.status === 503 || (error.retryable && error.status === 502))
    return { status: 529, type: 'overloaded_error' };
  return { status: 500, type: 'api_error' };
}

/** Anthropic's error envelope. */
export function anthropicErrorBody(
  error: ParleyError,
  requestId: string,
): { type: 'error'; error: { type: string; message: string }; request_id: string } {
  return {
    type: 'error',
    error: { type: anthropicErrorKind(error).type, message: error.message },
    request_id: requestId,
  };
}
