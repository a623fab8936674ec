// Loading the configuration: the product contract, defaults, env overrides, demo mode, merge order, freezing.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RESILIENCE } from '../../src/domain/index.js';
import { ConfigError, createSecretResolver, loadConfig, parseConfig } from '../../src/config/index.js';

const fixture = (name: string) => join(import.meta.dirname, 'fixtures', name);

describe('the configuration contract of PRODUCT.md', () => {
  it('loads unchanged, with the env vars set, and its env secrets resolve', async () => {
    const env = { MAIN_KEY_A: 'key-a', MAIN_KEY_B: 'key-b' };
    const config = await loadConfig({ file: fixture('product-example.yaml'), env });
    expect(config.demoMode).toBe(false);
    expect(config.server).toMatchObject({ host: '127.0.0.1', port: 8080 });
    expect(config.providers.map((p) => [p.id, p.type, p.baseUrl])).toEqual([
      ['main', 'openai', 'http://127.0.0.1:9000/v1'],
      ['backup', 'anthropic', 'http://127.0.0.1:9001'],
    ]);
    expect(config.providers[0]?.apiKeys).toEqual(['env:MAIN_KEY_A', 'env:MAIN_KEY_B']);
    expect(config.providers[1]?.apiKeys).toEqual(['file:/run/secrets/anthropic']);
    expect(config.models).toHaveLength(1);
    expect(config.models[0]?.name).toBe('chat');
    expect(config.models[0]?.targets.map((t) => `${t.provider}/${t.model}`)).toEqual([
      'main/gpt-4o-mini',
      'backup/claude-haiku-4-5',
    ]);
    expect(config.models[0]?.capabilities).toEqual(['tools', 'vision', 'json_schema', 'reasoning']);
    expect(config.models[0]?.targets[1]?.capabilities).toEqual(['tools', 'vision', 'json_schema', 'reasoning']);
    expect(config.privacyImages).toBe('allow');
    const resolver = createSecretResolver({ env });
    await expect(Promise.all(config.providers[0]!.apiKeys.map((k) => resolver.resolve(k)))).resolves.toEqual([
      'key-a',
      'key-b',
    ]);
    resolver.close();
  });

  it('gives the defaults operators count on: 2 retries, retry-after up to 10 s, first byte 30 s, idle sessions 30 min', async () => {
    const config = await loadConfig({ file: fixture('product-example.yaml'), env: {} });
    for (const target of config.models[0]!.targets) {
      expect(target.resilience.retry.retries).toBe(2);
      expect(target.resilience.retry.maxRetryAfterMs).toBe(10_000);
      expect(target.resilience.timeouts.firstByteMs).toBe(30_000);
      expect(target.resilience).toEqual(DEFAULT_RESILIENCE);
    }
    expect(config.sessions.idleTtlMs).toBe(30 * 60_000);
  });
});

describe('defaults', () => {
  const config = parseConfig(
    'providers: [{ id: p, type: openai }]\nmodels: [{ name: m, targets: [{ provider: p, model: x }] }]\n',
    't.yaml',
    {},
  );

  it('fills every section', () => {
    expect(config.server).toEqual({
      host: '127.0.0.1',
      port: 8080,
      bodyLimitBytes: 1024 * 1024,
      drainDelayMs: 0,
      drainTimeoutMs: 10_000,
      refuseConnectionsWhileUnready: false,
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      trustedProxies: [],
    });
    expect(config.sessions).toEqual({
      idleTtlMs: 1_800_000,
      maxLifetimeMs: 86_400_000,
      sweepIntervalMs: 60_000,
      maxSessionsPerOwner: 100,
    });
    expect(config.cache).toEqual({ mode: 'opt-in', ttlMs: 600_000, maxEntries: 1000 });
    expect(config.limits).toEqual({ maxMessages: 200, maxMessageChars: 100_000, maxTokens: 32_768 });
    expect(config.logging.level).toBe('info');
    expect(config.dataDir).toBe(resolve('.parley'));
  });

  it('fills provider and model defaults, with the base URL chosen by type', () => {
    const p = config.providers[0]!;
    expect(p).toMatchObject({
      baseUrl: 'https://api.openai.com/v1',
      apiKeys: [],
      headers: {},
      anthropicVersion: '2023-06-01',
      maxConnections: 64,
    });
    expect(p.resilience).toEqual(DEFAULT_RESILIENCE);
    expect(p.limits).toEqual({ maxEventChars: 1024 * 1024, maxBodyBytes: 8 * 1024 * 1024, maxAnswerTokens: 131_072 });
    const anthropic = parseConfig(
      'providers: [{ id: a, type: anthropic, baseUrl: "http://h:1/" }, { id: b, type: anthropic ' +
        '}]\nmodels: [{ name: m, targets: [{ provider: a, model: x }] }]',
      't',
      {},
    );
    expect(anthropic.providers.map((x) => x.baseUrl)).toEqual(['http://h:1', 'https://api.anthropic.com']);
    expect(config.models[0]).toEqual({
      name: 'm',
      description: '',
      contextTokens: 8192,
      targets: [expect.objectContaining({ provider: 'p', model: 'x' })],
    });
    expect('maxOutputTokens' in config.models[0]!).toBe(false);
  });
});

describe('environment overrides', () => {
  it('HOST, PORT, PARLEY_DATA_DIR and LOG_LEVEL win over the file', () => {
    const text = 'server: { host: 0.0.0.0, port: 1 }\ndataDir: /var/x\nlogging: { level: warn }\n';
    const config = parseConfig(text, 't', {
      HOST: '::1',
      PORT: '9090',
      PARLEY_DATA_DIR: 'rel/data',
      LOG_LEVEL: 'DEBUG',
    });
    expect(config.server.host).toBe('::1');
    expect(config.server.port).toBe(9090);
    expect(config.dataDir).toBe(resolve('rel/data'));
    expect(isAbsolute(config.dataDir)).toBe(true);
    expect(config.logging.level).toBe('debug');
    expect(parseConfig(text, 't', {}).server.port).toBe(1);
  });

  it('reports bad values naming the variable', () => {
    const err = catchConfigError(() => parseConfig('', 't', { PORT: 'http', LOG_LEVEL: 'loud' }));
    expect(err.problems).toEqual([
      expect.stringMatching(/^PORT \(environment\): expected a port number .*\(got 'http'\) — set PORT/),
      expect.stringMatching(/^LOG_LEVEL \(environment\): must be one of fatal, .* — /),
    ]);
  });
});

describe('demo mode', () => {
  it('with no file at all: one demo provider and one demo model', async () => {
    const config = await loadConfig({ env: {} });
    expect(config.demoMode).toBe(true);
    expect(config.providers.map((p) => [p.id, p.type])).toEqual([['demo', 'demo']]);
    expect(config.models.map((m) => [m.name, m.targets.map((t) => t.provider)])).toEqual([['demo', ['demo']]]);
  });

  it('with a file that configures no providers and no models', () => {
    expect(parseConfig('server: { port: 0 }', 't', {}).demoMode).toBe(true);
  });
});

describe('loadConfig files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-config-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads PARLEY_CONFIG when no file is given', async () => {
    const file = join(dir, 'p.yaml');
    await writeFile(
      file,
      'providers: [{ id: x, type: demo }]\nmodels: [{ name: y, targets: [{ provider: x, model: d }] }]\n',
    );
    const config = await loadConfig({ env: { PARLEY_CONFIG: file } });
    expect(config.demoMode).toBe(false);
    expect(config.models[0]?.name).toBe('y');
  });

  it('names a missing file and how to fix it', async () => {
    const err = await loadConfig({ file: join(dir, 'nope.yaml'), env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems[0]).toMatch(
      /nope\.yaml: cannot read the configuration file \(ENOENT\) — check the path/,
    );
  });

  it('loads examples/parley.example.yaml', async () => {
    const config = await loadConfig({ file: join(import.meta.dirname, '../../examples/parley.example.yaml'), env: {} });
    expect(config.providers.map((p) => p.id)).toEqual(['main', 'backup', 'local']);
    expect(config.models.map((m) => m.name)).toEqual(['chat', 'local']);
  });
});

describe('resilience merge order: defaults ⊕ provider ⊕ target', () => {
  const text = `
providers:
  - id: p
    type: openai
    timeouts: { connect: 2s, firstByte: 5s }
    retry: { retries: 4 }
    breaker: { cooldown: 1m }
models:
  - name: m
    targets:
      - provider: p
        model: a
        timeouts: { firstByte: 1500ms }
        breaker: { failureThreshold: 9 }
      - { provider: p, model: b }
`;
  const config = parseConfig(text, 't', {});

  it('provider settings override the defaults key by key', () => {
    const r = config.providers[0]!.resilience;
    expect(r.timeouts).toEqual({ ...DEFAULT_RESILIENCE.timeouts, connectMs: 2000, firstByteMs: 5000 });
    expect(r.retry).toEqual({ ...DEFAULT_RESILIENCE.retry, retries: 4 });
    expect(r.breaker).toEqual({ ...DEFAULT_RESILIENCE.breaker, cooldownMs: 60_000 });
  });

  it('target settings override the provider key by key; a target without overrides inherits the provider', () => {
    const [a, b] = config.models[0]!.targets;
    expect(a!.resilience.timeouts).toEqual({ ...DEFAULT_RESILIENCE.timeouts, connectMs: 2000, firstByteMs: 1500 });
    expect(a!.resilience.retry.retries).toBe(4);
    expect(a!.resilience.breaker).toEqual({ ...DEFAULT_RESILIENCE.breaker, cooldownMs: 60_000, failureThreshold: 9 });
    expect(b!.resilience).toEqual(config.providers[0]!.resilience);
  });
});

describe('YAML conveniences', () => {
  it('supports anchors and merge keys for shared settings', () => {
    const anchored = [
      'providers:',
      '  - { id: a, type: openai, timeouts: &fast { connect: 1s, firstByte: 2s } }',
      '  - { id: b, type: openai, timeouts: { <<: *fast, idle: 3s } }',
      'models:',
      '  - { name: m, targets: [{ provider: b, model: x }] }',
    ].join('\n');
    const t = parseConfig(anchored, 't', {}).providers[1]!.resilience.timeouts;
    expect([t.connectMs, t.firstByteMs, t.idleMs]).toEqual([1000, 2000, 3000]);
  });
});

describe('the resolved configuration is frozen', () => {
  it('cannot be changed at any depth', () => {
    const config = parseConfig(
      'providers: [{ id: p, type: openai, apiKeys: ["env:K"] }]\nmodels: [{ name: m, targets: [{ ' +
        'provider: p, model: a }] }]',
      't',
      {},
    );
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      (config.server as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(() => {
      config.providers[0]!.apiKeys.push('env:OTHER');
    }).toThrow(TypeError);
    expect(() => {
      (config.models[0]!.targets[0]!.resilience.retry as { retries: number }).retries = 99;
    }).toThrow(TypeError);
    expect(config.models[0]!.targets[0]!.resilience.retry.retries).toBe(2);
    expect(DEFAULT_RESILIENCE.retry.retries).toBe(2);
  });
});

function catchConfigError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}
