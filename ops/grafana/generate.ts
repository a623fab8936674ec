// Generates Parley's Grafana dashboards (ops/grafana/*.json) from one definition: `npx tsx ops/grafana/generate.ts`.

import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dashboard, row, stat, stateTimeline, timeseries } from './panels.js';

const API = 'route!~"/healthz|/readyz|/metrics"';
const RI = '$__rate_interval';
const q = (quantile: number, metric: string, by = '', filter = '') =>
  `histogram_quantile(${quantile}, sum by (le${by ? `, ${by}` : ''}) (rate(${metric}_bucket${filter}[${RI}])))`;
const quantiles = (metric: string, by = '', filter = '', legendPrefix = '') =>
  [0.5, 0.95, 0.99].map((p) => ({ expr: q(p, metric, by, filter), legend: `${legendPrefix}p${Math.round(p * 100)}` }));

function overview() {
  return dashboard({
    uid: 'parley-overview',
    title: 'Parley / Overview',
    description: 'Traffic, errors, latency, time to first token and gateway overhead.',
    panels: [
      stat({
        title: 'Requests / s',
        unit: 'reqps',
        targets: [{ expr: `sum(rate(parley_http_requests_total{${API}}[${RI}]))` }],
      }),
      stat({
        title: '5xx ratio',
        unit: 'percentunit',
        thresholds: [
          [0.001, 'orange'],
          [0.01, 'red'],
        ],
        targets: [{ expr: 'parley:http_errors:rate5m / parley:http_requests:rate5m' }],
      }),
      stat({
        title: 'TTFT p95',
        unit: 's',
        thresholds: [
          [1, 'orange'],
          [2.5, 'red'],
        ],
        targets: [{ expr: 'parley:time_to_first_token_seconds:p95_5m' }],
      }),
      stat({
        title: 'Overhead p50',
        unit: 's',
        thresholds: [
          [0.001, 'orange'],
          [0.005, 'red'],
        ],
        targets: [{ expr: 'parley:overhead_seconds:p50_5m' }],
      }),
      row('Traffic and errors'),
      timeseries({
        title: 'Request rate by route',
        unit: 'reqps',
        stacked: true,
        targets: [{ expr: `sum by (route) (rate(parley_http_requests_total{${API}}[${RI}]))`, legend: '{{route}}' }],
      }),
      timeseries({
        title: 'Responses by status class',
        unit: 'reqps',
        stacked: true,
        targets: [
          {
            expr: `sum by (status_class) (rate(parley_http_requests_total{${API}}[${RI}]))`,
            legend: '{{status_class}}',
          },
        ],
      }),
      timeseries({
        title: 'Error ratio (5xx)',
        unit: 'percentunit',
        min: 0,
        targets: [
          {
            expr: `sum(rate(parley_http_requests_total{${API},status_class="5xx"}[${RI}])) / sum(rate(parley_http_requests_total{${API}}[${RI}]))`,
            legend: '5xx ratio',
          },
        ],
      }),
      timeseries({
        title: 'Chat requests by outcome',
        unit: 'reqps',
        stacked: true,
        targets: [
          { expr: `sum by (api, outcome) (rate(parley_chat_requests_total[${RI}]))`, legend: '{{api}} {{outcome}}' },
        ],
      }),
      row('Latency'),
      timeseries({
        title: 'HTTP latency',
        unit: 's',
        targets: quantiles('parley_http_request_duration_seconds', '', `{${API}}`),
      }),
      timeseries({ title: 'Time to first token', unit: 's', targets: quantiles('parley_time_to_first_token_seconds') }),
      timeseries({ title: 'Chat duration', unit: 's', targets: quantiles('parley_chat_duration_seconds') }),
      timeseries({
        title: 'Gateway overhead (own added latency)',
        unit: 's',
        targets: quantiles('parley_overhead_seconds'),
      }),
      row('Tokens and cache'),
      timeseries({
        title: 'Tokens / s by model',
        unit: 'short',
        stacked: true,
        targets: [
          { expr: `sum by (model, direction) (rate(parley_tokens_total[${RI}]))`, legend: '{{model}} {{direction}}' },
        ],
      }),
      timeseries({
        title: 'Cache results',
        unit: 'reqps',
        stacked: true,
        targets: [{ expr: `sum by (result) (rate(parley_cache_requests_total[${RI}]))`, legend: '{{result}}' }],
      }),
    ],
  });
}

const P = 'provider=~"$provider"';
function providers() {
  return dashboard({
    uid: 'parley-providers',
    title: 'Parley / Providers',
    description: 'Upstream latency, errors, rate limits, retries, fallbacks, circuit breakers and key health.',
    variables: [
      { name: 'provider', label: 'Provider', query: 'label_values(parley_upstream_attempts_total, provider)' },
    ],
    panels: [
      timeseries({
        title: 'Upstream attempt latency p95 by provider',
        unit: 's',
        targets: [{ expr: q(0.95, 'parley_upstream_duration_seconds', 'provider', `{${P}}`), legend: '{{provider}}' }],
      }),
      timeseries({
        title: 'TTFT p95 by provider',
        unit: 's',
        targets: [
          { expr: q(0.95, 'parley_time_to_first_token_seconds', 'provider', `{${P}}`), legend: '{{provider}}' },
        ],
      }),
      timeseries({
        title: 'Attempts by outcome',
        unit: 'reqps',
        stacked: true,
        targets: [
          {
            expr: `sum by (provider, outcome) (rate(parley_upstream_attempts_total{${P}}[${RI}]))`,
            legend: '{{provider}} {{outcome}}',
          },
        ],
      }),
      timeseries({
        title: 'Attempt error ratio',
        unit: 'percentunit',
        min: 0,
        targets: [
          {
            expr: `sum by (provider) (rate(parley_upstream_attempts_total{${P},outcome!="success"}[${RI}])) / sum by (provider) (rate(parley_upstream_attempts_total{${P}}[${RI}]))`,
            legend: '{{provider}}',
          },
        ],
      }),
      timeseries({
        title: 'Provider 429s',
        unit: 'reqps',
        targets: [
          {
            expr: `sum by (provider, key_id) (rate(parley_upstream_attempts_total{${P},outcome="upstream_rate_limited"}[${RI}]))`,
            legend: '{{provider}} {{key_id}}',
          },
        ],
      }),
      timeseries({
        title: 'Retries by reason',
        unit: 'reqps',
        stacked: true,
        targets: [
          {
            expr: `sum by (provider, reason) (rate(parley_retries_total{${P}}[${RI}]))`,
            legend: '{{provider}} {{reason}}',
          },
        ],
      }),
      timeseries({
        title: 'Fallbacks',
        unit: 'reqps',
        targets: [
          {
            expr: `sum by (model, from_provider, to_provider) (rate(parley_fallbacks_total[${RI}]))`,
            legend: '{{model}}: {{from_provider}} → {{to_provider}}',
          },
        ],
      }),
      timeseries({
        title: 'Tokens / s by provider',
        unit: 'short',
        stacked: true,
        targets: [
          {
            expr: `sum by (provider, direction) (rate(parley_tokens_total{${P}}[${RI}]))`,
            legend: '{{provider}} {{direction}}',
          },
        ],
      }),
      stateTimeline({
        title: 'Circuit breakers by deployment',
        description: 'One breaker per provider, upstream model and key: 0 closed, 1 half-open, 2 open',
        targets: [
          {
            expr: `max by (provider, model, key_id) (parley_circuit_state{${P}})`,
            legend: '{{provider}}/{{model}} {{key_id}}',
          },
        ],
        thresholds: [
          [1, 'orange'],
          [2, 'red'],
        ],
        mappings: [
          {
            type: 'value',
            options: {
              '0': { text: 'closed', color: 'green' },
              '1': { text: 'half-open', color: 'orange' },
              '2': { text: 'open', color: 'red' },
            },
          },
        ],
      }),
      stateTimeline({
        title: 'Key health',
        description: '1 in the pool, 0 refused by the provider',
        targets: [
          { expr: `min by (provider, key_id) (parley_provider_key_healthy{${P}})`, legend: '{{provider}} {{key_id}}' },
        ],
        mappings: [
          { type: 'value', options: { '0': { text: 'down', color: 'red' }, '1': { text: 'healthy', color: 'green' } } },
        ],
      }),
      stat({
        title: 'Healthy keys per provider',
        w: 12,
        base: 'red',
        thresholds: [[1, 'green']],
        targets: [
          {
            expr: `sum by (provider) (min by (provider, key_id) (parley_provider_key_healthy{${P}}))`,
            legend: '{{provider}}',
          },
        ],
      }),
    ],
  });
}

function capacity() {
  return dashboard({
    uid: 'parley-capacity',
    title: 'Parley / Capacity',
    description: 'Concurrency, queueing, event loop, memory, CPU and rate limiting per instance.',
    panels: [
      timeseries({
        title: 'In-flight requests',
        targets: [{ expr: 'sum by (instance) (parley_inflight_requests)', legend: '{{instance}}' }],
      }),
      timeseries({
        title: 'Open streams',
        targets: [{ expr: 'sum by (instance) (parley_open_streams)', legend: '{{instance}}' }],
      }),
      timeseries({ title: 'Live sessions', targets: [{ expr: 'max(parley_sessions_live)', legend: 'sessions' }] }),
      timeseries({
        title: 'Rate-limited requests',
        unit: 'reqps',
        stacked: true,
        targets: [{ expr: `sum by (limit) (rate(parley_rate_limited_total[${RI}]))`, legend: '{{limit}}' }],
      }),
      timeseries({
        title: 'Event loop lag',
        unit: 's',
        thresholds: [[0.1, 'red']],
        targets: [
          { expr: 'max by (instance) (nodejs_eventloop_lag_p99_seconds)', legend: '{{instance}} p99' },
          { expr: 'max by (instance) (nodejs_eventloop_lag_seconds)', legend: '{{instance}} lag' },
        ],
      }),
      timeseries({
        title: 'CPU',
        unit: 'percentunit',
        targets: [{ expr: `sum by (instance) (rate(process_cpu_seconds_total[${RI}]))`, legend: '{{instance}}' }],
      }),
      timeseries({
        title: 'Memory',
        unit: 'bytes',
        targets: [
          { expr: 'sum by (instance) (process_resident_memory_bytes)', legend: '{{instance}} RSS' },
          { expr: 'sum by (instance) (nodejs_heap_size_used_bytes)', legend: '{{instance}} heap used' },
          { expr: 'sum by (instance) (nodejs_heap_size_total_bytes)', legend: '{{instance}} heap total' },
        ],
      }),
      timeseries({
        title: 'GC time / s',
        unit: 's',
        stacked: true,
        targets: [
          {
            expr: `sum by (instance, kind) (rate(nodejs_gc_duration_seconds_sum[${RI}]))`,
            legend: '{{instance}} {{kind}}',
          },
        ],
      }),
      timeseries({
        title: 'Active handles',
        targets: [{ expr: 'sum by (instance) (nodejs_active_handles_total)', legend: '{{instance}}' }],
      }),
      timeseries({
        title: 'Open file descriptors',
        targets: [{ expr: 'sum by (instance) (process_open_fds)', legend: '{{instance}}' }],
      }),
    ],
  });
}

function privacySafety() {
  return dashboard({
    uid: 'parley-privacy-safety',
    title: 'Parley / Privacy and safety',
    description:
      'Sensitive data protected before prompts leave, content policy interventions and user feedback ' +
      '(counts only, never content).',
    time: 'now-24h',
    panels: [
      timeseries({
        title: 'Sensitive items protected by category',
        unit: 'short',
        stacked: true,
        targets: [
          { expr: `sum by (category) (increase(parley_privacy_protected_total[$__interval]))`, legend: '{{category}}' },
        ],
      }),
      timeseries({
        title: 'Sensitive items by action',
        unit: 'short',
        stacked: true,
        targets: [
          { expr: `sum by (action) (increase(parley_privacy_protected_total[$__interval]))`, legend: '{{action}}' },
        ],
      }),
      timeseries({
        title: 'Policy interventions',
        unit: 'short',
        stacked: true,
        targets: [
          {
            expr: `sum by (category, mode) (increase(parley_policy_blocks_total[$__interval]))`,
            legend: '{{category}} ({{mode}})',
          },
        ],
      }),
      timeseries({
        title: 'Blocked chat requests ratio',
        unit: 'percentunit',
        min: 0,
        targets: [
          {
            expr: `sum(rate(parley_chat_requests_total{outcome="blocked"}[${RI}])) / sum(rate(parley_chat_requests_total[${RI}]))`,
            legend: 'blocked',
          },
        ],
      }),
      timeseries({
        title: 'Feedback',
        unit: 'short',
        stacked: true,
        targets: [
          {
            expr: `sum by (rating, reason) (increase(parley_feedback_total[$__interval]))`,
            legend: '{{rating}} {{reason}}',
          },
        ],
      }),
      stat({
        title: 'Thumbs-up share (range)',
        unit: 'percentunit',
        w: 12,
        targets: [
          {
            expr: `sum(increase(parley_feedback_total{rating="up"}[$__range])) / sum(increase(parley_feedback_total[$__range]))`,
          },
        ],
      }),
      timeseries({
        title: 'Conversations by outcome',
        unit: 'short',
        stacked: true,
        targets: [
          { expr: `sum by (outcome) (increase(parley_conversations_total[$__interval]))`, legend: '{{outcome}}' },
        ],
      }),
    ],
  });
}

const AV_BAD = `sum(increase(parley_http_requests_total{${API},status_class="5xx"}[30d]))`;
const AV_ALL = `sum(increase(parley_http_requests_total{${API}}[30d]))`;
const TT_GOOD = 'sum(increase(parley_time_to_first_token_seconds_bucket{le="1"}[30d]))';
const TT_ALL = 'sum(increase(parley_time_to_first_token_seconds_count[30d]))';
function slo() {
  const windows = ['5m', '30m', '1h', '6h', '1d', '3d'];
  return dashboard({
    uid: 'parley-slo',
    title: 'Parley / SLO',
    description:
      'Availability (99.9% of API requests without a 5xx) and latency (99% of answers with first token ' +
      'within 1 s) over 30 days.',
    time: 'now-7d',
    panels: [
      stat({
        title: 'Availability, 30 days (objective 99.9%)',
        unit: 'percentunit',
        base: 'red',
        thresholds: [[0.999, 'green']],
        targets: [{ expr: `1 - ${AV_BAD} / ${AV_ALL}` }],
      }),
      stat({
        title: 'Availability error budget remaining',
        unit: 'percentunit',
        base: 'red',
        thresholds: [
          [0.25, 'orange'],
          [0.5, 'green'],
        ],
        targets: [{ expr: `1 - (${AV_BAD} / ${AV_ALL}) / 0.001` }],
      }),
      stat({
        title: 'TTFT within 1 s, 30 days (objective 99%)',
        unit: 'percentunit',
        base: 'red',
        thresholds: [[0.99, 'green']],
        targets: [{ expr: `${TT_GOOD} / ${TT_ALL}` }],
      }),
      stat({
        title: 'Latency error budget remaining',
        unit: 'percentunit',
        base: 'red',
        thresholds: [
          [0.25, 'orange'],
          [0.5, 'green'],
        ],
        targets: [{ expr: `1 - (1 - ${TT_GOOD} / ${TT_ALL}) / 0.01` }],
      }),
      timeseries({
        title: 'Availability burn rate (1 = on budget; page at 14.4 and 6)',
        unit: 'short',
        w: 24,
        targets: windows.map((w) => ({ expr: `parley:slo_availability_errors:ratio_rate${w} / 0.001`, legend: w })),
      }),
      timeseries({
        title: 'Latency burn rate (1 = on budget; page at 14.4 and 6)',
        unit: 'short',
        w: 24,
        targets: windows.map((w) => ({ expr: `parley:slo_ttft_slow:ratio_rate${w} / 0.01`, legend: w })),
      }),
      timeseries({
        title: 'Availability (1h)',
        unit: 'percentunit',
        targets: [
          { expr: '1 - parley:slo_availability_errors:ratio_rate1h', legend: 'availability' },
          { expr: 'vector(0.999)', legend: 'objective' },
        ],
      }),
      timeseries({
        title: 'TTFT within 1 s (1h)',
        unit: 'percentunit',
        targets: [
          { expr: '1 - parley:slo_ttft_slow:ratio_rate1h', legend: 'within 1 s' },
          { expr: 'vector(0.99)', legend: 'objective' },
        ],
      }),
    ],
  });
}

/** Every dashboard by file name (relative to ops/grafana/). */
export function buildDashboards(): Record<string, Record<string, unknown>> {
  return {
    'parley-overview.json': overview(),
    'parley-providers.json': providers(),
    'parley-capacity.json': capacity(),
    'parley-privacy-safety.json': privacySafety(),
    'parley-slo.json': slo(),
  };
}

/** The exact text written for a dashboard (2-space JSON plus a final newline). */
export function renderDashboard(d: Record<string, unknown>): string {
  return `${JSON.stringify(d, null, 2)}\n`;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = fileURLToPath(new URL('.', import.meta.url));
  for (const [name, d] of Object.entries(buildDashboards())) writeFileSync(dir + name, renderDashboard(d));
}
