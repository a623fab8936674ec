// systemd socket activation (LISTEN_FDS): `parley serve` serves the socket it is given, and because that socket
// outlives the process, a restart refuses and resets nothing: a connection made while no Parley runs waits in the
// socket's queue and is answered by the next one (docs/deployment.md, "Restarts without a reset connection").

import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { socketFromSystemd } from '../../src/config/listen-socket.js';
import { spawnParley, type SpawnedParley } from '../../bench/reliability/spawned-parley.js';
import { holdSocket, type HeldSocket } from '../support/held-socket.js';

describe('socketFromSystemd', () => {
  it('takes fd 3 when LISTEN_PID is this process and LISTEN_FDS is 1', () => {
    expect(socketFromSystemd({ LISTEN_PID: '42', LISTEN_FDS: '1' }, 42)).toEqual({ fd: 3 });
  });

  it('ignores variables meant for another process, or absent, or zero sockets', () => {
    expect(socketFromSystemd({ LISTEN_PID: '41', LISTEN_FDS: '1' }, 42)).toBeUndefined();
    expect(socketFromSystemd({ LISTEN_FDS: '1' }, 42)).toBeUndefined();
    expect(socketFromSystemd({}, 42)).toBeUndefined();
    expect(socketFromSystemd({ LISTEN_PID: '42', LISTEN_FDS: '0' }, 42)).toBeUndefined();
  });

  it('refuses by name more than one socket, or a count that is not one', () => {
    expect(() => socketFromSystemd({ LISTEN_PID: '42', LISTEN_FDS: '2' }, 42)).toThrow(
      /2 sockets passed, Parley serves one/,
    );
    expect(() => socketFromSystemd({ LISTEN_PID: '42', LISTEN_FDS: 'x' }, 42)).toThrow(ConfigError);
  });
});

/** GET on a new connection: status and body, or the socket error's code. */
function get(port: number, path: string): Promise<{ status?: number; body?: string; error?: string }> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    req.end();
  });
}

let held: HeldSocket | undefined;
const servers: SpawnedParley[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((p) => p.close()));
  await held?.close();
  held = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const dataDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-socket-'));
  dirs.push(dir);
  return dir;
};

describe('parley serve with a socket from systemd', () => {
  it('serves the socket, and a connection made while it restarts waits for the next process instead of being refused', async () => {
    held = await holdSocket();
    const dir = dataDir();
    const handle = await held.take();
    const first = await spawnParley('', { dataDir: dir, listenFd: handle.fd });
    servers.push(first);
    handle.close(); // the child has its own copy
    expect(first.url).toBe(`http://127.0.0.1:${held.port}`); // the socket's address, not server.host/port
    expect(await get(held.port, '/readyz')).toMatchObject({ status: 200 });

    await first.close(); // SIGTERM: drains and exits
    expect(first.child.exitCode).toBe(0);
    // No Parley runs now: the connection is accepted by the kernel into the socket's queue, not refused.
    const waiting = get(held.port, '/healthz');
    const next = await held.take();
    servers.push(await spawnParley('', { dataDir: dir, listenFd: next.fd }));
    next.close();
    expect(await waiting).toMatchObject({ status: 200 }); // answered by the second process, as soon as it listens
  }, 60_000);

  it('refuses server.refuseConnectionsWhileUnready, which needs a listener of its own, by name', async () => {
    held = await holdSocket();
    const handle = await held.take();
    const starting = spawnParley('', {
      dataDir: dataDir(),
      listenFd: handle.fd,
      server: 'refuseConnectionsWhileUnready: true',
    });
    await expect(starting).rejects.toThrow(
      /exited early with 1: [\s\S]*server\.refuseConnectionsWhileUnready: cannot refuse connections on a socket Parley inherited \(LISTEN_FDS\)/,
    );
    handle.close();
  }, 30_000);
});
