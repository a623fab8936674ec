// Routing-internal call context: fields the wrappers pass down on CallOptions beyond the shared contract.

import type { CallOptions, ChatEvent } from '../domain/index.js';

/**
 * CallOptions as seen inside routing/. `withRetry` sets `attempt` (1 for the first try of a target,
 * 2 for its first retry, ...) on the options it hands to the wrappers below it, so the key pool and
 * the attempt reporter can label what they do. Adapters ignore the extra field; it is spread along
 * with the rest of the options by every wrapper (`{ ...options, credential }`).
 */
export interface RoutingCallOptions extends CallOptions {
  attempt?: number;
}

/** The attempt number set by `withRetry` (1 when no retry wrapper is above). */
export function attemptOf(options: CallOptions): number {
  return (options as RoutingCallOptions).attempt ?? 1;
}

/** Mutable flag shared between a wrapper and `gateStart`: has content reached the consumer? */
export interface CommitState {
  committed: boolean;
}

/**
 * Re-yields `source` but holds back `start` until the first `text-delta` or `finish`, so an attempt
 * that opens a stream and then fails before any content can still be retried or replaced without the
 * consumer seeing two starts. Only the latest `start` is kept; nothing else is buffered.
 */
export async function* gateStart(
  source: AsyncIterable<ChatEvent>,
  state: CommitState,
): AsyncGenerator<ChatEvent, void, undefined> {
  let pending: ChatEvent | undefined;
  for await (const event of source) {
    if (state.committed) {
      yield event;
      continue;
    }
    if (event.type === 'start') {
      pending = event;
      continue;
    }
    state.committed = true;
    if (pending !== undefined) yield pending;
    yield event;
  }
  // A (malformed) stream that ended without content: release the start rather than swallow it.
  if (!state.committed && pending !== undefined) yield pending;
}

export { abortError } from '../domain/abort.js';

/** Swallows a rejection (used on promises that are also awaited elsewhere). */
export function ignore(): void {
  // intentionally empty
}
