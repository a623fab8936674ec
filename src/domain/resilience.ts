// Resilience settings as plain values: produced by config/, consumed by routing/.

/** The four timeouts of one upstream call, in milliseconds. */
export interface TimeoutSettings {
  /** TCP/TLS connection establishment. */
  connectMs: number;
  /** From sending the request to the first byte of the response body. */
  firstByteMs: number;
  /** Longest silence allowed between two chunks of a streamed body. */
  idleMs: number;
  /** The whole call, first byte to last. */
  totalMs: number;
}

/** Retries of one target on retryable errors. */
export interface RetrySettings {
  /** Retries after the first attempt (2 means up to 3 attempts). */
  retries: number;
  /** Backoff base: the n-th retry waits a random time in [0, min(maxDelayMs, baseDelayMs * 2^n)]. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** `retry-after` from the provider is honoured up to this many ms; longer waits skip to the next target. */
  maxRetryAfterMs: number;
}

/** A circuit breaker per deployment (provider, upstream model and key). */
export interface BreakerSettings {
  /** Failures within `windowMs` that open the circuit. */
  failureThreshold: number;
  windowMs: number;
  /** How long an open circuit refuses calls before letting probes through. */
  cooldownMs: number;
  /** Concurrent trial calls allowed while half-open; the first success closes it. */
  halfOpenProbes: number;
}

/** One deployment: the unit a circuit breaker guards. `keyId` is absent for keyless providers. */
export interface Deployment {
  provider: string;
  /** The provider's own model id. */
  model: string;
  keyId?: string;
}

/** `provider/model` or `provider/model@keyId`, for messages and trace events. */
export function deploymentLabel(d: Deployment): string {
  return d.keyId === undefined ? `${d.provider}/${d.model}` : `${d.provider}/${d.model}@${d.keyId}`;
}

export interface ResilienceSettings {
  timeouts: TimeoutSettings;
  retry: RetrySettings;
  breaker: BreakerSettings;
}

export const DEFAULT_RESILIENCE: ResilienceSettings = {
  timeouts: { connectMs: 10_000, firstByteMs: 30_000, idleMs: 30_000, totalMs: 600_000 },
  retry: { retries: 2, baseDelayMs: 200, maxDelayMs: 4_000, maxRetryAfterMs: 10_000 },
  breaker: { failureThreshold: 5, windowMs: 30_000, cooldownMs: 15_000, halfOpenProbes: 1 },
};
