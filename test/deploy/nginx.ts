// Runs Debian's nginx as a child process with ops/nginx/parley.conf, its own prefix, pid and logs in a temp dir.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/ports.js';

export { freePort };

/** The configuration operators get. */
export const NGINX_CONF = fileURLToPath(new URL('../../ops/nginx/parley.conf', import.meta.url));
/** Debian's nginx binary (the `nginx` package), or the one on PATH. */
export const NGINX_BIN = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';

/**
 * ops/nginx/parley.conf with only its two marked places replaced: the replicas of `upstream parley` (their
 * `max_fails`/`fail_timeout` kept) and the `listen` line; the access log goes to `logDir`.
 */
export function renderParleyConf(text: string, o: { listen: string; replicas: string[]; logDir: string }): string {
  const replicas = /( *# --- replicas \(edit\) ---\n)((?: *server \S+ [^\n]*\n)+)( *# --- end of replicas ---)/;
  const match = replicas.exec(text);
  if (!match) throw new Error('ops/nginx/parley.conf: the marked replica list of upstream parley was not found');
  const options = /^ *server \S+ ([^\n]*)$/m.exec(match[2])![1];
  const servers = o.replicas.map((r) => `    server ${r} ${options}\n`).join('');
  const listen = /(# --- listener \(edit[^\n]*\n)( *listen [^\n]*\n)/;
  if (!listen.test(text)) throw new Error('ops/nginx/parley.conf: the marked listen line was not found');
  return text
    .replace(replicas, `$1${servers}$3`)
    .replace(listen, `$1    listen ${o.listen};\n`)
    .replaceAll('/var/log/nginx/', `${o.logDir}/`);
}

/** A running nginx. */
export interface Nginx {
  url: string;
  dir: string;
  /** The access log (format `parley`) and the error log, as written so far. */
  accessLog(): Promise<string>;
  errorLog(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Writes a main nginx.conf around the rendered parley.conf, checks it (`nginx -t`), starts nginx and waits until it
 * answers.
 */
export async function startNginx(replicas: string[]): Promise<Nginx> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-nginx-'));
  const port = await freePort();
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'];
  for (const t of temp) await mkdir(join(dir, t));
  const site = renderParleyConf(await readFile(NGINX_CONF, 'utf8'), {
    listen: `127.0.0.1:${port}`,
    replicas,
    logDir: dir,
  });
  await writeFile(join(dir, 'parley.conf'), site);
  const main = [
    // Workers run as the user starting nginx (root here): the temp dir is not the `nobody` user's.
    process.getuid?.() === 0 ? 'user root;' : '',
    'worker_processes 2;',
    `pid ${dir}/nginx.pid;`,
    `error_log ${dir}/error.log info;`,
    'events { worker_connections 512; }',
    'http {',
    '  access_log off;',
    // As operators often have it (Debian's nginx.conf turns gzip on): compressed answers must still stream.
    '  gzip on; gzip_min_length 1; gzip_types application/json text/event-stream;',
    ...temp.map((t) => `  ${t}_temp_path ${dir}/${t};`),
    `  include ${dir}/parley.conf;`,
    '}',
  ].join('\n');
  await writeFile(join(dir, 'nginx.conf'), main);
  const args = ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')];
  const check = spawnSync(NGINX_BIN, [...args, '-t'], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`nginx -t refused the configuration:\n${check.stderr}`);
  const child: ChildProcess = spawn(NGINX_BIN, [...args, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  // Ready when it answers /healthz through to a replica; a crashed nginx fails at once with its stderr.
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited (${child.exitCode}): ${stderr}`);
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`nginx did not answer within 10 s: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    url,
    dir,
    accessLog: () => readFile(join(dir, 'access.log'), 'utf8').catch(() => ''),
    errorLog: () => readFile(join(dir, 'error.log'), 'utf8').catch(() => ''),
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM'); // nginx's fast shutdown
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
