// Per-request state: the principal, timing for x-parley-overhead-ms, and an abort signal tied to the client.

import { performance } from 'node:perf_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type {
  FastifyBaseLogger,
  FastifyContextConfig,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  RawServerDefault,
} from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type {} from '@fastify/swagger';
import {
  LightAbortController,
  ParleyError,
  type Principal,
  type RouteObserver,
  type StepTrace,
} from '../domain/index.js';
import { createTracingRouteObserver, type SpanScope } from '../observability/spans.js';
import type { Tracing } from '../observability/tracing.js';
import { stepTraceFor } from '../observability/step-trace.js';
import type { RequestLogFields } from '../observability/logger.js';
import type { PendingAdmission } from '../security/rate-limits.js';

/** The Fastify instance type used across routes. */
export type ParleyApp = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** What Parley keeps on each request. */
export interface RequestState {
  startedAt: number;
  /** Milliseconds spent waiting on providers; subtracted from the overhead figure. */
  upstreamMs: number;
  principal?: Principal;
  /** The request's server span and the tracing it belongs to. */
  trace?: SpanScope & { tracing: Tracing };
  /** IETF RateLimit headers for the response. */
  rateLimitHeaders?: Record<string, string>;
  /** A chat route's admission in flight (see AccessDeps.startChatAdmission); abandoned when the response closes. */
  admission?: PendingAdmission;
  /** Set once metrics, span and log line were written for this request. */
  finished?: boolean;
  /** `request.routeOptions.url` and `.config`, read once (Fastify builds a new routeOptions object per access). */
  routeUrl: string | undefined;
  routeConfig: FastifyContextConfig;
  /** Route facts for the request log line (metadata only). */
  log: RequestLogFields;
}

declare module 'fastify' {
  interface FastifyRequest {
    parley: RequestState;
  }
}

/** Tracks client-tied abort controllers so shutdown can cut what is still running after the drain timeout. */
export class InflightRegistry {
  private readonly controllers = new Map<LightAbortController, ServerResponse>();

  get size(): number {
    return this.controllers.size;
  }

  /** An AbortSignal that fires when the client goes away before the response finished. */
  signalFor(reply: FastifyReply): AbortSignal {
    const controller = new LightAbortController();
    const res = reply.raw;
    this.controllers.set(controller, res);
    res.once('close', () => {
      this.controllers.delete(controller);
      if (!res.writableFinished) controller.abort(new ParleyError('client_closed', 'The client closed the connection'));
    });
    return controller.signal;
  }

  /**
   * Drain: every response in flight whose headers are not yet sent will carry `Connection: close`, so its
   * connection ends with it instead of going back to the load balancer's pool. Returns how many were marked.
   */
  closeConnectionsAfterResponse(): number {
    let marked = 0;
    for (const res of this.controllers.values()) {
      if (res.headersSent) continue;
      res.setHeader('connection', 'close');
      marked++;
    }
    return marked;
  }

  /**
   * Aborts everything still in flight (end of the drain period). Resolves once every aborted response
   * has closed (its handler wrote its final error frame) or after `graceMs`, so the caller can then
   * destroy the remaining connections without cutting those frames off.
   */
  abortAll(reason: ParleyError, graceMs = 1_000): Promise<void> {
    const open = [...this.controllers.values()];
    for (const controller of [...this.controllers.keys()]) controller.abort(reason);
    if (open.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      let left = open.length;
      const timer = setTimeout(resolve, graceMs);
      const closed = (): void => {
        if (--left > 0) return;
        clearTimeout(timer);
        resolve();
      };
      for (const res of open) {
        if (res.closed) closed();
        else res.once('close', closed);
      }
    });
  }
}

/** Time spent inside Parley so far, upstream waits excluded, as the header value. */
export function overheadMs(request: FastifyRequest): string {
  return Math.max(0, performance.now() - request.parley.startedAt - request.parley.upstreamMs).toFixed(3);
}

/** The authenticated principal; routes behind authentication can rely on it. */
export function principalOf(request: FastifyRequest): Principal {
  const principal = request.parley.principal;
  if (!principal)
    throw new ParleyError('unauthorized', 'Authentication is required. Send Authorization: Bearer <key>.');
  return principal;
}

/** The W3C trace context to send upstream: our span when tracing, else the caller's context as received. */
export function traceHeadersOf(request: FastifyRequest): Record<string, string> | undefined {
  const trace = request.parley.trace;
  if (trace?.tracing.enabled) {
    const headers: Record<string, string> = {};
    trace.tracing.inject(trace.context, headers);
    return headers;
  }
  const traceparent = request.headers.traceparent;
  if (typeof traceparent !== 'string') return undefined;
  const tracestate = request.headers.tracestate;
  return typeof tracestate === 'string' ? { traceparent, tracestate } : { traceparent };
}

/** Reads the cache preference from `x-parley-cache: use|bypass` or `Cache-Control: no-cache|no-store`. */
export function cacheModeOf(request: FastifyRequest): 'use' | 'bypass' | 'default' {
  const asked = request.headers['x-parley-cache'];
  if (asked === 'use') return 'use';
  if (asked === 'bypass') return 'bypass';
  const cacheControl = request.headers['cache-control'];
  if (typeof cacheControl === 'string' && /no-cache|no-store/.test(cacheControl)) return 'bypass';
  return 'default';
}

/** Headers of an event stream's response, sent before the first event (overhead measured up to now). */
export function streamHeaders(request: FastifyRequest, extra: Record<string, string>): Record<string, string> {
  return {
    'x-request-id': request.id,
    'x-parley-overhead-ms': overheadMs(request),
    ...request.parley.rateLimitHeaders,
    ...extra,
  };
}

/** Where the request's step spans go (undefined when tracing is off). */
export function stepTraceOf(request: FastifyRequest): StepTrace | undefined {
  const trace = request.parley.trace;
  return trace?.tracing.enabled ? stepTraceFor(trace) : undefined;
}

/** A span per upstream attempt under the request span (undefined when tracing is off). */
export function traceObserverOf(request: FastifyRequest): RouteObserver | undefined {
  const trace = request.parley.trace;
  return trace?.tracing.enabled ? createTracingRouteObserver(trace.tracing, trace.context) : undefined;
}
