// Issue 4 §7: a real Prometheus scrapes the real Parley /metrics; the overview dashboard's queries answer correctly.

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { HTTP_BUCKETS } from '../../src/observability/metrics.js';
import { startTelemetryStack, type TelemetryStack } from './stack.js';
import { startPrometheus, type RunningPrometheus, type Vector } from '../support/prometheus.js';

const OVERVIEW = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../ops/grafana/parley-overview.json', import.meta.url)), 'utf8'),
) as {
  panels: { title: string; targets?: { expr: string }[] }[];
};
/** Grafana's `$__rate_interval` for this test: long enough to span all of the test's samples. */
const RATE_INTERVAL = '1m';

/** A dashboard panel's query, exactly as in the JSON, with Grafana's interval variable filled in. */
function panelQuery(title: string, contains = ''): string {
  const expr = OVERVIEW.panels.find((p) => p.title === title)?.targets?.find((t) => t.expr.includes(contains))?.expr;
  if (expr === undefined) throw new Error(`no panel "${title}" with a query containing "${contains}"`);
  return expr.replaceAll('$__rate_interval', RATE_INTERVAL);
}

let s: TelemetryStack;
let prom: RunningPrometheus;
let user = '';

const query = (q: string): Promise<Vector> => prom.query(q);
/** The single value of an instant query, or undefined while there is none (or it is NaN). */
async function scalar(q: string): Promise<number | undefined> {
  const v = await query(q);
  const n = v.result.length === 1 ? Number(v.result[0].value[1]) : Number.NaN;
  return Number.isNaN(n) ? undefined : n;
}
const until = <T>(what: string, check: () => Promise<T | undefined>, timeoutMs?: number): Promise<T> =>
  prom.until(what, check, timeoutMs);

const ask = () =>
  s.call('POST', '/v1/chat/completions', user, { model: 'fast', messages: [{ role: 'user', content: 'hello' }] });

beforeAll(async () => {
  s = await startTelemetryStack({
    yaml: `providers:
  - { id: main, type: openai, baseUrl: "\${MOCK}/v1", apiKeys: [], retry: { retries: 0 }, breaker: { failureThreshold: 100 } }
models:
  - { name: fast, targets: [{ provider: main, model: gpt-4o-mini }] }
rateLimits: { requestsPerMinute: 0, tokensPerMinute: 0, concurrentStreams: 0 }
`,
  });
  user = (await s.createKey('user')).secret;
  const auditor = (await s.createKey('auditor')).secret;
  // Warm-up: both status classes exist before the first scrape, so every rate below starts from one sample.
  s.mock.setScenario({ failFirst: 2, failStatus: 500 });
  for (let i = 0; i < 4; i++) await ask();

  const target = new URL(s.parley.url).host;
  prom = await startPrometheus([
    '  - job_name: parley',
    '    metrics_path: /metrics',
    `    authorization: { credentials: '${auditor}' }`,
    `    static_configs: [{ targets: ['${target}'] }]`,
  ]);
}, 40_000);

afterAll(async () => {
  await prom?.stop();
  await s?.close();
});

describe('a real Prometheus scraping the real Parley', () => {
  const latencies: number[] = [];
  const SUCCESSES = 12;
  const FAILURES = 4;

  it('scrapes /metrics with the auditor key', async () => {
    await until('target up', async () => ((await scalar('up{job="parley"}')) === 1 ? true : undefined));
    const warm = await until('warm-up counted', async () =>
      scalar('sum(parley_http_requests_total{route="/v1/chat/completions"})'),
    );
    expect(warm).toBe(4);
    // A second scrape of the same counts: the load below starts after a stable first sample.
    await until('two scrapes', async () =>
      ((await scalar('count_over_time(up{job="parley"}[1m])')) ?? 0) >= 2 ? true : undefined,
    );
  });

  it("answers the overview dashboard's error-ratio and p95 latency queries with what the load caused", async () => {
    s.mock.setScenario({ failFirst: FAILURES, failStatus: 500, ttftMs: 150 });
    for (let i = 0; i < SUCCESSES + FAILURES; i++) {
      const started = performance.now();
      const res = await ask();
      latencies.push((performance.now() - started) / 1000);
      expect(res.status).toBe(i < FAILURES ? 502 : 200);
    }
    await until('load scraped', async () =>
      (await scalar('sum(parley_http_requests_total{route="/v1/chat/completions"})')) === 4 + SUCCESSES + FAILURES
        ? true
        : undefined,
    );

    const expected = FAILURES / (SUCCESSES + FAILURES);
    const ratio = await scalar(panelQuery('Error ratio (5xx)'));
    expect(ratio).toBeCloseTo(expected, 1);
    expect(Math.abs(ratio! - expected)).toBeLessThan(0.03);

    // Every success waited 150 ms upstream, so the 95th percentile is in (0.1 s, edge of the slowest request].
    const p95 = await scalar(panelQuery('HTTP latency', 'histogram_quantile(0.95'));
    const slowest = Math.max(...latencies);
    const upper = HTTP_BUCKETS.find((b) => b >= slowest) ?? Number.POSITIVE_INFINITY;
    expect(p95).toBeGreaterThan(0.1);
    expect(p95).toBeLessThanOrEqual(upper);
  });

  it("answers the stat panel's recording-rule ratio the same way", async () => {
    const q = panelQuery('5xx ratio');
    expect(q).toBe('parley:http_errors:rate5m / parley:http_requests:rate5m');
    const expected = FAILURES / (SUCCESSES + FAILURES);
    // Rules evaluate every second: wait for an evaluation that saw the whole load.
    const ratio = await until('rule evaluated over the load', async () => {
      const v = await scalar(q);
      return v !== undefined && Math.abs(v - expected) < 0.03 ? v : undefined;
    });
    expect(ratio).toBeCloseTo(expected, 1);
  });
});
