// The failure drills of docs/deployment.md ("Drills"): each starts its own replica stack behind nginx, runs steady
// load through it, breaks one thing, and returns its figures and checks. test/drills/drills.test.ts asserts the
// checks; `npm run drill -- NAME` (scripts/drill.ts) prints them for operators who rehearse.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditCommand } from '../../src/cli/audit-command.js';
import { openDurableState } from '../../src/compose/durable-state.js';
import { parseConfig } from '../../src/config/load.js';
import { createSecretResolver } from '../../src/config/secrets.js';
import { createOwnPostgres } from '../support/own-postgres.js';
import { startPrivateRedis } from '../support/redis.js';
import { startTcpProxy } from '../support/tcp-proxy.js';
import {
  startReplicaStack,
  type Replica,
  type ReplicaStack,
  type ReplicaStackOptions,
} from '../deploy/replica-stack.js';
import { failureWindowSeconds, startLoad, summarize, type Load, type LoadOptions, type RequestRecord } from './load.js';

export interface Check {
  what: string;
  ok: boolean;
  detail?: string;
}

export interface DrillReport {
  name: string;
  figures: Record<string, unknown>;
  checks: Check[];
}

export interface Drill {
  name: string;
  summary: string;
  run(print: (line: string) => void): Promise<DrillReport>;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` every 50 ms until it holds; throws with `what` after `timeoutMs`. */
async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<number> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await pause(50);
  }
  return Date.now() - started;
}

/** A metric's value in one replica (the sum over its label sets matching `labels`). */
export async function metric(replica: Replica, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await replica.parley.metrics.render();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.split(' ').at(-1));
  }
  return sum;
}

/** The replica that finally answered a request, by nginx's access log (`$upstream_addr` lists every one tried). */
function lastUpstream(accessLog: string, requestId: string): string | undefined {
  const line = accessLog.split('\n').find((l) => l.includes(`rid=${requestId} `));
  return line ? /upstream=(.*?) upstream_status=/.exec(line)?.[1].split(', ').at(-1) : undefined;
}

const readiness = (r: Replica) =>
  fetch(`${r.url}/readyz`).then(
    (res) => res.status,
    () => 0,
  );
/**
 * /readyz on a new connection (fetch may reuse a kept-alive one, which a closed listener leaves open): 0 if refused.
 */
const readinessOnNewConnection = (r: Replica) =>
  new Promise<number>((resolve) => {
    const req = get(`${r.url}/readyz`, { agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
  });

/**
 * Requests one replica began from `since` on, by its own log (one `request` line each, written at the end with its
 * latency).
 */
const servedSince = (r: Replica, since: number) =>
  r.logs.filter((l) => l.msg === 'request' && timeOf(l) - Number(l.latencyMs ?? 0) >= since).length;

/** A log line's time in ms (pino writes epoch ms; ISO strings are read too). */
const timeOf = (line: Record<string, unknown>): number =>
  typeof line.time === 'number' ? line.time : Date.parse(String(line.time));

/** Runs `body` with a stack and steady load, always cleaning both up. */
async function withStackAndLoad<T>(
  options: ReplicaStackOptions,
  load: Omit<LoadOptions, 'url'>,
  body: (stack: ReplicaStack, load: Load) => Promise<T>,
): Promise<T> {
  const stack = await startReplicaStack(options);
  // Streams long enough to be caught in flight: 16 tokens, 25 ms apart.
  stack.mock.setScenario({ tokens: 16, tokenDelayMs: 25 });
  const running = startLoad({ url: stack.nginx.url, apiKey: stack.adminKey, ...load });
  try {
    return await body(stack, running);
  } finally {
    await running.stop();
    await stack.close();
  }
}

function sessionChecks(stack: ReplicaStack, load: Load): Promise<Check> {
  return (async () => {
    let lost = 0;
    let turns = 0;
    for (const s of load.sessions) {
      const res = await fetch(`${stack.nginx.url}/v1/sessions/${s.id}`, {
        headers: stack.adminKey ? { authorization: `Bearer ${stack.adminKey}` } : {},
      });
      if (res.status !== 200) {
        lost += s.completed.length;
        continue;
      }
      const view = (await res.json()) as { messages: Array<{ role: string; content: string }> };
      const users = view.messages.filter((m) => m.role === 'user').map((m) => m.content);
      for (const turn of s.completed) {
        turns++;
        const at = view.messages.findIndex((m) => m.role === 'user' && m.content === turn);
        if (at < 0 || view.messages[at + 1]?.role !== 'assistant' || !users.includes(turn)) lost++;
      }
    }
    return {
      what: 'stored sessions lose no completed turn',
      ok: lost === 0 && turns > 0,
      detail: `${turns} completed turns in ${load.sessions.length} sessions, ${lost} missing`,
    };
  })();
}

const noHangs = (records: RequestRecord[]): Check => {
  const hangs = records.filter((r) => r.outcome === 'hang').length;
  return { what: 'no request hangs', ok: hangs === 0, detail: `${hangs} hung` };
};

const rollingRestart: Drill = {
  name: 'rolling-restart',
  summary:
    'each replica in turn drains (SIGTERM) and is replaced under plain, streaming and session load; zero failures',
  async run(print) {
    // Each slot's socket is held outside its servers, as systemd socket activation holds it (docs/deployment.md,
    // "Restarts without a reset connection"): what nginx sends while a replica restarts waits for the new one.
    return withStackAndLoad(
      { server: 'drainTimeout: 10s', heldSockets: true },
      { plain: 2, stream: 3, session: 1 },
      async (stack, load) => {
        await until(() => load.records.length >= 20, 'the load to warm up');
        const drains: number[] = [];
        const backInRotation: number[] = [];
        for (const replica of stack.replicas) {
          // SIGTERM while the replica holds a stream: the drain must let it finish.
          await until(
            async () => (await metric(replica, 'parley_open_streams')) > 0,
            `a stream in flight on ${replica.address}`,
            10_000,
          );
          const streamsAtSigterm = await metric(replica, 'parley_open_streams');
          // The replacement starts on the same socket and, once ready, the old one gets SIGTERM and drains.
          drains.push(await replica.replace());
          print(
            `  ${replica.address}: replaced; the old server drained in ${drains.at(-1)} ms ` +
              `(${streamsAtSigterm} streams open at SIGTERM)`,
          );
          const ready = Date.now();
          // The next replica goes only once this one serves through nginx (with a socket of its own, a restarting
          // replica refuses connections and nginx leaves its address alone for fail_timeout).
          if (replica === stack.replicas.at(-1)) break;
          backInRotation.push(
            await until(
              () => servedSince(replica, ready) > 0,
              `${replica.address} to get traffic from nginx again`,
              20_000,
            ),
          );
          print(`  ${replica.address}: ready, serving through nginx again after ${backInRotation.at(-1)} ms`);
        }
        const nginxErrors = async () =>
          (await stack.nginx.errorLog())
            .split('\n')
            .filter((l) => l.includes('[error]'))
            .map((l) => l.replace(/^.*\[error\] \d+#\d+: \*\d+ /, '').slice(0, 200));
        const beforeStop = load.records.length;
        await until(() => load.records.length >= beforeStop + 10, 'requests after the last restart');
        await load.stop();
        const summary = summarize(load.records);
        const streams = load.records.filter((r) => r.kind === 'stream');
        return {
          name: 'rolling-restart',
          figures: {
            requests: summary.total,
            failed: summary.failed,
            byKind: summary.byKind,
            failures: summary.failures,
            drainMs: drains,
            backInRotationMs: backInRotation,
            // What waiting in a held socket's queue costs: the slowest plain request (an instant answer otherwise).
            slowestPlainMs: Math.max(
              0,
              ...load.records.filter((r) => r.kind === 'plain').map((r) => r.endedAt - r.startedAt),
            ),
            nginxErrors: await nginxErrors(),
          },
          checks: [
            {
              what: 'no failed request through three drains and restarts',
              ok: summary.failed === 0,
              detail: JSON.stringify(summary.failures),
            },
            {
              what: 'every stream that began finished (none cut by a drain)',
              ok: streams.length > 0 && streams.every((r) => r.outcome !== 'stream-broken' && r.outcome !== 'hang'),
              detail: `${streams.length} streams`,
            },
            await sessionChecks(stack, load),
            noHangs(load.records),
          ],
        };
      },
    );
  },
};

const sigkillReplica: Drill = {
  name: 'sigkill-replica',
  summary: 'one replica dies at once under load; only its in-flight requests fail, clearly; new ones all succeed',
  async run(print) {
    return withStackAndLoad({}, { plain: 2, stream: 3, session: 2 }, async (stack, load) => {
      await until(() => load.records.length >= 20, 'the load to warm up');
      const victim = stack.replicas[1];
      await until(
        async () => (await metric(victim, 'parley_open_streams')) > 0,
        'a stream in flight on the victim',
        10_000,
      );
      const inflightAtKill = await metric(victim, 'parley_inflight_requests');
      const killedAt = Date.now();
      await victim.kill();
      print(`  ${victim.address} killed with ${inflightAtKill} requests in flight`);
      const countAfter = load.records.length;
      await until(() => load.records.length >= countAfter + 30, 'requests after the kill');
      await load.stop();
      const summary = summarize(load.records);
      const failed = load.records.filter((r) => r.outcome !== 'ok');
      const access = await stack.nginx.accessLog();
      const onVictim = (r: RequestRecord) => lastUpstream(access, r.requestId) === victim.address;
      const clear = (r: RequestRecord) =>
        (r.outcome === 'http-error' && r.status === 502 && r.code === 'replica_unavailable') ||
        r.outcome === 'stream-broken';
      const startedAfter = load.records.filter((r) => r.startedAt > killedAt);
      return {
        name: 'sigkill-replica',
        figures: {
          requests: summary.total,
          failed: summary.failed,
          inflightOnVictimAtKill: inflightAtKill,
          byKind: summary.byKind,
          failures: summary.failures,
          requestsStartedAfterKill: startedAfter.length,
        },
        checks: [
          { what: 'some requests were in flight on the killed replica', ok: inflightAtKill > 0 },
          {
            what: 'every failure was in flight on the killed replica when it died',
            ok: failed.every((r) => r.startedAt <= killedAt && onVictim(r)),
            detail: failed.map((r) => r.requestId).join(', '),
          },
          {
            what: "every failure is clear: nginx's JSON 502 replica_unavailable, or a stream cut before its end",
            ok: failed.every(clear),
            detail: JSON.stringify(summary.failures),
          },
          {
            what: 'every request started after the kill succeeded',
            ok: startedAfter.length > 0 && startedAfter.every((r) => r.outcome === 'ok'),
            detail: `${startedAfter.filter((r) => r.outcome !== 'ok').length} of ${startedAfter.length} failed`,
          },
          await sessionChecks(stack, load),
          noHangs(load.records),
        ],
      };
    });
  },
};

const redisRestart: Drill = {
  name: 'redis-restart',
  summary:
    'the shared Redis stops for 3 s under load and comes back empty; degradation as ' +
    'documented, then full recovery without restarting Parley',
  async run(print) {
    const redis = await startPrivateRedis();
    try {
      return await withStackAndLoad(
        { redisUrl: () => redis.url },
        { plain: 2, stream: 2, session: 2 },
        async (stack, load) => {
          await until(() => load.records.length >= 20, 'the load to warm up');
          const stoppedAt = Date.now();
          await redis.stop();
          const unready = await until(
            async () => (await Promise.all(stack.replicas.map(readiness))).every((s) => s === 503),
            'every replica to report /readyz 503',
            10_000,
          );
          print(`  Redis stopped; every /readyz 503 after ${unready} ms`);
          await pause(3_000);
          const during = load.records.filter((r) => r.startedAt > stoppedAt + unready).length;
          await redis.start();
          const restartedAt = Date.now();
          const recovered = await until(
            async () => (await Promise.all(stack.replicas.map(readiness))).every((s) => s === 200),
            'every replica to turn ready again',
            20_000,
          );
          print(`  Redis back (empty); every /readyz 200 after ${recovered} ms`);
          // Recovery: 15 requests in a row succeed after the restart.
          const from = load.records.length;
          await until(
            () => load.records.slice(from).filter((r) => r.outcome === 'ok').length >= 15,
            'requests to succeed again',
          );
          await load.stop();
          const failed = load.records.filter((r) => r.outcome !== 'ok');
          const summary = summarize(load.records);
          const lastFailure = failed.length ? Math.max(...failed.map((r) => r.endedAt)) : stoppedAt;
          const documented = (r: RequestRecord) =>
            (r.kind === 'session' &&
              r.outcome === 'http-error' &&
              ((r.status === 503 && r.code === 'store_unavailable') ||
                (r.status === 404 && r.startedAt >= restartedAt - 1_000))) ||
            (r.kind === 'session' && r.outcome === 'stream-broken' && r.code === 'store_unavailable');
          const plainAndStreams = load.records.filter(
            (r) => r.kind !== 'session' && r.startedAt >= stoppedAt && r.startedAt <= restartedAt,
          );
          return {
            name: 'redis-restart',
            figures: {
              requests: summary.total,
              failed: summary.failed,
              degradationWindowSeconds: failureWindowSeconds(load.records),
              outageSeconds: Math.round((restartedAt - stoppedAt) / 100) / 10,
              readyAgainAfterRestartMs: recovered,
              lastFailureAfterRestartMs: Math.max(0, lastFailure - restartedAt),
              requestsDuringOutage: during,
              byKind: summary.byKind,
              failures: summary.failures,
            },
            checks: [
              {
                what:
                  'every failure is the documented one: session turns 503 store_unavailable (or 404: Redis ' +
                  'came back empty)',
                ok: failed.every(documented),
                detail: JSON.stringify(summary.failures),
              },
              {
                what: 'chat completions (plain, streaming) kept working during the outage (cache degrades to misses)',
                ok: plainAndStreams.length > 0 && plainAndStreams.every((r) => r.outcome === 'ok'),
                detail: `${plainAndStreams.length} during the outage`,
              },
              { what: 'every replica ready again without a restart of Parley', ok: recovered >= 0 },
              noHangs(load.records),
            ],
          };
        },
      );
    } finally {
      await redis.stop();
    }
  },
};

const postgresRestart: Drill = {
  name: 'postgres-restart',
  summary:
    'the shared PostgreSQL stops for 3 s under load; keys from the cache, audit events spooled ' +
    'then flushed; `parley audit verify` passes',
  async run(print) {
    const pg = await createOwnPostgres();
    const configDir = await mkdtemp(join(tmpdir(), 'parley-drill-'));
    try {
      await pg.start();
      return await withStackAndLoad(
        { postgresUrl: pg.url, auth: 'keys' },
        { plain: 2, stream: 2, session: 1 },
        async (stack, load) => {
          await until(() => load.records.length >= 20, 'the load to warm up');
          const stoppedAt = Date.now();
          await pg.stop();
          let spoolPeak = 0;
          const sampling = (async () => {
            while (Date.now() - stoppedAt < 3_000) {
              const depths = await Promise.all(stack.replicas.map((r) => metric(r, 'parley_audit_spool_depth')));
              spoolPeak = Math.max(
                spoolPeak,
                depths.reduce((a, b) => a + b, 0),
              );
              await pause(200);
            }
          })();
          await sampling;
          const storeDown = (
            await Promise.all(stack.replicas.map((r) => metric(r, 'parley_store_up', { backend: 'postgres' })))
          ).every((v) => v === 0);
          const readyDuring = await Promise.all(stack.replicas.map(readiness));
          await pg.start();
          const restartedAt = Date.now();
          print(
            `  PostgreSQL stopped for ${Math.round((restartedAt - stoppedAt) / 100) / 10} s; spool ` +
              `peak ${spoolPeak} events over the replicas`,
          );
          const flushed = await until(
            async () => {
              const depths = await Promise.all(stack.replicas.map((r) => metric(r, 'parley_audit_spool_depth')));
              return depths.every((d) => d === 0);
            },
            'the audit spools to drain',
            30_000,
          );
          print(`  spools drained ${flushed} ms after PostgreSQL came back`);
          await load.stop();
          const during = load.records.filter((r) => r.startedAt > stoppedAt && r.endedAt < restartedAt);
          // `parley audit verify` over the whole period, as an operator runs it (state.postgres in the configuration).
          const configFile = join(configDir, 'parley.yaml');
          await writeFile(configFile, stack.yaml);
          const config = parseConfig(await readFile(configFile, 'utf8'), configFile, {
            ...stack.env,
            PARLEY_REDIS_URL: stack.state.redisUrl(0),
            PARLEY_DATA_DIR: configDir,
          });
          const secrets = createSecretResolver({ env: { ...stack.env, PARLEY_REDIS_URL: stack.state.redisUrl(0) } });
          const durable = await openDurableState(config, { secrets, mode: 'cli' });
          const out: string[] = [];
          let verifyCode: number;
          try {
            verifyCode = await auditCommand(['verify'], {
              dataDir: configDir,
              storage: durable.auditStorage,
              storageLabel: 'postgres',
              stdout: (t) => out.push(t),
              stderr: (t) => out.push(t),
            });
          } finally {
            await durable.close();
            secrets.close();
          }
          print(`  parley audit verify: exit ${verifyCode}; ${out.join(' ').slice(0, 300)}`);
          const events = await stack.auditEvents();
          const ids = new Set(events.map((e) => e.requestId));
          const duringAudited = during.filter((r) => r.outcome === 'ok' && ids.has(r.requestId)).length;
          const summary = summarize(load.records);
          return {
            name: 'postgres-restart',
            figures: {
              requests: summary.total,
              failed: summary.failed,
              requestsDuringOutage: during.length,
              spoolPeakEvents: spoolPeak,
              spoolDrainedAfterMs: flushed,
              readyzDuringOutage: readyDuring,
              auditVerify: verifyCode,
              byKind: summary.byKind,
              failures: summary.failures,
            },
            checks: [
              {
                what: 'zero failed requests: API keys answered from the cache while PostgreSQL was away',
                ok: summary.failed === 0 && during.length > 0,
                detail: `${during.length} during the outage; ${JSON.stringify(summary.failures)}`,
              },
              {
                what: 'parley_store_up{backend="postgres"} 0 on every replica during the outage; /readyz stayed 200',
                ok: storeDown && readyDuring.every((s) => s === 200),
                detail: String(readyDuring),
              },
              {
                what: 'audit events were spooled and the spools drained afterwards',
                ok: spoolPeak > 0 && flushed >= 0,
              },
              {
                what: 'the audit events of requests served during the outage are in the trail',
                ok: during.length > 0 && duringAudited === during.length,
                detail: `${duringAudited} of ${during.length}`,
              },
              {
                what: '`parley audit verify` passes over the whole period',
                ok: verifyCode === 0,
                detail: out.join(' ').slice(0, 500),
              },
              noHangs(load.records),
            ],
          };
        },
      );
    } finally {
      await pg.destroy();
      await rm(configDir, { recursive: true, force: true });
    }
  },
};

const replicaCutFromRedis: Drill = {
  name: 'replica-cut-from-redis',
  summary:
    'one replica loses Redis while the others reach it: it reports not ready, closes its ' +
    'listener, nginx moves traffic, it comes back when healed',
  async run(print) {
    const REDIS = { host: '127.0.0.1', port: 6379 };
    const proxy = await startTcpProxy(REDIS);
    try {
      return await withStackAndLoad(
        {
          redisUrl: (i) => (i === 0 ? `redis://127.0.0.1:${proxy.port}` : `redis://${REDIS.host}:${REDIS.port}`),
          server: 'drainTimeout: 1s, refuseConnectionsWhileUnready: true',
        },
        { plain: 2, stream: 2, session: 2 },
        async (stack, load) => {
          await until(() => load.records.length >= 20, 'the load to warm up');
          const cut = stack.replicas[0];
          const cutAt = Date.now();
          await proxy.cut();
          const unready = await until(
            () => cut.logs.some((l) => l.msg?.toString().startsWith('shared state unreachable: listener closed')),
            'the cut replica to close its listener',
            10_000,
          );
          // 0: the connection is refused (the listener is closed)
          const readyzWhileCut = await readinessOnNewConnection(cut);
          // on a connection kept alive from before the cut, if fetch still has one: 503
          const readyzPooled = await readiness(cut);
          const others = await Promise.all(stack.replicas.slice(1).map(readiness));
          print(
            `  ${cut.address} cut from Redis: listener closed after ${unready} ms; /readyz of the ` +
              `others ${others.join(', ')}`,
          );
          // Requests already on its connections when the listener closed are answered (each closing its connection);
          // once those have ended (streams take about a second here), nginx sends it nothing.
          const settled = cutAt + unready + 2_000;
          await pause(3_000);
          const healedAt = Date.now();
          await proxy.heal();
          const back = await until(
            async () => (await readiness(cut)) === 200,
            'the cut replica to be ready again',
            20_000,
          );
          const rotation = await until(
            () => servedSince(cut, healedAt + back) > 0,
            'nginx to send it traffic again',
            20_000,
          );
          print(
            `  healed: /readyz 200 after ${back} ms, traffic from nginx again after ${back + rotation} ` +
              `ms (fail_timeout 10 s)`,
          );
          await load.stop();
          const failed = load.records.filter((r) => r.outcome !== 'ok');
          const summary = summarize(load.records);
          const errors = (await stack.nginx.errorLog()).split('\n').filter((l) => l.includes(cut.address));
          const access = await stack.nginx.accessLog();
          const onCut = (r: RequestRecord) => lastUpstream(access, r.requestId) === cut.address;
          // nginx's view: requests the load sent while the replica was cut that nginx handed to it in the end.
          const servedWhileCut = load.records.filter(
            (r) => r.startedAt >= settled && r.startedAt < healedAt && onCut(r),
          ).length;
          return {
            name: 'replica-cut-from-redis',
            figures: {
              requests: summary.total,
              failed: summary.failed,
              listenerClosedAfterMs: unready,
              servedByCutReplicaWhileCut: servedWhileCut,
              readyAfterHealMs: back,
              trafficAgainAfterHealMs: back + rotation,
              nginxRefusedConnections: errors.filter((l) => l.includes('connect() failed')).length,
              nginxDisabledIt: errors.some((l) => l.includes('temporarily disabled')),
              byKind: summary.byKind,
              failures: summary.failures,
            },
            checks: [
              {
                what: 'the cut replica stops being ready (listener closed, so /readyz is refused on a new connection)',
                ok: readyzWhileCut === 0,
              },
              {
                what: 'nor on a connection kept alive from before the cut (503 there)',
                ok: readyzPooled === 503 || readyzPooled === 0,
                detail: String(readyzPooled),
              },
              { what: 'the other replicas stay ready', ok: others.every((s) => s === 200), detail: String(others) },
              {
                what: 'nginx sends it nothing while it is cut (from 2 s after its listener closed)',
                ok: servedWhileCut === 0,
                detail: `${servedWhileCut} served`,
              },
              { what: 'it comes back into rotation once healed, without a restart', ok: back >= 0 && rotation >= 0 },
              {
                what:
                  'failures only in the moment of the cut: 503 store_unavailable from the cut replica, none ' +
                  'begun 2 s after its listener closed',
                ok: failed.every(
                  (r) => r.status === 503 && r.code === 'store_unavailable' && onCut(r) && r.startedAt < settled,
                ),
                detail:
                  `${JSON.stringify(summary.failures)}; begun ` +
                  `${failed.map((r) => r.startedAt - cutAt).join(', ')} ms after the cut`,
              },
              noHangs(load.records),
            ],
          };
        },
      );
    } finally {
      await proxy.close();
    }
  },
};

const providerOutage: Drill = {
  name: 'provider-outage',
  summary: "one provider's model fails at the mock under load: every replica falls back, each opens its own breaker",
  async run(print) {
    return withStackAndLoad({ extra: '' }, { plain: 3, stream: 3, session: 1 }, async (stack, load) => {
      await until(() => load.records.length >= 20, 'the load to warm up');
      const outageAt = Date.now();
      // The `main` provider's model answers 500 to everything; `chat` falls back to `backup` (claude-haiku-4-5).
      stack.mock.setModelScenario('gpt-4o-mini', { errorRates: { 500: 1 } });
      // Each replica counts its own failures: its breaker opens when it has seen enough, not when another has.
      const openedAfter: Array<number | undefined> = stack.replicas.map(() => undefined);
      const opened = await until(
        async () => {
          const states = await Promise.all(
            stack.replicas.map((r) => metric(r, 'parley_circuit_state', { provider: 'main' })),
          );
          states.forEach((v, i) => (openedAfter[i] ??= v >= 2 ? Date.now() - outageAt : undefined));
          return openedAfter.every((t) => t !== undefined);
        },
        'every replica to open its breaker for main',
        20_000,
      );
      const openedAt = openedAfter.map((t) => t !== undefined);
      print(`  main fails: every replica's breaker for main open within ${opened} ms`);
      await pause(1_500);
      stack.mock.setModelScenario('gpt-4o-mini', undefined);
      const healedAt = Date.now();
      const closed = await until(
        async () =>
          (await Promise.all(stack.replicas.map((r) => metric(r, 'parley_circuit_state', { provider: 'main' })))).every(
            (v) => v === 0,
          ),
        'every breaker to close again',
        20_000,
      );
      print(`  main healed: every breaker closed again after ${closed} ms`);
      await load.stop();
      const summary = summarize(load.records);
      const fallbacks = stack.replicas.map(
        (r) =>
          r.logs.filter(
            (l) => l.msg === 'request' && timeOf(l) >= outageAt && timeOf(l) <= healedAt && l.provider === 'backup',
          ).length,
      );
      return {
        name: 'provider-outage',
        figures: {
          requests: summary.total,
          failed: summary.failed,
          breakersOpenAfterMs: opened,
          breakerOpenedAfterMsPerReplica: openedAfter,
          breakersClosedAfterHealMs: closed,
          answersFromBackupPerReplicaDuringOutage: fallbacks,
          byKind: summary.byKind,
          failures: summary.failures,
        },
        checks: [
          {
            what: 'zero failed requests: `chat` fell back to the other provider',
            ok: summary.failed === 0,
            detail: JSON.stringify(summary.failures),
          },
          {
            what: 'every replica served fallback answers',
            ok: fallbacks.every((n) => n > 0),
            detail: String(fallbacks),
          },
          { what: 'each replica opened its own breaker (state per replica)', ok: openedAt.every(Boolean) },
          noHangs(load.records),
        ],
      };
    });
  },
};

/** Every drill, in the order the docs list them. */
export const DRILLS: Drill[] = [
  rollingRestart,
  sigkillReplica,
  redisRestart,
  postgresRestart,
  replicaCutFromRedis,
  providerOutage,
];
