// The Fastify application: hooks (request id, auth, timing), error rendering, OpenAPI, and every route.

import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ParleyError } from '../domain/index.js';
import type { ChatService } from '../chat/chat-service.js';
import type { SessionService } from '../chat/session-service.js';
import type { EmbeddingService } from '../chat/embedding-service.js';
import type { ParleyConfig } from '../config/types.js';
import { endRequestSpan, startRequestSpan, startStepSpan } from '../observability/spans.js';
import type { Tracing } from '../observability/tracing.js';
import { createAccessCheck, type AccessDeps } from './access.js';
import { createCors } from './cors.js';
import { LEVEL_VALUES, LazyChildLogger } from './lazy-logger.js';
import { errorBody, errorHeaders, routeLogFields, toParleyError } from './error-mapping.js';
import { IdleConnections, markIdle } from './idle-connections.js';
import { InflightRegistry, overheadMs, type ParleyApp } from './request-context.js';
import { addMissingHeaders, securityHeaderValues, setRawHeaders } from './security-headers.js';
import type { TlsMaterial } from './tls.js';
import { ErrorEnvelope, buildSchemas } from './schemas.js';
import { createClientErrorHandler } from './client-errors.js';
import { registerJsonBodyParser } from './json-body.js';
import { RouteMethods } from './method-not-allowed.js';
import { registerChatCompletions } from './routes/chat-completions.js';
import { registerMessages } from './routes/messages.js';
import { anthropicErrorBody, anthropicErrorKind } from './anthropic-format.js';
import { registerEmbeddings } from './routes/embeddings.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerModelRoutes } from './routes/models.js';
import { registerSessionRoutes } from './routes/sessions.js';

/** What the HTTP layer needs from the composition root. */
export interface AppDeps {
  config: ParleyConfig;
  chat: ChatService;
  sessions: SessionService;
  /** POST /v1/embeddings (absent: the route is not registered). */
  embeddings?: EmbeddingService;
  logger: FastifyBaseLogger;
  /** Authentication, permissions, audit of access decisions and request rate limits. */
  access: AccessDeps;
  /** OpenTelemetry; spans per request, auth and upstream attempt. */
  tracing?: Tracing;
  /** Counts requests in progress (metrics). */
  requestGauge?: { inc(): void; dec(): void };
  /** Counts open event streams (metrics). */
  streams?: { opened(): void; closed(): void };
  isReady: () => boolean;
  /**
   * True from SIGTERM on: every response then carries `Connection: close`, so a load balancer's kept-alive connections
   * end cleanly.
   */
  isDraining?: () => boolean;
  /** Why `isReady` is false, for the /readyz body (default `draining`). */
  notReadyStatus?: () => string;
  /** Called once per finished request, also when the client left early (status 499) (metrics). */
  onResponse?: (request: FastifyRequest, status: number, durationMs: number) => void;
  /** Extra routes (metrics, audit, keys, UI) registered by their modules. */
  plugins?: ((app: ParleyApp) => void | Promise<void>)[];
  /** Serve HTTPS with this certificate and key (see tls.ts for reloading); absent: plain HTTP. */
  tls?: TlsMaterial;
}

export interface BuiltApp {
  app: ParleyApp;
  inflight: InflightRegistry;
  /** Open connections and how long each has been idle (the drain closes idle ones gradually). */
  connections: IdleConnections;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Builds (but does not start) the HTTP application. */
export async function buildApp(deps: AppDeps): Promise<BuiltApp> {
  const securityHeaders = securityHeaderValues({ tls: deps.tls !== undefined });
  const server = deps.config.server;
  // Slow or stalled clients: 408 after headersTimeout / requestTimeout; the check runs every second (Node's default is
  // 30 s).
  const socketTimeouts = {
    headersTimeout: server.headersTimeoutMs,
    requestTimeout: server.requestTimeoutMs,
    connectionsCheckingInterval: 1000,
  };
  const app: ParleyApp = Fastify({
    loggerInstance: deps.logger,
    // One line per request is written by our onResponse hook instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.config.server.bodyLimitBytes,
    ...(deps.tls ? { https: { cert: deps.tls.cert, key: deps.tls.key, ...socketTimeouts } } : { http: socketTimeouts }),
    requestTimeout: server.requestTimeoutMs,
    clientErrorHandler: createClientErrorHandler(server, securityHeaders),
    keepAliveTimeout: 72_000,
    // request.ip: from X-Forwarded-For only when the peer is a configured proxy (a client could forge the header).
    trustProxy: deps.config.server.trustedProxies.length > 0 ? deps.config.server.trustedProxies : false,
    // While draining, requests that arrive on kept-alive connections are served (with `Connection: close`), not
    // refused: a load balancer may already have written one on a connection it reuses (docs/deployment.md, "Drain").
    return503OnClosing: false,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    // Router-level refusals (an over-long path parameter) get the same envelope as a missing resource.
    frameworkErrors: (error, _request, reply) => {
      const failure =
        error.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? new ParleyError(
              'not_found',
              'Nothing exists at this path: an id in it is longer than any id Parley issues.',
            )
          : toParleyError(error);
      setRawHeaders(reply.raw, securityHeaders); // hooks do not run for router refusals
      void (reply as unknown as FastifyReply).code(failure.status).send(errorBody(failure));
    },
    // Request loggers are built on their first line (see lazy-logger.ts).
    childLoggerFactory: (logger, bindings, options) => new LazyChildLogger(logger, bindings, options),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  const connections = new IdleConnections(app.server, deps.tls ? 'secureConnection' : 'connection');
  // Only JSON bodies are accepted; text/plain gets a clear 415 instead of a confusing schema error.
  app.removeContentTypeParser('text/plain');
  registerJsonBodyParser(app);
  const routeMethods = new RouteMethods();
  routeMethods.watch(app);
  const inflight = new InflightRegistry();
  const schemas = buildSchemas(deps.config);
  const accessCheck = createAccessCheck(deps.access);
  const cors = createCors(deps.config.server.cors?.origins ?? []);

  app.decorateRequest('parley', undefined as never);
  app.addHook('onRequest', async (request, reply) => {
    const routeOptions = request.routeOptions;
    request.parley = {
      startedAt: performance.now(),
      upstreamMs: 0,
      log: {},
      routeUrl: routeOptions.url,
      routeConfig: routeOptions.config,
    };
    connections.noteRequest();
    if (deps.isDraining?.() === true) reply.raw.setHeader('connection', 'close');
    const gauge = deps.requestGauge;
    gauge?.inc();
    reply.raw.once('close', () => {
      markIdle(request.raw.socket);
      gauge?.dec();
      request.parley.admission?.abandon();
      if (!reply.raw.writableFinished) finishRequest(request, reply, true);
    });
    const tracing = deps.tracing;
    if (tracing?.enabled) {
      const scope = startRequestSpan(tracing, tracing.extract(request.headers), {
        method: request.method,
        route: request.parley.routeUrl ?? 'unmatched',
        requestId: request.id,
      });
      request.parley.trace = { ...scope, tracing };
      request.parley.log.traceId = scope.span.spanContext().traceId;
    }
    if (cors.handle(request, reply)) return reply;
    if (request.parley.routeConfig.public === true) return;
    const authSpan = request.parley.trace
      ? startStepSpan(request.parley.trace.tracing, request.parley.trace.context, 'auth')
      : undefined;
    try {
      await accessCheck(request);
    } finally {
      authSpan?.end();
    }
  });
  // Callback-style hooks where nothing is awaited: Fastify then skips a promise and a microtask per request.
  app.addHook('onSend', (request, reply, payload, done) => {
    addMissingHeaders(reply, securityHeaders);
    void reply.header('x-request-id', request.id);
    // Anthropic's SDKs read the request id from `request-id`.
    if (request.parley.routeConfig.wire === 'anthropic') void reply.header('request-id', request.id);
    void reply.header('x-parley-overhead-ms', overheadMs(request));
    if (request.parley.rateLimitHeaders) void reply.headers(request.parley.rateLimitHeaders);
    done(null, payload);
  });
  /** Metrics, span end and the one log line of a request, exactly once (finished or client gone). */
  const finishRequest = (request: FastifyRequest, reply: FastifyReply, clientGone: boolean): void => {
    if (request.parley.finished) return;
    request.parley.finished = true;
    const durationMs = performance.now() - request.parley.startedAt;
    // 499: the client closed the connection before the response was complete (nginx's convention).
    const status = clientGone ? 499 : reply.statusCode;
    if (clientGone) request.parley.log.errorCode ??= 'client_closed';
    deps.onResponse?.(request, status, durationMs);
    if (request.parley.trace)
      endRequestSpan(request.parley.trace.span, status, request.parley.log.errorCode as string | undefined);
    // The line is built only when its level is on (info for answers, warn for 5xx).
    if (status < 500 && (LEVEL_VALUES[request.log.level] ?? 0) > LEVEL_VALUES.info) return;
    const line = {
      route: request.parley.routeUrl ?? 'unmatched',
      method: request.method,
      status,
      latencyMs: Math.round(durationMs * 1000) / 1000,
      overheadMs: Number(overheadMs(request)),
      principalId: request.parley.principal?.id,
      ...request.parley.log,
    };
    if (status >= 500) request.log.warn(line, 'request');
    else request.log.info(line, 'request');
  };
  app.addHook('onResponse', (request, reply, done) => {
    finishRequest(request, reply, false);
    done();
  });

  app.setErrorHandler((error, request, reply) => {
    const failure = toParleyError(error, request.routeOptions.bodyLimit);
    if (failure.status >= 500 && failure.code === 'internal') request.log.error({ err: error }, 'internal error');
    request.parley.log.errorCode = failure.code;
    Object.assign(request.parley.log, routeLogFields(failure));
    // A run that failed still waited on providers (and on retry-after and backoff): that is not Parley's overhead.
    if (failure.route) request.parley.upstreamMs = failure.route.upstreamMs;
    // Routes of the Messages API answer in Anthropic's envelope and statuses (529 when every route is down).
    if (request.parley?.routeConfig.wire === 'anthropic') {
      return reply
        .code(anthropicErrorKind(failure).status)
        .headers(errorHeaders(failure))
        .send(anthropicErrorBody(failure, request.id));
    }
    return reply.code(failure.status).headers(errorHeaders(failure)).send(errorBody(failure));
  });
  app.setNotFoundHandler({ preHandler: undefined }, (request, reply) => {
    const path = request.url.split('?')[0];
    const allowed = routeMethods.allowed(path);
    if (allowed.length > 0) {
      const refusal = new ParleyError(
        'method_not_allowed',
        `${path} does not answer ${request.method}; it answers ${allowed.join(', ')}.`,
      );
      return reply.code(405).header('allow', allowed.join(', ')).send(errorBody(refusal));
    }
    const failure = new ParleyError(
      'not_found',
      `No route for ${request.method} ${request.url.split('?')[0]}. See /openapi.json for the API.`,
    );
    return reply.code(404).send(errorBody(failure));
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Parley API',
        version: '0.1.0',
        description: 'Sessions, OpenAI-compatible chat, the Anthropic Messages API, and operations endpoints.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          apiKey: {
            type: 'apiKey',
            in: 'header',
            name: 'x-api-key',
            description: 'A Parley key, on the Messages API routes only.',
          },
        },
      },
      security: [{ bearer: [] }],
    },
  });
  app.addSchema(ErrorEnvelope);

  registerHealthRoutes(app, {
    isReady: deps.isReady,
    demoMode: deps.config.demoMode,
    notReadyStatus: deps.notReadyStatus,
  });
  registerModelRoutes(app, { chat: deps.chat, schemas, startedAt: Date.now() });
  registerChatCompletions(app, { chat: deps.chat, schemas, inflight, streams: deps.streams, securityHeaders });
  registerMessages(app, {
    chat: deps.chat,
    inflight,
    streams: deps.streams,
    securityHeaders,
    limits: deps.config.limits,
  });
  registerSessionRoutes(app, { sessions: deps.sessions, schemas, inflight, streams: deps.streams, securityHeaders });
  if (deps.embeddings)
    registerEmbeddings(app, {
      embeddings: deps.embeddings,
      inflight,
      maxInputChars: deps.config.limits.maxMessageChars,
    });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  for (const plugin of deps.plugins ?? []) await plugin(app);
  return { app, inflight, connections };
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Route answers without a credential (health probes, static UI assets). */
    public?: boolean;
  }
}
