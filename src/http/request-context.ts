// Per-request state: the principal, timing for x-parley-overhead-ms, and an abort signal tied to the client.

import { performance } from 'node:perf_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type {} from '@fastify/swagger';
import { ParleyError, type Principal } from '../domain/index.js';

/** The Fastify instance type used across routes. */
export type ParleyApp = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

/** What Parley keeps on each request. */
export interface RequestState {
  startedAt: number;
  /** Milliseconds spent waiting on providers; subtracted from the overhead figure. */
  upstreamMs: number;
  principal?: Principal;
  /** Route facts for the request log line (metadata only). */
  log: Record<string, string | number | boolean | undefined>;
}

declare module 'fastify' {
  interface FastifyRequest {
    parley: RequestState;
  }
}

/** Tracks client-tied abort controllers so shutdown can cut what is still running after the drain timeout. */
export class InflightRegistry {
  private readonly controllers = new Set<AbortController>();

  get size(): number {
    return this.controllers.size;
  }

  /** An AbortSignal that fires when the client goes away before the response finished. */
  signalFor(reply: FastifyReply): AbortSignal {
    const controller = new AbortController();
    this.controllers.add(controller);
    const res = reply.raw;
    res.once('close', () => {
      this.controllers.delete(controller);
      if (!res.writableFinished) controller.abort(new ParleyError('client_closed', 'The client closed the connection'));
    });
    return controller.signal;
  }

  /** Aborts everything still in flight (end of the drain period). */
  abortAll(reason: ParleyError): void {
    for (const controller of this.controllers) controller.abort(reason);
  }
}

/** Time spent inside Parley so far, upstream waits excluded, as the header value. */
export function overheadMs(request: FastifyRequest): string {
  return Math.max(0, performance.now() - request.parley.startedAt - request.parley.upstreamMs).toFixed(3);
}

/** The authenticated principal; routes behind authentication can rely on it. */
export function principalOf(request: FastifyRequest): Principal {
  const principal = request.parley.principal;
  if (!principal) throw new ParleyError('unauthorized', 'Authentication is required. Send Authorization: Bearer <key>.');
  return principal;
}

/** The W3C trace context headers of the request, to propagate upstream. */
export function traceHeadersOf(request: FastifyRequest): Record<string, string> | undefined {
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
