// Public types of the mock upstream: start options, the running handle and recorded requests.

import type { IncomingHttpHeaders } from 'node:http';
import type { Scenario } from './scenario.js';

/** Options of {@link startMockUpstream}. */
export interface MockUpstreamOptions {
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /** Port to listen on; 0 picks a free one. Default 0. */
  port?: number;
  /**
   * When set, only these API keys are accepted (OpenAI `Authorization: Bearer`, Anthropic `x-api-key`);
   * others get 401 (OpenAI `invalid_api_key`, Anthropic `authentication_error`). When unset, any key
   * passes and OpenAI requests may omit it (Anthropic always requires `x-api-key`).
   */
  validKeys?: string[];
  /** The server scenario, over the defaults; `resetScenario()` returns to it. */
  scenario?: Partial<Scenario>;
  /** Scenario layers per API key, e.g. `{ keyA: { errorRates: { 429: 1 }, retryAfterSeconds: 1 } }`. */
  keyScenarios?: Record<string, Partial<Scenario>>;
  /**
   * Scenario layers per requested model id, applied after the key's (e.g. one dead model beside healthy ones
   * behind the same key: `{ 'gpt-dead': { errorRates: { 500: 1 } } }`). Timing fields before the body is read
   * (latencyMs, stallBeforeHeaders) come from the other layers only.
   */
  modelScenarios?: Record<string, Partial<Scenario>>;
  /** Record every request in `requests` (the benchmark turns this off). Default true. */
  record?: boolean;
  /** Oldest recorded requests are dropped beyond this many. Default 10000. */
  maxRecorded?: number;
  /** Model ids listed by GET /v1/models. Default a few OpenAI and Anthropic names. */
  models?: string[];
}

/** A request as it reached the mock (admin `/__mock/*` requests are not recorded). */
export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. /v1/chat/completions. */
  path: string;
  /** The full request target, query included. */
  url: string;
  /** Every header as Node parsed it (lower-case names), credentials included. */
  headers: IncomingHttpHeaders;
  /** Parsed JSON body; the raw text when it is not JSON; undefined when empty. */
  body: unknown;
  /** Date.now() when the request's body was read. */
  receivedAt: number;
}

/** Live counters. */
export interface MockStats {
  /** HTTP requests received since start (admin requests included). */
  requests: number;
  /** Requests whose response has not finished or closed yet. */
  open: number;
}

/** A running mock upstream. */
export interface MockUpstream {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:41234 (OpenAI base URL is `${url}/v1`). */
  readonly url: string;
  readonly port: number;
  /** Stops listening and destroys every open connection (stalled ones too); resolves when closed. */
  close(): Promise<void>;
  /** Merges fields into the server scenario and resets failFirst counters and RNGs. */
  setScenario(scenario: Partial<Scenario>): void;
  /** Returns to the start-up scenario and resets failFirst counters and RNGs. */
  resetScenario(): void;
  /** The server scenario currently in force. */
  readonly scenario: Readonly<Scenario>;
  /** Sets (or, with `undefined`, removes) the layer for one model, e.g. to fail one provider's model only. */
  setModelScenario(model: string, scenario: Partial<Scenario> | undefined): void;
  /** Requests received, oldest first (empty when `record` is false). */
  readonly requests: RecordedRequest[];
  /** Empties `requests`. */
  clearRequests(): void;
  readonly stats: MockStats;
}
