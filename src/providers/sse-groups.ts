// A provider's SSE body as event groups, one per network read (ChatModel.streamGroups), for the HTTP adapters.

import { abortError } from '../domain/index.js';
import type { ChatEvent } from '../domain/index.js';
import { SseParser, type SseMessage } from './sse-reader.js';

/**
 * What maps an SSE answer's messages: an object, so an adapter keeps its per-stream state in its fields (see
 * SseAnswer).
 */
export interface SseMessageHandler {
  /** Turns one SSE message into events (pushed onto `out`); returns true at the stream's terminal message. */
  message(message: SseMessage, out: ChatEvent[]): boolean;
}

const hasContentFrom = (group: readonly ChatEvent[], from: number): boolean => {
  for (let i = from; i < group.length; i++) if (group[i].type === 'text-delta') return true;
  return false;
};

/**
 * Turns an SSE body's network reads into event groups. The caller keeps the read loop (so no async
 * generator is added per group; the adapters' is in upstream-stream.ts) and yields what `groups` gives for each read:
 *
 *     while (!reader.terminal) {
 *       const next = await chunks.next();
 *       for (const group of reader.groups(next.done === true ? undefined : next.value, signal)) yield group;
 *       if (next.done === true) break;
 *     }
 *
 * Groups are never empty. The answer's first content ends its group at once, so the first token does
 * not wait while the rest of its read is parsed (time to first token). What a read produced before a
 * failure comes before the failure. Messages after the terminal one are not mapped.
 */
export class SseEventReader {
  /** Set once `handler.message` has reported the stream's terminal message. */
  terminal = false;
  private readonly parser: SseParser;
  private sentContent = false;

  /** `maxEventChars`: see SseParser (the longest event before `upstream_event_too_large`). */
  constructor(
    private readonly handler: SseMessageHandler,
    maxEventChars?: number,
  ) {
    this.parser = new SseParser(maxEventChars);
  }

  /** The groups of one read (`chunk` undefined: the body ended, so what the parser still holds completes). */
  *groups(chunk: Uint8Array | undefined, signal: AbortSignal): Generator<ChatEvent[], void, undefined> {
    const messages = chunk === undefined ? this.parser.end() : this.parser.push(chunk);
    let group: ChatEvent[] = [];
    try {
      for (let i = 0; i < messages.length && !this.terminal; i++) {
        if (signal.aborted) throw abortError(signal);
        const before = group.length;
        this.terminal = this.handler.message(messages[i], group);
        if (!this.sentContent && hasContentFrom(group, before)) {
          this.sentContent = true;
          const out = group;
          group = [];
          yield out;
        }
      }
      if (this.parser.failure !== undefined && !this.terminal) throw this.parser.failure;
    } catch (error) {
      // What arrived before the failure in the same read still goes first, as it would one by one.
      if (group.length > 0) yield group;
      throw error;
    }
    if (group.length > 0) yield group;
  }
}
