// The built-in demo provider: offline, deterministic, streamed word by word with realistic pacing.

import type { CallOptions, ChatEvent, ChatMessage, ChatRequest } from '../../domain/index.js';
import type { ProviderModel } from '../provider-model.js';
import { abortableSleep, abortError } from '../../domain/abort.js';

/** Settings of the demo provider; all optional. */
export interface DemoModelConfig {
  id?: string;
  /** Delay between two tokens (default 12 ms). */
  tokenDelayMs?: number;
  /** Delay before the first token (default 150 ms). */
  firstTokenDelayMs?: number;
}

const QUOTE_MAX = 60;

/** Rough token estimate used for the demo's usage figures: ceil(chars / 4). */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** The demo's full reply to a conversation (deterministic: depends only on the last user message). */
export function demoReply(messages: ChatMessage[]): string {
  let last: string | undefined;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i].role === 'user') {
      last = messages[i].content;
      break;
    }
  }
  const flat = (last ?? '').replace(/\s+/g, ' ').trim();
  const quote = flat.length > QUOTE_MAX ? `${flat.slice(0, QUOTE_MAX).trimEnd()}…` : flat;
  const opening = quote.length > 0 ? `You said: "${quote}".` : 'You sent an empty message.';
  return (
    `${opening} This answer comes from Parley's built-in demo provider, which runs offline and ` +
    'does not call any AI model. To talk to a real model, set PARLEY_CONFIG or pass --config with ' +
    'a YAML file that lists your providers: and models: (see the README for an example).'
  );
}

/** Splits text into word-sized tokens, each keeping its leading space, so joining them restores the text. */
export function splitTokens(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}

/**
 * Creates the offline demo model. It streams a short reply that quotes the last user message (at
 * most 60 characters), says it is the demo provider and how to configure a real one. Usage: input =
 * ceil(chars/4) over all messages, output = number of tokens emitted. `stream: false` yields the
 * whole reply as one delta after the first-token delay.
 */
export function createDemoModel(cfg: DemoModelConfig = {}): ProviderModel {
  const tokenDelayMs = cfg.tokenDelayMs ?? 12;
  const firstTokenDelayMs = cfg.firstTokenDelayMs ?? 150;

  async function* stream(request: ChatRequest, options: CallOptions): AsyncGenerator<ChatEvent> {
    const { signal } = options;
    if (signal.aborted) throw abortError(signal);
    let chars = 0;
    for (const m of request.messages) chars += m.content.length;
    const inputTokens = Math.ceil(chars / 4);
    const reply = demoReply(request.messages);
    const tokens = splitTokens(reply);
    const id = `demo-${inputTokens}-${tokens.length}`;
    await abortableSleep(firstTokenDelayMs, signal);
    yield { type: 'start', id, model: request.model };
    if (request.stream === false) {
      yield { type: 'text-delta', text: reply };
    } else {
      for (let i = 0; i < tokens.length; i++) {
        if (i > 0) await abortableSleep(tokenDelayMs, signal);
        yield { type: 'text-delta', text: tokens[i] };
      }
    }
    if (signal.aborted) throw abortError(signal);
    yield { type: 'finish', finishReason: 'stop', usage: { inputTokens, outputTokens: tokens.length } };
  }

  return { provider: cfg.id ?? 'demo', stream, close: async () => undefined };
}
