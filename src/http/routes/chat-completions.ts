// POST /v1/chat/completions: OpenAI's wire format, streaming and not, over the shared chat path.

import { randomBytes } from 'node:crypto';
import type { ChatService } from '../../chat/chat-service.js';
import { errorBody } from '../error-mapping.js';
import {
  ChunkWriter,
  CompletionCollector,
  openAIFinishReason,
  openAIUsage,
  toDomainMessages,
  toParams,
} from '../openai-format.js';
import { refuseUnsupported } from '../openai-request.js';
import type { InflightRegistry, ParleyApp } from '../request-context.js';
import { ErrorEnvelope, type Schemas } from '../schemas.js';
import { requestFields, streamRun, type StreamTarget } from './chat-run.js';
import { noteRun, runHeaders } from './run-headers.js';

export interface ChatCompletionsDeps extends StreamTarget {
  chat: ChatService;
  schemas: Schemas;
  inflight: InflightRegistry;
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
        ...requestFields(request, reply, deps.inflight),
        api: 'openai',
        model: body.model,
        messages: toDomainMessages(body.messages),
        params: toParams(body),
        stream,
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

      const includeUsage = body.stream_options?.include_usage === true;
      const chunks = new ChunkWriter(id, body.model, created, includeUsage);
      return streamRun(request, reply, run, deps, {
        start: (writer) => writer.write(chunks.role()),
        event(writer, event) {
          if (event.type === 'text-delta') return writer.writeToken(chunks.delta(event.text, event.logprobs));
          if (event.type === 'tool-input-delta') return writer.writeToken(chunks.toolDelta(event.id, event.delta));
          if (event.type === 'tool-input-start') return writer.writeToken(chunks.toolStart(event.id, event.toolName));
          if (event.type === 'reasoning-delta') return writer.writeToken(chunks.reasoning(event.text));
          if (event.type !== 'finish') return undefined;
          const full = writer.write(chunks.finish(event.finishReason));
          return includeUsage ? writer.write(chunks.usage(event.usage)) : full;
        },
        end: (writer) => writer.write('[DONE]'),
        error: (writer, failure) => writer.write(JSON.stringify(errorBody(failure))),
      });
    },
  );
}
