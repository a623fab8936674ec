// A misbehaving upstream (50 MB line, endless line, endless JSON body, endless stream) cannot grow Parley's memory,
// hold an answer open or slow /healthz: each attempt ends with a 502 that names what was too large.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstream } from '../../src/mock-upstream/index.js';
import { spawnParley, type SpawnedParley } from '../../bench/reliability/spawned-parley.js';

const FAULTS = {
  'long-line': { flood: 'long-line', floodBytes: 50 * 1024 * 1024 },
  'endless-line': { flood: 'endless-line' },
  'endless-body': { flood: 'endless-body' },
  'endless-stream': { flood: 'endless-stream' },
} as const;

let mock: MockUpstream;
let parley: SpawnedParley;
const figures: string[] = [];

beforeAll(async () => {
  mock = await startMockUpstream({
    record: false,
    keyScenarios: Object.fromEntries(Object.entries(FAULTS).map(([k, v]) => [`key-${k}`, v])),
  });
  const providers = Object.keys(FAULTS)
    .flatMap((k) => [
      `  - { id: o-${k}, type: openai, baseUrl: "${mock.url}/v1", apiKeys: ` +
        `["env:K_${k.replace('-', '_').toUpperCase()}"], retry: { retries: 0 } }`,
      `  - { id: a-${k}, type: anthropic, baseUrl: "${mock.url}", apiKeys: ` +
        `["env:K_${k.replace('-', '_').toUpperCase()}"], retry: { retries: 0 } }`,
    ])
    .join('\n');
  const models = Object.keys(FAULTS)
    .flatMap((k) => [
      `  - { name: o-${k}, targets: [{ provider: o-${k}, model: gpt-4o-mini }] }`,
      `  - { name: a-${k}, targets: [{ provider: a-${k}, model: claude-x }] }`,
    ])
    .join('\n');
  const env = Object.fromEntries(
    Object.keys(FAULTS).map((k) => [`K_${k.replace('-', '_').toUpperCase()}`, `key-${k}`]),
  );
  parley = await spawnParley(
    `rateLimits: { requestsPerMinute: 0, tokensPerMinute: 0 }\nproviders:\n${providers}\nmodels:\n${models}\n`,
    { env },
  );
}, 60_000);

afterAll(async () => {
  await parley?.close();
  await mock?.close();
  if (figures.length > 0) console.log(`upstream floods:\n  ${figures.join('\n  ')}`);
});

/** Polls /healthz until `done` settles: how many answers, whether all were 200, and the slowest one. */
async function healthDuring<T>(
  done: Promise<T>,
): Promise<{ result: T; polls: number; allOk: boolean; slowestMs: number; peakRss: number }> {
  let finished = false;
  const settled = done.finally(() => (finished = true));
  let polls = 0;
  let allOk = true;
  let slowestMs = 0;
  let peakRss = parley.rss();
  while (!finished) {
    const t0 = performance.now();
    const res = await fetch(`${parley.url}/healthz`);
    await res.arrayBuffer();
    slowestMs = Math.max(slowestMs, performance.now() - t0);
    allOk &&= res.status === 200;
    polls++;
    peakRss = Math.max(peakRss, parley.rss());
    await new Promise((r) => setTimeout(r, 20));
  }
  return { result: await settled, polls, allOk, slowestMs, peakRss };
}

async function ask(
  model: string,
  stream: boolean,
  maxTokens?: number,
): Promise<{ status: number; text: string; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(`${parley.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${parley.adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      model,
      stream,
      messages: [{ role: 'user', content: 'hi' }],
      ...(maxTokens ? { max_tokens: maxTokens } : {}),
    }),
  });
  const text = await res.text();
  return { status: res.status, text, ms: performance.now() - t0 };
}

const cases: [string, boolean, number | undefined, number, string][] = [
  ['o-long-line', true, undefined, 502, 'upstream_event_too_large'],
  ['a-long-line', true, undefined, 502, 'upstream_event_too_large'],
  ['o-long-line', false, undefined, 502, 'upstream_body_too_large'],
  ['o-endless-line', true, undefined, 502, 'upstream_event_too_large'],
  ['a-endless-line', true, undefined, 502, 'upstream_event_too_large'],
  ['o-endless-body', false, undefined, 502, 'upstream_body_too_large'],
  ['a-endless-body', false, undefined, 502, 'upstream_body_too_large'],
  ['o-endless-stream', true, 64, 200, 'upstream_answer_too_long'],
  ['a-endless-stream', true, 64, 200, 'upstream_answer_too_long'],
  ['o-endless-stream', false, 64, 502, 'upstream_body_too_large'],
];

describe('a misbehaving upstream', () => {
  it.each(cases)(
    '%s (stream %s, max_tokens %s) ends with %i and %s; RSS stays bounded and /healthz answers',
    async (model, stream, maxTokens, status, code) => {
      const before = parley.rss();
      const { result, polls, allOk, slowestMs, peakRss } = await healthDuring(ask(model, stream, maxTokens));
      expect(result.status).toBe(status);
      expect(result.text).toContain(`"code":"${code}"`);
      expect(allOk).toBe(true);
      expect(polls).toBeGreaterThan(0);
      // Bounded memory: the limits are 1 MiB per event and 8 MiB per body; allow for buffers and GC lag, far below 50
      // MB.
      expect(peakRss - before).toBeLessThan(120 * 1024 * 1024);
      figures.push(
        `${model} stream=${stream}: ${result.status} ${code} in ${Math.round(result.ms)} ms; RSS ` +
          `${mb(before)} → peak ${mb(peakRss)}; /healthz ${polls} polls, slowest ${Math.round(slowestMs)} ms`,
      );
    },
    60_000,
  );

  it('counts each refusal in parley_upstream_attempts_total by its code', async () => {
    const res = await fetch(`${parley.url}/metrics`, { headers: { authorization: `Bearer ${parley.adminKey}` } });
    const text = await res.text();
    for (const code of ['upstream_event_too_large', 'upstream_body_too_large', 'upstream_answer_too_long']) {
      expect(text).toMatch(new RegExp(`parley_upstream_attempts_total\\{[^}]*outcome="${code}"[^}]*\\} [1-9]`));
    }
  });
});

function mb(bytes: number): string {
  return `${Math.round(bytes / 1024 / 1024)} MB`;
}
