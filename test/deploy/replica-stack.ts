// Parley replicas (in-process servers on free ports, each with its own data directory) behind a real nginx.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { DEFAULT_AUDIT_FILE_NAME } from '../../src/audit/audit-log.js';
import { parseConfig } from '../../src/config/load.js';
import { createSecretResolver } from '../../src/config/secrets.js';
import { startParley, type RunningParley } from '../../src/main.js';
import { startMockUpstream, type MockUpstream, type MockUpstreamOptions } from '../../src/mock-upstream/index.js';
import { standardYaml } from '../integration/harness.js';
import { startNginx, type Nginx } from './nginx.js';

/** One replica: its server, data directory (embedded audit trail) and log lines. */
export interface Replica {
  parley: RunningParley;
  /** host:port as nginx reaches it. */
  address: string;
  dataDir: string;
  logs: Record<string, unknown>[];
  stopped: boolean;
  /** Graceful stop (drain), as on SIGTERM. */
  stop(): Promise<void>;
}

/** Replicas + nginx + the mock upstream. */
export interface ReplicaStack {
  nginx: Nginx;
  mock: MockUpstream;
  replicas: Replica[];
  /** Audit lines of every replica, flushed first. */
  auditLines(): Promise<Array<Record<string, unknown>>>;
  close(): Promise<void>;
}

/**
 * Starts the mock upstream, `count` replicas with `server.trustedProxies: [127.0.0.1]` (nginx's address here)
 * and the full client address kept in the audit trail, then nginx in front of them.
 */
export async function startReplicaStack(options: { count?: number; mock?: MockUpstreamOptions } = {}): Promise<ReplicaStack> {
  const mock = await startMockUpstream({ ...options.mock });
  const replicas: Replica[] = [];
  let nginx: Nginx | undefined;
  const close = async (): Promise<void> => {
    await nginx?.stop();
    await Promise.all(replicas.map((r) => r.stop()));
    await mock.close();
    await Promise.all(replicas.map((r) => rm(r.dataDir, { recursive: true, force: true })));
  };
  try {
    const yaml = standardYaml({
      server: 'drainTimeout: 1s, trustedProxies: [127.0.0.1]',
      idle: '5s', // a held stream (the streaming test) is not cut while the test reads it
      extra: 'audit: { ipv4Prefix: 32 }',
    })(mock.url);
    for (let i = 0; i < (options.count ?? 3); i++) replicas.push(await startReplica(yaml));
    nginx = await startNginx(replicas.map((r) => r.address));
  } catch (error) {
    await close();
    throw error;
  }
  return {
    nginx,
    mock,
    replicas,
    async auditLines() {
      const lines: Array<Record<string, unknown>> = [];
      for (const r of replicas) {
        if (!r.stopped) await r.parley.audit.flush();
        const text = await readFile(join(r.dataDir, DEFAULT_AUDIT_FILE_NAME), 'utf8').catch(() => '');
        for (const line of text.split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      return lines;
    },
    close,
  };
}

async function startReplica(yaml: string): Promise<Replica> {
  // Per-replica data directories: the embedded audit trail is one hash chain per writer.
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-replica-'));
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const env = { MAIN_KEY_A: 'key-main-a', BACKUP_KEY: 'key-backup', PARLEY_DATA_DIR: dataDir };
  const parley = await startParley({ config: parseConfig(yaml, 'replica', env), logger: pino({ level: 'info' }, sink), secrets: createSecretResolver({ env }) });
  const replica: Replica = {
    parley,
    address: new URL(parley.url).host,
    dataDir,
    logs,
    stopped: false,
    async stop() {
      if (replica.stopped) return;
      replica.stopped = true;
      // nginx's idle keep-alive connections go at once (Parley closes idle ones while draining).
      await parley.shutdown();
    },
  };
  return replica;
}
