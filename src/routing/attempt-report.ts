// Attempt reporting: tells the call's observer when one upstream attempt starts and how it ended.

import { isParleyError } from '../domain/index.js';
import type { AttemptInfo, RouteObserver } from '../domain/index.js';

/**
 * The report of one upstream attempt (made by the engine only when the call has an observer): the
 * constructor calls `observer.attemptStart(info)` and starts the clock; the first `end` or `failed`
 * calls `attemptEnd` with the duration, later ones do nothing. The engine ends it `ok` at `finish`, with
 * the error's code and upstream status (else its status) on a failure, `internal` / 500 for a non-Parley
 * error, `upstream_protocol` / 502 when the stream ended without `finish`, and `client_closed` / 499
 * when the consumer stopped early.
 */
export class AttemptReport {
  private readonly started: number;
  private ended = false;

  constructor(
    private readonly observer: RouteObserver,
    readonly info: AttemptInfo,
    private readonly clock: () => number,
  ) {
    this.started = clock();
    observer.attemptStart?.(info);
  }

  end(ok: boolean, errorCode?: string, status?: number): void {
    if (this.ended) return;
    this.ended = true;
    this.observer.attemptEnd?.(this.info, { ok, durationMs: this.clock() - this.started, errorCode, status });
  }

  /** Ends the report with the failure `error`. */
  failed(error: unknown): void {
    if (isParleyError(error)) this.end(false, error.code, error.upstreamStatus ?? error.status);
    else this.end(false, 'internal', 500);
  }
}
