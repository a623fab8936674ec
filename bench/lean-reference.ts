// The lean reference: Parley's per-request duties for a chat completion, written as one flat handler.
//
// Not a product: a yardstick. It answers one question with a measurement: how much of Parley's CPU
// per request is the work itself (validation, key hash, hash-chained audit event, rate count, PII
// scan, upstream call, parsing and re-serialising the answer) and how much is the layering around
// it. It uses Parley's own parts where they exist (request schema, privacy filter, audit sealing, key
// hashing, SSE parser, chunk format, answer transforms) and does nothing else: no retries, fallback,
// breaker or key pool, no cache, no sessions, no traces, no log lines. bench/lean-compare.ts runs it
// beside the floor and Parley.

import { randomUUID, timingSafeEqual } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import { sealLine, sha256Hex, GENESIS_HASH } from '../src/audit/chain.js';
import { parseConfig } from '../src/config/load.js';
import { buildSchemas } from '../src/http/schemas.js';
import { addMissingHeaders, securityHeaderValues } from '../src/http/security-headers.js';
import { createAnswerTransforms } from '../src/chat/answer-transforms.js';
import { ChunkWriter } from '../src/http/openai-format.js';
import { createPrivacyFilter } from '../src/privacy/index.js';
import { SseParser } from '../src/providers/sse-reader.js';
import { hashApiKey } from '../src/security/api-key-format.js';
import type { ChatMessage } from '../src/domain/index.js';

/** Options of {@link startLeanReference}. */
export interface LeanReferenceOptions {
  /** Origin of an OpenAI-compatible upstream (the mock). */
  upstream: string;
  /** The one API key it accepts (Bearer). */
  apiKey: string;
  /** JSON-lines file for the audit events (truncated at start). */
  auditFile: string;
  /** 0 (default) picks a free port. */
  port?: number;
}

/** A running lean reference. */
export interface LeanReference {
  readonly url: string;
  close(): Promise<void>;
}

interface UpstreamUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
}

interface UpstreamAnswer {
  created: number;
  choices: { message?: { content?: string | null }; finish_reason?: string | null }[];
  usage?: UpstreamUsage;
}

interface UpstreamChunk {
  choices?: { delta?: { content?: string | null }; finish_reason?: string | null }[];
  usage?: UpstreamUsage | null;
}

interface Body {
  model: string;
  messages: { role: ChatMessage['role']; content: string }[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean } | null;
}

/** What the two answer kinds do with the upstream response. */
interface UpstreamCallbacks {
  status(statusCode: number): void;
  data(ctl: Dispatcher.DispatchController, chunk: Buffer): void;
  end(): void;
}

const UPSTREAM_HEADERS = { 'content-type': 'application/json', authorization: 'Bearer lean' };

/** The signal aborts the dispatch (as Parley's exchange does); set up once the request is dispatched. */
function abortWith(signal: AbortSignal, ctl: Dispatcher.DispatchController): void {
  if (signal.aborted) ctl.abort(new Error('aborted'));
  else signal.addEventListener('abort', () => ctl.abort(new Error('aborted')), { once: true });
}

const SECURITY_HEADERS = securityHeaderValues({ tls: false });
/** The same, as one object for a hijacked stream's writeHead. */
const SECURITY_HEADER_OBJECT: Record<string, string> = Object.fromEntries(SECURITY_HEADERS);

const errorBody = (message: string, type: string): { error: { message: string; type: string } } => ({
  error: { message, type },
});

/** Starts the lean reference on 127.0.0.1. */
export async function startLeanReference(opts: LeanReferenceOptions): Promise<LeanReference> {
  const config = parseConfig('', 'lean reference defaults', {});
  const schemas = buildSchemas(config);
  const privacy = createPrivacyFilter(config.privacy);
  const answerTransforms = createAnswerTransforms({ output: config.safety.output });
  const pool = new Pool(new URL(opts.upstream).origin, { connections: 1100, keepAliveTimeout: 30_000 });
  const keyHash = Buffer.from(hashApiKey(opts.apiKey));
  const principal = { id: 'key_lean', role: 'user' as const, via: 'api-key' as const, scope: 'key_lean' };

  // Audit: the same sealed, hash-chained lines as src/audit, group-committed every 10 ms.
  const file = await open(opts.auditFile, 'w', 0o600);
  let seq = 0;
  let prev = GENESIS_HASH;
  let pending = '';
  let commit: NodeJS.Timeout | undefined;
  let written: Promise<unknown> = Promise.resolve();
  const flush = (): void => {
    commit = undefined;
    const text = pending;
    pending = '';
    written = written.then(() => file.write(text));
  };
  const audit = (requestId: string, action: string, outcome: string): void => {
    const sealed = sealLine({
      seq: ++seq,
      prev,
      type: 'event',
      time: new Date().toISOString(),
      requestId,
      principalId: principal.id,
      role: principal.role,
      action,
      resource: 'route:POST /v1/chat/completions',
      outcome,
      clientAddress: '127.0.0.0',
      details: { via: 'api-key' },
    });
    prev = sha256Hex(sealed.line);
    pending += `${sealed.line}\n`;
    commit ??= setTimeout(flush, 10);
  };

  const requestsPerScope = new Map<string, number>();
  const metrics = { requests: 0, inflight: 0, overheadSum: 0 };
  // A decorated field, read through one cast: a yardstick should not augment Fastify's types for all of Parley.
  const timed = (request: FastifyRequest): { startedAt: number } => request as unknown as { startedAt: number };
  const sinceStart = (request: FastifyRequest): number => performance.now() - timed(request).startedAt;

  const app = Fastify({ logger: false, genReqId: () => randomUUID() });
  app.decorateRequest('startedAt', 0);
  app.addHook('onRequest', (request, reply, done) => {
    timed(request).startedAt = performance.now();
    metrics.inflight++;
    const header = request.headers.authorization ?? '';
    const given = Buffer.from(hashApiKey(header.startsWith('Bearer ') ? header.slice(7) : ''));
    if (given.length !== keyHash.length || !timingSafeEqual(given, keyHash)) {
      audit(request.id, 'auth.failure', 'failure');
      void reply.code(401).send(errorBody('Invalid API key.', 'invalid_request_error'));
      return;
    }
    audit(request.id, 'auth.success', 'success');
    requestsPerScope.set(principal.scope, (requestsPerScope.get(principal.scope) ?? 0) + 1);
    done();
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    const overhead = sinceStart(request);
    addMissingHeaders(reply, SECURITY_HEADERS);
    void reply.header('x-request-id', request.id);
    void reply.header('x-parley-overhead-ms', overhead.toFixed(3));
    done(null, payload);
  });
  app.addHook('onResponse', (request, _reply, done) => {
    metrics.requests++;
    metrics.inflight--;
    metrics.overheadSum += sinceStart(request);
    done();
  });

  /**
   * Sends the upstream request, aborted by `signal` or by a 30 s first-byte timer; `fail` gets either, or a network
   * error.
   */
  const dispatchUpstream = (
    upstreamBody: string,
    signal: AbortSignal,
    fail: (error: Error) => void,
    on: UpstreamCallbacks,
  ): void => {
    const firstByte = setTimeout(() => fail(new Error('first-byte timeout')), 30_000);
    pool.dispatch(
      { path: '/v1/chat/completions', method: 'POST', headers: UPSTREAM_HEADERS, body: upstreamBody },
      {
        onRequestStart: (ctl) => abortWith(signal, ctl),
        onResponseStart: (_ctl, statusCode) => {
          clearTimeout(firstByte);
          on.status(statusCode);
        },
        onResponseData: (ctl, chunk) => on.data(ctl, chunk),
        onResponseEnd: () => on.end(),
        onResponseError: (_ctl, error) => {
          clearTimeout(firstByte);
          fail(error);
        },
      },
    );
  };

  /** Plain answer: the whole upstream JSON, re-shaped as OpenAI's chat.completion. */
  const plainAnswer = (
    request: FastifyRequest,
    reply: FastifyReply,
    body: Body,
    upstreamBody: string,
    signal: AbortSignal,
  ): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const parts: Buffer[] = [];
      let status = 0;
      dispatchUpstream(upstreamBody, signal, reject, {
        status: (statusCode) => {
          status = statusCode;
        },
        data: (_ctl, chunk) => {
          parts.push(chunk);
        },
        end: () => {
          const text = Buffer.concat(parts).toString('utf8');
          const answer = status === 200 ? (JSON.parse(text) as UpstreamAnswer) : undefined;
          const choice = answer?.choices[0];
          if (answer === undefined || choice === undefined) {
            void reply.code(502);
            resolve(errorBody(`Provider returned HTTP ${status}`, 'api_error'));
            return;
          }
          const content = choice.message?.content ?? '';
          resolve({
            id: `chatcmpl-${request.id}`,
            object: 'chat.completion',
            created: answer.created,
            model: body.model,
            choices: [
              {
                index: 0,
                message: { role: 'assistant', content, refusal: null },
                logprobs: null,
                finish_reason: choice.finish_reason ?? 'stop',
              },
            ],
            usage: answer.usage,
          });
        },
      });
    });

  /**
   * Streamed answer: every upstream SSE message parsed (SseParser, JSON.parse) and re-serialised in
   * Parley's chunk format (ChunkWriter); the response starts at the first content, as Parley's does.
   */
  const streamAnswer = (
    request: FastifyRequest,
    reply: FastifyReply,
    body: Body,
    upstreamBody: string,
    signal: AbortSignal,
  ): Promise<void> =>
    new Promise((resolve, reject) => {
      const parser = new SseParser();
      const frames = new ChunkWriter(
        `chatcmpl-${request.id}`,
        body.model,
        Math.floor(Date.now() / 1000),
        body.stream_options?.include_usage === true,
      );
      const transform = answerTransforms?.({ mapping: {}, principal, model: body.model, requestId: request.id });
      const res = reply.raw;
      let status = 0;
      let opened = false;
      let finishReason: string | null | undefined;
      let usage: UpstreamAnswer['usage'];
      // Frames of one network read leave in one res.write (Parley's SseWriter joins them the same way).
      let out = '';
      const frame = (data: string): void => {
        out += `data: ${data}\n\n`;
      };
      const send = (ctl: Dispatcher.DispatchController): void => {
        const data = out;
        out = '';
        if (data !== '' && !res.write(data)) {
          ctl.pause(); // backpressure: the client reads slower than the provider sends
          res.once('drain', () => ctl.resume());
        }
      };
      const open = (): void => {
        opened = true;
        const overhead = sinceStart(request).toFixed(3);
        res.writeHead(200, {
          ...SECURITY_HEADER_OBJECT,
          'content-type': 'text/event-stream',
          'cache-control': 'no-cache',
          'x-accel-buffering': 'no',
          'x-request-id': request.id,
          'x-parley-overhead-ms': overhead,
        });
        frame(frames.role());
      };
      const fail = (error: Error): void => {
        if (opened) res.destroy(error);
        reject(error);
      };
      dispatchUpstream(upstreamBody, signal, fail, {
        status: (statusCode) => {
          status = statusCode;
          if (status === 200) reply.hijack();
        },
        data: (ctl, chunk) => {
          if (status !== 200) return;
          for (const message of parser.push(chunk)) {
            if (message.data === '[DONE]') continue;
            const parsed = JSON.parse(message.data) as UpstreamChunk;
            if (parsed.usage) usage = parsed.usage;
            const choice = parsed.choices?.[0];
            if (choice?.finish_reason) finishReason = choice.finish_reason;
            const raw = choice?.delta?.content;
            const text = raw && transform ? transform.push(raw) : raw;
            if (!text) continue;
            if (!opened) open();
            frame(frames.delta(text));
          }
          send(ctl);
        },
        end: () => {
          if (status !== 200) {
            void reply.code(502).send(errorBody(`Provider returned HTTP ${status}`, 'api_error'));
            resolve();
            return;
          }
          if (!opened) open();
          frame(frames.finish(finishReason === 'length' ? 'length' : 'stop'));
          if (usage)
            frame(frames.usage({ inputTokens: usage.prompt_tokens ?? 0, outputTokens: usage.completion_tokens ?? 0 }));
          frame('[DONE]');
          res.end(out);
          resolve();
        },
      });
    });

  app.post<{ Body: Body }>(
    '/v1/chat/completions',
    { schema: { body: schemas.ChatCompletionRequest, response: { 200: schemas.ChatCompletion } } },
    (request, reply) => {
      const body = request.body;
      const stream = body.stream === true;
      const messages = body.messages.map((m) => ({
        role: m.role,
        content: typeof m.content === 'string' ? m.content : '',
      }));
      const upstreamBody = JSON.stringify({
        model: 'm',
        messages: privacy.protect(messages).messages,
        stream,
        ...(stream ? { stream_options: { include_usage: true } } : {}),
      });
      const controller = new AbortController();
      reply.raw.once('close', () => {
        if (!reply.raw.writableEnded) controller.abort();
      });
      return stream
        ? streamAnswer(request, reply, body, upstreamBody, controller.signal)
        : plainAnswer(request, reply, body, upstreamBody, controller.signal);
    },
  );

  await app.listen({ host: '127.0.0.1', port: opts.port ?? 0 });
  const { port } = app.server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  const shutdown = async (): Promise<void> => {
    await app.close();
    await pool.close();
    clearTimeout(commit);
    flush();
    await written;
    await file.close();
  };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => (closing ??= shutdown()),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { upstream: { type: 'string' }, 'api-key': { type: 'string' }, 'audit-file': { type: 'string' } },
    strict: true,
  });
  if (!values.upstream || !values['api-key'] || !values['audit-file']) {
    throw new Error('Usage: node --import tsx bench/lean-reference.ts --upstream URL --api-key KEY --audit-file FILE');
  }
  const lean = await startLeanReference({
    upstream: values.upstream,
    apiKey: values['api-key'],
    auditFile: values['audit-file'],
  });
  process.stdout.write(`READY ${lean.url}\n`);
  process.once('SIGTERM', () => void lean.close().then(() => process.exit(0)));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
