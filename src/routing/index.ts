// Public surface of routing/: the route builder, the route engine, and the policies' decisions it calls.
export { AttemptReport } from './attempt-report.js';
export { CircuitBreaker, isUpstreamFault } from './circuit-breaker.js';
export type { BreakerPermit, BreakerState, CircuitBreakerOptions } from './circuit-breaker.js';
export type { RoutingCallOptions } from './context.js';
export { movesToNextTarget, summarise, targetFailure } from './fallback.js';
export { KeyPool, afterKeyFailure } from './key-pool.js';
export type { KeyFailureStep, KeyHealth, KeyLease, KeyPoolOptions, PoolKey } from './key-pool.js';
export { NEVER_RETRIED, abortableSleep, backoffDelay, retryDelay } from './retry.js';
export type { RetryDeps } from './retry.js';
export { buildRoute } from './route.js';
export type { BuildRouteInput, RouteTargetInput } from './route.js';
export { createRouteEngine } from './route-engine.js';
export type { RouteEngineDeps, RouteTarget } from './route-engine.js';
export { TimedCall, arm, timeoutError } from './timed-call.js';
export type { StepValue } from './timed-call.js';
