// The route engine: runs one request down a model's targets (fallback, retry, key pool with deployment breakers,
// attempt report, timeouts) in one async generator.

import { ParleyError } from '../domain/index.js';
import type { AttemptInfo, CallOptions, ChatEvent, ChatRequest, ResilienceSettings } from '../domain/index.js';
import type { RoutableModel } from '../domain/index.js';
import { AttemptReport } from './attempt-report.js';
import { abortError } from './context.js';
import type { RoutingCallOptions } from './context.js';
import { movesToNextTarget, summarise, targetFailure } from './fallback.js';
import { afterKeyFailure } from './key-pool.js';
import type { KeyLease, KeyPool } from './key-pool.js';
import { abortableSleep, retryDelay } from './retry.js';
import type { RetryDeps } from './retry.js';
import { TimedCall, type StepValue } from './timed-call.js';

const isGroup = <Ev>(value: StepValue<Ev>): value is readonly Ev[] => Array.isArray(value);

/** What the route needs of requests and events (chat and embeddings both fit). */
type Req = { model: string };
type Ev = { type: string };

/** One target of a route (chat by default; embeddings use the same engine). */
export interface RouteTarget<R extends Req = ChatRequest, E extends Ev = ChatEvent> {
  /** Human label for messages, e.g. `main/gpt-4o-mini`. */
  label: string;
  adapter: RoutableModel<R, E>;
  /** Upstream model id set on the request for this target (absent: the request's model). */
  model?: string;
  /** The provider's keys and the breakers of its deployments (one per model and key). */
  pool: KeyPool;
  resilience: ResilienceSettings;
}

/** Clock and retry dependencies of the route engine. */
export interface RouteEngineDeps {
  /** Clock of attempt durations (default performance.now). */
  clock?: () => number;
  retryDeps?: RetryDeps;
}

/**
 * The model that routes each request down `targets` (the order of the policies is drawn in route.ts).
 * The engine holds the control flow; each policy's rules are a small decision it calls: `retryDelay`
 * (retry.ts), `KeyPool.acquire` / `settle` and `afterKeyFailure` (key-pool.ts), `movesToNextTarget`
 * and `summarise` (fallback.ts), `AttemptReport` (attempt-report.ts) and `TimedCall` (timed-call.ts).
 * It runs as one generator frame with one promise hop per event (or per network read, when the adapter
 * offers `streamGroups`): nesting a generator per policy cost about ten hops per event, twice the
 * added time to first token.
 */
export function createRouteEngine<R extends Req = ChatRequest, E extends Ev = ChatEvent>(
  targets: RouteTarget<R, E>[],
  modelName: string,
  deps: RouteEngineDeps = {},
): RoutableModel<R, E> {
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
  targets: RouteTarget<R, E>[];
  modelName: string;
  clock: () => number;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  random: () => number;
}

const consumerStopped = (): ParleyError => new ParleyError('client_closed', 'The consumer stopped reading the stream');

async function* routeStream<R extends Req, E extends Ev>(
  env: RouteEnv<R, E>,
  request: R,
  options: CallOptions,
): AsyncGenerator<E, void, undefined> {
  const { targets, clock } = env;
  const signal = options.signal;
  const observer = options.observer;
  // `start` is held until the first other event (text-delta, finish, ...), so an attempt that opens a stream
  // and fails before content is retried or replaced without the consumer seeing two starts. After content
  // (committed), a failure is rethrown as-is: never retried, never sent to another target.
  let committed = false;
  const failures: { label: string; error: ParleyError }[] = [];
  // Fallback: the targets in order; a target is abandoned only after its retries.
  for (let index = 0; index < targets.length; index++) {
    const target = targets[index];
    const { adapter, pool } = target;
    const { retry: r, timeouts } = target.resilience;
    const req =
      target.model === undefined || request.model === target.model ? request : { ...request, model: target.model };
    try {
      // Retry: each attempt re-enters everything below (next key, fresh breaker check, fresh timers).
      for (let attempt = 1; ; attempt++) {
        let pending: E | undefined;
        try {
          // Key pool: a deployment (key and its breaker for this model) per attempt; a refused key is swapped within
          // the attempt.
          for (;;) {
            const lease: KeyLease = pool.acquire(req.model, options, target.resilience.breaker);
            let yielded = false;
            let keySettled = false;
            let report: AttemptReport | undefined;
            let call: TimedCall<R, E> | undefined;
            try {
              const callOptions: RoutingCallOptions =
                lease.id !== undefined && lease.secret !== undefined
                  ? { ...options, fallbackIndex: index, attempt, credential: { id: lease.id, secret: lease.secret } }
                  : { ...options, fallbackIndex: index, attempt };
              if (observer !== undefined) {
                report = new AttemptReport(
                  observer,
                  {
                    provider: adapter.provider,
                    model: req.model,
                    keyId: callOptions.credential?.id,
                    attempt,
                    fallbackIndex: index,
                  },
                  clock,
                );
              }
              // Timeouts: one TimedCall per upstream call.
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
                // A step brings one event, or a group of them from one network read (RoutableModel.streamGroups).
                const got = result.value;
                const group = isGroup(got) ? got : undefined;
                const count = group === undefined ? 1 : group.length;
                for (let i = 0; i < count; i++) {
                  const event = group === undefined ? (got as E) : group[i];
                  // nothing more after an abort, even from the same read
                  if (i > 0 && signal.aborted) throw abortError(signal);
                  if (event.type === 'finish') {
                    report?.end(true);
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
              report?.end(false, 'upstream_protocol', 502); // ended without `finish` (no-op if it finished)
            } catch (error) {
              call?.close();
              report?.failed(error);
              if (!keySettled) pool.settle(lease, error, options);
              keySettled = true;
              const next = afterKeyFailure(error, lease, yielded, signal.aborted);
              if (next === 'swap-key') continue;
              throw next === 'pass-on-rate-limit' ? pool.rateLimitedError(error as ParleyError, req.model) : error;
            } finally {
              call?.close();
              report?.end(false, 'client_closed', 499); // the consumer stopped early (no-op if it ended otherwise)
              if (!keySettled) pool.settle(lease, consumerStopped(), options);
            }
            break;
          }
          // A (malformed) stream that ended without content: release the start rather than swallow it.
          if (!committed && pending !== undefined) yield pending;
          return;
        } catch (error) {
          if (committed || signal.aborted) throw error;
          const delay = retryDelay(error, r, attempt - 1, env.random);
          if (delay === undefined) throw error;
          const retryInfo: AttemptInfo = {
            provider: adapter.provider,
            model: req.model,
            attempt,
            fallbackIndex: index,
          };
          observer?.retry?.(retryInfo, delay, (error as ParleyError).code); // retryDelay retries only ParleyErrors
          await env.sleep(delay, signal);
        }
      }
    } catch (thrown) {
      if (committed) throw thrown;
      if (signal.aborted) throw abortError(signal);
      const error = targetFailure(thrown);
      if (!movesToNextTarget(error)) throw error;
      failures.push({ label: target.label, error });
      if (index + 1 < targets.length) observer?.fallback?.(index, index + 1, error.code);
    }
  }
  throw summarise(env.modelName, failures);
}
