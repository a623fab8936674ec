// The soak's world: which upstream models misbehave how, the Parley config that routes round them, and the traffic mix.

/** Faults per upstream model id, for the mock upstream's `modelScenarios` (one dead model per provider). */
export const MODEL_FAULTS: Record<string, object> = {
  'm-flaky': { errorRates: { 500: 0.1, 429: 0.05 }, retryAfterSeconds: 1 },
  'm-reset': { resetAfterTokens: 0 },
  'm-stall': { stallAfterTokens: 0 },
  'm-error-stream': { malformed: 'only-error-200' },
  'm-dead': { errorRates: { 500: 1 } },
  'a-dead': { errorRates: { 500: 1 } },
};

/** A model alias of the soak: its weight in the mix and whether some target of it is healthy (a good route). */
export interface SoakAlias {
  name: string;
  weight: number;
  goodRoute: boolean;
}

export const ALIASES: SoakAlias[] = [
  { name: 'healthy-openai', weight: 4, goodRoute: true },
  { name: 'healthy-anthropic', weight: 3, goodRoute: true },
  { name: 'flaky-then-ok', weight: 3, goodRoute: true },
  { name: 'reset-then-ok', weight: 1, goodRoute: true },
  { name: 'stall-then-ok', weight: 1, goodRoute: true },
  { name: 'error-stream-then-ok', weight: 1, goodRoute: true },
  { name: 'dead-openai-then-ok', weight: 1, goodRoute: true },
  { name: 'dead-anthropic-then-ok', weight: 1, goodRoute: true },
  { name: 'no-route', weight: 1, goodRoute: false },
];

/** The YAML of Parley for the soak (mock at `mockUrl`); `breakerOff` raises the breaker threshold out of reach. */
export function soakYaml(mockUrl: string, options: { breakerOff?: boolean } = {}): string {
  const breaker = options.breakerOff === true ? ', breaker: { failureThreshold: 100000000 }' : '';
  const retry = 'retry: { retries: 1, baseDelay: 20ms, maxDelay: 200ms, maxRetryAfter: 2s }';
  const quick = 'timeouts: { firstByte: 1s, idle: 1s }';
  return `rateLimits: { requestsPerMinute: 0, tokensPerMinute: 0, concurrentStreams: 0, failedAuthPerMinute: 0 }
logging: { level: error }
providers:
  - { id: oa, type: openai, baseUrl: "${mockUrl}/v1", apiKeys: ["env:SOAK_KEY_OA"], ${retry}${breaker} }
  - { id: an, type: anthropic, baseUrl: "${mockUrl}", apiKeys: ["env:SOAK_KEY_AN"], ${retry}${breaker} }
models:
  - { name: healthy-openai, targets: [{ provider: oa, model: m-ok }] }
  - { name: healthy-anthropic, targets: [{ provider: an, model: a-ok }] }
  - { name: flaky-then-ok, targets: [{ provider: oa, model: m-flaky }, { provider: an, model: a-ok }] }
  - { name: reset-then-ok, targets: [{ provider: oa, model: m-reset }, { provider: an, model: a-ok }] }
  - { name: stall-then-ok, targets: [{ provider: oa, model: m-stall, ${quick}, retry: { retries: 0 } }, { provider: an, model: a-ok }] }
  - { name: error-stream-then-ok, targets: [{ provider: oa, model: m-error-stream }, { provider: an, model: a-ok }] }
  - { name: dead-openai-then-ok, targets: [{ provider: oa, model: m-dead }, { provider: oa, model: m-ok }] }
  - { name: dead-anthropic-then-ok, targets: [{ provider: an, model: a-dead }, { provider: an, model: a-ok }] }
  - { name: no-route, targets: [{ provider: oa, model: m-dead }, { provider: an, model: a-dead }] }
`;
}

/** Picks an alias by weight from a uniform number in [0, 1). */
export function pickAlias(u: number): SoakAlias {
  const total = ALIASES.reduce((sum, a) => sum + a.weight, 0);
  let at = u * total;
  for (const alias of ALIASES) {
    if (at < alias.weight) return alias;
    at -= alias.weight;
  }
  return ALIASES[ALIASES.length - 1];
}
