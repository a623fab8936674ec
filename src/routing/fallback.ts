// Fallback chain: tries a model's targets in order until one answers, before any content is sent.

import { ParleyError, isParleyError } from '../domain/index.js';
import type { CallOptions, ChatEvent, ChatRequest, ErrorCode } from '../domain/index.js';
import type { ChatModel } from '../providers/types.js';
import { abortError, gateStart } from './context.js';
import type { CommitState } from './context.js';

/** One entry of a fallback chain; `label` (e.g. `main/gpt-4o-mini`) names it in error messages. */
export interface FallbackTarget {
  model: ChatModel;
  label: string;
}

/**
 * Tries `targets` in order, passing `fallbackIndex` on the options. Moves on after any error except
 * `upstream_bad_request` (the request itself is invalid), `client_closed` or an aborted signal, which
 * are rethrown at once. A `start` is held back until the first `text-delta` or `finish`, so a target
 * that opens a stream and fails before content is replaced invisibly; after content, failures are
 * rethrown as-is. When every target fails, throws one summary ParleyError with the last error's code and
 * status (as the catalogue says: 504 for a timeout, 503 for unavailability, 502 otherwise), and the smallest `retryAfterMs`.
 */
export function withFallback(targets: FallbackTarget[], modelName: string): ChatModel {
  if (targets.length === 0) throw new Error(`Model "${modelName}" has no targets`);
  return {
    provider: targets[0].model.provider,
    stream: (request, options) => fallbackStream(targets, modelName, request, options),
  };
}

async function* fallbackStream(
  targets: FallbackTarget[],
  modelName: string,
  request: ChatRequest,
  options: CallOptions,
): AsyncGenerator<ChatEvent, void, undefined> {
  const state: CommitState = { committed: false };
  const failures: { label: string; error: ParleyError }[] = [];
  for (let index = 0; index < targets.length; index++) {
    const target = targets[index];
    try {
      yield* gateStart(target.model.stream(request, { ...options, fallbackIndex: index }), state);
      return;
    } catch (thrown) {
      if (state.committed) throw thrown;
      if (options.signal.aborted) throw abortError(options.signal);
      const error = isParleyError(thrown)
        ? thrown
        : new ParleyError('internal', 'Unexpected failure in the route', { cause: thrown });
      if (error.code === 'upstream_bad_request' || error.code === 'client_closed') throw error;
      failures.push({ label: target.label, error });
      if (index + 1 < targets.length) options.observer?.fallback?.(index, index + 1, error.code);
    }
  }
  throw summarise(modelName, failures);
}

/** The one error reported when every target of `modelName` failed. */
export function summarise(modelName: string, failures: { label: string; error: ParleyError }[]): ParleyError {
  const last = failures[failures.length - 1].error;
  // The status is the last error's own (the catalogue's, or the override it came with), so code and status never disagree.
  const status = last.status;
  const retryAfters = failures.map((f) => f.error.retryAfterMs).filter((ms): ms is number => ms !== undefined);
  const detail = failures.map((f) => `${f.label}: ${f.error.message}`).join('; ');
  const head =
    failures.length === 1
      ? `The only target for model "${modelName}" failed`
      : `All ${failures.length} targets for model "${modelName}" failed`;
  return new ParleyError(last.code, `${head}: ${detail}`, {
    status,
    upstreamStatus: last.upstreamStatus,
    retryAfterMs: retryAfters.length > 0 ? Math.min(...retryAfters) : undefined,
    cause: last,
  });
}
