// Chat messages, requests and the typed event stream that every provider yields.

import type { Deployment } from './resilience.js';

/** Who wrote a message. */
export type ChatRole = 'system' | 'user' | 'assistant';

/** One message of a conversation, as sent to a model. */
export interface ChatMessage {
  role: ChatRole;
  content: string;
}

/** Sampling parameters forwarded to the provider; all optional. */
export interface ChatParams {
  temperature?: number;
  topP?: number;
  maxTokens?: number;
  stop?: string[];
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
}

/** A request to one upstream model (the provider's own model id, not Parley's alias). */
export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  params: ChatParams;
  /** Ask the provider for a streamed answer (default true). Non-streaming calls still yield events. */
  stream?: boolean;
}

/** Token counts reported by the provider (or estimated by the demo provider). */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

/** Why the model stopped. */
export type FinishReason = 'stop' | 'length' | 'content-filter' | 'tool-calls' | 'other';

/**
 * The typed event stream of one answer. A stream is well-formed only if it ends with `finish`;
 * failures are thrown from the iterator as a `ParleyError` (never yielded), so `for await`
 * and the routing wrappers handle them in one place.
 */
export type ChatEvent =
  | { type: 'start'; id?: string; model?: string }
  | { type: 'text-delta'; text: string }
  | { type: 'finish'; finishReason: FinishReason; usage?: Usage };

/** Secret material for one upstream call, chosen by the key pool. */
export interface Credential {
  /** Stable, non-secret id (safe for logs and metric labels), e.g. `main#0`. */
  id: string;
  secret: string;
}

/** Facts about one upstream attempt, reported to observers (metadata only). */
export interface AttemptInfo {
  provider: string;
  model: string;
  keyId?: string;
  /** 1 for the first try of a target, 2 for its first retry, ... */
  attempt: number;
  /** Position in the model's fallback chain, 0 for the primary target. */
  fallbackIndex: number;
}

/** Receives routing facts for logs, metrics and traces. Every method is optional. */
export interface RouteObserver {
  attemptStart?(info: AttemptInfo): void;
  attemptEnd?(info: AttemptInfo, outcome: { ok: boolean; durationMs: number; errorCode?: string; status?: number }): void;
  keyDisabled?(provider: string, keyId: string, status: number): void;
  keyCooldown?(provider: string, keyId: string, ms: number): void;
  breakerChange?(deployment: Deployment, state: 'closed' | 'open' | 'half-open'): void;
  retry?(info: AttemptInfo, delayMs: number, errorCode: string): void;
  fallback?(fromIndex: number, toIndex: number, errorCode: string): void;
}

/** Per-call options passed down through every wrapper to the adapter. */
export interface CallOptions {
  /** Aborted when the client goes away or a timeout fires; adapters must stop at once. */
  signal: AbortSignal;
  /** Set by the key pool wrapper; adapters for keyless providers ignore it. */
  credential?: Credential;
  /** W3C trace context headers to propagate upstream. */
  traceHeaders?: Record<string, string>;
  observer?: RouteObserver;
  /** Set by the fallback wrapper so attempts can report their position. */
  fallbackIndex?: number;
}
