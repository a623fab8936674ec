// The one schema of the YAML configuration file: every key with its description and default.

import Type from 'typebox';
import { DEFAULT_RESILIENCE } from '../domain/index.js';
import { SECRET_REF_PATTERN } from './secret-ref.js';
import { DURATION_PATTERN, SIZE_PATTERN } from './units.js';

/** Formats milliseconds the way an operator would write them ("30s", "10m", "250ms"). */
export function formatDuration(ms: number): string {
  const units: [string, number][] = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ];
  for (const [unit, size] of units) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

type Opts = { description: string; default?: unknown; [key: string]: unknown };

/** A duration: milliseconds or "250ms" / "30s" / "5m" / "1h" / "2d". */
const Duration = (opts: Opts) =>
  Type.Union([Type.Number({ minimum: 0 }), Type.String({ pattern: DURATION_PATTERN })], {
    ...opts,
    'x-kind': 'duration',
  });

/** A size: bytes or "512kb" / "1mb". */
const Size = (opts: Opts) =>
  Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: SIZE_PATTERN })], { ...opts, 'x-kind': 'size' });

const Int = (opts: Opts & { minimum?: number; maximum?: number }) => Type.Integer(opts);

const strict = { additionalProperties: false } as const;

/** PII and secret categories (kept equal to src/privacy/types.ts by a test; config may not import privacy/). */
export const PRIVACY_CATEGORIES = [
  'email',
  'phone',
  'card',
  'iban',
  'ssn',
  'ip',
  'person',
  'address',
  'date_of_birth',
  'national_id',
  'passport',
  'mac',
  'private_key',
  'jwt',
  'anthropic_key',
  'openai_key',
  'aws_key',
  'github_token',
  'stripe_key',
  'url_credentials',
  'credential',
] as const;
const SECRET_PRIVACY_CATEGORIES: readonly string[] = [
  'private_key',
  'jwt',
  'anthropic_key',
  'openai_key',
  'aws_key',
  'github_token',
  'stripe_key',
];
/** TLS towards a shared store (Redis, PostgreSQL): the CA to trust and whether to verify the server. */
const storeTls = (description: string) =>
  Type.Object(
    {
      ca: Type.Optional(
        Type.String({
          pattern: SECRET_REF_PATTERN,
          'x-kind': 'secret',
          description: 'CA certificate (PEM) that signs the server certificate.',
        }),
      ),
      rejectUnauthorized: Type.Optional(
        Type.Boolean({ description: 'Refuse a server certificate that does not verify.', default: true }),
      ),
    },
    { ...strict, description },
  );

const R = DEFAULT_RESILIENCE;
/** Per-target overrides have no default of their own: they inherit the provider's value. */
const INHERIT = { 'x-default-doc': "the provider's" };

/** Options of a resilience section: provider level (with defaults) or a target's overrides. */
function section(name: string, description: string, withDefaults: boolean) {
  return withDefaults
    ? { ...strict, description, default: {} }
    : {
        ...strict,
        description: `This target's overrides of the provider's ${name}; keys left out keep the provider's value.`,
      };
}

/** Timeouts of one upstream call; `withDefaults` false gives the per-target override form. */
function timeoutsSchema(withDefaults: boolean) {
  const d = (ms: number) => (withDefaults ? { default: formatDuration(ms) } : INHERIT);
  return Type.Object(
    {
      connect: Type.Optional(
        Duration({ description: 'TCP/TLS connection establishment.', ...d(R.timeouts.connectMs) }),
      ),
      firstByte: Type.Optional(
        Duration({
          description: 'From sending the request to the first byte of the response.',
          ...d(R.timeouts.firstByteMs),
        }),
      ),
      idle: Type.Optional(
        Duration({ description: 'Longest silence between two chunks of a stream.', ...d(R.timeouts.idleMs) }),
      ),
      total: Type.Optional(Duration({ description: 'The whole call, first byte to last.', ...d(R.timeouts.totalMs) })),
    },
    section('timeouts', 'Timeouts of one upstream call.', withDefaults),
  );
}

function retrySchema(withDefaults: boolean) {
  const d = (v: unknown) => (withDefaults ? { default: v } : INHERIT);
  return Type.Object(
    {
      retries: Type.Optional(
        Int({
          description: 'Retries of a target after the first attempt on retryable errors.',
          minimum: 0,
          maximum: 10,
          ...d(R.retry.retries),
        }),
      ),
      baseDelay: Type.Optional(
        Duration({
          description: 'Backoff base: retry n waits a random time up to baseDelay * 2^n.',
          ...d(formatDuration(R.retry.baseDelayMs)),
        }),
      ),
      maxDelay: Type.Optional(
        Duration({ description: 'Upper bound of one backoff wait.', ...d(formatDuration(R.retry.maxDelayMs)) }),
      ),
      maxRetryAfter: Type.Optional(
        Duration({
          description: "A provider's retry-after is honoured up to this long; longer waits go to the next target.",
          ...d(formatDuration(R.retry.maxRetryAfterMs)),
        }),
      ),
    },
    section(
      'retry',
      'Retries on retryable errors (connection failures, first-byte timeouts, 408, 409, 429, 5xx).',
      withDefaults,
    ),
  );
}

function breakerSchema(withDefaults: boolean) {
  const d = (v: unknown) => (withDefaults ? { default: v } : INHERIT);
  return Type.Object(
    {
      failureThreshold: Type.Optional(
        Int({
          description: 'Failures within `window` that open the circuit.',
          minimum: 1,
          ...d(R.breaker.failureThreshold),
        }),
      ),
      window: Type.Optional(
        Duration({
          description: 'The window in which failures are counted.',
          ...d(formatDuration(R.breaker.windowMs)),
        }),
      ),
      cooldown: Type.Optional(
        Duration({
          description: 'How long an open circuit refuses calls before letting probes through.',
          ...d(formatDuration(R.breaker.cooldownMs)),
        }),
      ),
      halfOpenProbes: Type.Optional(
        Int({
          description: 'Trial calls allowed at once while half-open; the first success closes it.',
          minimum: 1,
          ...d(R.breaker.halfOpenProbes),
        }),
      ),
    },
    section(
      'breaker',
      "Circuit breaker per deployment (provider, upstream model and key); a target's overrides " +
        "apply to its model's deployments.",
      withDefaults,
    ),
  );
}

const ProviderSchema = Type.Object(
  {
    id: Type.String({
      description: 'Name of the provider, referenced by models[].targets[].provider.',
      pattern: '^[a-z0-9][a-z0-9_-]*$',
      'x-hint': 'use lowercase letters, digits, - and _, starting with a letter or digit (e.g. main)',
    }),
    type: Type.Union([Type.Literal('openai'), Type.Literal('anthropic'), Type.Literal('demo')], {
      description:
        'Wire protocol: openai (OpenAI and any OpenAI-compatible server), anthropic, or demo (built-in, offline).',
    }),
    baseUrl: Type.Optional(
      Type.String({
        description: 'Base URL; for OpenAI-compatible servers include the version path (http://host/v1).',
        'x-default-doc': 'openai: https://api.openai.com/v1, anthropic: https://api.anthropic.com, demo: none',
      }),
    ),
    apiKeys: Type.Optional(
      Type.Array(Type.String({ pattern: SECRET_REF_PATTERN, 'x-kind': 'secret', description: 'A secret reference.' }), {
        description:
          'Secret references (env:NAME, file:/path, vault:mount/path#field); several form a rotation ' +
          'pool. Empty for keyless servers.',
        default: [],
      }),
    ),
    headers: Type.Optional(
      Type.Record(Type.String(), Type.String(), {
        description: 'Extra static, non-secret headers sent upstream.',
        default: {},
      }),
    ),
    anthropicVersion: Type.Optional(
      Type.String({ description: 'Anthropic only: the anthropic-version header.', default: '2023-06-01' }),
    ),
    maxConnections: Type.Optional(
      Int({ description: 'Keep-alive connections per upstream origin.', minimum: 1, default: 64 }),
    ),
    timeouts: Type.Optional(timeoutsSchema(true)),
    retry: Type.Optional(retrySchema(true)),
    breaker: Type.Optional(breakerSchema(true)),
    limits: Type.Optional(
      Type.Object(
        {
          maxEventSize: Type.Optional(
            Size({
              description:
                'Longest stream event (decoded characters; bytes for ASCII) before the attempt ends with ' +
                '502 upstream_event_too_large.',
              default: '1mb',
            }),
          ),
          maxBodySize: Type.Optional(
            Size({
              description: 'Largest non-streamed answer body before the attempt ends with 502 upstream_body_too_large.',
              default: '8mb',
            }),
          ),
          maxAnswerTokens: Type.Optional(
            Int({
              description:
                "Ceiling of an answer's length when the request sets no max_tokens. An answer longer than " +
                '16 characters per token of its max_tokens (or of this ceiling) is cut with 502 ' +
                'upstream_answer_too_long.',
              minimum: 1,
              default: 131_072,
            }),
          ),
        },
        {
          ...strict,
          description:
            "How much of a provider's answer Parley reads: a misbehaving upstream cannot grow memory " +
            'or stream for ever.',
          default: {},
        },
      ),
    ),
  },
  { ...strict, description: 'An upstream AI provider.' },
);

/** What a model can do; a request needing something not listed is refused (400) or skips the target. */
const Capabilities = (description: string) =>
  Type.Array(
    Type.Union([Type.Literal('tools'), Type.Literal('vision'), Type.Literal('json_schema'), Type.Literal('reasoning')]),
    { description, uniqueItems: true },
  );

const TargetSchema = Type.Object(
  {
    provider: Type.String({ description: 'The id of a provider in providers[].' }),
    model: Type.String({ description: "The provider's own model id.", minLength: 1 }),
    capabilities: Type.Optional(
      Capabilities(
        "Narrows the model's capabilities for this target (only these, and only if the model lists " +
          "them); a request needing another skips this target. Unset: the model's.",
      ),
    ),
    timeouts: Type.Optional(timeoutsSchema(false)),
    retry: Type.Optional(retrySchema(false)),
    breaker: Type.Optional(breakerSchema(false)),
  },
  {
    ...strict,
    description: "One step of a model's fallback chain; timeouts, retry and breaker override the provider's.",
  },
);

const ModelSchema = Type.Object(
  {
    name: Type.String({
      description: 'The name clients send as "model".',
      pattern: '^\\S+$',
      'x-hint': 'use a name without spaces (e.g. chat)',
    }),
    description: Type.Optional(Type.String({ description: 'Shown in the UI and GET /v1/models.', default: '' })),
    contextTokens: Type.Optional(
      Int({
        description: 'Token budget of the prompt; history is trimmed (oldest first, system kept) to fit.',
        minimum: 1,
        default: 8192,
      }),
    ),
    maxOutputTokens: Type.Optional(
      Int({ description: 'Default max_tokens when the client sends none (unset: the provider decides).', minimum: 1 }),
    ),
    capabilities: Type.Optional(
      Capabilities(
        'What the model can do (tools, vision, json_schema, reasoning), listed by GET /v1/models. ' +
          'A request needing another is a 400 naming it. Unset: assume the targets can, and let the provider decide.',
      ),
    ),
    targets: Type.Array(TargetSchema, { description: 'The fallback chain, tried in order.' }),
  },
  { ...strict, description: 'A model alias that clients can call.' },
);

/** The schema of the whole configuration file. */
export const ConfigSchema = Type.Object(
  {
    server: Type.Optional(
      Type.Object(
        {
          host: Type.Optional(
            Type.String({ description: 'Address to listen on (env HOST overrides).', default: '127.0.0.1' }),
          ),
          port: Type.Optional(
            Int({ description: 'Port to listen on (env PORT overrides).', minimum: 0, maximum: 65535, default: 8080 }),
          ),
          bodyLimit: Type.Optional(Size({ description: 'Largest accepted request body.', default: '1mb' })),
          drainDelay: Type.Optional(
            Duration({
              description:
                'After SIGTERM: how long the replica keeps accepting connections and serving (every answer ' +
                'with Connection: close, /readyz 503) before it stops listening, so a load balancer that ' +
                'polls readiness stops sending first.',
              default: '0s',
            }),
          ),
          drainTimeout: Type.Optional(
            Duration({
              description:
                'How long in-flight requests may run once the replica stopped listening (after drainDelay) ' +
                'before they are cut.',
              default: '10s',
            }),
          ),
          headersTimeout: Type.Optional(
            Duration({
              description:
                "Longest wait for a request's headers; a slower client gets 408 and its connection is " +
                'closed. At most requestTimeout.',
              default: '10s',
            }),
          ),
          requestTimeout: Type.Optional(
            Duration({
              description:
                'Longest wait for a whole request (headers and body); a slow or stalled body gets 408 and ' +
                'its connection is closed.',
              default: '30s',
            }),
          ),
          tls: Type.Optional(
            Type.Object(
              {
                cert: Type.String({
                  pattern: SECRET_REF_PATTERN,
                  'x-kind': 'secret',
                  description: 'The certificate chain (PEM), leaf first; re-read when it changes.',
                }),
                key: Type.String({
                  pattern: SECRET_REF_PATTERN,
                  'x-kind': 'secret',
                  description: 'The private key (PEM) of the certificate; re-read when it changes.',
                }),
              },
              {
                ...strict,
                description:
                  'Serve HTTPS with this certificate and key (secret references; a renewed pair is picked up ' +
                  'without a restart). Unset: plain HTTP (put a TLS proxy in front). Adds Strict-Transport-Security.',
              },
            ),
          ),
          refuseConnectionsWhileUnready: Type.Optional(
            Type.Boolean({
              description:
                'While serving, close the listener whenever a shared store (Redis) is unreachable and ' +
                'listen again once it answers, so a load balancer with passive health checks only ' +
                '(open-source nginx) moves traffic to the other replicas. Leave off where readiness is ' +
                'polled on the same port next to a liveness probe (Kubernetes).',
              default: false,
            }),
          ),
          trustedProxies: Type.Optional(
            Type.Array(Type.String({ description: 'A proxy address or network, e.g. 127.0.0.1, 10.0.0.0/8 or ::1.' }), {
              description:
                'Reverse proxies (addresses or CIDR networks) whose X-Forwarded-For header is believed. ' +
                'The client address (audit trail, limit on refused credentials) is then the last address in ' +
                'that header not in this list. Empty: the header is ignored and the client is the peer address.',
              default: [],
            }),
          ),
          cors: Type.Optional(
            Type.Object(
              {
                origins: Type.Optional(
                  Type.Array(
                    Type.String({
                      pattern: '^https?://[^/\\s*]+$',
                      'x-hint':
                        'write a scheme, host and optional port, e.g. https://app.example.com (no path, no wildcard)',
                      description: 'An origin, e.g. https://app.example.com.',
                    }),
                    {
                      description:
                        'Browser origins allowed to call the API cross-origin (exact match; no wildcards, no ' +
                        'credentials mode). Empty: cross-origin calls are denied.',
                      default: [],
                    },
                  ),
                ),
              },
              { ...strict, description: 'Cross-origin (CORS) access from browser apps on other origins.', default: {} },
            ),
          ),
        },
        { ...strict, description: 'The HTTP server.', default: {} },
      ),
    ),
    dataDir: Type.Optional(
      Type.String({
        description:
          'Where embedded stores keep files; relative paths are resolved against the working ' +
          'directory (env PARLEY_DATA_DIR overrides).',
        default: './.parley',
      }),
    ),
    providers: Type.Optional(
      Type.Array(ProviderSchema, {
        description: 'Upstream AI providers. None (and no models): the built-in demo provider.',
        default: [],
      }),
    ),
    models: Type.Optional(
      Type.Array(ModelSchema, { description: 'Model aliases and their fallback chains.', default: [] }),
    ),
    sessions: Type.Optional(
      Type.Object(
        {
          idleTtl: Type.Optional(
            Duration({ description: 'A session expires after this long without activity.', default: '30m' }),
          ),
          maxLifetime: Type.Optional(
            Duration({ description: 'A session expires this long after creation, active or not.', default: '24h' }),
          ),
          sweepInterval: Type.Optional(
            Duration({ description: 'How often expired sessions are purged.', default: '1m' }),
          ),
          maxSessionsPerOwner: Type.Optional(
            Int({ description: 'Open sessions one principal may hold.', minimum: 1, default: 100 }),
          ),
        },
        { ...strict, description: 'Ephemeral chat sessions.', default: {} },
      ),
    ),
    cache: Type.Optional(
      Type.Object(
        {
          mode: Type.Optional(
            Type.Union([Type.Literal('off'), Type.Literal('opt-in'), Type.Literal('deterministic')], {
              description:
                'off: never; opt-in: requests with x-parley-cache: use; deterministic: also temperature-0 requests.',
              default: 'opt-in',
            }),
          ),
          ttl: Type.Optional(Duration({ description: 'How long a cached answer is kept.', default: '10m' })),
          maxEntries: Type.Optional(Int({ description: 'Most answers kept in the cache.', minimum: 1, default: 1000 })),
        },
        { ...strict, description: 'The response cache.', default: {} },
      ),
    ),
    limits: Type.Optional(
      Type.Object(
        {
          maxMessages: Type.Optional(Int({ description: 'Most messages in one request.', minimum: 1, default: 200 })),
          maxMessageChars: Type.Optional(
            Int({ description: 'Longest message in characters.', minimum: 1, default: 100_000 }),
          ),
          maxTokens: Type.Optional(
            Int({ description: 'Largest max_tokens a client may ask for.', minimum: 1, default: 32_768 }),
          ),
        },
        { ...strict, description: 'Input limits per request.', default: {} },
      ),
    ),
    privacy: Type.Optional(
      Type.Object(
        {
          ...Object.fromEntries(
            PRIVACY_CATEGORIES.map((category) => [
              category,
              Type.Optional(
                Type.Union(
                  [Type.Literal('pseudonymise'), Type.Literal('redact'), Type.Literal('block'), Type.Literal('allow')],
                  {
                    description: `What happens to ${category} found in a prompt before it leaves for a provider.`,
                    default:
                      category === 'url_credentials' || category === 'credential'
                        ? 'redact'
                        : SECRET_PRIVACY_CATEGORIES.includes(category)
                          ? 'block'
                          : 'pseudonymise',
                  },
                ),
              ),
            ]),
          ),
          thresholds: Type.Optional(
            Type.Object(
              Object.fromEntries(
                PRIVACY_CATEGORIES.map((c) => [
                  c,
                  Type.Optional(
                    Type.Number({ minimum: 0, maximum: 1, description: `Minimum score of a ${c} finding.` }),
                  ),
                ]),
              ),
              {
                ...strict,
                description:
                  'Minimum score (0-1) per category for a finding to count; scores come from pattern, ' +
                  'checksum, context words and name lists.',
                default: {},
              },
            ),
          ),
          custom: Type.Optional(
            Type.Array(
              Type.Object(
                {
                  name: Type.String({
                    pattern: '^[a-z][a-z0-9_]{1,30}$',
                    description: 'Recognizer name; its placeholder is [NAME_n] in upper case.',
                  }),
                  pattern: Type.Optional(
                    Type.String({
                      minLength: 1,
                      maxLength: 500,
                      description:
                        'Regular expression (JavaScript syntax, Unicode); ' +
                        'refused if prone to catastrophic backtracking.',
                    }),
                  ),
                  ignoreCase: Type.Optional(
                    Type.Boolean({ description: 'Match the pattern case-insensitively.', default: false }),
                  ),
                  checksum: Type.Optional(
                    Type.Union([Type.Literal('luhn'), Type.Literal('mod97'), Type.Literal('mod11')], {
                      description: 'Check the digits of a match; failing matches are dropped.',
                    }),
                  ),
                  context: Type.Optional(
                    Type.Array(Type.String({ minLength: 1 }), {
                      description: 'Words that raise the score by 0.35 when found in the 40 characters before a match.',
                    }),
                  ),
                  score: Type.Optional(
                    Type.Number({
                      minimum: 0,
                      maximum: 1,
                      description: 'Score of a match without context words.',
                      default: 0.6,
                    }),
                  ),
                  threshold: Type.Optional(
                    Type.Number({ minimum: 0, maximum: 1, description: 'Minimum score of a finding.', default: 0.5 }),
                  ),
                  terms: Type.Optional(
                    Type.Array(Type.String({ minLength: 1 }), {
                      description:
                        'Whole words or phrases to find (case-insensitive), instead of or besides a pattern.',
                    }),
                  ),
                  action: Type.Optional(
                    Type.Union(
                      [
                        Type.Literal('pseudonymise'),
                        Type.Literal('redact'),
                        Type.Literal('block'),
                        Type.Literal('allow'),
                      ],
                      { description: 'What happens to a finding.', default: 'pseudonymise' },
                    ),
                  ),
                },
                { ...strict, description: 'One organisation recognizer: a pattern or a term list.' },
              ),
              { description: "The organisation's own recognizers (employee ids, project code names).", default: [] },
            ),
          ),
          images: Type.Optional(
            Type.Union([Type.Literal('allow'), Type.Literal('block')], {
              description:
                'Images cannot be scanned for personal data: allow forwards them (each is counted in ' +
                'metrics and audited, never its bytes), block refuses requests with images (422).',
              default: 'allow',
            }),
          ),
          allowlist: Type.Optional(
            Type.Array(Type.String({ minLength: 1 }), {
              description:
                'Terms never touched by the privacy filter (case-insensitive), e.g. the company and product names.',
              default: [],
            }),
          ),
        },
        {
          ...strict,
          description:
            'Action per PII/secret category: pseudonymise (reversible, default for personal data), ' +
            'redact, block (default for secrets), allow; plus thresholds, custom recognizers and an allowlist.',
          default: {},
        },
      ),
    ),
    safety: Type.Optional(
      Type.Object(
        {
          output: Type.Optional(
            Type.Object(
              {
                mode: Type.Optional(
                  Type.Union([Type.Literal('enforce'), Type.Literal('shadow')], {
                    description: 'enforce acts on matches; shadow only records what would have happened.',
                    default: 'enforce',
                  }),
                ),
                holdBackChars: Type.Optional(
                  Int({
                    description: 'Characters held back so a match split across chunks is still caught.',
                    minimum: 0,
                    maximum: 4096,
                    default: 64,
                  }),
                ),
                rules: Type.Optional(
                  Type.Array(
                    Type.Object(
                      {
                        category: Type.String({ minLength: 1, description: 'Name reported in metrics and audit.' }),
                        action: Type.Union([Type.Literal('flag'), Type.Literal('redact'), Type.Literal('block')], {
                          description: 'flag only records; redact replaces the match; block ends the answer.',
                        }),
                        patterns: Type.Optional(
                          Type.Array(Type.String({ minLength: 1 }), {
                            description: 'Regular expressions (case-insensitive).',
                          }),
                        ),
                        words: Type.Optional(
                          Type.Array(Type.String({ minLength: 1 }), {
                            description: 'Whole words or phrases (case-insensitive).',
                          }),
                        ),
                      },
                      { ...strict, description: 'One content rule.' },
                    ),
                    {
                      description: 'Content rules applied to answers; none means answers pass untouched.',
                      default: [],
                    },
                  ),
                ),
              },
              { ...strict, description: 'The content policy on answers.', default: {} },
            ),
          ),
        },
        { ...strict, description: 'Output safety.', default: {} },
      ),
    ),
    auth: Type.Optional(
      Type.Object(
        {
          anonymous: Type.Optional(
            Type.Boolean({
              description:
                'Serve without credentials as one local admin, for development only. Refused unless ' +
                'server.host is a loopback address.',
              default: false,
            }),
          ),
          oidc: Type.Optional(
            Type.Object(
              {
                issuer: Type.String({
                  description: 'OpenID issuer URL (discovery at /.well-known/openid-configuration).',
                }),
                audience: Type.String({ description: 'Expected aud claim of access tokens.' }),
                clientId: Type.Optional(
                  Type.String({
                    description: 'Public client id the web UI uses for the authorization code flow with PKCE.',
                  }),
                ),
                rolesClaim: Type.Optional(
                  Type.String({ description: 'Dot path of the claim that carries roles.', default: 'roles' }),
                ),
                roleMapping: Type.Optional(
                  Type.Record(
                    Type.String(),
                    Type.Union([Type.Literal('user'), Type.Literal('auditor'), Type.Literal('admin')]),
                    { description: 'Maps claim values to Parley roles.' },
                  ),
                ),
                defaultRole: Type.Optional(
                  Type.Union([Type.Literal('user'), Type.Literal('auditor'), Type.Literal('admin')], {
                    description: 'Role of a valid token that carries no known role (unset: refused).',
                  }),
                ),
                algorithms: Type.Optional(
                  Type.Array(Type.String(), {
                    description: 'Accepted signing algorithms (never none).',
                    default: ['RS256', 'ES256', 'PS256', 'EdDSA'],
                  }),
                ),
                clockSkew: Type.Optional(Duration({ description: 'Tolerance for exp and nbf.', default: '60s' })),
              },
              { ...strict, description: 'Accept OAuth2/OIDC bearer tokens besides API keys.' },
            ),
          ),
        },
        {
          ...strict,
          description: 'Authentication. API keys (parley keys ...) always work; the first start creates an admin key.',
          default: {},
        },
      ),
    ),
    audit: Type.Optional(
      Type.Object(
        {
          signingKey: Type.Optional(
            Type.String({
              pattern: SECRET_REF_PATTERN,
              'x-kind': 'secret',
              description: 'Ed25519 private key (PEM) that signs checkpoints; parley audit keygen makes one.',
            }),
          ),
          checkpointEvery: Type.Optional(
            Int({ description: 'Records between signed checkpoints.', minimum: 1, default: 100 }),
          ),
          ipv4Prefix: Type.Optional(
            Int({
              description: 'Bits of a client IPv4 address kept in the audit trail.',
              minimum: 0,
              maximum: 32,
              default: 24,
            }),
          ),
          ipv6Prefix: Type.Optional(
            Int({
              description: 'Bits of a client IPv6 address kept in the audit trail.',
              minimum: 0,
              maximum: 128,
              default: 48,
            }),
          ),
          spoolMaxEvents: Type.Optional(
            Int({
              description:
                'Audit events kept in the local spool (data directory) while PostgreSQL is away; a fuller ' +
                'spool alerts, never drops silently.',
              minimum: 100,
              default: 100000,
            }),
          ),
          segmentMaxSize: Type.Optional(
            Size({
              description:
                'File trail: the active audit.jsonl is sealed into audit-segments/ at the first write ' +
                'after it reaches this size; the chain continues in the next file.',
              default: '64mb',
            }),
          ),
          segmentMaxAge: Type.Optional(
            Duration({
              description:
                'File trail: the active audit.jsonl is sealed at the first write once its first record is this old.',
              default: '1d',
            }),
          ),
          retention: Type.Optional(
            Duration({
              description:
                'How long audit records are kept (unset: for ever). File trail: sealed segments whose ' +
                'newest record is older are purged at start and every purgeInterval, each purge recorded on ' +
                'the chain. PostgreSQL: the default cut-off of parley audit purge.',
            }),
          ),
          purgeInterval: Type.Optional(
            Duration({
              description: 'File trail with a retention: how often old segments are purged (off the request path).',
              default: '1h',
            }),
          ),
        },
        { ...strict, description: 'The hash-chained audit trail in the data directory.', default: {} },
      ),
    ),
    state: Type.Optional(
      Type.Object(
        {
          redis: Type.Optional(
            Type.Object(
              {
                url: Type.String({
                  pattern: SECRET_REF_PATTERN,
                  'x-kind': 'secret',
                  description: 'Reference to the Redis URL (redis:// or rediss:// for TLS), e.g. env:PARLEY_REDIS_URL.',
                }),
                keyPrefix: Type.Optional(
                  Type.String({
                    minLength: 1,
                    maxLength: 64,
                    pattern: '^[A-Za-z0-9:_.-]+$',
                    description: 'Prefix of every key Parley writes, so several deployments can share one Redis.',
                    default: 'parley:',
                  }),
                ),
                tls: Type.Optional(storeTls('TLS towards Redis (used with a rediss:// URL).')),
                commandTimeout: Type.Optional(
                  Duration({
                    description:
                      'Longest wait for one Redis command before it fails (and the request degrades as documented).',
                    default: '1s',
                  }),
                ),
              },
              {
                ...strict,
                description:
                  'Redis for shared ephemeral state: sessions, cache, ' +
                  'rate limits, login links, coalescing, change notices.',
              },
            ),
          ),
          postgres: Type.Optional(
            Type.Object(
              {
                url: Type.String({
                  pattern: SECRET_REF_PATTERN,
                  'x-kind': 'secret',
                  description: 'Reference to the PostgreSQL URL, e.g. env:PARLEY_DATABASE_URL.',
                }),
                schema: Type.Optional(
                  Type.String({
                    pattern: '^[a-z_][a-z0-9_]{0,62}$',
                    description: "Schema that holds Parley's tables.",
                    default: 'parley',
                  }),
                ),
                tls: Type.Optional(storeTls('TLS towards PostgreSQL (absent: as the URL says, e.g. sslmode).')),
                queryTimeout: Type.Optional(
                  Duration({ description: 'Longest wait for one query before it fails.', default: '2s' }),
                ),
                poolSize: Type.Optional(
                  Int({ description: 'Connections per replica.', minimum: 1, maximum: 100, default: 10 }),
                ),
              },
              { ...strict, description: 'PostgreSQL for durable shared state: API keys and the audit trail.' },
            ),
          ),
          encryptionKey: Type.Optional(
            Type.String({
              pattern: SECRET_REF_PATTERN,
              'x-kind': 'secret',
              description:
                'Reference to the 32-byte key (base64 or 64 hex digits) that seals conversation content at ' +
                'rest in Redis (AES-256-GCM). Required with Redis off loopback.',
            }),
          ),
          previousEncryptionKeys: Type.Optional(
            Type.Array(Type.String({ pattern: SECRET_REF_PATTERN, 'x-kind': 'secret' }), {
              description: 'Earlier encryption keys, still read (never written) while a rotation completes.',
              default: [],
            }),
          ),
          rateLimitFailMode: Type.Optional(
            Type.Union([Type.Literal('closed'), Type.Literal('open')], {
              description:
                'When the rate-limit store is unreachable: closed refuses with 503; open lets a ' +
                'per-replica limiter stand in.',
              default: 'closed',
            }),
          ),
        },
        {
          ...strict,
          description: 'Shared state for several replicas. Left out: memory and files in one process.',
          default: {},
        },
      ),
    ),
    telemetry: Type.Optional(
      Type.Object(
        {
          tracing: Type.Optional(
            Type.Object(
              {
                enabled: Type.Optional(
                  Type.Boolean({ description: 'Export OpenTelemetry traces over OTLP/HTTP.', default: false }),
                ),
                endpoint: Type.Optional(
                  Type.String({
                    description: 'OTLP/HTTP traces URL, e.g. http://collector:4318/v1/traces.',
                    default: 'http://127.0.0.1:4318/v1/traces',
                  }),
                ),
                sampleRatio: Type.Optional(
                  Type.Number({
                    minimum: 0,
                    maximum: 1,
                    description: 'Share of new traces sampled (parent decisions are honoured).',
                    default: 1,
                  }),
                ),
              },
              { ...strict, description: 'Tracing.', default: {} },
            ),
          ),
        },
        { ...strict, description: 'Traces (metrics are always on at /metrics).', default: {} },
      ),
    ),
    rateLimits: Type.Optional(
      Type.Object(
        {
          requestsPerMinute: Type.Optional(
            Int({ description: 'Requests per principal per minute (0 = unlimited).', minimum: 0, default: 600 }),
          ),
          tokensPerMinute: Type.Optional(
            Int({
              description: 'Tokens (input + output) per principal per minute (0 = unlimited).',
              minimum: 0,
              default: 1_000_000,
            }),
          ),
          concurrentStreams: Type.Optional(
            Int({
              description: 'Chat answers in progress at once per principal (0 = unlimited).',
              minimum: 0,
              default: 16,
            }),
          ),
          failedAuthPerMinute: Type.Optional(
            Int({
              description:
                'Refused credentials per client address (IPv6: per /64) per minute before that address ' +
                'gets 429 without its credential being checked, until the minute is over (0 = unlimited).',
              minimum: 0,
              default: 60,
            }),
          ),
        },
        {
          ...strict,
          description:
            'Per-principal rate limits (and one per client address for refused credentials); a refusal ' +
            'is a 429 with Retry-After and RateLimit headers.',
          default: {},
        },
      ),
    ),
    logging: Type.Optional(
      Type.Object(
        {
          level: Type.Optional(
            Type.Union(
              [
                Type.Literal('fatal'),
                Type.Literal('error'),
                Type.Literal('warn'),
                Type.Literal('info'),
                Type.Literal('debug'),
                Type.Literal('trace'),
                Type.Literal('silent'),
              ],
              { description: 'Log level (env LOG_LEVEL overrides).', default: 'info' },
            ),
          ),
        },
        { ...strict, description: 'Logging (metadata only, never content).', default: {} },
      ),
    ),
  },
  { ...strict, description: 'The Parley configuration file.' },
);

/** The configuration file as written (after validation, before defaults and resolution). */
export type RawConfig = Type.Static<typeof ConfigSchema>;
