// The trace scope of a request: where its step spans (privacy, cache, output policy) go.

import type { Context } from '@opentelemetry/api';
import type { Tracing } from './tracing.js';

/** Where a request's step spans go: its tracing and the context of its server span. */
export interface TraceScope {
  tracing: Tracing;
  context: Context;
}
