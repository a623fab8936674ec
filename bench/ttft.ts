// Time to first token, one request at a time: when does the first content chunk of a stream reach the client?

import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { distribution, roundDistribution } from './stats.js';
import type { Distribution } from './stats.js';

/** A target to measure: a name and its base URL. */
export interface TtftTarget {
  name: string;
  url: string;
}

/** Per-target result of {@link measureTtft}. */
export interface TtftResult {
  ttftMs: Distribution;
  /** `x-parley-overhead-ms` of these requests (count 0 when not sent). */
  overheadMs: Distribution;
  failures: number;
}

/** An OpenAI content delta with at least one character: the first token. */
const FIRST_CONTENT = /"content":"[^"]/;

/**
 * Whether the stream so far carries a chunk with non-empty content: the first token. A role chunk with
 * `"content":""` (sent by the mock and passed on by the floor; Parley holds it back) does not count.
 */
export const hasFirstContent = (streamSoFar: string): boolean => FIRST_CONTENT.test(streamSoFar);

async function oneRequest(
  pool: Pool,
  path: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ ttft: number; overhead?: number } | null> {
  const started = performance.now();
  const res = await pool.request({ path, method: 'POST', headers, body });
  if (res.statusCode !== 200) {
    await res.body.dump();
    return null;
  }
  let ttft: number | undefined;
  let seen = '';
  for await (const chunk of res.body) {
    if (ttft === undefined) {
      seen += (chunk as Buffer).toString('utf8');
      if (hasFirstContent(seen)) ttft = performance.now() - started;
    }
  }
  if (ttft === undefined) return null;
  const header = res.headers['x-parley-overhead-ms'];
  const overhead = typeof header === 'string' ? Number(header) : undefined;
  return { ttft, overhead };
}

/**
 * Sends `rounds` streaming requests to each target, strictly one at a time and interleaved
 * (A, B, C, A, B, C, ...) so machine noise hits every target alike. Keep-alive, one connection per target.
 */
export async function measureTtft(
  targets: TtftTarget[],
  opts: { path: string; body: string; headers: Record<string, string>; rounds: number },
): Promise<Record<string, TtftResult>> {
  const pools = targets.map((t) => new Pool(t.url, { connections: 1 }));
  const samples = targets.map(() => ({ ttft: [] as number[], overhead: [] as number[], failures: 0 }));
  try {
    for (let r = 0; r < opts.rounds; r++) {
      for (let i = 0; i < targets.length; i++) {
        const sample = samples[i]!;
        const outcome = await oneRequest(pools[i]!, opts.path, opts.body, opts.headers).catch(() => null);
        if (outcome === null) {
          sample.failures++;
          continue;
        }
        sample.ttft.push(outcome.ttft);
        if (outcome.overhead !== undefined && Number.isFinite(outcome.overhead)) sample.overhead.push(outcome.overhead);
      }
    }
  } finally {
    await Promise.all(pools.map((p) => p.close()));
  }
  const out: Record<string, TtftResult> = {};
  targets.forEach((t, i) => {
    const s = samples[i]!;
    out[t.name] = {
      ttftMs: roundDistribution(distribution(s.ttft)),
      overheadMs: roundDistribution(distribution(s.overhead)),
      failures: s.failures,
    };
  });
  return out;
}
