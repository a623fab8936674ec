// Abort helpers shared by adapters and routing: the error an aborted call ends with, and an abortable sleep.

import { ParleyError, isParleyError } from './errors.js';

/** The error an aborted call ends with: the signal's reason if it is a ParleyError, else `client_closed`. */
export function abortError(signal: AbortSignal): ParleyError {
  const reason: unknown = signal.reason;
  if (isParleyError(reason)) return reason;
  return new ParleyError('client_closed', 'The client closed the request', { cause: reason });
}

/** An abortable `setTimeout` sleep that leaves no timer or listener behind. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

type AbortListener = ((this: unknown, event: Event) => void) | { handleEvent(event: Event): void };

/**
 * An AbortController whose signal is a plain object, for the per-request and per-attempt hot path.
 * Node's EventTarget makes a real pair expensive to create and to add and remove listeners on (figures:
 * bench/README.md, "Figures behind choices in the code"), paid per request and per upstream attempt. The signal has the
 * part of AbortSignal that Parley's code, its adapters and undici use: `aborted`, `reason`,
 * `throwIfAborted()` and `add`/`removeEventListener('abort')` (each listener runs once, in order).
 * It is not an EventTarget: never hand it to `AbortSignal.any`, `fetch` or Node APIs that check the class.
 */
export class LightAbortController {
  aborted = false;
  reason: unknown = undefined;
  private listeners: AbortListener[] | undefined;

  /** The signal, typed as AbortSignal for the interfaces that carry it (see the class comment for what it supports). */
  get signal(): AbortSignal {
    return this as unknown as AbortSignal;
  }

  addEventListener(type: string, listener: AbortListener | null): void {
    if (type !== 'abort' || listener === null || this.aborted) return;
    (this.listeners ??= []).push(listener);
  }

  removeEventListener(type: string, listener: AbortListener | null): void {
    const list = this.listeners;
    if (type !== 'abort' || list === undefined || listener === null) return;
    const index = list.indexOf(listener);
    if (index !== -1) list.splice(index, 1);
  }

  throwIfAborted(): void {
    if (this.aborted) throw this.reason;
  }

  /**
   * Aborts once: sets `reason` (default: an AbortError DOMException, as AbortController does) and runs the listeners.
   */
  abort(reason?: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason;
    const list = this.listeners;
    this.listeners = undefined;
    if (list === undefined) return;
    const event = { type: 'abort', target: this } as unknown as Event;
    for (const listener of list) {
      try {
        if (typeof listener === 'function') listener.call(this, event);
        else listener.handleEvent(event);
      } catch (error) {
        // Like EventTarget: a throwing listener does not stop the others; its error surfaces as uncaught.
        process.nextTick(() => {
          throw error;
        });
      }
    }
  }
}
