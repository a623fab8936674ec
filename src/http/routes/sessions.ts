// The session API: ephemeral conversations owned by their creator; answers as JSON or Server-Sent Events.

import { Type } from 'typebox';
import type { Session, SessionSummary, StoredMessage } from '../../domain/index.js';
import type { SessionService } from '../../chat/session-service.js';
import { imageBodyAllowance } from '../../chat/session-images.js';
import { errorForCaller } from '../end-user-errors.js';
import { errorBody, routeLogFields, toParleyError } from '../error-mapping.js';
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

export interface SessionRoutesDeps {
  sessions: SessionService;
  schemas: Schemas;
  inflight: InflightRegistry;
  streams?: StreamCounter;
  /** Set on the raw response of a stream (hijacked: the onSend hook that adds them to replies does not run). */
  securityHeaders: HeaderList;
}

const errors = { '4xx': ErrorEnvelope, '5xx': ErrorEnvelope };

/** A stored message as the API shows it. */
function messageView(m: StoredMessage) {
  return { ...m, createdAt: new Date(m.createdAt).toISOString() };
}

/**
 * The user message in the `start` event: its images are left out (the caller just sent them; GET the session for
 * them).
 */
function startView(m: StoredMessage) {
  const { images, ...rest } = messageView(m);
  return images ? { ...rest, imageCount: images.length } : rest;
}

/** Registers /v1/sessions and its children. */
export function registerSessionRoutes(app: ParleyApp, deps: SessionRoutesDeps): void {
  const { sessions, schemas } = deps;
  const summaryView = (s: SessionSummary) => ({
    id: s.id,
    object: 'session' as const,
    model: s.model,
    ...(s.title ? { title: s.title } : {}),
    ...(s.systemPrompt ? { system: s.systemPrompt } : {}),
    createdAt: new Date(s.createdAt).toISOString(),
    lastActiveAt: new Date(s.lastActiveAt).toISOString(),
    expiresAt: new Date(sessions.expiresAt(s)).toISOString(),
  });
  const view = (s: Session) => ({ ...summaryView(s), messages: s.messages.map(messageView) });

  app.post(
    '/v1/sessions',
    {
      config: { permission: 'sessions:own' },
      schema: {
        tags: ['sessions'],
        summary: 'Create a session',
        body: schemas.CreateSession,
        response: { 201: schemas.SessionView, ...errors },
      },
    },
    async (request, reply) => {
      const session = await sessions.create(principalOf(request), request.body ?? {}, request.id);
      return reply.code(201).send(view(session));
    },
  );

  app.get(
    '/v1/sessions',
    {
      config: { permission: 'sessions:own' },
      schema: {
        tags: ['sessions'],
        summary: "List the caller's own live sessions, most recently active first",
        response: { 200: schemas.SessionList, ...errors },
      },
    },
    async (request) => ({
      object: 'list' as const,
      data: (await sessions.list(principalOf(request))).map(summaryView),
    }),
  );

  app.patch(
    '/v1/sessions/:id',
    {
      config: { permission: 'sessions:own' },
      schema: {
        tags: ['sessions'],
        summary: 'Rename a session or switch its model',
        params: schemas.SessionParams,
        body: schemas.UpdateSession,
        response: { 200: schemas.SessionView, ...errors },
      },
    },
    async (request) => view(await sessions.update(principalOf(request), request.params.id, request.body)),
  );

  app.get(
    '/v1/sessions/:id',
    {
      config: { permission: 'sessions:own' },
      schema: {
        tags: ['sessions'],
        summary: 'Read a session and its messages',
        params: schemas.SessionParams,
        response: { 200: schemas.SessionView, ...errors },
      },
    },
    async (request) => view(await sessions.get(principalOf(request), request.params.id)),
  );

  app.delete(
    '/v1/sessions/:id',
    {
      config: { permission: 'sessions:own' },
      schema: {
        tags: ['sessions'],
        summary: 'Delete a session and purge its content at once',
        params: schemas.SessionParams,
        response: { 204: Type.Null({ description: 'Deleted.' }), ...errors },
      },
    },
    async (request, reply) => {
      await sessions.delete(principalOf(request), request.params.id, request.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/v1/sessions/:id/messages/:messageId/feedback',
    {
      config: { permission: 'sessions:own' },
      schema: {
        tags: ['sessions'],
        summary: 'Rate an answer (up or down, optional reason from a fixed list)',
        params: schemas.MessageParams,
        body: schemas.Feedback,
        response: { 200: schemas.StoredMessage, ...errors },
      },
    },
    async (request) => {
      const { id, messageId } = request.params;
      return messageView(
        await sessions.feedback(principalOf(request), id, messageId, request.body.rating, request.body.reason),
      );
    },
  );

  app.post(
    '/v1/sessions/:id/messages',
    {
      config: { permission: 'sessions:own' },
      // Room for the images a message may carry (at their size limit) on top of the configured body limit.
      bodyLimit: (app.initialConfig.bodyLimit ?? 1024 * 1024) + imageBodyAllowance(),
      schema: {
        tags: ['sessions'],
        summary: 'Send a message and get the answer (SSE events start, delta, done, error when stream is true)',
        params: schemas.SessionParams,
        body: schemas.SendMessage,
        response: { 200: schemas.SendMessageResult, ...errors },
      },
    },
    async (request, reply) => {
      const stream = request.body.stream === true;
      const principal = principalOf(request);
      /** Routing details go to the log line; the caller sees them only as an admin. */
      const shown = (error: unknown) => {
        const failure = toParleyError(error);
        const { error: visible, detail } = errorForCaller(failure, principal);
        if (detail) Object.assign(request.parley.log, routeLogFields(failure), { errorDetail: detail });
        return visible;
      };
      const turn = await sessions
        .send(
          principal,
          request.params.id,
          {
            content: request.body.content,
            images: request.body.images,
            replaceFrom: request.body.replaceFrom,
            stream,
            cacheMode: cacheModeOf(request),
          },
          {
            requestId: request.id,
            signal: deps.inflight.signalFor(reply),
            traceHeaders: traceHeadersOf(request),
            observer: traceObserverOf(request),
            trace: stepTraceOf(request),
          },
        )
        .catch((error: unknown) => {
          throw shown(error);
        });
      request.parley.upstreamMs = turn.run.stats.upstreamMs;
      request.parley.log.model = turn.model;

      if (!stream) {
        try {
          for await (const _event of turn.events);
        } catch (error) {
          throw shown(error);
        }
        noteRun(request, turn.run);
        void reply.headers(runHeaders(turn.run));
        return {
          userMessage: messageView(turn.userMessage),
          message: messageView(turn.stored()!),
          protected: turn.run.protectedCounts,
        };
      }

      const writer = new SseWriter(reply.raw, deps.streams);
      reply.hijack();
      writer.open(streamHeaders(request, runHeaders(turn.run)), deps.securityHeaders);
      try {
        await writer.write(
          JSON.stringify({
            messageId: turn.assistantMessageId,
            userMessage: startView(turn.userMessage),
            model: turn.run.stats.upstreamModel,
            protected: turn.run.protectedCounts,
          }),
          'start',
        );
        for await (const event of turn.events) {
          if (event.type === 'text-delta') await writer.writeToken(JSON.stringify({ text: event.text }), 'delta');
          else if (event.type === 'reasoning-delta')
            await writer.writeToken(JSON.stringify({ text: event.text }), 'reasoning');
        }
        const stored = turn.stored();
        await writer.write(JSON.stringify({ message: stored && messageView(stored) }), 'done');
      } catch (error) {
        const failure = shown(error);
        if (failure.code !== 'client_closed')
          await writer.write(
            JSON.stringify({ ...errorBody(failure), message: turn.stored() && messageView(turn.stored()!) }),
            'error',
          );
      } finally {
        noteRun(request, turn.run);
        writer.end();
      }
      return reply;
    },
  );
}
