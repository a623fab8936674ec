// Parley replicas (in-process servers on fixed free ports, each with its own data directory) behind a real nginx,
// sharing one Redis (sessions, cache, rate limits, coalescing) and one PostgreSQL (keys, the audit trail).

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { parseConfig } from '../../src/config/load.js';
import { createSecretResolver } from '../../src/config/secrets.js';
import { startParley, type RunningParley } from '../../src/main.js';
import { startMockUpstream, type MockUpstream, type MockUpstreamOptions } from '../../src/mock-upstream/index.js';
import { standardYaml } from '../integration/harness.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { REDIS_URL, cleanPrefix, randomPrefix } from '../support/redis.js';
import { freePort } from '../support/ports.js';
import { holdSocket, type HeldSocket } from '../support/held-socket.js';
import { startNginx, type Nginx } from './nginx.js';

/** One replica slot: a fixed port nginx knows, a data directory (the audit spool), and the server in it now. */
export interface Replica {
  index: number;
  parley: RunningParley;
  /** host:port as nginx reaches it (the same for every server started in this slot). */
  address: string;
  url: string;
  dataDir: string;
  /** Log lines of every server started in this slot, oldest first. */
  logs: Record<string, unknown>[];
  /** The slot's socket when held outside its servers (`heldSockets`). */
  held?: HeldSocket;
  stopped: boolean;
  /** Graceful stop, exactly what `parley serve` does on SIGTERM (the drain). */
  stop(): Promise<void>;
  /**
   * As close to SIGKILL as an in-process server gets: the listener and every connection are destroyed at once,
   * with no drain, no final stream event and no flush; what the dead server still held is released afterwards.
   */
  kill(): Promise<void>;
  /** Starts a new server in this slot (same port and data directory), resolving once it answers /readyz 200. */
  start(): Promise<void>;
  /**
   * With `heldSockets`: starts the new server beside the running one (both serve the slot's socket), and once it
   * is ready drains the old one as SIGTERM does. Resolves with the old server's drain time in ms.
   */
  replace(): Promise<number>;
}

/** Where the replicas keep shared state. */
export interface StackState {
  /** Redis URL per replica (default: the shared test Redis); a drill may put a proxy in front for one replica. */
  redisUrl: (index: number) => string;
  /** PostgreSQL URL (default: a fresh database on the shared test server). */
  postgresUrl: string;
}

/** Replicas + nginx + the mock upstream + shared state. */
export interface ReplicaStack {
  nginx: Nginx;
  mock: MockUpstream;
  replicas: Replica[];
  state: StackState;
  /** Set when `auth: 'keys'`: the admin key the first replica created in PostgreSQL. */
  adminKey?: string;
  /** The configuration every replica runs (YAML), and the environment its secret references read. */
  yaml: string;
  env: Record<string, string>;
  /** Audit events in the shared trail (PostgreSQL), read through replica `via` (default the first running one). */
  auditEvents(filters?: string): Promise<Array<Record<string, unknown>>>;
  close(): Promise<void>;
}

export interface ReplicaStackOptions {
  count?: number;
  mock?: MockUpstreamOptions;
  /** `anonymous` (default): no credentials; `keys`: API keys in PostgreSQL, the first replica makes the admin key. */
  auth?: 'anonymous' | 'keys';
  /** Redis per replica; default the shared test Redis with a fresh key prefix. */
  redisUrl?: (index: number) => string;
  /** PostgreSQL; default a fresh database on the shared test server. */
  postgresUrl?: string;
  /** Extra `server` keys (default `drainTimeout: 1s`). */
  server?: string;
  /** Extra top-level YAML. */
  extra?: string;
  /** Stream idle timeout towards the provider (default 5s). */
  idle?: string;
  /**
   * Each slot's listening socket is held outside its servers, as systemd socket activation holds it
   * (`LISTEN_FDS`): a server that stops closes only its copy, so connections nginx opens meanwhile wait for the next.
   */
  heldSockets?: boolean;
}

const quiet = (): void => undefined;

/**
 * Starts the mock upstream, `count` replicas with `server.trustedProxies: [127.0.0.1]` (nginx's address here),
 * the full client address kept in the audit trail and `state` on Redis and PostgreSQL, then nginx in front of them.
 */
export async function startReplicaStack(options: ReplicaStackOptions = {}): Promise<ReplicaStack> {
  const mock = await startMockUpstream({ ...options.mock });
  const prefix = randomPrefix();
  let database: TestDatabase | undefined;
  const replicas: Replica[] = [];
  let nginx: Nginx | undefined;
  const close = async (): Promise<void> => {
    await nginx?.stop();
    await Promise.all(replicas.map((r) => r.stop().catch(quiet)));
    await mock.close();
    await Promise.all(replicas.map((r) => rm(r.dataDir, { recursive: true, force: true })));
    await Promise.all(replicas.map((r) => r.held?.close()));
    if (!options.redisUrl) await cleanPrefix(REDIS_URL, prefix).catch(quiet);
    await database?.drop().catch(quiet);
  };
  try {
    if (!options.postgresUrl) database = await createTestDatabase('parley_replicas');
    const state: StackState = {
      redisUrl: options.redisUrl ?? (() => REDIS_URL),
      postgresUrl: options.postgresUrl ?? database!.url,
    };
    const yaml = standardYaml({
      server: `${options.server ?? 'drainTimeout: 1s'}, trustedProxies: [127.0.0.1]`,
      idle: options.idle ?? '5s', // a held stream (the streaming test) is not cut while the test reads it
      extra: [
        'audit: { ipv4Prefix: 32 }',
        'state:',
        '  redis: { url: "env:PARLEY_REDIS_URL", keyPrefix: "' + prefix + '", commandTimeout: 500ms }',
        '  postgres: { url: "env:PARLEY_DATABASE_URL", queryTimeout: 1s }',
        '  encryptionKey: "env:PARLEY_STATE_KEY"',
        options.extra ?? '',
      ].join('\n'),
    })(mock.url).replace('auth: { anonymous: true }', `auth: { anonymous: ${options.auth !== 'keys'} }`);
    const env = {
      MAIN_KEY_A: 'key-main-a',
      BACKUP_KEY: 'key-backup',
      PARLEY_DATABASE_URL: state.postgresUrl,
      PARLEY_STATE_KEY: randomBytes(32).toString('base64'),
    };
    let adminKey: string | undefined;
    for (let i = 0; i < (options.count ?? 3); i++) {
      const replica = await createReplica(
        i,
        yaml,
        { ...env, PARLEY_REDIS_URL: state.redisUrl(i) },
        options.heldSockets ? await holdSocket() : undefined,
      );
      replicas.push(replica);
      await replica.start();
      adminKey ??= replica.parley.firstStart?.adminKey;
    }
    nginx = await startNginx(replicas.map((r) => r.address));
    const stack: ReplicaStack = {
      nginx,
      mock,
      replicas,
      state,
      adminKey,
      yaml,
      env,
      async auditEvents(filters = '') {
        const via = replicas.find((r) => !r.stopped);
        if (!via) throw new Error('no replica is running to read the audit trail through');
        for (const r of replicas) if (!r.stopped) await r.parley.audit.flush();
        const res = await fetch(`${via.url}/v1/audit?limit=10000${filters}`, {
          headers: adminKey ? { authorization: `Bearer ${adminKey}` } : {},
        });
        if (!res.ok) throw new Error(`GET /v1/audit answered ${res.status}: ${await res.text()}`);
        return ((await res.json()) as { data: Array<Record<string, unknown>> }).data;
      },
      close,
    };
    return stack;
  } catch (error) {
    await close();
    throw error;
  }
}

async function createReplica(
  index: number,
  yaml: string,
  env: Record<string, string>,
  held?: HeldSocket,
): Promise<Replica> {
  // Per-replica data directories: each holds that replica's audit spool while PostgreSQL is away.
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-replica-'));
  const port = held?.port ?? (await freePort());
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line.trim() !== '') logs.push({ replica: index, ...(JSON.parse(line) as Record<string, unknown>) });
      done();
    },
  });
  const fullEnv = { ...env, PARLEY_DATA_DIR: dataDir };
  const config = parseConfig(yaml.replace('port: 0,', `port: ${port},`), `replica-${index}`, fullEnv);
  /**
   * A new server in this slot, once its /readyz says 200 (asked in process: on a held socket another server may
   * answer).
   */
  const launch = async (): Promise<RunningParley> => {
    const listenOn = held ? { handle: await held.take() } : undefined;
    const parley = await startParley({
      config,
      logger: pino({ level: 'info' }, sink),
      secrets: createSecretResolver({ env: fullEnv }),
      listenOn,
    });
    // Ready once the shared stores answer (startParley returns once PostgreSQL is migrated; Redis may lag).
    const deadline = Date.now() + 60_000;
    for (;;) {
      const { statusCode } = await parley.app.inject({ method: 'GET', url: '/readyz' });
      if (statusCode === 200) return parley;
      if (Date.now() > deadline) {
        await parley.shutdown();
        throw new Error(`replica ${index} did not turn ready within 60 s (last /readyz ${statusCode})`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const replica: Replica = {
    index,
    parley: undefined as unknown as RunningParley,
    address: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    dataDir,
    logs,
    held,
    stopped: true,
    async stop() {
      if (replica.stopped) return;
      replica.stopped = true;
      await replica.parley.shutdown();
    },
    async kill() {
      if (replica.stopped) return;
      replica.stopped = true;
      const server = replica.parley.app.server;
      server.close();
      server.closeAllConnections();
      // What a dead process held (upstream calls, store connections) goes too; nothing more is written to clients.
      await replica.parley.shutdown().catch(quiet);
    },
    async start() {
      if (!replica.stopped) throw new Error(`replica ${index} is running`);
      replica.parley = await launch();
      replica.stopped = false;
    },
    async replace() {
      if (!held || replica.stopped)
        throw new Error(`replica ${index}: replace() needs a running server on a held socket`);
      const old = replica.parley;
      replica.parley = await launch();
      const t0 = Date.now();
      await old.shutdown();
      return Date.now() - t0;
    },
  };
  return replica;
}
