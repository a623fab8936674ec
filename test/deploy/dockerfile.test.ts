// The Dockerfile cannot be built here (no container engine): its build and run steps must be the README's
// production steps (which are `npm install && npm start` without the dev tools), and those steps are run in a
// clean copy of the tree, the server started as an unprivileged user that can write only its data directory.

import { execFile, spawn } from 'node:child_process';
import { chmod, chown, cp, mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { freePort } from './nginx.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

/** One Dockerfile instruction (continuation lines joined), with the index of its build stage. */
interface Instruction {
  stage: number;
  name: string;
  args: string;
}

export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let stage = -1;
  const lines = text.replace(/\\\n\s*/g, ' ').split('\n');
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [, name, args] = /^(\w+)\s+(.*)$/.exec(line) ?? [];
    if (!name) continue;
    if (name.toUpperCase() === 'FROM') stage++;
    out.push({ stage, name: name.toUpperCase(), args: args.trim() });
  }
  return out;
}

/** The shell lines of the first ```sh block after `heading` in the README. */
export function readmeSteps(readme: string, heading: string): string[] {
  const at = readme.indexOf(heading);
  if (at < 0) throw new Error(`README.md has no "${heading}" section`);
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(at));
  if (!block) throw new Error(`README.md: no sh block under "${heading}"`);
  return block[1]
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

const dockerfile = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const production = readmeSteps(readme, '### Run it in production');
const finalStage = Math.max(...dockerfile.map((i) => i.stage));

describe('Dockerfile', () => {
  it('builds with the README’s production steps, which are its install and start steps', () => {
    const buildRuns = dockerfile.filter((i) => i.stage === 0 && i.name === 'RUN').map((i) => i.args);
    const cmd = JSON.parse(dockerfile.find((i) => i.stage === finalStage && i.name === 'CMD')!.args) as string[];
    expect([...buildRuns, cmd.join(' ')]).toEqual(production);
    // "npm install && npm start" = install, then prestart (the build), then start; the prune only drops dev tools.
    const [install, start] = readmeSteps(readme, '## Start it')[0]
      .split('&&')
      .map((s) => s.trim());
    expect([install, start]).toEqual(['npm install', 'npm start']);
    expect(production[0].startsWith(`${install} `)).toBe(true);
    expect(production[1]).toBe(pkg.scripts.prestart);
    expect(production[2]).toMatch(/^npm prune --omit=dev\b/);
    expect(production[3]).toBe(pkg.scripts.start);
  });

  it('runs on Node.js 24 as the non-root `node` user, with /data as a volume, a health check and no dev dependencies', () => {
    const from = dockerfile.filter((i) => i.name === 'FROM').map((i) => i.args);
    const image = /^ARG NODE_IMAGE=(\S+)$/m.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))?.[1];
    expect(image).toMatch(/^node:24(-|$)/);
    expect(from).toEqual(['${NODE_IMAGE} AS build', '${NODE_IMAGE}']);
    const final = dockerfile.filter((i) => i.stage === finalStage);
    const get = (name: string) => final.filter((i) => i.name === name).map((i) => i.args);
    expect(get('USER')).toEqual(['node']);
    expect(get('VOLUME')).toEqual(['["/data"]']);
    expect(get('ENV').join(' ')).toMatch(/PARLEY_DATA_DIR=\/data/);
    expect(get('HEALTHCHECK').join(' ')).toMatch(/\/healthz/);
    // The final stage installs nothing: it copies the pruned node_modules and the built files.
    expect(get('RUN').join(' ')).not.toMatch(/npm/);
    expect(get('COPY').map((c) => c.split(' ').at(-2))).toEqual([
      '/app/package.json',
      '/app/node_modules',
      '/app/dist',
      '/app/web/dist',
    ]);
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const path of ['.git', 'node_modules', 'dist', '.parley', 'secrets']) expect(ignored).toContain(path);
  });

  it(
    'runs those steps in a clean copy of the tree: built, without dev dependencies, serving /healthz unprivileged',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'parley-clean-'));
      const app = join(dir, 'app');
      const data = join(dir, 'data');
      let server: ReturnType<typeof spawn> | undefined;
      try {
        // The tracked (and not ignored) files, as a checkout would have them.
        const { stdout } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
          cwd: ROOT,
          maxBuffer: 64 << 20,
        });
        for (const file of stdout.split('\0').filter((f) => f !== '' && existsSync(join(ROOT, f)))) {
          await mkdir(dirname(join(app, file)), { recursive: true });
          await cp(join(ROOT, file), join(app, file));
        }
        // The commands exactly as written; npm may answer from its cache without asking the registry again.
        const env = { ...process.env, npm_config_prefer_offline: 'true' };
        for (const step of production.slice(0, -1))
          await run('sh', ['-c', step], { cwd: app, env, maxBuffer: 64 << 20, timeout: 8 * 60_000 });
        // No package that only development needs (the lockfile marks them `dev`) is left; ajv, say, stays (fastify uses
        // it).
        const lock = JSON.parse(await readFile(join(app, 'package-lock.json'), 'utf8')) as {
          packages: Record<string, { dev?: boolean }>;
        };
        const devOnly = Object.entries(lock.packages)
          .filter(([path, p]) => p.dev === true && path.startsWith('node_modules/'))
          .map(([path]) => path);
        expect(devOnly.length).toBeGreaterThan(100);
        expect(devOnly.filter((path) => existsSync(join(app, path)))).toEqual([]);
        for (const dep of ['typescript', 'vitest', 'vite', 'tsx'])
          expect(existsSync(join(app, 'node_modules', dep)), dep).toBe(false);
        for (const dep of Object.keys(pkg.dependencies))
          expect(existsSync(join(app, 'node_modules', dep)), dep).toBe(true);

        // Like the image: the code belongs to root and is only readable; the data directory is the server's.
        await mkdir(data);
        const asRoot = process.getuid?.() === 0;
        if (asRoot) {
          await chmod(dir, 0o755);
          await chown(data, 65534, 65534); // nobody
        }
        const port = await freePort();
        const [command, ...args] = production.at(-1)!.split(' ');
        let output = '';
        server = spawn(command, args, {
          cwd: app,
          env: {
            PATH: process.env.PATH,
            HOST: '127.0.0.1',
            PORT: String(port),
            PARLEY_DATA_DIR: data,
            NODE_ENV: 'production',
          },
          ...(asRoot ? { uid: 65534, gid: 65534 } : {}), // nobody
        });
        server.stdout?.on('data', (d: Buffer) => (output += d.toString()));
        server.stderr?.on('data', (d: Buffer) => (output += d.toString()));
        const exited = new Promise<number | null>((resolve) => server!.once('exit', (code) => resolve(code)));
        const url = `http://127.0.0.1:${port}`;
        const deadline = Date.now() + 60_000;
        while (
          !(await fetch(`${url}/healthz`).then(
            (r) => r.status === 200,
            () => false,
          ))
        ) {
          if (server.exitCode !== null) throw new Error(`the server exited (${server.exitCode}): ${output}`);
          if (Date.now() > deadline) throw new Error(`no /healthz within 60 s: ${output}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        // Ready follows alive once the stores are open (the server listens first).
        while (
          !(await fetch(`${url}/readyz`).then(
            (r) => r.status === 200,
            () => false,
          ))
        ) {
          if (Date.now() > deadline) throw new Error(`no ready /readyz within 60 s: ${output}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        expect((await fetch(`${url}/`)).status).toBe(200); // the built UI is there
        expect(output).toContain('First start: an admin API key was created');
        server.kill('SIGTERM');
        expect(await exited).toBe(0);
        expect((await readdir(data)).length).toBeGreaterThan(0);
      } finally {
        if (server && server.exitCode === null) server.kill('SIGKILL');
        await rm(dir, { recursive: true, force: true });
      }
    },
    15 * 60_000,
  );
});
