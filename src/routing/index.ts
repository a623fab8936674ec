// Public surface of routing/: resilience policies as ChatModel wrappers and the route builder.
export { withAttemptReport } from './attempt-report.js';
export { CircuitBreaker, isUpstreamFault } from './circuit-breaker.js';
export type { BreakerPermit, BreakerState, CircuitBreakerOptions } from './circuit-breaker.js';
export { attemptOf } from './context.js';
export type { RoutingCallOptions } from './context.js';
export { summarise, withFallback } from './fallback.js';
export type { FallbackTarget } from './fallback.js';
export { KeyPool, withKeyPool } from './key-pool.js';
export type { KeyHealth, KeyLease, KeyPoolOptions, PoolKey } from './key-pool.js';
export { abortableSleep, backoffDelay, withRetry } from './retry.js';
export type { RetryDeps } from './retry.js';
export { buildRoute, composeRoute } from './route.js';
export { fusedRoute } from './fused-route.js';
export type { FusedRouteDeps, FusedTarget } from './fused-route.js';
export type { BuildRouteInput, RouteTargetInput } from './route.js';
export { withTimeouts } from './timeouts.js';
