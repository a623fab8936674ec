// Composition root: the only place that picks concrete backends (stores, adapters, auth) and wires them.

import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { ChatService, type RoutedModel } from './chat/chat-service.js';
import { SessionService } from './chat/session-service.js';
import { createSecretResolver, type SecretResolver } from './config/secrets.js';
import type { ParleyConfig } from './config/types.js';
import { ParleyError, type Principal } from './domain/index.js';
import { buildApp } from './http/app.js';
import type { ParleyApp } from './http/request-context.js';
import { createLogger } from './observability/logger.js';
import { createProviderModel } from './providers/factory.js';
import type { ProviderModel } from './providers/provider-model.js';
import { CircuitBreaker } from './routing/circuit-breaker.js';
import { KeyPool, type PoolKey } from './routing/key-pool.js';
import { buildRoute } from './routing/route.js';
import { MemoryCacheStore } from './store/memory/cache-store.js';
import { MemorySessionStore } from './store/memory/session-store.js';

export interface StartOptions {
  config: ParleyConfig;
  logger?: Logger;
  secrets?: SecretResolver;
  /** Overrides authentication (tests); defaults to the configured authenticator. */
  authenticate?: (request: FastifyRequest) => Promise<Principal>;
}

/** A started Parley server. */
export interface RunningParley {
  url: string;
  app: ParleyApp;
  config: ParleyConfig;
  logger: Logger;
  /** Graceful stop: /readyz turns 503, no new connections, in-flight requests get the drain timeout. */
  shutdown(): Promise<void>;
}

/** Builds every component from the configuration and starts listening. */
export async function startParley(options: StartOptions): Promise<RunningParley> {
  const { config } = options;
  const logger = options.logger ?? createLogger({ level: config.logging.level, base: { service: 'parley' } });
  const secrets = options.secrets ?? createSecretResolver();

  const adapters = new Map<string, ProviderModel>();
  const pools = new Map<string, KeyPool>();
  const breakers = new Map<string, CircuitBreaker>();
  for (const provider of config.providers) {
    adapters.set(provider.id, createProviderModel(provider));
    const keys: PoolKey[] = [];
    for (const [index, ref] of provider.apiKeys.entries()) keys.push({ id: `${provider.id}#${index}`, secret: await secrets.getter(ref) });
    pools.set(provider.id, new KeyPool({ provider: provider.id, keys, breaker: provider.resilience.breaker }));
    breakers.set(provider.id, new CircuitBreaker(provider.resilience.breaker));
  }

  const models = new Map<string, RoutedModel>();
  for (const model of config.models) {
    const { model: route } = buildRoute({
      modelName: model.name,
      targets: model.targets.map((target) => ({
        label: `${target.provider}/${target.model}`,
        provider: target.provider,
        adapter: adapters.get(target.provider)!,
        model: target.model,
        keys: [],
        keyPool: pools.get(target.provider)!,
        resilience: target.resilience,
        providerBreaker: breakers.get(target.provider)!,
      })),
    });
    models.set(model.name, { config: model, route });
  }

  const sessionStore = new MemorySessionStore({ idleTtlMs: config.sessions.idleTtlMs });
  const cache = new MemoryCacheStore({ maxEntries: config.cache.maxEntries });
  const chat = new ChatService({ models, cache, cacheConfig: config.cache });
  const sessions = new SessionService({
    store: sessionStore,
    cache,
    chat,
    idleTtlMs: config.sessions.idleTtlMs,
    maxLifetimeMs: config.sessions.maxLifetimeMs,
  });

  let ready = false;
  const { app, inflight } = await buildApp({
    config,
    chat,
    sessions,
    logger,
    isReady: () => ready,
    authenticate: options.authenticate ?? anonymousAuthenticator,
  });

  const sweeper = setInterval(() => {
    void sessionStore.sweep().then(async (expired) => {
      for (const id of expired) await cache.deleteByTag(id);
      if (expired.length > 0) logger.info({ count: expired.length }, 'expired sessions purged');
    });
  }, config.sessions.sweepIntervalMs);
  sweeper.unref();

  await app.listen({ host: config.server.host, port: config.server.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const url = `http://${config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host}:${port}`;
  ready = true;
  logger.info(
    {
      url,
      providers: config.providers.map((p) => `${p.id}:${p.type}`),
      models: config.models.map((m) => m.name),
      stores: { sessions: 'memory', cache: 'memory' },
      demo: config.demoMode,
    },
    config.demoMode ? 'Parley started with the built-in demo provider (no configuration given)' : 'Parley started',
  );

  let stopping: Promise<void> | undefined;
  const shutdown = (): Promise<void> =>
    (stopping ??= (async () => {
      ready = false;
      logger.info({ inflight: inflight.size, drainTimeoutMs: config.server.drainTimeoutMs }, 'shutting down: draining');
      clearInterval(sweeper);
      const drainTimer = setTimeout(() => {
        logger.warn({ inflight: inflight.size }, 'drain timeout reached: cutting remaining requests');
        inflight.abortAll(new ParleyError('shutting_down', 'Parley is shutting down; retry on another replica'));
        app.server.closeAllConnections();
      }, config.server.drainTimeoutMs);
      await app.close();
      clearTimeout(drainTimer);
      await Promise.all([...adapters.values()].map((a) => a.close()));
      secrets.close();
      logger.info('shutdown complete');
    })());

  return { url, app, config, logger, shutdown };
}

/** Placeholder until credentials are configured: every request acts as one local principal. */
async function anonymousAuthenticator(): Promise<Principal> {
  return { id: 'local', role: 'admin', via: 'anonymous', scope: 'local' };
}
