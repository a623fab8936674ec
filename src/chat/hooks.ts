// Seams where privacy, safety, audit and telemetry plug into the chat path without the path knowing them.

import type { ChatMessage, FinishReason, Principal, Usage } from '../domain/index.js';

/** Pseudonym placeholder -> original value, scoped to one session (or one stateless request). */
export type PseudonymMap = Record<string, string>;

/** Runs on the prompt before it leaves for a provider (PII redaction, pseudonymisation, blocking). */
export interface PromptGuard {
  /** Returns the messages to send; throws ParleyError('content_blocked') to refuse the request. */
  protect(
    messages: ChatMessage[],
    mapping: PseudonymMap,
  ): {
    messages: ChatMessage[];
    mapping: PseudonymMap;
    /** Items protected per category, for the UI indicator, metrics and audit (counts only). */
    counts: Record<string, number>;
  };
  /**
   * What to write before the value of a JSON member with this key when it is protected as a line of text (its key as
   * a label, so cues such as `SSN` or `date of birth` apply); '' or absent: the value alone.
   */
  labelPrefix?(key: string): string;
}

/** A stateful text transform on one streamed answer (re-identification, output content policy). */
export interface AnswerTransform {
  /** Text to release now (may hold some back); throws ParleyError('content_blocked') to stop the answer. */
  push(text: string): string;
  /** Releases anything held back at the end of the answer. */
  flush(): string;
}

/** Whose answer a transform works on (for audit and metrics: ids only). */
export interface AnswerContext {
  mapping: PseudonymMap;
  principal: Principal;
  model: string;
  requestId: string;
}

/** Builds the transforms for one answer; none means the answer passes through untouched. */
export type AnswerTransformFactory = (context: AnswerContext) => AnswerTransform | undefined;

/** How an answer was served from the cache's point of view. */
export type CacheResult = 'hit' | 'miss' | 'bypass' | 'coalesced';

/** Metadata of one finished chat call: what audit, logs and metrics see. Never content. */
export interface ChatRecord {
  api: 'openai' | 'anthropic' | 'session';
  requestId: string;
  principalId: string;
  model: string;
  provider?: string;
  upstreamModel?: string;
  keyId?: string;
  stream: boolean;
  outcome: 'success' | 'error' | 'aborted' | 'blocked';
  errorCode?: string;
  ttftMs?: number;
  durationMs: number;
  upstreamMs: number;
  usage?: Usage;
  finishReason?: FinishReason;
  cache: CacheResult;
  attempts: number;
  retries: number;
  fallbacks: number;
  protectedCounts: Record<string, number>;
}

/** Receives one record per chat call (audit trail, metrics, request log). */
export interface ChatRecordSink {
  chatFinished(record: ChatRecord): void;
  /** Images in a request (counted and audited; never their bytes), before they are sent or refused. */
  imagesSeen?(facts: {
    requestId: string;
    principalId: string;
    model: string;
    count: number;
    action: 'sent' | 'blocked';
  }): void;
}

/** Admission control for chat answers (rate limits): refuse by throwing ParleyError('rate_limited'). */
export interface ChatAdmission {
  admitChat(principal: Principal): Promise<{ done(usage?: Usage): void }>;
}
