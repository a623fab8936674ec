// Fixed-concurrency load with autocannon: exact per-response latencies, throughput, and Parley's overhead header.

import autocannon from 'autocannon';
import type { Client } from 'autocannon';
import { distribution, round, roundDistribution } from './stats.js';
import type { Distribution } from './stats.js';

/** One load run. */
export interface LoadSpec {
  /** Full URL of the endpoint. */
  url: string;
  body: string;
  headers: Record<string, string>;
  connections: number;
  durationS: number;
}

/** What one load run measured (milliseconds, requests per second). */
export interface LoadResult {
  durationS: number;
  /** Successful (2xx) responses. */
  ok: number;
  rps: number;
  latencyMs: Distribution;
  errors: number;
  timeouts: number;
  non2xx: number;
  /** Distribution of `x-parley-overhead-ms` (count 0 when the target does not send it). */
  overheadMs: Distribution;
  /**
   * CPU time (user + system) per 2xx response of the target's process and of the mock upstream, in µs; set by the
   * caller.
   */
  cpuUsPerRequest?: { target: number | null; mock: number | null };
}

const OVERHEAD_HEADER = 'x-parley-overhead-ms';

/** Runs autocannon for `durationS` at `connections` and measures every 2xx response. */
export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const latencies: number[] = [];
  const overheads: number[] = [];
  const setupClient = (client: Client): void => {
    client.on('headers', (info) => {
      const raw = info.headers;
      for (let i = 0; i + 1 < raw.length; i += 2) {
        if (raw[i]?.toLowerCase() === OVERHEAD_HEADER) {
          overheads.push(Number(raw[i + 1]));
          return;
        }
      }
    });
  };
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.url,
        method: 'POST',
        headers: spec.headers,
        body: spec.body,
        connections: spec.connections,
        pipelining: 1,
        duration: spec.durationS,
        timeout: 30,
        setupClient,
      },
      (err, result) => {
        if (err) {
          reject(err);
          return;
        }
        const durationS = result.duration > 0 ? result.duration : spec.durationS;
        resolve({
          durationS: round(durationS) ?? spec.durationS,
          ok: latencies.length,
          rps: round(latencies.length / durationS, 1) ?? 0,
          latencyMs: roundDistribution(distribution(latencies)),
          errors: result.errors,
          timeouts: result.timeouts,
          non2xx: result.non2xx,
          overheadMs: roundDistribution(distribution(overheads)),
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
}
