// Routing-internal call context: fields the route engine passes down on CallOptions beyond the shared contract.

import type { CallOptions } from '../domain/index.js';

/**
 * CallOptions as the route engine hands them to an adapter: `attempt` is 1 for the first try of a
 * target, 2 for its first retry, ... (with `fallbackIndex` and the key's `credential`, so an attempt can
 * be told apart). Adapters ignore the extra field.
 */
export interface RoutingCallOptions extends CallOptions {
  attempt?: number;
}

export { abortError } from '../domain/abort.js';

/** Swallows a rejection (used on promises that are also awaited elsewhere). */
export function ignore(): void {
  // intentionally empty
}
