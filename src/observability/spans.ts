// Span helpers for a request and its steps, with GenAI semantic-convention attributes and never any content.

import { INVALID_SPAN_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Context, Span } from '@opentelemetry/api';
import { deploymentLabel } from '../domain/index.js';
import type { AttemptInfo, FinishReason, RouteObserver } from '../domain/index.js';
import type { Tracing } from './tracing.js';

/** A shared span that records nothing: what every helper returns when tracing is disabled. */
export const NOOP_SPAN: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/** The steps of a request that get their own child span. */
export type StepName = 'auth' | 'privacy' | 'cache' | 'output_policy' | 'rate_limit' | 'session_store';

/** A started span and the context to start its children in. */
export interface SpanScope {
  span: Span;
  context: Context;
}

export interface RequestSpanInfo {
  method: string;
  /** The route template (e.g. `/v1/sessions/:id`), never the raw URL. */
  route: string;
  requestId: string;
}

/**
 * Starts the SERVER span of a request as a child of `parent` (from `tracing.extract`). When
 * tracing is disabled the incoming trace context is kept as is, so it is still passed upstream.
 */
export function startRequestSpan(tracing: Tracing, parent: Context, info: RequestSpanInfo): SpanScope {
  if (!tracing.enabled) return { span: trace.getSpan(parent) ?? NOOP_SPAN, context: parent };
  const span = tracing.tracer.startSpan(
    `${info.method} ${info.route}`,
    {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': info.method, 'http.route': info.route, 'parley.request_id': info.requestId },
    },
    parent,
  );
  return { span, context: trace.setSpan(parent, span) };
}

/** Ends a request span with its HTTP status; 5xx marks the span as an error (4xx are the client's). */
export function endRequestSpan(span: Span, status: number, errorCode?: string): void {
  if (!span.isRecording()) return;
  span.setAttribute('http.response.status_code', status);
  if (errorCode !== undefined) span.setAttribute('error.type', errorCode);
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: errorCode });
  span.end();
}

/** Starts an INTERNAL child span `parley.<step>`; end it with `span.end()` or `endSpanWithError`. */
export function startStepSpan(
  tracing: Tracing,
  parent: Context,
  step: StepName,
  attributes?: Record<string, string | number | boolean>,
): Span {
  if (!tracing.enabled) return NOOP_SPAN;
  return tracing.tracer.startSpan(`parley.${step}`, { kind: SpanKind.INTERNAL, attributes }, parent);
}

/** GenAI attributes known before the call. */
export interface GenAiRequestInfo {
  provider: string;
  /** The model asked for (the provider's model id on upstream spans, the alias on the request span). */
  requestModel: string;
  /** `gen_ai.operation.name` (default `chat`). */
  operation?: 'chat' | 'embeddings';
}

/** Sets `gen_ai.operation.name`, `gen_ai.provider.name` and `gen_ai.request.model`. */
export function setGenAiRequest(span: Span, info: GenAiRequestInfo): void {
  if (!span.isRecording()) return;
  span.setAttribute('gen_ai.operation.name', info.operation ?? 'chat');
  span.setAttribute('gen_ai.provider.name', info.provider);
  span.setAttribute('gen_ai.request.model', info.requestModel);
}

/** GenAI attributes known after the answer. */
export interface GenAiResponseInfo {
  responseModel?: string;
  inputTokens?: number;
  outputTokens?: number;
  finishReason?: FinishReason;
}

/** Sets `gen_ai.response.model`, `gen_ai.usage.*_tokens` and `gen_ai.response.finish_reasons`. */
export function setGenAiResponse(span: Span, info: GenAiResponseInfo): void {
  if (!span.isRecording()) return;
  if (info.responseModel !== undefined) span.setAttribute('gen_ai.response.model', info.responseModel);
  if (info.inputTokens !== undefined) span.setAttribute('gen_ai.usage.input_tokens', info.inputTokens);
  if (info.outputTokens !== undefined) span.setAttribute('gen_ai.usage.output_tokens', info.outputTokens);
  if (info.finishReason !== undefined) span.setAttribute('gen_ai.response.finish_reasons', [info.finishReason]);
}

/** Starts the CLIENT span of one upstream attempt (`chat <model>`), with attempt, key and fallback position. */
export function startUpstreamSpan(tracing: Tracing, parent: Context, info: AttemptInfo): Span {
  if (!tracing.enabled) return NOOP_SPAN;
  const span = tracing.tracer.startSpan(
    `chat ${info.model}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': info.provider,
        'gen_ai.request.model': info.model,
        'parley.attempt': info.attempt,
        'parley.fallback_index': info.fallbackIndex,
        ...(info.keyId === undefined ? {} : { 'parley.key_id': info.keyId }),
      },
    },
    parent,
  );
  return span;
}

/** Marks a span failed with a catalogue error code (never an error message, which may quote content) and ends it. */
export function endSpanWithError(span: Span, errorCode: string, upstreamStatus?: number): void {
  if (!span.isRecording()) return;
  span.setAttribute('error.type', errorCode);
  if (upstreamStatus !== undefined) span.setAttribute('http.response.status_code', upstreamStatus);
  span.setStatus({ code: SpanStatusCode.ERROR, message: errorCode });
  span.end();
}

/**
 * A per-request RouteObserver that turns each upstream attempt into a CLIENT span under `parent`
 * and notes retries and fallbacks as span events. Returns undefined when tracing is disabled.
 * @param upstreamHeaders the very object passed as the call's `traceHeaders`: when given, each attempt
 *   rewrites its `traceparent` to the attempt's own span, so the provider's spans hang under that attempt
 *   (adapters read the headers when the attempt starts, after `attemptStart`).
 */
export function createTracingRouteObserver(
  tracing: Tracing,
  parent: Context,
  upstreamHeaders?: Record<string, string>,
): RouteObserver | undefined {
  if (!tracing.enabled) return undefined;
  const open = new Map<string, Span>();
  const keyOf = (i: AttemptInfo) => `${i.fallbackIndex}:${i.attempt}:${i.provider}:${i.keyId ?? ''}`;
  const parentSpan = trace.getSpan(parent);
  const observer: RouteObserver = {
    attemptStart(info) {
      const span = startUpstreamSpan(tracing, parent, info);
      open.set(keyOf(info), span);
      if (upstreamHeaders !== undefined && span.isRecording())
        tracing.inject(trace.setSpan(parent, span), upstreamHeaders);
    },
    attemptEnd(info, outcome) {
      const key = keyOf(info);
      const span = open.get(key);
      if (span === undefined) return;
      open.delete(key);
      if (outcome.ok) span.end();
      else endSpanWithError(span, outcome.errorCode ?? 'error', outcome.status);
    },
    retry(info, delayMs, errorCode) {
      parentSpan?.addEvent('parley.retry', {
        'parley.attempt': info.attempt,
        'parley.delay_ms': delayMs,
        'error.type': errorCode,
      });
    },
    fallback(fromIndex, toIndex, errorCode) {
      parentSpan?.addEvent('parley.fallback', {
        'parley.fallback_from': fromIndex,
        'parley.fallback_to': toIndex,
        'error.type': errorCode,
      });
    },
    breakerChange(deployment, state) {
      parentSpan?.addEvent('parley.breaker', {
        'parley.breaker_scope': deploymentLabel(deployment),
        'parley.breaker_state': state,
      });
    },
  };
  return observer;
}
