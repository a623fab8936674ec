// `npm run fuzz`: schema-driven and mutated hostile requests to every route in /openapi.json with every role, against a
// spawned Parley; goals: 0 5xx, 0 hangs, /healthz healthy throughout.

import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { startMockUpstream } from '../../src/mock-upstream/index.js';
import { requestsFor, type FuzzRequest, type JsonSchema, type Operation } from './fuzz-cases.js';
import { spawnParley, type SpawnedParley } from './spawned-parley.js';

/** Options of one fuzz run. */
export interface FuzzOptions {
  /** Requests per (route, role) pair. */
  runsPerRoute: number;
  seed?: number;
  concurrency?: number;
  /** A request still unanswered after this long is a hang (default 20 s). */
  hangMs?: number;
  log?: (line: string) => void;
}

/** What a fuzz run found. */
export interface FuzzReport {
  seed: number;
  operations: number;
  roles: string[];
  requests: number;
  byStatus: Record<string, number>;
  serverErrors: { label: string; status: number; body: string }[];
  hangs: string[];
  healthz: { polls: number; failures: number };
  seconds: number;
}

const YAML = (
  mockUrl: string,
): string => `rateLimits: { requestsPerMinute: 0, tokensPerMinute: 0, concurrentStreams: 0, failedAuthPerMinute: 0 }
logging: { level: error }
providers:
  - { id: mock, type: openai, baseUrl: "${mockUrl}/v1", apiKeys: [] }
models:
  - { name: chat, targets: [{ provider: mock, model: gpt-4o-mini }] }
`;

async function json(parley: SpawnedParley, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(parley.url + path, {
    method,
    headers: {
      authorization: `Bearer ${parley.adminKey}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return res.json();
}

/** Every documented operation, with its JSON body schema. */
function operationsOf(spec: any): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries<Record<string, any>>(spec.paths ?? {})) {
    for (const [method, op] of Object.entries<any>(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const body = op?.requestBody?.content?.['application/json']?.schema as JsonSchema | undefined;
      ops.push({ method: method.toUpperCase(), path: path.replace(/\{(\w+)\}/g, ':$1'), body });
    }
  }
  return ops;
}

async function send(
  parley: SpawnedParley,
  r: FuzzRequest,
  hangMs: number,
): Promise<{ status: number; body: string } | 'hang'> {
  try {
    const body = r.body instanceof Uint8Array ? Buffer.from(r.body) : r.body;
    const res = await fetch(parley.url + r.path, {
      method: r.method,
      headers: r.headers,
      body,
      signal: AbortSignal.timeout(hangMs),
    });
    return { status: res.status, body: (await res.text()).slice(0, 300) };
  } catch (error) {
    if (error instanceof Error && error.name === 'TimeoutError') return 'hang';
    // a refused request the client itself would not send (e.g. an invalid header): not the server's
    return { status: 0, body: String(error) };
  }
}

/** Runs the fuzzer: starts the mock and Parley, creates a key per role, fuzzes every operation × role, stops both. */
export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const log = options.log ?? (() => undefined);
  const seed = options.seed ?? Date.now() % 2 ** 31;
  const hangMs = options.hangMs ?? 20_000;
  const started = Date.now();
  const mock = await startMockUpstream({ record: false });
  const parley = await spawnParley(YAML(mock.url));
  const report: FuzzReport = {
    seed,
    operations: 0,
    roles: [],
    requests: 0,
    byStatus: {},
    serverErrors: [],
    hangs: [],
    healthz: { polls: 0, failures: 0 },
    seconds: 0,
  };
  let done = false;
  const poller = (async () => {
    while (!done) {
      const ok = await fetch(`${parley.url}/healthz`, { signal: AbortSignal.timeout(5000) }).then(
        (r) => r.status === 200,
        () => false,
      );
      report.healthz.polls++;
      if (!ok) report.healthz.failures++;
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  try {
    const spec = await json(parley, 'GET', '/openapi.json');
    const ops = operationsOf(spec);
    report.operations = ops.length;
    const user = await json(parley, 'POST', '/v1/admin/keys', { name: 'fuzz user', role: 'user' });
    const auditor = await json(parley, 'POST', '/v1/admin/keys', { name: 'fuzz auditor', role: 'auditor' });
    const roles: Record<string, string | undefined> = {
      none: undefined,
      garbage: 'Bearer prl_garbage',
      user: `Bearer ${user.secret}`,
      auditor: `Bearer ${auditor.secret}`,
      admin: `Bearer ${parley.adminKey}`,
    };
    report.roles = Object.keys(roles);
    const session = await json(parley, 'POST', '/v1/sessions', {});
    const ids = [session.id, user.key?.id, auditor.key?.id].filter((x): x is string => typeof x === 'string');
    const cases: FuzzRequest[] = [];
    let i = 0;
    for (const op of ops) {
      for (const bearer of Object.values(roles))
        cases.push(...fc.sample(requestsFor(op, ids, bearer), { numRuns: options.runsPerRoute, seed: seed + i++ }));
    }
    log(
      `fuzz: ${ops.length} operations × ${report.roles.length} roles × ${options.runsPerRoute} = ` +
        `${cases.length} requests (seed ${seed})`,
    );
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < cases.length) {
        const r = cases[next++];
        const outcome = await send(parley, r, hangMs);
        report.requests++;
        if (outcome === 'hang') {
          report.hangs.push(r.label);
          continue;
        }
        report.byStatus[outcome.status] = (report.byStatus[outcome.status] ?? 0) + 1;
        if (outcome.status >= 500)
          report.serverErrors.push({
            label: `${r.label} ${r.path.slice(0, 80)}`,
            status: outcome.status,
            body: outcome.body,
          });
      }
    };
    await Promise.all(Array.from({ length: options.concurrency ?? 8 }, worker));
  } finally {
    done = true;
    await poller;
    await parley.close();
    await mock.close();
  }
  report.seconds = Math.round((Date.now() - started) / 1000);
  return report;
}

/** The report as lines for a terminal. */
export function formatFuzzReport(r: FuzzReport): string {
  return [
    `fuzz: seed ${r.seed}, ${r.operations} operations × roles ${r.roles.join('/')}: ` +
      `${r.requests} requests in ${r.seconds} s`,
    `  statuses: ${JSON.stringify(r.byStatus)}`,
    `  5xx: ${r.serverErrors.length} (goal 0), hangs: ${r.hangs.length} (goal 0), /healthz: ` +
      `${r.healthz.polls} polls, ${r.healthz.failures} failed`,
    ...r.serverErrors.slice(0, 10).map((e) => `  5xx: ${e.status} ${e.label}: ${e.body}`),
    ...r.hangs.slice(0, 10).map((h) => `  hang: ${h}`),
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '200' },
      seed: { type: 'string' },
      concurrency: { type: 'string', default: '8' },
    },
  });
  const report = await runFuzz({
    runsPerRoute: Number(values.runs),
    seed: values.seed === undefined ? undefined : Number(values.seed),
    concurrency: Number(values.concurrency),
    log: (l) => console.log(l),
  });
  console.log(formatFuzzReport(report));
  process.exitCode =
    report.serverErrors.length === 0 && report.hangs.length === 0 && report.healthz.failures === 0 ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
