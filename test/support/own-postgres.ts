// A PostgreSQL server of the test's own (initdb + pg_ctl on a free port) that the test may stop and start.

import { execFile } from 'node:child_process';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { freePort } from './ports.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';

/** A server in a temporary directory owned by the `postgres` user. */
export interface OwnPostgres {
  port: number;
  /** Superuser URL of the `postgres` database. */
  url: string;
  /** Starts and waits until it accepts connections (`pg_ctl -w`). */
  start(): Promise<void>;
  /** Fast shutdown, waited for: every connection is cut. */
  stop(): Promise<void>;
  /** Stops (if running) and deletes the directory. */
  destroy(): Promise<void>;
}

async function asPostgres(command: string, args: string[]): Promise<void> {
  await run('runuser', ['-u', 'postgres', '--', join(BIN, command), ...args], { timeout: 120_000 });
}

/** Runs initdb (trust auth, superuser `postgres`) on a fresh directory; the server is not started. */
export async function createOwnPostgres(): Promise<OwnPostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-pgdata-'));
  const { uid, gid } = await userIds('postgres');
  await chown(dir, uid, gid);
  const data = join(dir, 'data');
  await asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const port = await freePort();
  const ctl = (...args: string[]) => asPostgres('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), ...args]);
  let running = false;
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async start() {
      await ctl('-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, '-w', 'start');
      running = true;
    },
    async stop() {
      await ctl('-m', 'fast', '-w', 'stop');
      running = false;
    },
    async destroy() {
      if (running) await ctl('-m', 'immediate', '-w', 'stop').catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function userIds(name: string): Promise<{ uid: number; gid: number }> {
  const [{ stdout: uid }, { stdout: gid }] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}
