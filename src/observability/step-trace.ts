// Step spans of a chat call (privacy filter, cache, output policy): the domain's StepTrace over OpenTelemetry.

import type { Span } from '@opentelemetry/api';
import type { ChatStep, StepAttributes, StepSpan, StepTrace } from '../domain/index.js';
import { endSpanWithError, startStepSpan } from './spans.js';
import type { TraceScope } from './trace-scope.js';

export type { TraceScope } from './trace-scope.js';

/** Step spans as INTERNAL spans `parley.<step>` under the request's server span. */
export function stepTraceFor(scope: TraceScope): StepTrace {
  return { start: (step: ChatStep): StepSpan => new OtelStepSpan(startStepSpan(scope.tracing, scope.context, step)) };
}

class OtelStepSpan implements StepSpan {
  constructor(private readonly span: Span) {}

  /** Sets `attributes` and ends the span; `errorCode` (a catalogue code) marks it failed instead. */
  end(attributes?: StepAttributes, errorCode?: string): void {
    const span = this.span;
    if (!span.isRecording()) return;
    if (attributes) span.setAttributes(attributes);
    if (errorCode === undefined) span.end();
    else endSpanWithError(span, errorCode);
  }
}
