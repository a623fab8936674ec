// Attempt reporting: tells the call's observer when each upstream attempt starts and how it ended.

import { isParleyError } from '../domain/index.js';
import type { AttemptInfo, CallOptions, ChatEvent, ChatRequest } from '../domain/index.js';
import type { ChatModel, ModelWrapper } from '../providers/types.js';
import { attemptOf } from './context.js';

/**
 * Calls `observer.attemptStart` / `attemptEnd` around each inner call with provider, model (the
 * request's upstream id), keyId (from `options.credential`), attempt (from withRetry) and
 * fallbackIndex. `ok` is true once `finish` arrives; a consumer that stops early ends the attempt
 * as `client_closed`. Place it directly above the adapter's timeouts, below the key pool.
 */
export function withAttemptReport(clock: () => number = () => performance.now()): ModelWrapper {
  return (inner) => ({
    provider: inner.provider,
    stream: (request, options) =>
      options.observer === undefined ? inner.stream(request, options) : reportedStream(inner, request, options, clock),
  });
}

async function* reportedStream(
  inner: ChatModel,
  request: ChatRequest,
  options: CallOptions,
  clock: () => number,
): AsyncGenerator<ChatEvent, void, undefined> {
  const observer = options.observer;
  const info: AttemptInfo = {
    provider: inner.provider,
    model: request.model,
    keyId: options.credential?.id,
    attempt: attemptOf(options),
    fallbackIndex: options.fallbackIndex ?? 0,
  };
  const started = clock();
  let ended = false;
  const end = (ok: boolean, errorCode?: string, status?: number): void => {
    if (ended) return;
    ended = true;
    observer?.attemptEnd?.(info, { ok, durationMs: clock() - started, errorCode, status });
  };
  observer?.attemptStart?.(info);
  try {
    for await (const event of inner.stream(request, options)) {
      if (event.type === 'finish') end(true);
      yield event;
    }
    end(false, 'upstream_protocol', 502); // ended without `finish` (no-op if it finished)
  } catch (error) {
    if (isParleyError(error)) end(false, error.code, error.upstreamStatus ?? error.status);
    else end(false, 'internal', 500);
    throw error;
  } finally {
    end(false, 'client_closed', 499);
  }
}
