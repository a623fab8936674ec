// systemd socket activation (LISTEN_FDS): `parley serve` serves the socket it is given, and because that socket
// outlives the process, a restart refuses and resets nothing: a connection made while no Parley runs waits in the
// socket's queue and is answered by the next one (docs/deployment.md, "Restarts without a reset connection").

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { socketFromSystemd } from '../../src/config/listen-socket.js';
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

const ROOT = join(import.meta.dirname, '..', '..');

/** `parley serve` as systemd starts it: the socket as fd 3, LISTEN_PID set to the process's own pid (the shell's, kept by exec). */
function serveOnSocket(
  fd: number,
  dataDir: string,
  configFile?: string,
): { child: ChildProcess; output: () => string } {
  const child = spawn(
    'sh',
    ['-c', `LISTEN_PID=$$ LISTEN_FDS=1 exec "${process.execPath}" --import tsx src/cli/index.ts serve`],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        PARLEY_CONFIG: configFile ?? '',
        PARLEY_DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
        HOST: '127.0.0.1',
        PORT: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe', fd],
    },
  );
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

async function started(run: { child: ChildProcess; output: () => string }): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const match = /running at (http:\/\/\S+?)(\s|$)/.exec(run.output());
    if (match) return match[1];
    if (run.child.exitCode !== null) throw new Error(`exited with ${run.child.exitCode}: ${run.output()}`);
    if (Date.now() > deadline) throw new Error(`no start-up line within 20 s: ${run.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

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
const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await held?.close();
  held = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('parley serve with a socket from systemd', () => {
  it('serves the socket, and a connection made while it restarts waits for the next process instead of being refused', async () => {
    held = await holdSocket();
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-socket-'));
    dirs.push(dataDir);
    const handle = await held.take();
    const first = serveOnSocket(handle.fd, dataDir);
    children.push(first.child);
    handle.close(); // the child has its own copy
    const url = await started(first);
    expect(url).toBe(`http://127.0.0.1:${held.port}`); // the socket's address, not HOST/PORT
    expect(await get(held.port, '/readyz')).toMatchObject({ status: 200 });

    const exited = once(first.child, 'exit');
    first.child.kill('SIGTERM');
    expect((await exited)[0]).toBe(0);
    // No Parley runs now: the connection is accepted by the kernel into the socket's queue, not refused.
    const waiting = get(held.port, '/healthz');
    const second = serveOnSocket((await held.take()).fd, dataDir);
    children.push(second.child);
    await started(second);
    expect(await waiting).toMatchObject({ status: 200 }); // answered by the second process, as soon as it listens
  }, 60_000);

  it('refuses server.refuseConnectionsWhileUnready, which needs a listener of its own, by name', async () => {
    held = await holdSocket();
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-socket-'));
    dirs.push(dataDir);
    const handle = await held.take();
    const configFile = join(dataDir, 'parley.yaml');
    writeFileSync(configFile, 'server: { refuseConnectionsWhileUnready: true }\n');
    const run = serveOnSocket(handle.fd, dataDir, configFile);
    children.push(run.child);
    handle.close();
    const [code] = await once(run.child, 'exit');
    expect(code).toBe(1);
    expect(run.output()).toMatch(
      /server\.refuseConnectionsWhileUnready: cannot refuse connections on a socket Parley inherited \(LISTEN_FDS\)/,
    );
  }, 30_000);
});
