// POST /v1/embeddings end to end: the openai SDK (float and base64), the AI SDK's embed/embedMany, fallback,
// privacy, secrets, cache, rate limits, Anthropic targets refused and bad input, against the mock upstream.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { embed, embedMany } from 'ai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { DEFAULT_AUDIT_FILE_NAME } from '../../src/audit/audit-log.js';
import { mockEmbedding, mockInputTokens } from '../../src/mock-upstream/index.js';
import type { MockUpstream } from '../../src/mock-upstream/index.js';
import { keyOf, postJson, startStack, type Stack } from '../integration/harness.js';

const SMALL = 'text-embedding-3-small';
const ENV = { MAIN_KEY: 'key-main', SPARE_KEY: 'key-spare', ANTH_KEY: 'key-anth' };

/** Providers main and spare (OpenAI-compatible) and anth (Anthropic), all on the mock; aliases for each case. */
function embeddingsYaml(
  extra: string,
  breaker = '{ failureThreshold: 50, window: 10s, cooldown: 500ms, halfOpenProbes: 1 }',
): (mockUrl: string) => string {
  const resilience = `    timeouts: { connect: 1s, firstByte: 2s, idle: 2s, total: 8s }
    retry: { retries: 1, baseDelay: 5ms, maxDelay: 20ms, maxRetryAfter: 1s }
    breaker: ${breaker}`;
  return (mockUrl) => `
server: { host: 127.0.0.1, port: 0, drainTimeout: 2s }
logging: { level: info }
auth: { anonymous: true }
limits: { maxMessageChars: 2000 }
providers:
  - id: main
    type: openai
    baseUrl: ${mockUrl}/v1
    apiKeys: [env:MAIN_KEY]
${resilience}
  - id: spare
    type: openai
    baseUrl: ${mockUrl}/v1
    apiKeys: [env:SPARE_KEY]
${resilience}
  - id: anth
    type: anthropic
    baseUrl: ${mockUrl}
    apiKeys: [env:ANTH_KEY]
${resilience}
models:
  - name: embed
    targets:
      - { provider: main, model: ${SMALL} }
      - { provider: spare, model: ${SMALL} }
  - name: embed-fallback
    targets:
      - { provider: main, model: broken-embedder }
      - { provider: spare, model: ${SMALL} }
  - name: mixed
    targets:
      - { provider: anth, model: claude-haiku-4-5 }
      - { provider: main, model: ${SMALL} }
  - name: anth-only
    targets:
      - { provider: anth, model: claude-haiku-4-5 }
${extra}
`;
}

const embeddingRequests = (mock: MockUpstream) => mock.requests.filter((r) => r.path === '/v1/embeddings');
const lastUpstreamBody = (mock: MockUpstream) => embeddingRequests(mock).at(-1)!.body as Record<string, unknown>;

/** Little-endian float32 from base64, as OpenAI sends it. */
function decodeBase64(text: string): number[] {
  const bytes = Buffer.from(text, 'base64');
  return Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
}

let stack: Stack;
let url: string;
let client: OpenAI;

beforeAll(async () => {
  stack = await startStack({
    yaml: embeddingsYaml(
      'cache: { mode: deterministic, ttl: 10m, maxEntries: 100 }\nrateLimits: { ' +
        'requestsPerMinute: 0, tokensPerMinute: 0, concurrentStreams: 0 }',
    ),
    env: ENV,
    mock: { modelScenarios: { 'broken-embedder': { failFirst: 1_000_000, failStatus: 503 } } },
    principals: ['sdk'],
  });
  url = `${stack.url}/v1/embeddings`;
  client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: stack.keys.sdk, maxRetries: 0, timeout: 10_000 });
});
afterAll(async () => stack?.close());
beforeEach(() => {
  stack.mock.resetScenario();
  stack.mock.clearRequests();
});

/** A text no other test sends (the cache is on). */
let counter = 0;
const fresh = (text: string): string => `${text} #${++counter}`;

describe('openai SDK: embeddings.create', () => {
  it("float: OpenAI's shape, the upstream's vector exactly, usage and the alias as model", async () => {
    const text = fresh('float vector');
    const result = await client.embeddings.create({ model: 'embed', input: text, encoding_format: 'float' });
    expect(result.object).toBe('list');
    expect(result.model).toBe('embed');
    expect(result.data).toHaveLength(1);
    expect(result.data[0].object).toBe('embedding');
    expect(result.data[0].index).toBe(0);
    expect(result.data[0].embedding).toEqual(mockEmbedding(SMALL, text));
    expect(result.usage).toEqual({ prompt_tokens: mockInputTokens(text), total_tokens: mockInputTokens(text) });
    expect(lastUpstreamBody(stack.mock)).toEqual({ model: SMALL, input: [text], encoding_format: 'float' });
  });

  it("base64 (the SDK's default): asked upstream as base64, decoded by the SDK to the same float32 values", async () => {
    const texts = [fresh('first'), fresh('second')];
    const result = await client.embeddings.create({ model: 'embed', input: texts });
    expect(lastUpstreamBody(stack.mock).encoding_format).toBe('base64');
    expect(result.data.map((d) => d.index)).toEqual([0, 1]);
    expect(result.data[0].embedding).toEqual(mockEmbedding(SMALL, texts[0]));
    expect(result.data[1].embedding).toEqual(mockEmbedding(SMALL, texts[1]));
  });

  it('base64 on the wire is a string of little-endian float32; dimensions shortens every vector', async () => {
    const texts = [fresh('a'), fresh('b'), fresh('c')];
    const res = await postJson(url, { model: 'embed', input: texts, encoding_format: 'base64', dimensions: 256 });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: { index: number; embedding: string }[] };
    expect(body.data.map((d) => d.index)).toEqual([0, 1, 2]);
    body.data.forEach((d, i) => {
      expect(typeof d.embedding).toBe('string');
      expect(decodeBase64(d.embedding)).toEqual(mockEmbedding(SMALL, texts[i], 256));
    });
    expect(lastUpstreamBody(stack.mock).dimensions).toBe(256);
  });

  it('the user field is accepted and not forwarded', async () => {
    const result = await client.embeddings.create({
      model: 'embed',
      input: fresh('with user'),
      encoding_format: 'float',
      user: 'end-user-42',
    });
    expect(result.data).toHaveLength(1);
    expect(lastUpstreamBody(stack.mock)).not.toHaveProperty('user');
  });

  it("an upstream refusal (dimensions above the model's size) is a 400 in OpenAI's envelope, raised as the SDK's BadRequestError", async () => {
    const error = await client.embeddings
      .create({ model: 'embed', input: fresh('too wide'), dimensions: 5000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).message).toMatch(/dimensions/);
  });
});

describe('AI SDK: embed and embedMany', () => {
  const parley = () => createOpenAICompatible({ name: 'parley', baseURL: `${stack.url}/v1`, apiKey: stack.keys.sdk });

  it('embed returns the vector and the token usage', async () => {
    const value = fresh('ai sdk embed');
    const result = await embed({ model: parley().embeddingModel('embed'), value, maxRetries: 0 });
    expect(result.embedding).toEqual(mockEmbedding(SMALL, value));
    expect(result.usage.tokens).toBe(mockInputTokens(value));
  });

  it('embedMany returns one vector per value, in order', async () => {
    const values = [fresh('one'), fresh('two'), fresh('three')];
    const result = await embedMany({ model: parley().embeddingModel('embed'), values, maxRetries: 0 });
    expect(result.embeddings).toEqual(values.map((v) => mockEmbedding(SMALL, v)));
    expect(result.usage.tokens).toBe(values.reduce((n, v) => n + mockInputTokens(v), 0));
  });
});

describe('routing, privacy, secrets and cache', () => {
  it('falls back to the next target when the first keeps failing (after its retry)', async () => {
    const text = fresh('fallback');
    const res = await postJson(url, { model: 'embed-fallback', input: text });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-parley-provider')).toBe('spare');
    const body = (await res.json()) as { data: { embedding: number[] }[] };
    expect(body.data[0].embedding).toEqual(mockEmbedding(SMALL, text));
    expect(embeddingRequests(stack.mock).map((r) => (r.body as { model: string }).model)).toEqual([
      'broken-embedder',
      'broken-embedder',
      SMALL,
    ]);
  });

  it('personal data is redacted before it leaves (pseudonymise acts as redact): the upstream never sees the email or phone', async () => {
    const text = fresh('Write to jane.doe@example.com or call +1 415 555 0134 today');
    const res = await postJson(url, { model: 'embed', input: [text, 'plain text'] });
    expect(res.status).toBe(200);
    const sent = lastUpstreamBody(stack.mock).input as string[];
    const wire = JSON.stringify(stack.mock.requests);
    expect(wire).not.toContain('jane.doe@example.com');
    expect(wire).not.toContain('555 0134');
    expect(sent[0]).toMatch(/\[REDACTED_EMAIL\]/);
    expect(sent[0]).toMatch(/\[REDACTED_PHONE\]/);
    expect(sent[0]).not.toMatch(/\[EMAIL_\d+\]/);
    expect(sent[1]).toBe('plain text');
    // The vector is the redacted text's.
    const body = (await res.json()) as { data: { embedding: number[] }[] };
    expect(body.data[0].embedding).toEqual(mockEmbedding(SMALL, sent[0]));
    // Audited and counted as for chat completions (counts only), with the action actually taken.
    await stack.parley.audit.flush();
    const audit = (await readFile(join(stack.dataDir, DEFAULT_AUDIT_FILE_NAME), 'utf8'))
      .split('\n')
      .filter((l) => l.includes('"privacy.protected"'));
    expect(audit.some((l) => l.includes('"model:embed"') && l.includes('"email":1') && l.includes('"phone":1'))).toBe(
      true,
    );
    expect(audit.join('\n')).not.toContain('jane.doe');
    const metrics = await stack.parley.metrics.render();
    expect(metrics).toMatch(/parley_privacy_protected_total\{category="email",action="redact"\} [1-9]/);
    expect(metrics).toMatch(
      /parley_chat_requests_total\{api="embeddings",model="embed",provider="main",outcome="success",stream="false"\} [1-9]/,
    );
  });

  it("a malformed answer moves on to the next target; when every target answers so, a 502 in OpenAI's envelope", async () => {
    stack.mock.setScenario({ malformed: 'bad-json' });
    const res = await postJson(url, { model: 'embed', input: fresh('malformed') });
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('upstream_protocol');
    expect(embeddingRequests(stack.mock).map((r) => keyOf(r))).toEqual(['key-main', 'key-spare']);
  });

  it('a secret in any input is refused with 422 content_blocked and nothing is sent', async () => {
    const res = await postJson(url, { model: 'embed', input: ['fine', `key sk-proj-${'A1b2C3d4E5'.repeat(4)}`] });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { error: { code: string; param: string; message: string } };
    expect(body.error.code).toBe('content_blocked');
    expect(body.error.param).toBe('input');
    expect(body.error.message).toMatch(/^Your input contains a secret/);
    expect(embeddingRequests(stack.mock)).toHaveLength(0);
  });

  it('token arrays are refused while the privacy filter scans (it cannot read them)', async () => {
    const res = await postJson(url, { model: 'embed', input: [[1, 2, 3]] });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { param: string; message: string } };
    expect(body.error.param).toBe('input');
    expect(body.error.message).toMatch(/token arrays.*privacy filter cannot scan/);
    expect(embeddingRequests(stack.mock)).toHaveLength(0);
  });

  it('caches by exact input: the same model, input, dimensions and encoding hit; any difference misses', async () => {
    const text = fresh('cache me');
    const body = { model: 'embed', input: [text], encoding_format: 'float' };
    const first = await postJson(url, body);
    expect(first.headers.get('x-parley-cache')).toBe('miss');
    const second = await postJson(url, body);
    expect(second.headers.get('x-parley-cache')).toBe('hit');
    expect(second.headers.get('x-parley-provider')).toBe('main');
    expect(await second.json()).toEqual(await first.json());
    expect(embeddingRequests(stack.mock)).toHaveLength(1);
    for (const changed of [
      { ...body, dimensions: 64 },
      { ...body, encoding_format: 'base64' },
      { ...body, input: [`${text} `] },
      { ...body, model: 'mixed' },
    ]) {
      expect((await postJson(url, changed)).headers.get('x-parley-cache')).toBe('miss');
    }
    expect((await postJson(url, body, { 'x-parley-cache': 'bypass' })).headers.get('x-parley-cache')).toBe('bypass');
    expect(embeddingRequests(stack.mock)).toHaveLength(6);
  });

  it('does not cache an answer whose vectors exceed 1 MiB (the memory cache bounds entries, not bytes)', async () => {
    const body = {
      model: 'embed',
      input: Array.from({ length: 200 }, (_, i) => fresh(`big ${i}`)),
      dimensions: 1536,
      encoding_format: 'base64',
    };
    const before = embeddingRequests(stack.mock).length;
    const first = await postJson(url, body);
    expect(first.status, await first.clone().text()).toBe(200);
    expect(first.headers.get('x-parley-cache')).toBe('miss');
    expect((await postJson(url, body)).headers.get('x-parley-cache')).toBe('miss');
    expect(embeddingRequests(stack.mock)).toHaveLength(before + 2);
  });
});

describe('Anthropic targets', () => {
  it('are left out of a mixed chain (named in x-parley-skipped-targets); the OpenAI-compatible target answers', async () => {
    const res = await postJson(url, { model: 'mixed', input: fresh('mixed chain') });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-parley-provider')).toBe('main');
    expect(res.headers.get('x-parley-skipped-targets')).toBe('anth/claude-haiku-4-5:embeddings');
    expect(stack.mock.requests.filter((r) => r.path === '/v1/messages')).toHaveLength(0);
  });

  it('a chain of Anthropic targets only is a 400 naming the model', async () => {
    const res = await postJson(url, { model: 'anth-only', input: 'hello' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; param: string; message: string } };
    expect(body.error.param).toBe('model');
    expect(body.error.message).toMatch(/The model "anth-only" cannot serve embeddings/);
    expect(body.error.message).toMatch(/anth\/claude-haiku-4-5 \(anthropic\)/);
    expect(stack.mock.requests).toHaveLength(0);
  });
});

describe('bad input is a clear 4xx, and nothing reaches the provider', () => {
  it.each([
    ['an empty string', { input: '' }, 400, /input is an empty string/],
    ['an empty array', { input: [] }, 400, /input is an empty array/],
    ['an empty string in an array', { input: ['a', ''] }, 400, /input\[1\] is an empty string/],
    ['more than 2048 inputs', { input: Array.from({ length: 2049 }, () => 'x') }, 400, /2049 items; at most 2048/],
    ['a mixed array', { input: ['a', 1] }, 400, /input\[1\] must be a string/],
    [
      'an input over limits.maxMessageChars',
      { input: 'x'.repeat(2001) },
      400,
      /2001 characters; one input may have at most 2000/,
    ],
    [
      'a token array over 8192 tokens',
      { input: Array.from({ length: 8193 }, () => 1) },
      400,
      /8193 tokens; one input may have at most 8192/,
    ],
    ['a negative token id', { input: [[1, -2]] }, 400, /input\[0\]\[1\] must be a token id/],
    [
      'text inside a token array (named by its type, never quoted back)',
      { input: [[1, 'my password is hunter2']] },
      400,
      /input\[0\]\[1\] must be a token id \(a non-negative integer\); got a string\.$/,
    ],
    ['an object as input', { input: { text: 'x' } }, 400, /input must be a string, an array of strings/],
    ['a missing input', { input: undefined }, 400, /input/],
    ['an unknown encoding_format', { encoding_format: 'int8' }, 400, /encoding_format/],
    ['dimensions 0', { dimensions: 0 }, 400, /dimensions/],
    ['an unknown field', { temperature: 0 }, 400, /unknown field "temperature"/],
    ['an unknown model', { model: 'nope' }, 404, /The model "nope" does not exist/],
  ])('%s', async (_name, change, status, message) => {
    const res = await postJson(url, { model: 'embed', input: 'hello', ...change });
    expect(res.status).toBe(status);
    const body = (await res.json()) as { error: { message: string; type: string } };
    expect(body.error.message).toMatch(message);
    expect(body.error.type).toBe(status === 404 ? 'not_found_error' : 'invalid_request_error');
    expect(embeddingRequests(stack.mock)).toHaveLength(0);
  });
});

describe('token rate limit, breakers, and token arrays without a privacy filter', () => {
  let limited: Stack;
  const allow = [
    'email',
    'phone',
    'card',
    'iban',
    'ssn',
    'ip',
    'person',
    'address',
    'date_of_birth',
    'national_id',
    'passport',
    'mac',
    'private_key',
    'jwt',
    'anthropic_key',
    'openai_key',
    'aws_key',
    'github_token',
    'stripe_key',
    'url_credentials',
    'credential',
  ]
    .map((c) => `${c}: allow`)
    .join(', ');
  beforeAll(async () => {
    limited = await startStack({
      yaml: embeddingsYaml(
        `rateLimits: { requestsPerMinute: 0, tokensPerMinute: 60, concurrentStreams: 0 }\nprivacy: ` +
          `{ ${allow} }\ncache: { mode: off }`,
        '{ failureThreshold: 2, window: 60s, cooldown: 60s, halfOpenProbes: 1 }',
      ),
      env: ENV,
      mock: { modelScenarios: { 'broken-embedder': { failFirst: 1_000_000, failStatus: 500 } } },
    });
  });
  afterAll(async () => limited?.close());

  it('token arrays pass through unchanged when the privacy filter is off', async () => {
    const res = await postJson(`${limited.url}/v1/embeddings`, {
      model: 'embed',
      input: [[5, 6, 7], [8]],
      encoding_format: 'float',
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: { embedding: number[] }[]; usage: { prompt_tokens: number } };
    expect((limited.mock.requests.at(-1)!.body as { input: unknown }).input).toEqual([[5, 6, 7], [8]]);
    expect(body.data[0].embedding).toEqual(mockEmbedding(SMALL, [5, 6, 7]));
    expect(body.usage.prompt_tokens).toBe(4);
  });

  it('the deployment breaker of a failing embedding model opens: later calls skip it and go straight to the fallback', async () => {
    const broken = () =>
      embeddingRequests(limited.mock).filter((r) => (r.body as { model: string }).model === 'broken-embedder').length;
    const first = await postJson(`${limited.url}/v1/embeddings`, { model: 'embed-fallback', input: [[1]] });
    expect(first.status).toBe(200);
    expect(broken()).toBe(2); // the try and its retry: two failures open the breaker of main/broken-embedder
    const second = await postJson(`${limited.url}/v1/embeddings`, { model: 'embed-fallback', input: [[2]] });
    expect(second.status).toBe(200);
    expect(second.headers.get('x-parley-provider')).toBe('spare');
    expect(broken()).toBe(2);
    expect(await limited.parley.metrics.render()).toMatch(
      /parley_circuit_state\{provider="main",model="broken-embedder",key_id="main#0"\} 2/,
    );
    // The same provider and key with another model is unaffected: each deployment has its own breaker.
    expect(await limited.parley.metrics.render()).toMatch(
      /parley_circuit_state\{provider="main",model="text-embedding-3-small",key_id="main#0"\} 0/,
    );
  });

  it('input tokens count against tokensPerMinute: once charged past the budget, the next request is a 429', async () => {
    let refused: Response | undefined;
    let charged = 0;
    for (let i = 0; i < 10 && !refused; i++) {
      const res = await postJson(`${limited.url}/v1/embeddings`, { model: 'embed', input: 'y'.repeat(120) });
      if (res.status === 429) refused = res;
      else {
        expect(res.status).toBe(200);
        charged += ((await res.json()) as { usage: { prompt_tokens: number } }).usage.prompt_tokens;
      }
    }
    expect(refused, 'never refused').toBeDefined();
    expect(charged).toBeGreaterThanOrEqual(60);
    expect(((await refused!.json()) as { error: { message: string } }).error.message).toMatch(/60 tokens per minute/);
    expect(refused!.headers.get('ratelimit-policy')).toBe('"tokens";q=60;w=60');
  });
});
