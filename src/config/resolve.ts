// Turns a validated file (defaults applied) into the resolved ParleyConfig: units in ms/bytes, resilience merged,
// frozen.

import { resolve as resolvePath } from 'node:path';
import type { ResilienceSettings } from '../domain/index.js';
import type { RawConfig } from './schema.js';
import type { ModelConfig, ParleyConfig, ProviderConfig, ProviderType, StateConfig, StoreTlsConfig } from './types.js';
import { parseDuration, parseSize, type DurationValue } from './units.js';
import type { ConfigProblem } from './validate.js';

/** Base URLs used when a provider leaves `baseUrl` out. */
export const DEFAULT_BASE_URLS: Record<ProviderType, string> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com',
  demo: '',
};

type RawProvider = NonNullable<RawConfig['providers']>[number];
type RawTarget = NonNullable<RawConfig['models']>[number]['targets'][number];
type Overrides = Pick<RawTarget, 'timeouts' | 'retry' | 'breaker'>;

const ms = (value: DurationValue | undefined, fallback: number): number =>
  value === undefined ? fallback : parseDuration(value);

/** Reads a value the schema's defaults have filled in; the schema is the one source of defaults. */
function need<T>(value: T | undefined, key: string): T {
  if (value === undefined) throw new Error(`configuration schema has no default for ${key}`);
  return value;
}

/** Merges resilience overrides (durations as written) over `base`; later layers win key by key. */
export function mergeResilience(base: ResilienceSettings, o: Overrides): ResilienceSettings {
  const t = o.timeouts ?? {};
  const r = o.retry ?? {};
  const b = o.breaker ?? {};
  return {
    timeouts: {
      connectMs: ms(t.connect, base.timeouts.connectMs),
      firstByteMs: ms(t.firstByte, base.timeouts.firstByteMs),
      idleMs: ms(t.idle, base.timeouts.idleMs),
      totalMs: ms(t.total, base.timeouts.totalMs),
    },
    retry: {
      retries: r.retries ?? base.retry.retries,
      baseDelayMs: ms(r.baseDelay, base.retry.baseDelayMs),
      maxDelayMs: ms(r.maxDelay, base.retry.maxDelayMs),
      maxRetryAfterMs: ms(r.maxRetryAfter, base.retry.maxRetryAfterMs),
    },
    breaker: {
      failureThreshold: b.failureThreshold ?? base.breaker.failureThreshold,
      windowMs: ms(b.window, base.breaker.windowMs),
      cooldownMs: ms(b.cooldown, base.breaker.cooldownMs),
      halfOpenProbes: b.halfOpenProbes ?? base.breaker.halfOpenProbes,
    },
  };
}

/** Problems of merged settings that no single key shows (zero timeouts, base delay above max delay). */
function checkResilience(s: ResilienceSettings, path: (string | number)[]): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const [key, value] of Object.entries(s.timeouts)) {
    if (value <= 0)
      out.push({
        path: [...path, 'timeouts', key.replace(/Ms$/, '')],
        message: 'a timeout must be longer than 0 — write e.g. 30s',
      });
  }
  if (s.timeouts.firstByteMs > s.timeouts.totalMs) {
    out.push({
      path: [...path, 'timeouts', 'firstByte'],
      message: 'is longer than timeouts.total — make it shorter than total or raise total',
    });
  }
  if (s.retry.baseDelayMs > s.retry.maxDelayMs) {
    out.push({
      path: [...path, 'retry', 'baseDelay'],
      message: 'is longer than retry.maxDelay — lower baseDelay or raise maxDelay',
    });
  }
  return out;
}

/** Freezes an object graph in place and returns it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function resolveProvider(p: RawProvider, base: ResilienceSettings): ProviderConfig {
  const baseUrl = (p.baseUrl ?? DEFAULT_BASE_URLS[p.type]).replace(/\/+$/, '');
  return {
    id: p.id,
    type: p.type,
    baseUrl,
    apiKeys: [...(p.apiKeys ?? [])],
    headers: { ...(p.headers ?? {}) },
    anthropicVersion: need(p.anthropicVersion, 'providers[].anthropicVersion'),
    maxConnections: need(p.maxConnections, 'providers[].maxConnections'),
    resilience: mergeResilience(base, p),
    limits: {
      maxEventChars: parseSize(need(p.limits?.maxEventSize, 'providers[].limits.maxEventSize')),
      maxBodyBytes: parseSize(need(p.limits?.maxBodySize, 'providers[].limits.maxBodySize')),
      maxAnswerTokens: need(p.limits?.maxAnswerTokens, 'providers[].limits.maxAnswerTokens'),
    },
  };
}

/**
 * Builds the resolved configuration from a schema-valid, cross-checked file with defaults applied.
 * Returns the problems instead if merged values contradict each other.
 */
export function resolveConfig(
  raw: RawConfig,
  opts: { demoMode: boolean; cwd: string; defaults: ResilienceSettings },
): { config: ParleyConfig; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const providers = (raw.providers ?? []).map((p) => resolveProvider(p, opts.defaults));
  providers.forEach((p, i) => problems.push(...checkResilience(p.resilience, ['providers', i])));
  const byId = new Map(providers.map((p) => [p.id, p]));
  const models: ModelConfig[] = (raw.models ?? []).map((m, i) => ({
    name: m.name,
    description: need(m.description, 'models[].description'),
    contextTokens: need(m.contextTokens, 'models[].contextTokens'),
    ...(m.maxOutputTokens !== undefined ? { maxOutputTokens: m.maxOutputTokens } : {}),
    ...(m.capabilities !== undefined ? { capabilities: [...m.capabilities] } : {}),
    targets: m.targets.map((t, j) => {
      const resilience = mergeResilience(byId.get(t.provider)?.resilience ?? opts.defaults, t);
      problems.push(...checkResilience(resilience, ['models', i, 'targets', j]));
      const capabilities = narrowCapabilities(m.capabilities, t.capabilities);
      return {
        provider: t.provider,
        model: t.model,
        resilience,
        ...(capabilities !== undefined ? { capabilities } : {}),
      };
    }),
  }));
  const server = need(raw.server, 'server');
  const sessions = need(raw.sessions, 'sessions');
  const cache = need(raw.cache, 'cache');
  const limits = need(raw.limits, 'limits');
  const rateLimits = need(raw.rateLimits, 'rateLimits');
  const config: ParleyConfig = {
    server: {
      host: need(server.host, 'server.host'),
      port: need(server.port, 'server.port'),
      bodyLimitBytes: parseSize(need(server.bodyLimit, 'server.bodyLimit')),
      drainDelayMs: parseDuration(need(server.drainDelay, 'server.drainDelay')),
      drainTimeoutMs: parseDuration(need(server.drainTimeout, 'server.drainTimeout')),
      refuseConnectionsWhileUnready: need(server.refuseConnectionsWhileUnready, 'server.refuseConnectionsWhileUnready'),
      headersTimeoutMs: parseDuration(need(server.headersTimeout, 'server.headersTimeout')),
      requestTimeoutMs: parseDuration(need(server.requestTimeout, 'server.requestTimeout')),
      ...(server.tls ? { tls: { cert: server.tls.cert, key: server.tls.key } } : {}),
      ...(server.cors?.origins?.length ? { cors: { origins: [...server.cors.origins] } } : {}),
      trustedProxies: [...(server.trustedProxies ?? [])],
    },
    dataDir: resolvePath(opts.cwd, need(raw.dataDir, 'dataDir')),
    providers,
    models,
    sessions: {
      idleTtlMs: parseDuration(need(sessions.idleTtl, 'sessions.idleTtl')),
      maxLifetimeMs: parseDuration(need(sessions.maxLifetime, 'sessions.maxLifetime')),
      sweepIntervalMs: parseDuration(need(sessions.sweepInterval, 'sessions.sweepInterval')),
      maxSessionsPerOwner: need(sessions.maxSessionsPerOwner, 'sessions.maxSessionsPerOwner'),
    },
    cache: {
      mode: need(cache.mode, 'cache.mode'),
      ttlMs: parseDuration(need(cache.ttl, 'cache.ttl')),
      maxEntries: need(cache.maxEntries, 'cache.maxEntries'),
    },
    limits: {
      maxMessages: need(limits.maxMessages, 'limits.maxMessages'),
      maxMessageChars: need(limits.maxMessageChars, 'limits.maxMessageChars'),
      maxTokens: need(limits.maxTokens, 'limits.maxTokens'),
    },
    rateLimits: {
      requestsPerMinute: need(rateLimits.requestsPerMinute, 'rateLimits.requestsPerMinute'),
      tokensPerMinute: need(rateLimits.tokensPerMinute, 'rateLimits.tokensPerMinute'),
      concurrentStreams: need(rateLimits.concurrentStreams, 'rateLimits.concurrentStreams'),
      failedAuthPerMinute: need(rateLimits.failedAuthPerMinute, 'rateLimits.failedAuthPerMinute'),
    },
    ...privacyOf(need(raw.privacy, 'privacy')),
    safety: { output: resolveOutputPolicy(need(need(raw.safety, 'safety').output, 'safety.output')) },
    auth: resolveAuth(need(raw.auth, 'auth')),
    audit: resolveAudit(need(raw.audit, 'audit')),
    state: resolveState(need(raw.state, 'state')),
    telemetry: { tracing: resolveTracing(need(need(raw.telemetry, 'telemetry').tracing, 'telemetry.tracing')) },
    logging: { level: need(need(raw.logging, 'logging').level, 'logging.level') },
    demoMode: opts.demoMode,
  };
  if (config.server.requestTimeoutMs > 0 && config.server.headersTimeoutMs > config.server.requestTimeoutMs) {
    problems.push({
      path: ['server', 'headersTimeout'],
      message:
        `must not be longer than server.requestTimeout (${config.server.requestTimeoutMs} ms) — ` +
        `shorten it or raise requestTimeout`,
    });
  }
  if (config.sessions.idleTtlMs <= 0)
    problems.push({ path: ['sessions', 'idleTtl'], message: 'must be longer than 0 — write e.g. 30m' });
  config.safety.output.rules.forEach((rule, i) =>
    rule.patterns?.forEach((pattern, j) => {
      try {
        new RegExp(pattern, 'giu');
      } catch (error) {
        problems.push({
          path: ['safety', 'output', 'rules', i, 'patterns', j],
          message:
            `is not a valid regular expression (${(error as Error).message}) ` +
            `— fix the pattern or use words: instead`,
        });
      }
    }),
  );
  if (config.auth.anonymous && !isLoopback(config.server.host)) {
    problems.push({
      path: ['auth', 'anonymous'],
      message:
        `cannot be true while server.host is ${config.server.host}, a non-loopback address: anyone ` +
        `on the network could use Parley — set auth.anonymous: false and use API keys, or bind to 127.0.0.1`,
    });
  }
  if (config.sessions.sweepIntervalMs <= 0)
    problems.push({ path: ['sessions', 'sweepInterval'], message: 'must be longer than 0 — write e.g. 1m' });
  return { config: deepFreeze(config), problems };
}

type Raw = RawConfig;

function resolveOutputPolicy(raw: NonNullable<NonNullable<Raw['safety']>['output']>): ParleyConfig['safety']['output'] {
  return {
    mode: need(raw.mode, 'safety.output.mode'),
    holdBackChars: need(raw.holdBackChars, 'safety.output.holdBackChars'),
    rules: (raw.rules ?? []).map((r) => ({ ...r })),
  };
}

function resolveAuth(raw: NonNullable<Raw['auth']>): ParleyConfig['auth'] {
  const o = raw.oidc;
  const anonymous = need(raw.anonymous, 'auth.anonymous');
  if (!o) return { anonymous };
  return {
    anonymous,
    oidc: {
      issuer: o.issuer,
      audience: o.audience,
      ...(o.clientId ? { clientId: o.clientId } : {}),
      rolesClaim: need(o.rolesClaim, 'auth.oidc.rolesClaim'),
      ...(o.roleMapping ? { roleMapping: { ...o.roleMapping } } : {}),
      ...(o.defaultRole ? { defaultRole: o.defaultRole } : {}),
      algorithms: [...need(o.algorithms, 'auth.oidc.algorithms')],
      clockSkewMs: parseDuration(need(o.clockSkew, 'auth.oidc.clockSkew')),
    },
  };
}

function resolveAudit(raw: NonNullable<Raw['audit']>): ParleyConfig['audit'] {
  return {
    ...(raw.signingKey ? { signingKey: raw.signingKey } : {}),
    checkpointEvery: need(raw.checkpointEvery, 'audit.checkpointEvery'),
    ipv4Prefix: need(raw.ipv4Prefix, 'audit.ipv4Prefix'),
    ipv6Prefix: need(raw.ipv6Prefix, 'audit.ipv6Prefix'),
    spoolMaxEvents: need(raw.spoolMaxEvents, 'audit.spoolMaxEvents'),
    segmentMaxBytes: parseSize(need(raw.segmentMaxSize, 'audit.segmentMaxSize')),
    segmentMaxAgeMs: parseDuration(need(raw.segmentMaxAge, 'audit.segmentMaxAge')),
    ...(raw.retention !== undefined ? { retentionMs: parseDuration(raw.retention) } : {}),
    purgeIntervalMs: parseDuration(need(raw.purgeInterval, 'audit.purgeInterval')),
  };
}

function resolveTls(
  raw: { ca?: string; rejectUnauthorized?: boolean } | undefined,
  path: string,
): StoreTlsConfig | undefined {
  if (!raw) return undefined;
  return {
    ...(raw.ca ? { ca: raw.ca } : {}),
    rejectUnauthorized: need(raw.rejectUnauthorized, `${path}.rejectUnauthorized`),
  };
}

function resolveState(raw: NonNullable<Raw['state']>): StateConfig {
  const { redis, postgres } = raw;
  const redisTls = resolveTls(redis?.tls, 'state.redis.tls');
  const pgTls = resolveTls(postgres?.tls, 'state.postgres.tls');
  return {
    ...(redis
      ? {
          redis: {
            url: redis.url,
            keyPrefix: need(redis.keyPrefix, 'state.redis.keyPrefix'),
            ...(redisTls ? { tls: redisTls } : {}),
            commandTimeoutMs: parseDuration(need(redis.commandTimeout, 'state.redis.commandTimeout')),
          },
        }
      : {}),
    ...(postgres
      ? {
          postgres: {
            url: postgres.url,
            schema: need(postgres.schema, 'state.postgres.schema'),
            ...(pgTls ? { tls: pgTls } : {}),
            queryTimeoutMs: parseDuration(need(postgres.queryTimeout, 'state.postgres.queryTimeout')),
            poolSize: need(postgres.poolSize, 'state.postgres.poolSize'),
          },
        }
      : {}),
    ...(raw.encryptionKey ? { encryptionKey: raw.encryptionKey } : {}),
    previousEncryptionKeys: [...need(raw.previousEncryptionKeys, 'state.previousEncryptionKeys')],
    rateLimitFailMode: need(raw.rateLimitFailMode, 'state.rateLimitFailMode'),
  };
}

function resolveTracing(
  raw: NonNullable<NonNullable<Raw['telemetry']>['tracing']>,
): ParleyConfig['telemetry']['tracing'] {
  return {
    enabled: need(raw.enabled, 'telemetry.tracing.enabled'),
    endpoint: need(raw.endpoint, 'telemetry.tracing.endpoint'),
    sampleRatio: need(raw.sampleRatio, 'telemetry.tracing.sampleRatio'),
  };
}

/** True for 127.0.0.0/8, ::1 and localhost. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** A target's capabilities: its own list within the model's (either alone when the other is unset). */
function narrowCapabilities(
  model: readonly string[] | undefined,
  target: readonly string[] | undefined,
): string[] | undefined {
  if (target === undefined) return model === undefined ? undefined : [...model];
  return model === undefined ? [...target] : target.filter((c) => model.includes(c));
}

/**
 * Splits `privacy:` into the per-category actions, the images policy and the rules (thresholds, custom recognizers,
 * allowlist).
 */
function privacyOf(
  raw: NonNullable<RawConfig['privacy']>,
): Pick<ParleyConfig, 'privacy' | 'privacyImages' | 'privacyRules'> {
  const { images, thresholds = {}, custom = [], allowlist = [], ...categories } = raw;
  return {
    privacy: { ...categories } as ParleyConfig['privacy'],
    privacyImages: images ?? 'allow',
    privacyRules: {
      thresholds: { ...thresholds } as Record<string, number>,
      custom: custom.map((c) => ({ ...c })),
      allowlist: [...allowlist],
    },
  };
}
