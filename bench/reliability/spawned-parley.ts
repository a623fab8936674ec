// Runs `parley serve` as its own process (so its RSS and event loop are its own), with a YAML config and a fresh data
// dir.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

/** A Parley server in a child process. */
export interface SpawnedParley {
  url: string;
  /** The admin key printed at first start. */
  adminKey: string;
  pid: number;
  dataDir: string;
  child: ChildProcess;
  /** Resident set size of the server process in bytes (from /proc). */
  rss(): number;
  /** SIGTERM, wait for the exit, remove the data dir (unless kept). */
  close(): Promise<void>;
}

/** Resident set size of process `pid` in bytes. */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match === null ? 0 : Number(match[1]) * 1024;
}

/** How to start it beyond the YAML. */
export interface SpawnOptions {
  dataDir?: string;
  env?: Record<string, string>;
  /** More `server` keys, e.g. `drainTimeout: 5s`. */
  server?: string;
  /** A listening socket's descriptor: passed as fd 3 the way systemd socket activation does (LISTEN_FDS). */
  listenFd?: number;
}

/** Starts Parley with `yaml` (server, dataDir and auth are added); resolves once it listens. */
export async function spawnParley(yaml: string, opts: SpawnOptions = {}): Promise<SpawnedParley> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'parley-rel-'));
  const configFile = join(dataDir, 'parley.yaml');
  const server = `host: 127.0.0.1, port: 0${opts.server ? `, ${opts.server}` : ''}`;
  writeFileSync(configFile, `server: { ${server} }\ndataDir: ${JSON.stringify(dataDir)}\n${yaml}`);
  const serve = [process.execPath, '--import', 'tsx', 'src/cli/index.ts', 'serve', '--config', configFile];
  // systemd sets LISTEN_PID to the service's own pid: the shell's, which exec keeps.
  const [command, args] =
    opts.listenFd === undefined
      ? [serve[0], serve.slice(1)]
      : ['sh', ['-c', 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$@"', 'sh', ...serve]];
  const child = spawn(command, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      PARLEY_CONFIG: '',
      PARLEY_DATA_DIR: dataDir,
      LOG_LEVEL: 'error',
      ...opts.env,
    },
    stdio: opts.listenFd === undefined ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'pipe', 'pipe', opts.listenFd],
  });
  let output = '';
  const started = await new Promise<{ url: string; adminKey: string }>((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new Error(`parley exited early with ${code}: ${output}`));
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const url = /running at (http:\/\/\S+?)(\s|$)/.exec(output);
      if (url) {
        child.off('exit', onExit);
        resolve({ url: url[1], adminKey: /API key:\s+(\S+)/.exec(output)?.[1] ?? '' });
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.length > 100_000) output = output.slice(-50_000);
    });
    child.once('exit', onExit);
  });
  const pid = child.pid!;
  return {
    ...started,
    pid,
    dataDir,
    child,
    rss: () => rssOf(pid),
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
      if (opts.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
