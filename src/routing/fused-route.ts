// Fused route: fallback, retry, key pool with deployment breakers, attempt report and timeouts in one async generator.

import { ParleyError, isParleyError } from '../domain/index.js';
import type { AttemptInfo, CallOptions, ChatEvent, ChatRequest, ResilienceSettings } from '../domain/index.js';
import type { RoutableModel } from '../providers/types.js';
import { abortError } from './context.js';
import type { RoutingCallOptions } from './context.js';
import { summarise } from './fallback.js';
import type { KeyLease, KeyPool } from './key-pool.js';
import { NEVER_RETRIED, abortableSleep, backoffDelay } from './retry.js';
import type { RetryDeps } from './retry.js';
import { TimedCall, type StepValue } from './timed-call.js';

const isGroup = <Ev>(value: StepValue<Ev>): value is readonly Ev[] => Array.isArray(value);

/** What the route needs of requests and events (chat and embeddings both fit). */
type Req = { model: string };
type Ev = { type: string };

/** One target of a fused route (chat by default; embeddings use the same engine). */
export interface FusedTarget<R extends Req = ChatRequest, E extends Ev = ChatEvent> {
  /** Human label for messages, e.g. `main/gpt-4o-mini`. */
  label: string;
  adapter: RoutableModel<R, E>;
  /** Upstream model id set on the request for this target (absent: the request's model). */
  model?: string;
  /** The provider's keys and the breakers of its deployments (one per model and key). */
  pool: KeyPool;
  resilience: ResilienceSettings;
}

/** Clock and retry dependencies of a fused route. */
export interface FusedRouteDeps {
  /** Clock of attempt durations (default performance.now). */
  clock?: () => number;
  retryDeps?: RetryDeps;
}

/**
 * The same behaviour as `withFallback(targets.map(t => withUpstreamModel(withRetry(withKeyPool(
 * withAttemptReport(withTimeouts(adapter)))))))` (see route.ts for the order and
 * each wrapper's file for the rules), with the same observer calls in the same order, but one
 * generator frame and one promise hop per event instead of about ten. The wrappers stay the
 * reference; fused-route.test.ts runs both on the same scripts and compares them.
 */
export function fusedRoute<R extends Req = ChatRequest, E extends Ev = ChatEvent>(targets: FusedTarget<R, E>[], modelName: string, deps: FusedRouteDeps = {}): RoutableModel<R, E> {
  if (targets.length === 0) throw new Error(`Model "${modelName}" has no targets`);
  const clock = deps.clock ?? (() => performance.now());
  const sleep = deps.retryDeps?.sleep ?? abortableSleep;
  const random = deps.retryDeps?.random ?? Math.random;
  const env: RouteEnv<R, E> = { targets, modelName, clock, sleep, random };
  return {
    provider: targets[0].adapter.provider,
    stream: (request, options) => routeStream(env, request, options),
  };
}

interface RouteEnv<R extends Req, E extends Ev> {
  targets: FusedTarget<R, E>[];
  modelName: string;
  clock: () => number;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  random: () => number;
}

const consumerStopped = (): ParleyError => new ParleyError('client_closed', 'The consumer stopped reading the stream');

async function* routeStream<R extends Req, E extends Ev>(env: RouteEnv<R, E>, request: R, options: CallOptions): AsyncGenerator<E, void, undefined> {
  const { targets, clock } = env;
  const signal = options.signal;
  const observer = options.observer;
  // The start gate (context.ts gateStart): `start` is held until the first text-delta or finish.
  let committed = false;
  const failures: { label: string; error: ParleyError }[] = [];
  for (let index = 0; index < targets.length; index++) {
    const target = targets[index];
    const { adapter, pool } = target;
    const { retry: r, timeouts } = target.resilience;
    const req = target.model === undefined || request.model === target.model ? request : { ...request, model: target.model };
    try {
      // withRetry
      for (let attempt = 1; ; attempt++) {
        let pending: E | undefined;
        try {
          // withKeyPool: a deployment (key and its breaker for this model) per attempt; a refused key is swapped within the attempt
          for (;;) {
            const lease: KeyLease = pool.acquire(req.model, options, target.resilience.breaker);
            let yielded = false;
            let keySettled = false;
            // withAttemptReport
            let info: AttemptInfo | undefined;
            let started = 0;
            let reportEnded = false;
            const endReport = (ok: boolean, errorCode?: string, status?: number): void => {
              if (info === undefined || reportEnded) return;
              reportEnded = true;
              observer?.attemptEnd?.(info, { ok, durationMs: clock() - started, errorCode, status });
            };
            let call: TimedCall<R, E> | undefined;
            try {
              const callOptions: RoutingCallOptions =
                lease.id !== undefined && lease.secret !== undefined
                  ? { ...options, fallbackIndex: index, attempt, credential: { id: lease.id, secret: lease.secret } }
                  : { ...options, fallbackIndex: index, attempt };
              if (observer !== undefined) {
                info = { provider: adapter.provider, model: req.model, keyId: callOptions.credential?.id, attempt, fallbackIndex: index };
                started = clock();
                observer.attemptStart?.(info);
              }
              // withTimeouts
              if (signal.aborted) throw abortError(signal);
              call = new TimedCall(adapter, req, callOptions, signal, timeouts);
              for (;;) {
                let result: IteratorResult<StepValue<E>>;
                try {
                  result = await call.step();
                } finally {
                  call.afterStep();
                }
                if (result.done === true) {
                  call.finished = true;
                  break;
                }
                // A step brings one event, or a group of them from one network read (ChatModel.streamGroups).
                const got = result.value;
                const group = isGroup(got) ? got : undefined;
                const count = group === undefined ? 1 : group.length;
                for (let i = 0; i < count; i++) {
                  const event = group === undefined ? (got as E) : group[i];
                  if (i > 0 && signal.aborted) throw abortError(signal); // nothing more after an abort, even from the same read
                  if (event.type === 'finish') {
                    endReport(true);
                    keySettled = true;
                    pool.settle(lease, undefined, options);
                  }
                  yielded = true;
                  if (committed) yield event;
                  else if (event.type === 'start') pending = event;
                  else {
                    committed = true;
                    if (pending !== undefined) yield pending;
                    yield event;
                  }
                }
              }
              call.close();
              endReport(false, 'upstream_protocol', 502); // ended without `finish` (no-op if it finished)
            } catch (error) {
              call?.close();
              if (isParleyError(error)) endReport(false, error.code, error.upstreamStatus ?? error.status);
              else endReport(false, 'internal', 500);
              if (!keySettled) pool.settle(lease, error, options);
              keySettled = true;
              if (!isParleyError(error) || yielded || signal.aborted || lease.id === undefined) throw error;
              if (error.code === 'upstream_auth') continue;
              throw error.code === 'upstream_rate_limited' ? pool.rateLimitedError(error, req.model) : error;
            } finally {
              call?.close();
              endReport(false, 'client_closed', 499);
              if (!keySettled) pool.settle(lease, consumerStopped(), options);
            }
            break;
          }
          // A (malformed) stream that ended without content: release the start rather than swallow it.
          if (!committed && pending !== undefined) yield pending;
          return;
        } catch (error) {
          const retryIndex = attempt - 1;
          if (committed || retryIndex >= r.retries || signal.aborted) throw error;
          if (!isParleyError(error) || !error.retryable || NEVER_RETRIED.has(error.code)) throw error;
          let delay = backoffDelay(r, retryIndex, env.random);
          if (error.retryAfterMs !== undefined) {
            if (error.retryAfterMs > r.maxRetryAfterMs) throw error;
            delay = Math.max(delay, error.retryAfterMs);
          }
          const retryInfo: AttemptInfo = { provider: adapter.provider, model: req.model, attempt, fallbackIndex: index };
          observer?.retry?.(retryInfo, delay, error.code);
          await env.sleep(delay, signal);
        }
      }
    } catch (thrown) {
      // withFallback
      if (committed) throw thrown;
      if (signal.aborted) throw abortError(signal);
      const error = isParleyError(thrown) ? thrown : new ParleyError('internal', 'Unexpected failure in the route', { cause: thrown });
      if (error.code === 'upstream_bad_request' || error.code === 'client_closed') throw error;
      failures.push({ label: target.label, error });
      if (index + 1 < targets.length) observer?.fallback?.(index, index + 1, error.code);
    }
  }
  throw summarise(env.modelName, failures);
}
