// Step spans of a chat call (privacy filter, cache, output policy) for layers that only hold a trace scope.

import type { Span } from '@opentelemetry/api';
import { NOOP_SPAN, endSpanWithError, startStepSpan, type StepName } from './spans.js';
import type { TraceScope } from './trace-scope.js';

export type { TraceScope } from './trace-scope.js';

/** Attribute values a step span accepts: metadata only (counts, codes, enum values). */
export type StepAttributes = Record<string, string | number | boolean>;

/** Starts the INTERNAL span `parley.<step>` under the scope; a shared no-op span when there is no scope. */
export function startChatStep(scope: TraceScope | undefined, step: StepName, attributes?: StepAttributes): Span {
  return scope?.tracing.enabled ? startStepSpan(scope.tracing, scope.context, step, attributes) : NOOP_SPAN;
}

/** Sets `attributes` and ends the step span; `errorCode` (a catalogue code) marks it failed instead. */
export function endChatStep(span: Span, attributes?: StepAttributes, errorCode?: string): void {
  if (!span.isRecording()) return;
  if (attributes) span.setAttributes(attributes);
  if (errorCode === undefined) span.end();
  else endSpanWithError(span, errorCode);
}

/** The catalogue code of a thrown value (`internal` for anything that is not a ParleyError-like object). */
export function errorCodeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'internal';
}

/** Sum of per-category counts (the `parley.privacy.protected` attribute). */
export function totalCount(counts: Record<string, number>): number {
  let total = 0;
  for (const n of Object.values(counts)) total += n;
  return total;
}
