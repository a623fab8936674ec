// How remote stores report each call (backend, operation, duration, failure) without depending on metrics.

/** Receives one observation per store call; observability/ turns them into metrics. */
export interface StoreObserver {
  /** `ok` false when the call failed (timeout, store away, query error). */
  observe(backend: string, operation: string, seconds: number, ok: boolean): void;
  /** The store answered (true) or could not be reached (false); called on every change of that fact. */
  reachability?(backend: string, reachable: boolean, reason?: string): void;
}
