// POST /v1/chat/completions: OpenAI's wire format, streaming and not, over the shared chat path.

import { randomBytes } from 'node:crypto';
import type { ChatService } from '../../chat/chat-service.js';
import { errorBody, toParleyError } from '../error-mapping.js';
import {
  ChunkWriter,
  CompletionCollector,
  openAIFinishReason,
  openAIUsage,
  toDomainMessages,
  toParams,
} from '../openai-format.js';
import { refuseUnsupported } from '../openai-request.js';
import {
  cacheModeOf,
  principalOf,
  streamHeaders,
  traceHeadersOf,
  traceObserverOf,
  stepTraceOf,
  type InflightRegistry,
  type ParleyApp,
} from '../request-context.js';
import { ErrorEnvelope, type Schemas } from '../schemas.js';
import type { HeaderList } from '../security-headers.js';
import { SseWriter, type StreamCounter } from '../sse.js';
import { noteRun, runHeaders } from './run-headers.js';

export interface ChatCompletionsDeps {
  chat: ChatService;
  schemas: Schemas;
  inflight: InflightRegistry;
  streams?: StreamCounter;
  /** Set on the raw response of a stream (hijacked: the onSend hook that adds them to replies does not run). */
  securityHeaders: HeaderList;
}

// Completion ids need to be unique, not secret: a random per-process prefix and a counter.
const ID_PREFIX = `chatcmpl-${randomBytes(6).toString('base64url')}`;
let idCounter = 0;
const nextCompletionId = (): string => `${ID_PREFIX}${(idCounter++).toString(36)}`;

/** Registers the OpenAI-compatible chat endpoint. */
export function registerChatCompletions(app: ParleyApp, deps: ChatCompletionsDeps): void {
  const { schemas } = deps;
  app.post(
    '/v1/chat/completions',
    {
      config: { permission: 'chat', chatAdmission: true },
      schema: {
        tags: ['openai'],
        summary: 'Create a chat completion (OpenAI-compatible; SSE when stream is true)',
        body: schemas.ChatCompletionRequest,
        response: { 200: schemas.ChatCompletion, '4xx': ErrorEnvelope, '5xx': ErrorEnvelope },
      },
    },
    async (request, reply) => {
      const body = request.body;
      request.parley.log.model = body.model;
      const stream = body.stream === true;
      refuseUnsupported(body);
      const run = await deps.chat.start({
        api: 'openai',
        requestId: request.id,
        principal: principalOf(request),
        model: body.model,
        messages: toDomainMessages(body.messages),
        params: toParams(body),
        stream,
        cacheMode: cacheModeOf(request),
        signal: deps.inflight.signalFor(reply),
        traceHeaders: traceHeadersOf(request),
        observer: traceObserverOf(request),
        trace: stepTraceOf(request),
        admission: request.parley.admission,
      });
      const id = nextCompletionId();
      const created = Math.floor(Date.now() / 1000);

      if (!stream) {
        const collected = new CompletionCollector();
        for await (const event of run) collected.add(event);
        noteRun(request, run);
        const { message, logprobs } = collected.message();
        void reply.headers(runHeaders(run));
        return {
          id,
          object: 'chat.completion' as const,
          created,
          model: body.model,
          choices: [
            {
              index: 0,
              message: message as { role: 'assistant'; content: string | null; refusal: null },
              logprobs: logprobs as never,
              finish_reason: openAIFinishReason(run.stats.finishReason),
            },
          ],
          usage: openAIUsage(run.stats.usage),
        };
      }

      request.parley.upstreamMs = run.stats.upstreamMs;
      const writer = new SseWriter(reply.raw, deps.streams);
      const includeUsage = body.stream_options?.include_usage === true;
      const chunks = new ChunkWriter(id, body.model, created, includeUsage);
      reply.hijack();
      writer.open(streamHeaders(request, runHeaders(run)), deps.securityHeaders);
      try {
        // write() returns a promise only when the socket is full (backpressure): await only then.
        let full = writer.write(chunks.role());
        if (full) await full;
        for await (const event of run) {
          if (event.type === 'text-delta') full = writer.writeToken(chunks.delta(event.text, event.logprobs));
          else if (event.type === 'tool-input-delta') full = writer.writeToken(chunks.toolDelta(event.id, event.delta));
          else if (event.type === 'tool-input-start')
            full = writer.writeToken(chunks.toolStart(event.id, event.toolName));
          else if (event.type === 'reasoning-delta') full = writer.writeToken(chunks.reasoning(event.text));
          else if (event.type === 'finish') {
            full = writer.write(chunks.finish(event.finishReason));
            if (full) await full;
            full = includeUsage ? writer.write(chunks.usage(event.usage)) : undefined;
          } else continue;
          if (full) await full;
        }
        full = writer.write('[DONE]');
        if (full) await full;
      } catch (error) {
        // Content already reached the client: end with an explicit error event, never a clean finish.
        const failure = toParleyError(error);
        if (failure.code !== 'client_closed') {
          request.log.warn({ code: failure.code }, 'stream ended by upstream error');
          await writer.write(JSON.stringify(errorBody(failure)));
        }
      } finally {
        noteRun(request, run);
        writer.end();
      }
      return reply;
    },
  );
}
