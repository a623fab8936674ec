// What the chat routes (OpenAI's and Anthropic's wire formats) share: the call's request-derived fields, and a run
// written as an event stream. Each route keeps only its wire format.

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ChatCall, ChatRun } from '../../chat/chat-service.js';
import type { ChatEvent, ParleyError } from '../../domain/index.js';
import { toParleyError } from '../error-mapping.js';
import {
  cacheModeOf,
  principalOf,
  stepTraceOf,
  streamHeaders,
  traceHeadersOf,
  traceObserverOf,
  type InflightRegistry,
} from '../request-context.js';
import type { HeaderList } from '../security-headers.js';
import { SseWriter, type StreamCounter } from '../sse.js';
import { noteRun, runHeaders } from './run-headers.js';

/** The fields of a chat call that come from the request itself, whatever its wire format. */
export type RequestFields = Pick<
  ChatCall,
  'requestId' | 'principal' | 'admission' | 'cacheMode' | 'signal' | 'traceHeaders' | 'observer' | 'trace'
>;

export function requestFields(request: FastifyRequest, reply: FastifyReply, inflight: InflightRegistry): RequestFields {
  return {
    requestId: request.id,
    principal: principalOf(request),
    admission: request.parley.admission,
    cacheMode: cacheModeOf(request),
    signal: inflight.signalFor(reply),
    traceHeaders: traceHeadersOf(request),
    observer: traceObserverOf(request),
    trace: stepTraceOf(request),
  };
}

/**
 * How one wire format writes a run as server-sent events. Each step queues its frames on the writer and returns
 * the writer's backpressure promise, if any (no promise per token when the socket keeps up).
 */
export interface StreamFrames {
  start(writer: SseWriter): Promise<void> | undefined;
  event(writer: SseWriter, event: ChatEvent): Promise<void> | undefined;
  end(writer: SseWriter): Promise<void> | undefined;
  /** The frame that ends a stream whose run failed after its headers left: never a clean finish. */
  error(writer: SseWriter, failure: ParleyError): Promise<void> | undefined;
}

/** Where a stream goes: the open-streams gauge and the security headers (a hijacked reply skips the onSend hook). */
export interface StreamTarget {
  streams?: StreamCounter;
  securityHeaders: HeaderList;
}

/**
 * Writes `run` on the hijacked reply as an event stream with `frames`; the run's metadata reaches the log line and
 * the span whatever happens, and the response always ends.
 */
export async function streamRun(
  request: FastifyRequest,
  reply: FastifyReply,
  run: ChatRun,
  target: StreamTarget,
  frames: StreamFrames,
  extraHeaders?: Record<string, string>,
): Promise<FastifyReply> {
  request.parley.upstreamMs = run.stats.upstreamMs;
  const writer = new SseWriter(reply.raw, target.streams);
  reply.hijack();
  const headers = streamHeaders(request, runHeaders(run));
  writer.open(extraHeaders ? { ...headers, ...extraHeaders } : headers, target.securityHeaders);
  try {
    let full = frames.start(writer);
    if (full) await full;
    for await (const event of run) {
      full = frames.event(writer, event);
      if (full) await full;
    }
    full = frames.end(writer);
    if (full) await full;
  } catch (error) {
    const failure = toParleyError(error);
    if (failure.code !== 'client_closed') {
      request.log.warn({ code: failure.code }, 'stream ended by upstream error');
      await frames.error(writer, failure);
    }
  } finally {
    noteRun(request, run);
    writer.end();
  }
  return reply;
}
