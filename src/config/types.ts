// The resolved, frozen configuration that the rest of Parley reads (produced by config/load.ts).

import type { ResilienceSettings } from '../domain/index.js';

export type ProviderType = 'openai' | 'anthropic' | 'demo';

/** A secret reference as written in the file: `env:NAME`, `file:/path` or `vault:path#field`. */
export type SecretRef = string;

export interface ProviderConfig {
  id: string;
  type: ProviderType;
  /** Base URL including the version path for OpenAI-compatible servers (e.g. http://host/v1). */
  baseUrl: string;
  /** Unresolved references; resolve with config/secrets.ts. Empty for keyless servers (Ollama, demo). */
  apiKeys: SecretRef[];
  /** Extra static headers sent upstream (non-secret), e.g. OpenAI-Organization. */
  headers: Record<string, string>;
  /** Anthropic only: the `anthropic-version` header. */
  anthropicVersion: string;
  /** Keep-alive connections per upstream origin. */
  maxConnections: number;
  resilience: ResilienceSettings;
  /** How much of an answer is read (providers[].limits; always set by the loader, absent: the defaults). */
  limits?: { maxEventChars: number; maxBodyBytes: number; maxAnswerTokens: number };
}

export interface TargetConfig {
  provider: string;
  /** The provider's own model id. */
  model: string;
  /** Provider settings with this target's overrides merged in. */
  resilience: ResilienceSettings;
  /** The model's capabilities narrowed by the target's own list; undefined: not configured (assume any). */
  capabilities?: string[];
}

export interface ModelConfig {
  /** The alias clients send as `model`. */
  name: string;
  description: string;
  /** Token budget of the prompt; history is trimmed (oldest first, system kept) to fit. */
  contextTokens: number;
  /** Default `max_tokens` when the client sends none (undefined: leave it to the provider). */
  maxOutputTokens?: number;
  /** The fallback chain, tried in order. */
  targets: TargetConfig[];
  /** What the model can do (tools, vision, json_schema, reasoning); undefined: not configured (assume any). */
  capabilities?: string[];
}

export interface CacheConfig {
  /** off: never; opt-in: only requests that ask (`x-parley-cache: use`); deterministic: also temperature 0 requests. */
  mode: 'off' | 'opt-in' | 'deterministic';
  ttlMs: number;
  maxEntries: number;
}

export interface ParleyConfig {
  server: {
    host: string;
    port: number;
    /** Largest accepted request body. */
    bodyLimitBytes: number;
    /** How long in-flight requests may run after SIGTERM before they are cut. */
    /**
     * After SIGTERM, keep listening (answers with Connection: close, /readyz 503) this long before closing the
     * listener.
     */
    drainDelayMs: number;
    drainTimeoutMs: number;
    /** Close the listener while a shared store is unreachable (passive-health-check load balancers). */
    refuseConnectionsWhileUnready: boolean;
    /** Longest wait for a request's headers, then for the whole request (408 and the socket closed). */
    headersTimeoutMs: number;
    requestTimeoutMs: number;
    /** HTTPS certificate chain and key (references, reloaded on change); absent: plain HTTP. */
    tls?: { cert: SecretRef; key: SecretRef };
    /** Origins allowed cross-origin access; absent: none (every cross-origin call is denied). */
    cors?: { origins: string[] };
    /** Reverse proxies (addresses, CIDR networks) whose X-Forwarded-For is believed; empty: none. */
    trustedProxies: string[];
  };
  /** Where embedded stores keep files (keys, audit trail). */
  dataDir: string;
  providers: ProviderConfig[];
  models: ModelConfig[];
  sessions: { idleTtlMs: number; maxLifetimeMs: number; sweepIntervalMs: number; maxSessionsPerOwner: number };
  cache: CacheConfig;
  limits: { maxMessages: number; maxMessageChars: number; maxTokens: number };
  /** Per-principal limits; 0 means unlimited. */
  rateLimits: {
    requestsPerMinute: number;
    tokensPerMinute: number;
    concurrentStreams: number;
    failedAuthPerMinute: number;
  };
  /** Action per PII/secret category (keys as in src/privacy/types.ts). */
  privacy: Record<string, 'pseudonymise' | 'redact' | 'block' | 'allow'>;
  /** `privacy.images`: forward images (allow, counted and audited) or refuse requests with images (block). */
  privacyImages: 'allow' | 'block';
  /** Thresholds, custom recognizers and allowlist from the `privacy:` section (passed to createPrivacyFilter). */
  privacyRules: PrivacyRulesConfig;
  safety: {
    output: {
      mode: 'enforce' | 'shadow';
      holdBackChars: number;
      rules: { category: string; action: 'flag' | 'redact' | 'block'; patterns?: string[]; words?: string[] }[];
    };
  };
  auth: {
    /** Development only: no credentials, every request is one local admin (refused off loopback). */
    anonymous: boolean;
    oidc?: {
      issuer: string;
      audience: string;
      clientId?: string;
      rolesClaim: string;
      roleMapping?: Record<string, 'user' | 'auditor' | 'admin'>;
      defaultRole?: 'user' | 'auditor' | 'admin';
      algorithms: string[];
      clockSkewMs: number;
    };
  };
  audit: {
    signingKey?: SecretRef;
    checkpointEvery: number;
    ipv4Prefix: number;
    ipv6Prefix: number;
    spoolMaxEvents: number;
    /** File trail: seal the active file into a segment at this size or age. */
    segmentMaxBytes: number;
    segmentMaxAgeMs: number;
    /**
     * Records older than this are purged (files: automatically; PostgreSQL: `parley audit purge`); unset: kept for
     * ever.
     */
    retentionMs?: number;
    purgeIntervalMs: number;
  };
  /** Shared state for several replicas; both stores absent means memory and files in one process. */
  state: StateConfig;
  telemetry: { tracing: { enabled: boolean; endpoint: string; sampleRatio: number } };
  logging: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' };
  /** True when no provider was configured and the built-in demo provider is in use. */
  demoMode: boolean;
}

/** TLS options of a connection to a store. */
export interface StoreTlsConfig {
  ca?: SecretRef;
  rejectUnauthorized: boolean;
}

/** Where shared state lives (config key `state`). */
export interface StateConfig {
  redis?: { url: SecretRef; keyPrefix: string; tls?: StoreTlsConfig; commandTimeoutMs: number };
  postgres?: { url: SecretRef; schema: string; tls?: StoreTlsConfig; queryTimeoutMs: number; poolSize: number };
  /** Seals conversation content at rest in Redis. */
  encryptionKey?: SecretRef;
  /** Older keys, read only, while a rotation completes. */
  previousEncryptionKeys: SecretRef[];
  rateLimitFailMode: 'closed' | 'open';
}

/** One `privacy.custom` recognizer. */
export interface CustomRecognizerConfig {
  name: string;
  pattern?: string;
  ignoreCase?: boolean;
  checksum?: 'luhn' | 'mod97' | 'mod11';
  context?: string[];
  score?: number;
  threshold?: number;
  terms?: string[];
  action?: 'pseudonymise' | 'redact' | 'block' | 'allow';
}

/** The rule keys of `privacy:` besides the per-category actions. */
export interface PrivacyRulesConfig {
  thresholds: Record<string, number>;
  custom: CustomRecognizerConfig[];
  allowlist: string[];
}
