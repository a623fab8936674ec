// Every validation problem is reported (not just the first) as "<path>: <problem> — <fix>".

import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/index.js';

function problemsOf(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfig(text, 'test.yaml', env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const VALID_PROVIDER = '  - { id: main, type: openai, apiKeys: ["env:K"] }\n';
const VALID_MODELS = 'models:\n  - { name: chat, targets: [{ provider: main, model: gpt }] }\n';
const SHAPE = /^\S.*: .+ — .+$/; // path: problem — fix

describe('schema problems', () => {
  it('suggests the right key for a typo', () => {
    const problems = problemsOf(`provders: []\nproviders:\n${VALID_PROVIDER}${VALID_MODELS}`);
    expect(problems).toEqual(["provders: unknown key 'provders' — did you mean 'providers'? (line 1)"]);
  });

  it('suggests camelCase for snake_case keys and lists known keys when nothing is close', () => {
    const problems = problemsOf(
      `providers:\n  - { id: main, type: openai, base_url: "http://x", zzzzqqq: 1 }\n${VALID_MODELS}`,
    );
    expect(problems).toContain("providers[0].base_url: unknown key 'base_url' — did you mean 'baseUrl'? (line 2)");
    expect(problems.find((p) => p.startsWith('providers[0].zzzzqqq'))).toMatch(
      /unknown key 'zzzzqqq' — remove it; known keys here: id, type, baseUrl/,
    );
  });

  it('names an unknown capability and lists the allowed ones; a target narrows its model', () => {
    const problems = problemsOf(
      `providers:\n${VALID_PROVIDER}models:\n  - { name: chat, capabilities: [tools, telepathy], ` +
        `targets: [{ provider: main, model: gpt }] }\n`,
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^models\[0\]\.capabilities\[1\]: .*tools.*vision.*json_schema.*reasoning/);
    const config = parseConfig(
      `providers:\n${VALID_PROVIDER}models:\n  - { name: chat, capabilities: [tools, vision], ` +
        `targets: [{ provider: main, model: gpt, capabilities: [vision, reasoning] }] }\nprivacy: { ` +
        `images: block }\n`,
      't.yaml',
      {},
    );
    expect(config.models[0]!.targets[0]!.capabilities).toEqual(['vision']);
    expect(config.privacyImages).toBe('block');
    expect(config.privacy).not.toHaveProperty('images');
  });

  it('explains wrong types', () => {
    const problems = problemsOf(`server: { port: "eighty", host: 12 }\nproviders: { id: main }\n`);
    expect(problems).toEqual([
      'server.host: expected text (got 12) — write it as a string (quote it if needed) (line 1)',
      "server.port: expected a number (got 'eighty') — write a plain number, without quotes or units (line 1)",
      'providers: expected a list (got a mapping) — write one item per line starting with "- ", or [a, b] (line 2)',
    ]);
  });

  it('explains ranges and whole numbers', () => {
    const problems = problemsOf('server: { port: 70000 }\nlimits: { maxTokens: 1.5 }\n');
    expect(problems).toEqual([
      'server.port: must be between 0 and 65535 (got 70000) — use a value between 0 and 65535 (line 1)',
      'limits.maxTokens: must be a whole number (got 1.5) — drop the fraction (line 2)',
    ]);
  });

  it('lists the allowed values of an enum and suggests the closest', () => {
    const problems = problemsOf(`providers:\n  - { id: main, type: opnai }\n${VALID_MODELS}cache: { mode: always }\n`);
    expect(problems).toEqual([
      "providers[0].type: must be one of openai, anthropic, demo (got 'opnai') — did you mean 'openai'? (line 2)",
      "cache.mode: must be one of off, opt-in, deterministic (got 'always') — use one of these (line 5)",
    ]);
  });

  it('explains durations and sizes', () => {
    const problems = problemsOf('server: { drainTimeout: 5 minutes, bodyLimit: 1zb }\nsessions: { idleTtl: -1 }\n');
    expect(problems).toEqual([
      "server.bodyLimit: expected a size like 1mb or a number of bytes (got '1zb') — write e.g. " +
        '65536, 512kb or 1mb (line 1)',
      "server.drainTimeout: expected a duration like 30s or a number of milliseconds (got '5 " +
        "minutes') — write e.g. 250ms, 30s, 5m, 1h or 2d (line 1)",
      'sessions.idleTtl: expected a duration like 30s or a number of milliseconds (got -1) — ' +
        'write e.g. 250ms, 30s, 5m, 1h or 2d (line 2)',
    ]);
  });

  it('names missing required keys and the provider id rule', () => {
    const problems = problemsOf(`providers:\n  - { id: Main_1 }\nmodels:\n  - { name: chat }\n`);
    expect(problems).toContain('providers[0].type: is required — add type: (one of openai, anthropic, demo) (line 2)');
    expect(problems).toContain(
      "providers[0].id: invalid value (got 'Main_1') — use lowercase letters, digits, - and _, " +
        'starting with a letter or digit (e.g. main) (line 2)',
    );
    expect(problems).toContain(
      'models[0].targets: is required — add targets: (The fallback chain, tried in order.) (line 4)',
    );
  });

  it('collects every problem, in every section, not just the first', () => {
    const problems = problemsOf(
      `server: { port: x }\nproviders:\n  - { id: a, type: nope }\n  - { id: b, type: openai, ` +
        `apiKeys: [42] }\nmodels:\n  - { name: m, targets: [{ provider: a, model: x, retry: { ` +
        `retries: 11 } }] }\nlogging: { level: loud }\n`,
    );
    expect(problems.map((p) => p.split(':')[0])).toEqual([
      'server.port',
      'providers[0].type',
      'providers[1].apiKeys[0]',
      'models[0].targets[0].retry.retries',
      'logging.level',
    ]);
    for (const p of problems) expect(p).toMatch(SHAPE);
  });
});

describe('secret references', () => {
  it('refuses literal keys without repeating them', () => {
    for (const literal of [
      'sk-proj-abcdef0123456789',
      'sk-ant-api03-xyz',
      'prl_0123456789abcdef',
      'AKIAABCDEFGHIJKLMNOP',
    ]) {
      const problems = problemsOf(
        `providers:\n  - { id: main, type: openai, apiKeys: ["${literal}"] }\n${VALID_MODELS}`,
      );
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(
        /^providers\[0\]\.apiKeys\[0\]: secrets must be references like env:OPENAI_KEY, never literals — /,
      );
      expect(problems[0]).not.toContain(literal);
    }
  });

  it('explains malformed references', () => {
    const problems = problemsOf(
      `providers:\n  - { id: main, type: openai, apiKeys: ["file:relative", "vault:secret/app", ` +
        `"env:1BAD", "plain"] }\n${VALID_MODELS}`,
    );
    expect(problems).toEqual([
      'providers[0].apiKeys[0]: a file reference needs an absolute path — write file:/run/secrets/name (line 2)',
      'providers[0].apiKeys[1]: a vault reference needs a path ' +
        'and a field — write vault:secret/data/app#field (line 2)',
      'providers[0].apiKeys[2]: an env reference needs a variable name of letters, digits and _ ' +
        '— write env:NAME (line 2)',
      'providers[0].apiKeys[3]: not a secret reference — write ' +
        'env:NAME, file:/absolute/path or vault:mount/path#field (line 2)',
    ]);
  });

  it('accepts the three kinds', () => {
    const config = parseConfig(
      `providers:\n  - { id: main, type: openai, apiKeys: ["env:A_1", "file:/run/secrets/k", ` +
        `"vault:secret/data/app#key"] }\n${VALID_MODELS}`,
      't',
      {},
    );
    expect(config.providers[0]?.apiKeys).toHaveLength(3);
  });
});

describe('cross-checks', () => {
  it('finds duplicate provider ids and model names', () => {
    const problems = problemsOf(
      `providers:\n${VALID_PROVIDER}  - { id: main, type: anthropic }\nmodels:\n  - { name: ` +
        `chat, targets: [{ provider: main, model: a }] }\n  - { name: chat, targets: [{ provider: ` +
        `main, model: b }] }\n`,
    );
    expect(problems).toEqual([
      "providers[1].id: duplicate provider id 'main' (also at index 0) — give each provider its own id (line 3)",
      "models[1].name: duplicate model name 'chat' (also at index 0) — give each model its own name (line 6)",
    ]);
  });

  it('names an unknown target provider, suggests the closest and lists the known ones', () => {
    const problems = problemsOf(
      `providers:\n${VALID_PROVIDER}  - { id: backup, type: anthropic }\nmodels:\n  - name: ` +
        `chat\n    targets:\n      - { provider: mian, model: a }\n      - { provider: other, model: b }\n`,
    );
    expect(problems).toEqual([
      "models[0].targets[0].provider: unknown provider 'mian' — did you mean 'main'? Known " +
        'providers: main, backup (line 7)',
      "models[0].targets[1].provider: unknown provider 'other' — use one of the known providers: main, backup (line 8)",
    ]);
  });

  it('requires models when providers are configured', () => {
    expect(problemsOf(`providers:\n${VALID_PROVIDER}`)).toEqual([
      'models: no models configured, so clients could call nothing — add one, e.g. - { name: ' +
        'chat, targets: [{ provider: main, model: gpt-4o-mini }] }',
    ]);
  });

  it('requires at least one target per model', () => {
    expect(problemsOf(`providers:\n${VALID_PROVIDER}models:\n  - { name: chat, targets: [] }\n`)).toEqual([
      "models[0].targets: model 'chat' has no targets — add at least one, e.g. - { provider: " +
        'main, model: gpt-4o-mini } (line 4)',
    ]);
  });

  it('checks base URLs, credential headers and merged resilience settings', () => {
    const problems = problemsOf(
      `providers:\n  - id: main\n    type: openai\n    baseUrl: "ftp://x"\n    headers: { ` +
        `Authorization: "Bearer x", X-Ok: fine }\n    retry: { baseDelay: 10s, maxDelay: 1s }\n  - ` +
        `{ id: b, type: openai, baseUrl: "https://u:p@h/v1" }\n${VALID_MODELS}`,
    );
    expect(problems).toEqual([
      'providers[0].baseUrl: must use http or https (got ftp:) — write an http:// or https:// URL (line 4)',
      'providers[0].headers.Authorization: credentials do not belong in headers — put them in ' +
        'apiKeys as secret references (env:NAME) (line 5)',
      'providers[1].baseUrl: must not contain credentials — remove user:password@ and put keys ' +
        'in apiKeys as secret references (line 7)',
    ]);
    const merged = problemsOf(
      `providers:\n  - { id: main, type: openai, retry: { baseDelay: 10s, maxDelay: 1s } }\n${VALID_MODELS}`,
    );
    expect(merged).toContain(
      'providers[0].retry.baseDelay: is longer than retry.maxDelay — lower baseDelay or raise maxDelay (line 2)',
    );
  });

  it('checks trusted proxies: addresses or CIDR networks, IPv4 and IPv6', () => {
    const problems = problemsOf(
      `server:\n  trustedProxies: [127.0.0.1, "10.0.0.0/8", "::1", "fd00::/8", nginx, ` +
        `"10.0.0.0/33", "::/x"]\nproviders:\n${VALID_PROVIDER}${VALID_MODELS}`,
    );
    const hint = 'write an address or a network, e.g. 127.0.0.1, 10.0.0.0/8, ::1 or fd00::/8';
    expect(problems).toEqual([
      `server.trustedProxies[4]: not an IP address (got 'nginx') — ${hint} (line 2)`,
      `server.trustedProxies[5]: the prefix after / must be a whole number from 0 to 32 (got '33') — ${hint} (line 2)`,
      `server.trustedProxies[6]: the prefix after / must be a whole number from 0 to 128 (got 'x') — ${hint} (line 2)`,
    ]);
    expect(
      parseConfig(`server: { trustedProxies: ["10.0.0.0/8", "::1"] }\n`, 'test.yaml', {}).server.trustedProxies,
    ).toEqual(['10.0.0.0/8', '::1']);
    expect(parseConfig('', 'test.yaml', {}).server.trustedProxies).toEqual([]);
  });
});

describe('YAML syntax errors', () => {
  it('give the line and column', () => {
    const problems = problemsOf('server:\n  port: [8080\nproviders: []\n');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^line 3, column \d+: YAML syntax error: .+ — fix the indentation, quoting or brackets at that spot$/,
    );
  });

  it('refuse duplicate keys', () => {
    expect(problemsOf('server: {}\nserver: {}\n')[0]).toMatch(
      /^line 2, column 1: YAML syntax error: Map keys must be unique/,
    );
  });

  it('refuse a file that is not a mapping', () => {
    expect(problemsOf('- a\n- b\n')).toEqual([
      expect.stringMatching(/^\(top level\): expected a mapping of keys .* — see examples/),
    ]);
  });

  it('the ConfigError message lists every problem with the source', () => {
    try {
      parseConfig('server: { port: x, host: 1 }', 'my.yaml', {});
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(
        /^Invalid configuration in my\.yaml \(2 problems\):\n {2}- server\.host: .*\n {2}- server\.port: /,
      );
    }
  });
});
