// Chat messages, requests and the typed event stream that every provider yields.

import type { Deployment } from './resilience.js';

/** Who wrote a message (`tool`: the result of a tool call, answering `toolCallId`). */
export type ChatRole = 'system' | 'user' | 'assistant' | 'tool';

/** Text content (AI SDK v3 `text` part). */
export interface TextPart {
  type: 'text';
  text: string;
}

/** An image (AI SDK v3 `file` part with an image media type): an https URL or a `data:` URL. */
export interface ImagePart {
  type: 'image';
  url: string;
  /** OpenAI's resolution hint; providers without one ignore it. */
  detail?: 'auto' | 'low' | 'high';
}

/** One part of a message's content. */
export type ContentPart = TextPart | ImagePart;

/** A call of a tool the model made (AI SDK v3 `tool-call` part); `arguments` is JSON text as the model wrote it. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

/**
 * One message of a conversation, as sent to a model. `content` is its text. A message with images
 * also has `parts` (text and images in order; `content` is then its text parts joined). An assistant
 * message may carry `toolCalls`; a `tool` message answers the call `toolCallId` with `content`.
 */
export interface ChatMessage {
  role: ChatRole;
  content: string;
  parts?: ContentPart[];
  toolCalls?: ToolCall[];
  toolCallId?: string;
  /** A `tool` message that reports the call failed (Anthropic `is_error`). */
  isError?: boolean;
  /** An assistant message's earlier reasoning, in order (Anthropic thinking blocks sent back with their signatures). */
  reasoning?: ReasoningBlock[];
  /**
   * A prompt-cache breakpoint after this message (Anthropic `cache_control`); targets without prompt caching ignore
   * it.
   */
  cacheControl?: CacheControl;
}

/** Anthropic's prompt-cache breakpoint: it changes cost and latency, never the answer. */
export interface CacheControl {
  ttl?: string;
}

/** Reasoning of an earlier answer: its text with the provider's signature, or redacted (encrypted) reasoning. */
export type ReasoningBlock =
  { type: 'thinking'; text: string; signature?: string } | { type: 'redacted'; data: string };

/** A function the model may call: name, description and JSON Schema of its arguments. */
export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
  /** Ask for exact schema adherence (OpenAI `strict`). */
  strict?: boolean;
  /** A prompt-cache breakpoint after this tool definition (Anthropic `cache_control`). */
  cacheControl?: CacheControl;
  /**
   * Hidden from the model until a tool search loads it (Anthropic `defer_loading`): forwarded to Anthropic-format
   * targets, left out of the tool list elsewhere.
   */
  deferLoading?: boolean;
}

/** Whether and which tool the model must call. */
export type ToolChoice = 'auto' | 'none' | 'required' | { name: string };

/** The shape the answer's text must have. */
export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json' }
  | { type: 'json-schema'; name: string; schema: Record<string, unknown>; description?: string; strict?: boolean };

/** How hard a reasoning model should think. */
export type ReasoningEffort = 'none' | 'minimal' | 'low' | 'medium' | 'high';

/** Parameters of the answer, forwarded to the provider; all optional. */
export interface ChatParams {
  temperature?: number;
  topP?: number;
  maxTokens?: number;
  stop?: string[];
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  /** False: at most one tool call per answer. */
  parallelToolCalls?: boolean;
  responseFormat?: ResponseFormat;
  reasoningEffort?: ReasoningEffort;
  /** An explicit thinking budget in tokens (Anthropic `thinking.budget_tokens`); wins over `reasoningEffort`. */
  thinkingBudget?: number;
  /** "omitted": thinking blocks come back without their text (signatures only), Anthropic `thinking.display`. */
  thinkingDisplay?: 'omitted';
  /**
   * Anthropic adaptive thinking: the model decides how much to think, at `reasoningEffort` (Anthropic
   * `output_config.effort`).
   */
  adaptiveThinking?: boolean;
  /** The last message is an assistant turn the answer must continue (an Anthropic prefill), not history. */
  continueLast?: boolean;
  /**
   * Anthropic beta features the answer depends on, sent as `anthropic-beta` to Anthropic-format targets (others need
   * no switch for them).
   */
  anthropicBetas?: string[];
  /** Token log probabilities, with `top` alternatives per token. */
  logprobs?: { top: number };
  /** Token id (as text) -> bias, OpenAI's `logit_bias`. */
  logitBias?: Record<string, number>;
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
  /** All prompt tokens, cache reads and writes included. */
  inputTokens: number;
  /** All answer tokens, reasoning included. */
  outputTokens: number;
  /** Prompt tokens read from the provider's prompt cache. */
  cachedInputTokens?: number;
  /** Prompt tokens written to the provider's prompt cache. */
  cacheWriteTokens?: number;
  /** Answer tokens spent on reasoning. */
  reasoningTokens?: number;
}

/** Why the model stopped. */
export type FinishReason = 'stop' | 'length' | 'content-filter' | 'tool-calls' | 'other';

/** Log probability of one answer token, with its most likely alternatives. */
export interface TokenLogprob {
  token: string;
  logprob: number;
  bytes?: number[] | null;
  topLogprobs?: { token: string; logprob: number; bytes?: number[] | null }[];
}

/**
 * The typed event stream of one answer (modelled on the AI SDK v3 stream parts). A stream is
 * well-formed only if it ends with `finish`; failures are thrown from the iterator as a
 * `ParleyError` (never yielded), so `for await` and the routing engine handle them in one place.
 * A tool call is `tool-input-start` (id, name), `tool-input-delta`s (argument JSON fragments) and
 * `tool-input-end`; calls may interleave (parallel calls), told apart by `id`.
 */
export type ChatEvent =
  | { type: 'start'; id?: string; model?: string }
  | { type: 'text-delta'; text: string; logprobs?: TokenLogprob[] }
  | { type: 'reasoning-delta'; text: string }
  /** Ends the current reasoning block with the provider's signature (Anthropic), so it can be sent back verbatim. */
  | { type: 'reasoning-signature'; signature: string }
  /** A reasoning block the provider sent encrypted (Anthropic `redacted_thinking`). */
  | { type: 'reasoning-redacted'; data: string }
  | { type: 'tool-input-start'; id: string; toolName: string }
  | { type: 'tool-input-delta'; id: string; delta: string }
  | { type: 'tool-input-end'; id: string }
  | { type: 'finish'; finishReason: FinishReason; usage?: Usage; stopSequence?: string };

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
  attemptEnd?(
    info: AttemptInfo,
    outcome: { ok: boolean; durationMs: number; errorCode?: string; status?: number },
  ): void;
  keyDisabled?(provider: string, keyId: string, status: number): void;
  keyCooldown?(provider: string, keyId: string, ms: number): void;
  breakerChange?(deployment: Deployment, state: 'closed' | 'open' | 'half-open'): void;
  retry?(info: AttemptInfo, delayMs: number, errorCode: string): void;
  fallback?(fromIndex: number, toIndex: number, errorCode: string): void;
  /** A target of the fallback chain was left out because it cannot do what the request needs. */
  targetSkipped?(provider: string, model: string, missing: string): void;
}

/** Per-call options passed down through the routing engine to the adapter. */
export interface CallOptions {
  /** Aborted when the client goes away or a timeout fires; adapters must stop at once. */
  signal: AbortSignal;
  /** Set by the routing engine from the key pool; adapters for keyless providers ignore it. */
  credential?: Credential;
  /** W3C trace context headers to propagate upstream. */
  traceHeaders?: Record<string, string>;
  observer?: RouteObserver;
  /** Set by the routing engine so attempts can report their position in the fallback chain. */
  fallbackIndex?: number;
}

/** One observer that forwards every call to each of `observers` (skipping undefined ones). */
export function combineRouteObservers(...observers: (RouteObserver | undefined)[]): RouteObserver {
  const list = observers.filter((o): o is RouteObserver => o !== undefined);
  if (list.length === 1) return list[0];
  return {
    attemptStart: (info) => {
      for (const o of list) o.attemptStart?.(info);
    },
    attemptEnd: (info, outcome) => {
      for (const o of list) o.attemptEnd?.(info, outcome);
    },
    keyDisabled: (p, k, s) => {
      for (const o of list) o.keyDisabled?.(p, k, s);
    },
    keyCooldown: (p, k, ms) => {
      for (const o of list) o.keyCooldown?.(p, k, ms);
    },
    breakerChange: (deployment, state) => {
      for (const o of list) o.breakerChange?.(deployment, state);
    },
    retry: (info, d, code) => {
      for (const o of list) o.retry?.(info, d, code);
    },
    fallback: (f, t, code) => {
      for (const o of list) o.fallback?.(f, t, code);
    },
    targetSkipped: (p, m, missing) => {
      for (const o of list) o.targetSkipped?.(p, m, missing);
    },
  };
}

/** A step of a chat call that gets its own span (privacy filter, cache lookup, output policy). */
export type ChatStep = 'privacy' | 'cache' | 'output_policy';

/** Attribute values a step span accepts: metadata only (counts, codes, enum values). */
export type StepAttributes = Record<string, string | number | boolean>;

/** One step's span: ended once, with its attributes, or failed with a catalogue code. */
export interface StepSpan {
  end(attributes?: StepAttributes, errorCode?: string): void;
}

/** Where a traced request's step spans go; absent when the request is not traced. */
export interface StepTrace {
  start(step: ChatStep): StepSpan;
}
