// POST /v1/messages and /v1/messages/count_tokens: Anthropic's Messages API, streaming and not, over the shared chat
// path.

import { randomBytes } from 'node:crypto';
import type { ChatService } from '../../chat/chat-service.js';
import { RawJson, stringifyWithRaw } from '../../domain/index.js';
import {
  MessageCollector,
  MessageStreamWriter,
  anthropicErrorBody,
  anthropicStopReason,
  anthropicUsage,
} from '../anthropic-format.js';
import {
  acceptedBetas,
  anthropicMessages,
  applyContextManagement,
  anthropicParams,
  checkPromptLimits,
  countTokensTools,
  estimateInputTokens,
  type PromptLimits,
} from '../anthropic-request.js';
import {
  AnthropicErrorEnvelope,
  CountTokensRequest,
  CountTokensResponse,
  MessageResponse,
  MessagesRequest,
  type CountTokensBody,
  type MessagesBody,
} from '../anthropic-schemas.js';
import type { InflightRegistry, ParleyApp } from '../request-context.js';
import type { SseWriter } from '../sse.js';
import { requestFields, streamRun, type StreamTarget } from './chat-run.js';
import { noteRun, runHeaders } from './run-headers.js';

export interface MessagesDeps extends StreamTarget {
  chat: ChatService;
  inflight: InflightRegistry;
  /** `limits:` of the configuration (messages, characters per message, max_tokens). */
  limits: PromptLimits;
}

// Message ids need to be unique, not secret: a random per-process prefix and a counter.
const ID_PREFIX = `msg_${randomBytes(9).toString('base64url').replace(/[-_]/g, 'x')}`;
let idCounter = 0;
const nextMessageId = (): string => `${ID_PREFIX}${(idCounter++).toString(36)}`;

const ERRORS = { '4xx': AnthropicErrorEnvelope, '5xx': AnthropicErrorEnvelope };

/** Registers the Anthropic Messages API endpoints (errors in Anthropic's envelope, see app.ts). */
export function registerMessages(app: ParleyApp, deps: MessagesDeps): void {
  app.post(
    '/v1/messages',
    {
      config: { permission: 'chat', chatAdmission: true, wire: 'anthropic' },
      schema: {
        tags: ['anthropic'],
        security: [{ bearer: [] }, { apiKey: [] }],
        summary: 'Create a message (Anthropic Messages API; SSE when stream is true)',
        description:
          'Credentials in x-api-key or Authorization: Bearer. anthropic-version is accepted; ' +
          'anthropic-beta values Parley cannot honour are refused by name.',
        body: MessagesRequest,
        response: { 200: MessageResponse, ...ERRORS },
      },
    },
    async (request, reply) => {
      const body = request.body as MessagesBody;
      request.parley.log.model = body.model;
      const stream = body.stream === true;
      const betas = acceptedBetas(request.headers['anthropic-beta']);
      const messages = anthropicMessages(body, betas);
      applyContextManagement(body.context_management, messages);
      checkPromptLimits(messages, body.max_tokens, deps.limits);
      const params = anthropicParams(body, betas);
      // message_start's usage, before the run
      const inputTokens = stream ? estimateInputTokens(messages, params.tools) : 0;
      // thinking.display "omitted": thinking blocks keep their signatures, never their text (whatever the target
      // sends).
      const shown = (event: { type: string }): boolean =>
        params.thinkingDisplay !== 'omitted' || event.type !== 'reasoning-delta';
      const run = await deps.chat.start({
        ...requestFields(request, reply, deps.inflight),
        api: 'anthropic',
        model: body.model,
        messages,
        params,
        stream,
      });
      const id = nextMessageId();

      if (!stream) {
        const collected = new MessageCollector();
        for await (const event of run) if (shown(event)) collected.add(event);
        noteRun(request, run);
        void reply.headers(runHeaders(run));
        const content = collected.blocks();
        const message = {
          id,
          type: 'message' as const,
          role: 'assistant' as const,
          content,
          model: body.model,
          stop_reason: anthropicStopReason(run.stats.finishReason, collected.stopSequence),
          stop_sequence: collected.stopSequence ?? null,
          usage: anthropicUsage(run.stats.usage),
        };
        // Tool input holding a long number goes out as the target wrote it, which the response schema cannot write.
        if (!content.some((b) => b.input instanceof RawJson)) return message;
        // A string is sent as it is (no schema serialisation).
        return reply.type('application/json; charset=utf-8').send(stringifyWithRaw(message, true) as never);
      }

      const frames = new MessageStreamWriter(id, body.model, inputTokens);
      const writeAll = (writer: SseWriter, list: Iterable<[string, string]>): Promise<void> | undefined => {
        let full: Promise<void> | undefined;
        for (const [data, name] of list)
          full = name === 'content_block_delta' ? writer.writeToken(data, name) : writer.write(data, name);
        return full;
      };
      return streamRun(
        request,
        reply,
        run,
        deps,
        {
          start: (writer) => writeAll(writer, frames.start()),
          event: (writer, event) => (shown(event) ? writeAll(writer, frames.frames(event)) : undefined),
          end: () => undefined,
          // Anthropic's `error` event, never a clean message_stop
          error: (writer, failure) => writer.write(JSON.stringify(anthropicErrorBody(failure, request.id)), 'error'),
        },
        { 'request-id': request.id },
      );
    },
  );

  app.post(
    '/v1/messages/count_tokens',
    {
      config: { permission: 'chat', wire: 'anthropic' },
      schema: {
        tags: ['anthropic'],
        security: [{ bearer: [] }, { apiKey: [] }],
        summary:
          'Estimate the input tokens of a message (an estimate: about 4 characters per token, not ' +
          'the target tokenizer)',
        body: CountTokensRequest,
        response: { 200: CountTokensResponse, ...ERRORS },
      },
    },
    async (request) => {
      const body = request.body as CountTokensBody;
      request.parley.log.model = body.model;
      const betas = acceptedBetas(request.headers['anthropic-beta']);
      deps.chat.resolveModel(body.model);
      const messages = anthropicMessages(body, betas);
      checkPromptLimits(messages, undefined, deps.limits);
      return { input_tokens: estimateInputTokens(messages, countTokensTools(body)) };
    },
  );
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route speaks Anthropic's wire format: errors in its envelope, x-api-key accepted, `request-id` header. */
    wire?: 'anthropic';
  }
}
