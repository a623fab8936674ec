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
