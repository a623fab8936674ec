// `npm run soak`: mixed plain and streamed traffic through Parley against a fault-injecting mock upstream for a set
// time,
// reporting failures with and without a good route, RSS start/peak/end and event-loop delay p99.

import { parseArgs } from 'node:util';
import { startMockUpstream } from '../../src/mock-upstream/index.js';
import { ALIASES, MODEL_FAULTS, pickAlias, soakYaml } from './soak-plan.js';
import { spawnParley, type SpawnedParley } from './spawned-parley.js';

/** Options of one soak run. */
export interface SoakOptions {
  seconds: number;
  concurrency: number;
  /** Share of streamed requests (default 0.5). */
  streamShare?: number;
  /** Breaker threshold out of reach (to tell breaker failures from others). */
  breakerOff?: boolean;
  /** A request that takes longer than this counts as hung (default 30 s). */
  requestTimeoutMs?: number;
  log?: (line: string) => void;
}

/** One failed request, summarised. */
export interface SoakFailure {
  alias: string;
  stream: boolean;
  status: number;
  code: string;
  ms: number;
}

/** What a soak measured. */
export interface SoakReport {
  seconds: number;
  requests: number;
  perSecond: number;
  goodRoute: { requests: number; failures: number; byCode: Record<string, number>; examples: SoakFailure[] };
  noRoute: {
    requests: number;
    failures: number;
    clear: number;
    p50Ms: number;
    maxMs: number;
    byCode: Record<string, number>;
  };
  rssMb: { start: number; peak: number; end: number };
  /** The highest of Parley's event-loop delay p99 figures scraped every 5 s (prom-client), in ms. */
  eventLoopP99Ms: number;
  /** The same without the first window (start-up: tsx compiles modules on first use). */
  eventLoopP99SteadyMs: number;
  healthz: { polls: number; failures: number };
}

type Outcome = { ok: boolean; status: number; code: string; clear: boolean };

/** Sends one chat completion and classifies the answer (a stream is good only if it ends with [DONE] and no error). */
async function oneRequest(parley: SpawnedParley, model: string, stream: boolean, timeoutMs: number): Promise<Outcome> {
  let res: Response;
  let text: string;
  try {
    res = await fetch(`${parley.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${parley.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model,
        stream,
        messages: [{ role: 'user', content: 'Tell me something short.' }],
        max_tokens: 32,
      }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    text = await res.text();
  } catch (error) {
    const name = error instanceof Error ? error.name : 'error';
    return { ok: false, status: 0, code: name === 'TimeoutError' ? 'hung' : 'connection', clear: false };
  }
  const errorCode = /"code":"([a-z_]+)"/.exec(text)?.[1];
  if (res.status !== 200)
    return {
      ok: false,
      status: res.status,
      code: errorCode ?? `http_${res.status}`,
      clear: errorCode !== undefined && res.status >= 400,
    };
  if (stream) {
    const ok = text.trimEnd().endsWith('data: [DONE]') && !text.includes('"error":');
    return { ok, status: 200, code: ok ? 'ok' : (errorCode ?? 'stream_incomplete'), clear: errorCode !== undefined };
  }
  const ok = text.includes('"choices"');
  return { ok, status: 200, code: ok ? 'ok' : 'bad_body', clear: false };
}

async function scrapeEventLoopP99(parley: SpawnedParley): Promise<number | undefined> {
  try {
    const res = await fetch(`${parley.url}/metrics`, { headers: { authorization: `Bearer ${parley.adminKey}` } });
    const match = /^nodejs_eventloop_lag_p99_seconds (\S+)$/m.exec(await res.text());
    return match ? Number(match[1]) * 1000 : undefined;
  } catch {
    return undefined;
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

/** Runs the soak: starts the mock and Parley, drives traffic for `seconds`, stops both, returns the figures. */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? (() => undefined);
  const mock = await startMockUpstream({
    record: false,
    modelScenarios: MODEL_FAULTS as never,
    scenario: { tokens: 24 },
  });
  const parley = await spawnParley(soakYaml(mock.url, { breakerOff: options.breakerOff }), {
    env: { SOAK_KEY_OA: 'soak-oa', SOAK_KEY_AN: 'soak-an' },
  });
  const good = { requests: 0, failures: 0, byCode: {} as Record<string, number>, examples: [] as SoakFailure[] };
  const none = { requests: 0, failures: 0, clear: 0, times: [] as number[], byCode: {} as Record<string, number> };
  const health = { polls: 0, failures: 0 };
  const rss = { start: parley.rss(), peak: 0, end: 0 };
  rss.peak = rss.start;
  let eventLoopP99Ms = 0;
  let eventLoopP99SteadyMs = 0;
  const endAt = Date.now() + options.seconds * 1000;
  const streamShare = options.streamShare ?? 0.5;
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  let requests = 0;
  try {
    const sampler = (async () => {
      for (let tick = 0; Date.now() < endAt; tick++) {
        await new Promise((r) => setTimeout(r, 1000));
        rss.peak = Math.max(rss.peak, parley.rss());
        const t0 = Date.now();
        const ok = await fetch(`${parley.url}/healthz`, { signal: AbortSignal.timeout(5000) }).then(
          (r) => r.status === 200,
          () => false,
        );
        health.polls++;
        if (!ok) health.failures++;
        if (tick % 5 === 4) {
          const p99 = await scrapeEventLoopP99(parley);
          if (p99 !== undefined) eventLoopP99Ms = Math.max(eventLoopP99Ms, p99);
          if (p99 !== undefined && tick > 4) eventLoopP99SteadyMs = Math.max(eventLoopP99SteadyMs, p99);
          log(
            `t+${Math.round((Date.now() - (endAt - options.seconds * 1000)) / 1000)}s: ${requests} ` +
              `requests, good-route failures ${good.failures}, RSS ${mb(parley.rss())} MB, loop p99 ` +
              `${p99?.toFixed(1)} ms, /healthz ${Date.now() - t0} ms`,
          );
        }
      }
    })();
    const worker = async (): Promise<void> => {
      while (Date.now() < endAt) {
        const alias = pickAlias(Math.random());
        const stream = Math.random() < streamShare;
        const t0 = performance.now();
        const outcome = await oneRequest(parley, alias.name, stream, timeoutMs);
        const ms = performance.now() - t0;
        requests++;
        if (alias.goodRoute) {
          good.requests++;
          if (!outcome.ok) {
            good.failures++;
            good.byCode[outcome.code] = (good.byCode[outcome.code] ?? 0) + 1;
            if (good.examples.length < 10)
              good.examples.push({
                alias: alias.name,
                stream,
                status: outcome.status,
                code: outcome.code,
                ms: Math.round(ms),
              });
          }
        } else {
          none.requests++;
          if (!outcome.ok) {
            none.failures++;
            if (outcome.clear) none.clear++;
            none.times.push(ms);
            none.byCode[outcome.code] = (none.byCode[outcome.code] ?? 0) + 1;
          }
        }
      }
    };
    await Promise.all([...Array.from({ length: options.concurrency }, worker), sampler]);
    rss.end = parley.rss();
    rss.peak = Math.max(rss.peak, rss.end);
  } finally {
    await parley.close();
    await mock.close();
  }
  none.times.sort((a, b) => a - b);
  return {
    seconds: options.seconds,
    requests,
    perSecond: Math.round(requests / options.seconds),
    goodRoute: { requests: good.requests, failures: good.failures, byCode: good.byCode, examples: good.examples },
    noRoute: {
      requests: none.requests,
      failures: none.failures,
      clear: none.clear,
      p50Ms: Math.round(percentile(none.times, 0.5)),
      maxMs: Math.round(percentile(none.times, 1)),
      byCode: none.byCode,
    },
    rssMb: { start: mb(rss.start), peak: mb(rss.peak), end: mb(rss.end) },
    eventLoopP99Ms: Math.round(eventLoopP99Ms * 10) / 10,
    eventLoopP99SteadyMs: Math.round(eventLoopP99SteadyMs * 10) / 10,
    healthz: health,
  };
}

/** The report as lines for a terminal. */
export function formatSoakReport(r: SoakReport): string {
  return [
    `soak: ${r.seconds} s, ${r.requests} requests (${r.perSecond}/s), ` +
      `aliases: ${ALIASES.map((a) => a.name).join(', ')}`,
    `  failures with a good route: ${r.goodRoute.failures} of ` +
      `${r.goodRoute.requests} ${JSON.stringify(r.goodRoute.byCode)} (goal 0)`,
    `  failures without one: ${r.noRoute.failures} of ${r.noRoute.requests}, ` +
      `${r.noRoute.clear} with a clear error code, p50 ${r.noRoute.p50Ms} ms, max ` +
      `${r.noRoute.maxMs} ms ${JSON.stringify(r.noRoute.byCode)}`,
    `  RSS: start ${r.rssMb.start} MB, peak ${r.rssMb.peak} MB, end ${r.rssMb.end} MB`,
    `  event-loop delay p99 (highest 5 s window): ${r.eventLoopP99Ms} ms; after the first ` +
      `window: ${r.eventLoopP99SteadyMs} ms`,
    `  /healthz: ${r.healthz.polls} polls, ${r.healthz.failures} failed`,
    ...r.goodRoute.examples.map((e) => `  e.g. ${e.alias} stream=${e.stream}: ${e.status} ${e.code} after ${e.ms} ms`),
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '60' },
      concurrency: { type: 'string', default: '20' },
      'breaker-off': { type: 'boolean' },
      json: { type: 'string' },
    },
  });
  const report = await runSoak({
    seconds: Number(values.seconds),
    concurrency: Number(values.concurrency),
    breakerOff: values['breaker-off'] === true,
    log: (l) => console.log(l),
  });
  console.log(formatSoakReport(report));
  if (values.json !== undefined) {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(values.json, JSON.stringify(report, null, 2));
  }
  process.exitCode = report.goodRoute.failures === 0 && report.healthz.failures === 0 ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
