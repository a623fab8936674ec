// Composition root: the only place that picks concrete backends (stores, adapters, auth) and wires them.

import { fileURLToPath } from 'node:url';
import type { Server as TlsServer } from 'node:tls';
import type { Logger } from 'pino';
import type { AuditLog } from './audit/audit-log.js';
import { queryAudit } from './audit/query.js';
import { createAnswerTransforms } from './chat/answer-transforms.js';
import { ChatService } from './chat/chat-service.js';
import { EmbeddingService } from './chat/embedding-service.js';
import { CrossReplicaCoalescing } from './chat/cross-replica-coalescing.js';
import { SessionService } from './chat/session-service.js';
import { buildEphemeralState } from './compose/ephemeral-state.js';
import { buildRoutes } from './compose/routes.js';
import { openDurableState } from './compose/durable-state.js';
import { buildSecurity, ensureFirstAdmin } from './compose/security.js';
import { chatRecordSink, embeddingRecordSink, guardEventSink, sessionEventsSink } from './compose/sinks.js';
import { createSecretResolver, type SecretResolver } from './config/secrets.js';
import type { ParleyConfig } from './config/types.js';
import { ParleyError } from './domain/index.js';
import { buildApp } from './http/app.js';
import { gateListenerOnSharedState, type ListenerGate } from './http/listener-gate.js';
import type { ParleyApp } from './http/request-context.js';
import { registerAdminRoutes } from './http/routes/admin.js';
import { registerOperationsRoutes } from './http/routes/operations.js';
import { registerUiRoutes } from './http/routes/ui.js';
import { loadTlsMaterial, watchTlsMaterial } from './http/tls.js';
import { createLogger } from './observability/logger.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import { loadTracing, type Tracing } from './observability/tracing-api.js';
import { createEmbeddingGuard, createPrivacyFilter } from './privacy/index.js';
import { LoginLinks } from './security/login-links.js';
import { RateLimits } from './security/rate-limits.js';
import type { ChangeNotices } from './store/types.js';
import type { InheritedSocket } from './config/listen-socket.js';
import { ConfigError } from './config/config-error.js';

/**
 * During the drain, a kept-alive connection is closed once it has been idle this long (docs/deployment.md, "Drain").
 */
export const DRAIN_IDLE_GRACE_MS = 500;

export interface StartOptions {
  config: ParleyConfig;
  logger?: Logger;
  secrets?: SecretResolver;
  /** Tracing override (tests pass one with an in-memory exporter). */
  tracing?: Tracing;
  /** Change notices between replicas (Redis when configured); absent: key changes reach others by resync. */
  notices?: ChangeNotices;
  /** Extra routes (the web UI registers itself here). */
  plugins?: ((app: ParleyApp) => void | Promise<void>)[];
  /**
   * Listen on this socket instead of `server.host`/`server.port` (systemd socket activation; see
   * config/listen-socket.ts).
   */
  listenOn?: InheritedSocket;
}

/** A started Parley server. */
export interface RunningParley {
  url: string;
  app: ParleyApp;
  config: ParleyConfig;
  logger: Logger;
  metrics: Metrics;
  audit: AuditLog;
  /** Set on the very first start: the admin key and a one-time login link (print once, never log). */
  firstStart?: { adminKey: string; loginUrl: string };
  /**
   * Graceful stop (the drain): /readyz 503 and `Connection: close` at once, listening for `server.drainDelay`, then no
   * new connections; in-flight requests get the drain timeout.
   */
  shutdown(): Promise<void>;
}

/** Builds every component from the configuration and starts listening. */
export async function startParley(options: StartOptions): Promise<RunningParley> {
  const { config } = options;
  if (options.listenOn && config.server.refuseConnectionsWhileUnready) {
    // The gate closes and reopens Parley's own listener; an inherited socket stays open (connections would queue).
    throw new ConfigError('server', [
      'server.refuseConnectionsWhileUnready: cannot refuse connections on a socket Parley ' +
        'inherited (LISTEN_FDS) — turn it off, or let Parley open its own listener (server.host, server.port)',
    ]);
  }
  const logger = options.logger ?? createLogger({ level: config.logging.level, base: { service: 'parley' } });
  const secrets =
    options.secrets ??
    createSecretResolver({
      onError: (error, ref) =>
        logger.error({ ref: ref.split(':')[0], err: error.message }, 'secret reload failed; previous value kept'),
    });
  // Read before anything opens files, so a bad certificate stops start-up without leaving handles behind.
  const tlsRefs = config.server.tls;
  const tls = tlsRefs ? await loadTlsMaterial(tlsRefs, secrets) : undefined;
  const metrics = createMetrics();
  const tracing = options.tracing ?? (await loadTracing({ ...config.telemetry.tracing, serviceName: 'parley' }));
  // Sessions, cache, rate limits, login links and change notices: memory, or Redis when `state.redis` is set.
  const state = await buildEphemeralState(config, secrets, logger, metrics);
  // Keys and the audit trail: files in the data directory, or PostgreSQL when `state.postgres` is set.
  const durable = await openDurableState(config, {
    secrets,
    logger,
    metrics,
    mode: 'server',
    notices: options.notices ?? state.notices,
  });
  const audit = durable.audit;
  const security = await buildSecurity(config, durable.keyStore, new LoginLinks(state.oneTimeTokens));
  const routes = await buildRoutes(config, secrets, metrics, logger, (provider, keyId) =>
    audit.append({
      requestId: 'secrets',
      action: 'config.reloaded',
      outcome: 'success',
      resource: `provider:${provider}`,
      details: { keyId },
    }),
  );

  const { sessions: sessionStore, cache } = state;
  const rateLimits = new RateLimits(
    config.rateLimits,
    state.rateLimits,
    (limit) => metrics.countRateLimited(limit),
    undefined,
    state.rateLimitFailover,
  );
  const chat = new ChatService({
    models: routes.models,
    cache,
    cacheConfig: config.cache,
    admission: rateLimits,
    promptGuard: createPrivacyFilter(config.privacy, config.privacyRules),
    images: config.privacyImages,
    answerTransforms: createAnswerTransforms({
      output: config.safety.output,
      onGuardEvent: guardEventSink(metrics, audit),
    }),
    records: chatRecordSink(metrics, audit, config),
    crossReplica: state.coalescing && new CrossReplicaCoalescing(state.coalescing),
  });
  const embeddings = new EmbeddingService({
    models: routes.embeddings,
    cache,
    cacheConfig: config.cache,
    admission: rateLimits,
    guard: createEmbeddingGuard(config.privacy, config.privacyRules),
    records: embeddingRecordSink(metrics, audit, config),
  });
  const sessions = new SessionService({
    store: sessionStore,
    cache,
    chat,
    idleTtlMs: config.sessions.idleTtlMs,
    maxLifetimeMs: config.sessions.maxLifetimeMs,
    maxSessionsPerOwner: config.sessions.maxSessionsPerOwner,
    events: sessionEventsSink(metrics, audit),
  });

  let ready = false;
  let draining = false;
  // eslint-disable-next-line prefer-const -- read by isDraining (below) before it is set, once listening
  let gate: ListenerGate | undefined; // server.refuseConnectionsWhileUnready
  const { app, inflight, connections } = await buildApp({
    config,
    chat,
    sessions,
    embeddings,
    logger,
    tracing,
    isReady: () => ready && state.isReady(),
    isDraining: () => draining || gate?.closed() === true,
    notReadyStatus: () => (draining ? 'draining' : ready ? 'shared state unavailable (redis)' : 'starting'),
    tls,
    access: {
      authenticate: security.authenticate,
      admitRequest: (scope) => rateLimits.admitRequest(scope),
      startChatAdmission: (scope, onHeaders) => rateLimits.startChatAdmission(scope, onHeaders),
      audit: (event) => audit.append(event),
      clientLimit: rateLimits,
    },
    streams: { opened: () => metrics.incOpenStreams(), closed: () => metrics.decOpenStreams() },
    requestGauge: { inc: () => metrics.incInflight(), dec: () => metrics.decInflight() },
    onResponse: (request, status, durationMs) => {
      const route = request.parley.routeUrl ?? 'unmatched';
      metrics.observeHttpRequest(route, request.method, status, durationMs / 1000);
      metrics.observeOverhead(route, Math.max(0, durationMs - request.parley.upstreamMs) / 1000);
    },
    plugins: [
      (a) =>
        registerOperationsRoutes(a, {
          renderMetrics: () => metrics.render(),
          metricsContentType: metrics.contentType,
          queryAudit: (filters) => queryAudit(durable.auditStorage, filters),
          flushAudit: () => audit.flush(),
        }),
      (a) =>
        registerAdminRoutes(a, {
          keyStore: security.keyStore,
          loginLinks: security.loginLinks,
          audit: (event) => audit.append(event),
          purgeSession: (id, requestId) => sessions.purge(id, requestId),
        }),
      (a) =>
        registerUiRoutes(a, {
          distDir: fileURLToPath(new URL('../web/dist', import.meta.url)),
          uiConfig: config.auth.oidc?.clientId
            ? { oidc: { issuer: config.auth.oidc.issuer, clientId: config.auth.oidc.clientId } }
            : undefined,
        }),
      ...(options.plugins ?? []),
    ],
  });

  const sweeper = setInterval(() => {
    void sessionStore
      .sweep()
      .then(async (expired) => {
        for (const id of expired) {
          await cache.deleteByTag(id);
          audit.append({
            requestId: 'sweeper',
            action: 'session.expired',
            outcome: 'success',
            resource: `session:${id}`,
          });
        }
        metrics.setSessionsLive(await sessionStore.size());
      })
      .catch((error: unknown) =>
        logger.warn(
          { err: error instanceof Error ? error.message : String(error) },
          'session sweep skipped: the session store is unreachable',
        ),
      );
  }, config.sessions.sweepIntervalMs);
  sweeper.unref();

  const stopTls =
    tlsRefs && tls
      ? watchTlsMaterial(app.server as unknown as TlsServer, tlsRefs, secrets, tls, {
          onReload: () => {
            logger.info('TLS certificate reloaded');
            audit.append({
              requestId: 'secrets',
              action: 'config.reloaded',
              outcome: 'success',
              resource: 'server:tls',
            });
          },
          onError: (error) =>
            logger.warn(
              { err: error.message },
              'TLS certificate change not applied; the previous certificate stays in use',
            ),
        })
      : undefined;
  // An inherited socket is taken as it is (Node reads `fd`/`handle` before host and port); the host given here
  // only keeps Fastify from adding bindings of its own ('localhost' would).
  await app.listen(
    options.listenOn
      ? { ...options.listenOn, host: '0.0.0.0' }
      : { host: config.server.host, port: config.server.port },
  );
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const host = options.listenOn && typeof address === 'object' && address ? address.address : config.server.host;
  const url = `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  // Listening already, so /readyz answers 503 while a remote store is still being reached (retries are logged).
  await durable.whenReady;
  const firstStartParts = await ensureFirstAdmin(config, security.keyStore, security.loginLinks, audit);
  ready = true;
  logger.info(
    {
      url,
      providers: config.providers.map((p) => `${p.id}:${p.type}`),
      models: config.models.map((m) => m.name),
      stores: {
        sessions: state.backend,
        cache: state.backend,
        rateLimits: state.backend,
        keys: durable.backend,
        audit: durable.backend,
      },
      auth: config.auth.anonymous ? 'anonymous (development)' : config.auth.oidc ? 'api-keys+oidc' : 'api-keys',
      tracing: tracing.enabled,
      demo: config.demoMode,
    },
    config.demoMode ? 'Parley started with the built-in demo provider (no configuration given)' : 'Parley started',
  );

  gate = config.server.refuseConnectionsWhileUnready
    ? gateListenerOnSharedState({
        app,
        logger,
        isReady: () => state.isReady(),
        isDraining: () => draining,
        listen: { host: config.server.host, port },
        inflight,
        connections,
        idleGraceMs: DRAIN_IDLE_GRACE_MS,
      })
    : undefined;

  let stopping: Promise<void> | undefined;
  /**
   * The drain (docs/deployment.md, "Drain on SIGTERM"): 1. not ready at once (/readyz 503) and every answer from
   * now on says `Connection: close`, including those in flight that have not sent their headers yet; 2. for
   * `server.drainDelay` keep listening and serving, so a balancer that polls readiness stops sending first and
   * one that reuses kept-alive connections sees each of them end with its answer; 3. stop listening; requests on
   * connections still open are served (never refused with 503), and a connection idle for DRAIN_IDLE_GRACE_MS is
   * closed (by then the balancer has used it once more or taken the replica out); 4. after
   * `server.drainTimeout`, cut what is left (streams get a final `shutting_down` error event).
   */
  const shutdown = (): Promise<void> =>
    (stopping ??= (async () => {
      ready = false;
      draining = true;
      gate?.stop();
      const marked = inflight.closeConnectionsAfterResponse();
      logger.info(
        {
          inflight: inflight.size,
          marked,
          drainDelayMs: config.server.drainDelayMs,
          drainTimeoutMs: config.server.drainTimeoutMs,
        },
        'shutting down: draining',
      );
      clearInterval(sweeper);
      stopTls?.();
      if (config.server.drainDelayMs > 0)
        await new Promise((resolve) => setTimeout(resolve, config.server.drainDelayMs));
      // Idle connections go once idle for DRAIN_IDLE_GRACE_MS, not all at once (see idle-connections.ts).
      connections.keepIdleOnClose(app.server);
      const idleSweep = setInterval(() => connections.closeIdleFor(DRAIN_IDLE_GRACE_MS), 50);
      const drainTimer = setTimeout(() => {
        logger.warn({ inflight: inflight.size }, 'drain timeout reached: cutting remaining requests');
        // Let cut streams write their final error event before the sockets go.
        void inflight
          .abortAll(new ParleyError('shutting_down', 'Parley is shutting down; retry on another replica'))
          .then(() => app.server.closeAllConnections());
      }, config.server.drainTimeoutMs);
      logger.info({ inflight: inflight.size }, 'drain: listener closed');
      await app.close();
      clearTimeout(drainTimer);
      clearInterval(idleSweep);
      await Promise.all(routes.adapters.map((a) => a.close()));
      await Promise.all([tracing.shutdown(), security.close(), state.close()]);
      await durable.close();
      secrets.close();
      logger.info('shutdown complete');
    })());

  const firstStart = firstStartParts && {
    adminKey: firstStartParts.adminKey,
    loginUrl: `${url}${firstStartParts.loginPath}`,
  };
  return { url, app, config, logger, metrics, audit, firstStart, shutdown };
}
