// Builds each model alias's route: one adapter and key pool (with its deployment breakers) per provider, shared by
// every alias.

import type { RoutedModel } from '../chat/chat-service.js';
import type { RefusedTarget, RoutedEmbeddings } from '../chat/embedding-service.js';
import type { SecretResolver } from '../config/secrets.js';
import type { ParleyConfig } from '../config/types.js';
import type { Metrics } from '../observability/metrics.js';
import type { Logger } from 'pino';
import type { RouteObserver } from '../domain/index.js';
import type { ChatModel } from '../domain/index.js';
import { combineRouteObservers, createMetricsRouteObserver } from '../observability/route-observer.js';
import { createProviderAdapters } from '../providers/factory.js';
import type { EmbeddingProviderModel } from '../providers/openai/openai-embeddings.js';
import type { ProviderModel } from '../providers/provider-model.js';
import { KeyPool, type PoolKey } from '../routing/key-pool.js';
import { buildRoute } from '../routing/route.js';

export interface BuiltRoutes {
  models: Map<string, RoutedModel>;
  /** Every alias's embeddings route (over its OpenAI-compatible targets only). */
  embeddings: Map<string, RoutedEmbeddings>;
  /** Chat and embeddings adapters, closed at shutdown (a provider's chat adapter closes its one connection pool). */
  adapters: (ProviderModel | EmbeddingProviderModel)[];
}

/** Resolves provider keys (as live getters, so rotated files take effect) and composes every route. */
export async function buildRoutes(
  config: ParleyConfig,
  secrets: SecretResolver,
  metrics: Metrics,
  logger: Logger,
  onKeyReloaded?: (provider: string, keyId: string) => void,
): Promise<BuiltRoutes> {
  // Refused and cooled-down keys are logged by id (never by value) so operators can act on them.
  const keyLog: RouteObserver = {
    keyDisabled: (provider, keyId, status) =>
      logger.warn({ provider, keyId, status }, 'provider refused an API key; it left the rotation'),
    keyCooldown: (provider, keyId, ms) =>
      logger.info({ provider, keyId, cooldownMs: ms }, 'API key cooling down after a rate limit'),
  };
  const adapters = new Map<string, ProviderModel>();
  const embedders = new Map<string, EmbeddingProviderModel>();
  const pools = new Map<string, KeyPool>();
  for (const provider of config.providers) {
    const { chat, embeddings } = createProviderAdapters(provider);
    adapters.set(provider.id, chat);
    if (embeddings !== undefined) embedders.set(provider.id, embeddings);
    const keys: PoolKey[] = [];
    for (const [index, ref] of provider.apiKeys.entries()) {
      const id = `${provider.id}#${index}`;
      keys.push({ id, secret: await secrets.getter(ref) });
      // A rotated key file or Vault secret takes effect without a restart; say so in the log and the audit trail.
      secrets.watch(ref, () => {
        logger.info({ provider: provider.id, keyId: id }, 'provider API key reloaded');
        onKeyReloaded?.(provider.id, id);
      });
      metrics.setKeyHealthy(provider.id, id, true);
    }
    pools.set(
      provider.id,
      new KeyPool({
        provider: provider.id,
        keys,
        breaker: provider.resilience.breaker,
        onBreakerChange: (deployment, state) => metrics.setCircuitState(deployment, state),
      }),
    );
  }

  const models = new Map<string, RoutedModel>();
  // Every deployment's breaker is on the dashboard from the start (labels bounded by the configuration).
  for (const target of config.models.flatMap((m) => m.targets)) {
    for (const deployment of pools.get(target.provider)!.deployments(target.model))
      metrics.setCircuitState(deployment, 'closed');
  }
  const typeOf = new Map(config.providers.map((p) => [p.id, p.type]));
  // One target of a route: the provider's adapter of the route's kind (chat or embeddings) and its key pool.
  const routeTarget = <A>(target: (typeof config.models)[number]['targets'][number], adapterOf: Map<string, A>) => ({
    label: `${target.provider}/${target.model}`,
    provider: target.provider,
    adapter: adapterOf.get(target.provider)!,
    model: target.model,
    keys: [],
    keyPool: pools.get(target.provider)!,
    resilience: target.resilience,
  });
  for (const model of config.models) {
    // One route per subset of the chain actually asked for (requests some targets cannot serve skip them).
    const build = (targets: typeof model.targets): { route: ChatModel; observer: RouteObserver } => ({
      route: buildRoute({ modelName: model.name, targets: targets.map((t) => routeTarget(t, adapters)) }).model,
      observer: combineRouteObservers(
        createMetricsRouteObserver(
          metrics,
          model.name,
          targets.map((t) => t.provider),
        ),
        keyLog,
      ),
    });
    const { route, observer } = build(model.targets);
    const subsets = new Map<string, { route: ChatModel; observer: RouteObserver }>();
    const routeFor = (indexes: readonly number[]): { route: ChatModel; observer: RouteObserver } => {
      const key = indexes.join(',');
      let built = subsets.get(key);
      if (!built) subsets.set(key, (built = build(indexes.map((i) => model.targets[i]))));
      return built;
    };
    const targets = model.targets.map((t) => ({
      provider: t.provider,
      providerType: typeOf.get(t.provider) ?? 'openai',
      model: t.model,
      capabilities: t.capabilities,
    }));
    models.set(model.name, { config: model, route, observer, targets, routeFor });
  }
  const embeddings = new Map<string, RoutedEmbeddings>();
  for (const model of config.models) {
    // The same engine over the providers' embeddings adapters and the same key pools (breakers are per upstream model).
    const capable = model.targets.filter((t) => embedders.has(t.provider));
    const refused: RefusedTarget[] = model.targets
      .filter((t) => !embedders.has(t.provider))
      .map((t) => ({ provider: t.provider, providerType: typeOf.get(t.provider) ?? 'unknown', model: t.model }));
    if (capable.length === 0) {
      embeddings.set(model.name, { refused });
      continue;
    }
    const route = buildRoute({ modelName: model.name, targets: capable.map((t) => routeTarget(t, embedders)) }).model;
    const observer = combineRouteObservers(
      createMetricsRouteObserver(
        metrics,
        model.name,
        capable.map((t) => t.provider),
      ),
      keyLog,
    );
    embeddings.set(model.name, { route, observer, refused });
  }
  return { models, embeddings, adapters: [...adapters.values(), ...embedders.values()] };
}
