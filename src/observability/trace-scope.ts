// The trace scope of a request (tracing + server-span context), findable from the route observer it travels with.

import type { Context } from '@opentelemetry/api';
import type { RouteObserver } from '../domain/index.js';
import type { Tracing } from './tracing.js';

/** Where a request's step spans go: its tracing and the context of its server span. */
export interface TraceScope {
  tracing: Tracing;
  context: Context;
}

const scopes = new WeakMap<RouteObserver, TraceScope>();

/**
 * Links a per-request route observer to its trace scope, so a layer that is handed only the
 * observer (ChatService via SessionService) can still start step spans under the request span.
 */
export function linkTraceScope(observer: RouteObserver, scope: TraceScope): void {
  scopes.set(observer, scope);
}

/** The trace scope linked to `observer` by {@link linkTraceScope}, if any. */
export function traceScopeOf(observer: RouteObserver | undefined): TraceScope | undefined {
  return observer === undefined ? undefined : scopes.get(observer);
}
