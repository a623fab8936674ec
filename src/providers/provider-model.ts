// The concrete adapter shape: a ChatModel that also owns (and can close) its connection pool.

import type { ChatEvent } from '../domain/index.js';
import { abortError } from '../domain/index.js';
import type { ChatModel } from '../domain/index.js';

/** A provider adapter. `close()` ends its keep-alive pool (a no-op for injected dispatchers and the demo). */
export interface ProviderModel extends ChatModel {
  close(): Promise<void>;
}

/**
 * An adapter's `stream` from its `streamGroups`: one event at a time, and nothing more after an abort, even from the
 * same read.
 */
export async function* eventsOfGroups(
  groups: AsyncIterable<readonly ChatEvent[]>,
  signal: AbortSignal,
): AsyncGenerator<ChatEvent> {
  for await (const group of groups) {
    for (const event of group) {
      if (signal.aborted) throw abortError(signal);
      yield event;
    }
  }
}
