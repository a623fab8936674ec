import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMetrics } from '../../src/observability/metrics.js';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus.js';

// A real Prometheus scrapes createMetrics()'s exposition and evaluates parley.rules.yml against it.
// (When src/main.ts serves /metrics, the target can become startParley's server instead of this stub.)

const metrics = createMetrics();
let exporter: Server;
let prom: RunningPrometheus;
const query = (q: string) => prom.query(q);
const api = <T>(path: string) => prom.api<T>(path);
const until = <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 15_000) =>
  prom.until(what, check, timeoutMs);

beforeAll(async () => {
  metrics.observeHttpRequest('/v1/chat/completions', 'POST', 200, 0.2);
  metrics.observeTimeToFirstToken('fast', 'main', 0.3);
  metrics.setCircuitState({ provider: 'main', model: 'gpt-4o-mini', keyId: 'main#0' }, 'open');
  metrics.setKeyHealthy('main', 'main#0', false);
  metrics.setKeyHealthy('backup', 'backup#0', true);
  exporter = createServer((req, res) => {
    void metrics.render().then((text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text));
  });
  exporter.listen(0, '127.0.0.1');
  await once(exporter, 'listening');
  const target = `127.0.0.1:${(exporter.address() as AddressInfo).port}`;
  prom = await startPrometheus([`  - { job_name: parley, static_configs: [{ targets: ['${target}'] }] }`]);
});

afterAll(async () => {
  await prom?.stop();
  exporter?.closeAllConnections();
  await new Promise<void>((resolve) => (exporter ? exporter.close(() => resolve()) : resolve()));
});

describe('real Prometheus', () => {
  it('scrapes the exposition and finds Parley and Node metrics', async () => {
    const up = await until('target up', async () => {
      const v = await query('up{job="parley"} == 1');
      return v.result.length === 1 ? v : undefined;
    });
    expect(up.result[0].metric.job).toBe('parley');
    const http = await query('parley_http_requests_total');
    expect(http.result[0].metric).toMatchObject({ route: '/v1/chat/completions', method: 'POST', status_class: '2xx' });
    expect((await query('nodejs_eventloop_lag_p99_seconds')).result).toHaveLength(1);
    expect((await query('parley_time_to_first_token_seconds_bucket{le="1"}')).result[0].value[1]).toBe('1');
  });

  it('loads every rule and evaluates them without errors', async () => {
    type Rules = { groups: { name: string; rules: { name: string; health: string; lastError?: string }[] }[] };
    const data = await until('rules evaluated', async () => {
      const d = await api<Rules>('/api/v1/rules');
      const all = d.groups.flatMap((g) => g.rules);
      return all.length > 0 && all.every((r) => r.health !== 'unknown') ? d : undefined;
    });
    const all = data.groups.flatMap((g) => g.rules);
    expect(all.length).toBeGreaterThanOrEqual(38);
    expect(all.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.lastError ?? ''}`)).toEqual([]);
  });

  it('puts the breaker and all-keys-down alerts in pending from real series', async () => {
    type Alerts = { alerts: { labels: Record<string, string>; state: string }[] };
    const alerts = await until('alerts pending', async () => {
      const d = await api<Alerts>('/api/v1/alerts');
      const names = new Set(d.alerts.map((a) => a.labels.alertname));
      return names.has('ParleyCircuitOpen') && names.has('ParleyProviderKeysAllDown') ? d.alerts : undefined;
    });
    expect(alerts.find((a) => a.labels.alertname === 'ParleyCircuitOpen')?.labels).toMatchObject({
      provider: 'main',
      model: 'gpt-4o-mini',
      key_id: 'main#0',
      severity: 'warning',
    });
    const keys = alerts.filter((a) => a.labels.alertname === 'ParleyProviderKeysAllDown');
    expect(keys.map((a) => a.labels.provider)).toEqual(['main']);
  });
});
